/* libFuzzer target: JsonConverter in both envelope modes. Whatever bytes arrive, to_connect
 * returns a value or a clear error; what it returns serializes, reads back, and serializes to
 * the same bytes again. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kc_config_int.h"
#include "kc_converter_int.h"
#include "kc_value_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *open_conv(int schemas, int numeric) {
    kc_config cfg = {0};
    if (kc_config_set(&cfg, "schemas.enable", schemas ? "true" : "false") ||
        kc_config_set(&cfg, "decimal.format", numeric ? "NUMERIC" : "BASE64"))
        abort();
    void *st = NULL;
    kc_error err;
    kc_json_converter_desc.converter->configure(&cfg, 0, &st, &err);
    kc_config_free(&cfg);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static void *convs[2];
    if (!convs[0]) {
        convs[0] = open_conv(0, 0);
        convs[1] = open_conv(1, 0);
    }
    for (int i = 0; i < 2; i++) {
        kc_schema *s = NULL, *s2 = NULL;
        kc_value v = KC_VALUE_NULL_INIT, v2 = KC_VALUE_NULL_INIT;
        kc_error err;
        if (kc_json_converter_desc.converter->to_connect(convs[i], "t", data, size, &s, &v, &err) != KC_OK) continue;
        uint8_t *out = NULL;
        size_t len = 0;
        if (kc_json_converter_desc.converter->from_connect(convs[i], "t", s, &v, &out, &len, &err) == KC_OK && out) {
            /* what we wrote must read back, and writing that again gives the same bytes */
            if (kc_json_converter_desc.converter->to_connect(convs[i], "t", out, len, &s2, &v2, &err) != KC_OK)
                abort();
            uint8_t *out2 = NULL;
            size_t len2 = 0;
            if (kc_json_converter_desc.converter->from_connect(convs[i], "t", s2, &v2, &out2, &len2, &err) != KC_OK ||
                len2 != len || memcmp(out, out2, len) != 0)
                abort();
            free(out2);
        }
        free(out);
        kc_schema_release(s);
        kc_schema_release(s2);
        kc_value_clear(&v);
        kc_value_clear(&v2);
    }
    return 0;
}
