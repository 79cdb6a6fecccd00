// The partition Kafka's Java producer gives a keyed record (murmur2 of the key bytes, made
// positive, modulo the partition count: BuiltInPartitioner.partitionForKey), from kafka-clients
// itself. Reads "PARTITIONS<TAB>KEY" lines, prints one partition per line.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.utils.Utils;

public class JavaPartition {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            int tab = line.indexOf('\t');
            int partitions = Integer.parseInt(line.substring(0, tab));
            byte[] key = line.substring(tab + 1).getBytes(StandardCharsets.UTF_8);
            System.out.println(Utils.toPositive(Utils.murmur2(key)) % partitions);
        }
    }
}
