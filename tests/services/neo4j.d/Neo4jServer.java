// A Neo4j DBMS for kcd's integration tests: Neo4j Community's own classes (Maven Central's
// org.neo4j:neo4j) started in-process with only the Bolt connector, on 127.0.0.1, unencrypted.
// Arguments: home directory, Bolt port, initial password of user neo4j ("none": auth disabled).
import java.nio.file.Files;
import java.nio.file.Path;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

public class Neo4jServer {
    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        String password = args[2];
        boolean auth = !password.equals("none");
        if (auth && !Files.exists(home.resolve("data/dbms/auth.ini"))) {
            // the initial password, as `neo4j-admin dbms set-initial-password` writes it
            Files.createDirectories(home.resolve("data/dbms"));
            Files.writeString(home.resolve("data/dbms/auth.ini"),
                "neo4j:" + org.neo4j.server.security.auth.LegacyCredential.forPassword(password).serialize()
                    + ":\n");
        }
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
            .setConfig(BoltConnector.enabled, true)
            .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
            .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
            .setConfig(HttpConnector.enabled, false)
            .setConfig(GraphDatabaseSettings.auth_enabled, auth)
            .setConfig(GraphDatabaseSettings.pagecache_memory, 64L * 1024 * 1024)
            .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown));
        System.out.println("neo4j: ready on 127.0.0.1:" + port);
        Thread.currentThread().join();
    }
}
