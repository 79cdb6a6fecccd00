// A single OpenSearch node for kcd's integration tests: the server's own classes (Maven Central's
// org.opensearch:opensearch) started in-process, HTTP on 127.0.0.1 only, no security plugin.
// Arguments: home directory, HTTP port, transport port.
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

public class OpenSearchNode {
    static class EmbeddedNode extends Node {
        EmbeddedNode(Settings s, Collection<Class<? extends Plugin>> plugins) {
            super(InternalSettingsPreparer.prepareEnvironment(s, new HashMap<>(), null, () -> "kcd-test"), plugins, true);
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("opensearch.set.netty.runtime.available.processors", "false");
        Settings settings = Settings.builder()
            .put("path.home", args[0])
            .put("path.data", args[0] + "/data")
            .put("path.logs", args[0] + "/logs")
            .put("cluster.name", "kcd-test")
            .put("node.name", "kcd-test")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", args[1])
            .put("transport.port", args[2])
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            // tests run on shared machines with full disks now and then: never go read-only
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", true)
            .build();
        Node node = new EmbeddedNode(settings, List.of(Netty4Plugin.class));
        node.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try { node.close(); } catch (Exception e) { /* exiting anyway */ }
        }));
        Thread.currentThread().join();
    }
}
