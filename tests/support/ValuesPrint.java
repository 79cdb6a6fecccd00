// ValuesPrint: reads lines from stdin and prints, per line, what Connect's SimpleHeaderConverter
// makes of them: "text<TAB>schema<TAB>text written back", the columns of values_print.c, for
// values_differential.sh. Run as a single-file program with Connect's jars on the class path.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;

public class ValuesPrint {
    static String typeName(Schema s) {
        return s == null ? "null" : s.type().toString();
    }

    public static void main(String[] args) throws Exception {
        SimpleHeaderConverter c = new SimpleHeaderConverter();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            SchemaAndValue sv = c.toConnectHeader("t", "h", line.getBytes(StandardCharsets.UTF_8));
            Schema s = sv == null ? null : sv.schema();
            StringBuilder out = new StringBuilder(line).append('\t').append(typeName(s));
            if (s != null && s.name() != null) out.append('/').append(s.name().substring(s.name().lastIndexOf('.') + 1));
            if (s != null && s.type() == Schema.Type.ARRAY) out.append('<').append(typeName(s.valueSchema())).append('>');
            if (s != null && s.type() == Schema.Type.MAP)
                out.append('<').append(typeName(s.keySchema())).append(',').append(typeName(s.valueSchema())).append('>');
            byte[] back = sv == null || sv.value() == null ? null : c.fromConnectHeader("t", "h", s, sv.value());
            out.append('\t').append(back == null ? "null" : new String(back, StandardCharsets.UTF_8));
            System.out.println(out);
        }
    }
}
