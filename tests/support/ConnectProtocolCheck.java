// Kafka Connect's side of the cross-check with kcd's protocol code (tests/support/connect_codec.c,
// run by tests/integration/connect_protocol_java.sh): the same cases encoded by Connect's own
// ConnectProtocol and IncrementalCooperativeConnectProtocol, and any bytes decoded by them into the
// same canonical line connect_codec prints.
//   java ConnectProtocolCheck encode CASE | decode-metadata HEX | decode-assignment HEX
//        | sign KEY_BASE64 BODY | verify KEY_BASE64 BODY SIGNATURE (KIP-507, Connect's own check)
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

import org.apache.kafka.connect.runtime.distributed.ConnectProtocol;
import org.apache.kafka.connect.runtime.distributed.ExtendedAssignment;
import org.apache.kafka.connect.runtime.distributed.ExtendedWorkerState;
import org.apache.kafka.connect.runtime.distributed.IncrementalCooperativeConnectProtocol;
import org.apache.kafka.connect.runtime.rest.InternalRequestSignature;
import org.apache.kafka.connect.util.ConnectorTaskId;

public class ConnectProtocolCheck {
    static List<String> connectors(String items) {
        List<String> out = new ArrayList<>();
        for (String s : items.split(",")) if (s.endsWith("/-1")) out.add(s.substring(0, s.lastIndexOf('/')));
        return out;
    }

    static List<ConnectorTaskId> tasks(String items) {
        List<ConnectorTaskId> out = new ArrayList<>();
        for (String s : items.split(",")) {
            int slash = s.lastIndexOf('/');
            int task = Integer.parseInt(s.substring(slash + 1));
            if (task >= 0) out.add(new ConnectorTaskId(s.substring(0, slash), task));
        }
        return out;
    }

    // items sorted as connect_codec sorts them: by connector, then task (the connector itself first)
    static String items(Collection<String> conns, Collection<ConnectorTaskId> tasks) {
        TreeSet<String> sorted = new TreeSet<>((a, b) -> {
            int sa = a.lastIndexOf('/'), sb = b.lastIndexOf('/');
            int c = a.substring(0, sa).compareTo(b.substring(0, sb));
            return c != 0 ? c : Integer.compare(Integer.parseInt(a.substring(sa + 1)), Integer.parseInt(b.substring(sb + 1)));
        });
        for (String c : conns) sorted.add(c + "/-1");
        for (ConnectorTaskId t : tasks) sorted.add(t.connector() + "/" + t.task());
        return String.join(",", sorted);
    }

    static String assignment(int version, ConnectProtocol.Assignment a) {
        Collection<String> rc = List.of();
        Collection<ConnectorTaskId> rt = List.of();
        int delay = 0;
        if (a instanceof ExtendedAssignment) {
            ExtendedAssignment e = (ExtendedAssignment) a;
            rc = e.revokedConnectors();
            rt = e.revokedTasks();
            delay = e.delay();
        }
        return "assignment v=" + version + " error=" + a.error() + " leader=" + a.leader() + " url=" + a.leaderUrl()
            + " offset=" + a.offset() + " assigned=" + items(a.connectors(), a.tasks()) + " revoked=" + items(rc, rt)
            + " delay=" + delay;
    }

    static String hex(ByteBuffer b) {
        StringBuilder s = new StringBuilder();
        while (b.hasRemaining()) s.append(String.format("%02x", b.get()));
        return s.toString();
    }

    static ByteBuffer unhex(String h) {
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        return ByteBuffer.wrap(out);
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "sign": { // what InternalRequestSignature.addToRequest puts in X-Connect-Authorization
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(Base64.getDecoder().decode(args[1]), "HmacSHA256"));
                System.out.println(Base64.getEncoder().encodeToString(mac.doFinal(args[2].getBytes(StandardCharsets.UTF_8))));
                break;
            }
            case "verify": { // Connect's own check of a signed internal request
                InternalRequestSignature sig = new InternalRequestSignature(args[2].getBytes(StandardCharsets.UTF_8),
                    Mac.getInstance("HmacSHA256"), Base64.getDecoder().decode(args[3]));
                System.out.println(sig.isValid(new SecretKeySpec(Base64.getDecoder().decode(args[1]), "HmacSHA256")) ? "valid" : "invalid");
                break;
            }
            case "encode": {
                ByteBuffer b;
                switch (args[1]) {
                    case "M0":
                        b = ConnectProtocol.serializeMetadata(new ConnectProtocol.WorkerState("http://w2:8083/", -1));
                        break;
                    case "M2": {
                        String held = "a/-1,a/0,a/1,b/2";
                        ExtendedAssignment alloc = new ExtendedAssignment((short) 2, (short) 0, "w1-abc", "http://w1:8083/", 42,
                            connectors(held), tasks(held), List.of(), List.of(), 0);
                        b = IncrementalCooperativeConnectProtocol.serializeMetadata(
                            new ExtendedWorkerState("http://w1:8083/", 42, alloc), true);
                        break;
                    }
                    case "A1": {
                        String assigned = "a/-1,a/0,a/1", revoked = "b/-1,b/3";
                        b = IncrementalCooperativeConnectProtocol.serializeAssignment(new ExtendedAssignment((short) 1, (short) 0,
                            "w1-abc", "http://w1:8083/", 42, connectors(assigned), tasks(assigned), connectors(revoked),
                            tasks(revoked), 2500), false);
                        break;
                    }
                    case "A0": {
                        String assigned = "c/-1,c/0";
                        b = ConnectProtocol.serializeAssignment(new ConnectProtocol.Assignment((short) 1, "w1", "http://w1:8083/", 7,
                            connectors(assigned), tasks(assigned)));
                        break;
                    }
                    default: throw new IllegalArgumentException(args[1]);
                }
                System.out.println(hex(b));
                break;
            }
            case "decode-metadata": {
                ByteBuffer b = unhex(args[1]);
                int version = b.getShort(0);
                if (version == 0) {
                    ConnectProtocol.WorkerState w = ConnectProtocol.deserializeMetadata(b);
                    System.out.println("metadata v=0 url=" + w.url() + " offset=" + w.offset() + " allocation=none");
                } else {
                    ExtendedWorkerState w = IncrementalCooperativeConnectProtocol.deserializeMetadata(b);
                    ExtendedAssignment a = w.assignment();
                    // Connect gives an empty assignment for a null allocation
                    String alloc = a == null || a == ExtendedAssignment.empty() ? "none" : assignment(a.version(), a);
                    System.out.println("metadata v=" + version + " url=" + w.url() + " offset=" + w.offset() + " allocation=" + alloc);
                }
                break;
            }
            case "decode-assignment": {
                ByteBuffer b = unhex(args[1]);
                int version = b.getShort(0);
                ConnectProtocol.Assignment a = version == 0 ? ConnectProtocol.deserializeAssignment(b)
                    : IncrementalCooperativeConnectProtocol.deserializeAssignment(b);
                System.out.println(assignment(version, a));
                break;
            }
            default: throw new IllegalArgumentException(args[0]);
        }
    }
}
