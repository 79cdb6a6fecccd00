/* kcd-test-values-print: reads lines from stdin and prints, per line, what kcd's
 * SimpleHeaderConverter makes of them: "text<TAB>schema<TAB>text written back" (schema: the
 * type, /logical name, <items> or <keys,values>), the same columns as ValuesPrint.java prints
 * for Connect's own classes, for values_differential.sh to compare. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_value_int.h"
#include "kc_values.h"

static const char *type_name(const kc_schema *s) {
    static const char *const names[] = {"INT8",    "INT16",  "INT32", "INT64", "FLOAT32", "FLOAT64",
                                        "BOOLEAN", "STRING", "BYTES", "ARRAY", "MAP",     "STRUCT"};
    return s ? names[s->type] : "null";
}

int main(void) {
    static char line[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        kc_schema *s;
        kc_value v;
        kc_error err;
        if (kc_values_parse(line, strlen(line), &s, &v, &err)) { /* Connect: its bytes as they are */
            printf("%s\tBYTES\t%s\n", line, line);
            continue;
        }
        printf("%s\t%s", line, type_name(s));
        if (s && s->name) printf("/%s", strrchr(s->name, '.') + 1);
        if (s && s->type == KC_SCHEMA_ARRAY) printf("<%s>", type_name(s->items));
        if (s && s->type == KC_SCHEMA_MAP) printf("<%s,%s>", type_name(s->keys), type_name(s->values));
        kc_buf b = KC_BUF_INIT;
        if (v.type == KC_VAL_NULL) kc_buf_puts(&b, "null");
        else kc_values_append_text(&b, s, &v);
        printf("\t%.*s\n", (int)b.len, b.data ? b.data : "");
        kc_buf_free(&b);
        kc_schema_release(s);
        kc_value_clear(&v);
    }
    return 0;
}
