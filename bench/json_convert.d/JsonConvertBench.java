// JsonConvertBench FILE ROUNDS - Connect's own JsonConverter (schemas.enable=true, its defaults)
// reading every line of FILE into Connect data (toConnectData) and writing it back
// (fromConnectData), ROUNDS times; prints the best round's records per second each way, as
// json_convert.c does for kcd's converter. Run as a single-file program with Connect's jars.
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;

public class JsonConvertBench {
    public static void main(String[] args) throws Exception {
        List<byte[]> records = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(args[0]))) records.add(line.getBytes("UTF-8"));
        int rounds = Integer.parseInt(args[1]);
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", "true"), false);
        double bestRead = 0, bestWrite = 0;
        long bytesOut = 0;
        for (int r = 0; r < rounds; r++) {
            SchemaAndValue[] read = new SchemaAndValue[records.size()];
            long t0 = System.nanoTime();
            for (int i = 0; i < read.length; i++) read[i] = c.toConnectData("t", records.get(i));
            long t1 = System.nanoTime();
            bytesOut = 0;
            for (SchemaAndValue sv : read) bytesOut += c.fromConnectData("t", sv.schema(), sv.value()).length;
            long t2 = System.nanoTime();
            bestRead = Math.max(bestRead, read.length / ((t1 - t0) / 1e9));
            bestWrite = Math.max(bestWrite, read.length / ((t2 - t1) / 1e9));
        }
        System.out.printf("%.0f %.0f %d%n", bestRead, bestWrite, bytesOut);
    }
}
