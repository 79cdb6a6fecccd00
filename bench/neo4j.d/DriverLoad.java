// The peer of bench/neo4j_merge.sh: Neo4j's official Java driver (the one the Neo4j Streams
// connector is built on) running a statement over JSON-lines events in transactions of a fixed
// size, as that connector does. Arguments: bolt URI, password, events file, statement, batch.
// Prints the seconds from the first transaction to the last commit.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;

public class DriverLoad {
    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<Map<String, Object>> events = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[2])))
            events.add(json.readValue(line, new TypeReference<Map<String, Object>>() {}));
        String query = "UNWIND $events AS event " + args[3];
        int batch = Integer.parseInt(args[4]);
        try (Driver d = GraphDatabase.driver(args[0], AuthTokens.basic("neo4j", args[1]));
             Session s = d.session()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < events.size(); i += batch) {
                List<Map<String, Object>> chunk = events.subList(i, Math.min(i + batch, events.size()));
                s.executeWrite(tx -> tx.run(query, Map.of("events", chunk)).consume());
            }
            System.out.println((System.nanoTime() - t0) / 1e9);
        }
    }
}
