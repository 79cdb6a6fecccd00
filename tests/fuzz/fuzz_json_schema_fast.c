/* Differential libFuzzer target: JsonConverter's schema'd fast path (the envelope split by a
 * scan, the schema cached by its bytes, the payload parsed by json_fast and fitted to the
 * schema) against the jansson path it replaces (the whole record parsed, kc_json_to_schema,
 * kc_json_to_value_with_schema). Both accept the same records, with equal schemas and values;
 * each input is read twice, so the second read comes from the schema cache. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "kc_config_int.h"
#include "kc_converter_int.h"
#include "kc_value_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int reference(const uint8_t *data, size_t size, kc_schema **s, kc_value *v) {
    *s = NULL;
    json_t *root = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    int rc = KC_EINVAL;
    if (root && json_is_object(root) && json_object_size(root) == 2 && json_object_get(root, "schema") &&
        json_object_get(root, "payload")) {
        rc = kc_json_to_schema(json_object_get(root, "schema"), s, NULL);
        if (!rc) rc = kc_json_to_value_with_schema(json_object_get(root, "payload"), *s, v, NULL);
    }
    json_decref(root);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static void *conv;
    if (!conv) {
        kc_config cfg = {0};
        kc_error err;
        if (kc_config_set(&cfg, "schemas.enable", "true") || kc_config_set(&cfg, "schemas.cache.size", "4") ||
            kc_json_converter_desc.converter->configure(&cfg, 0, &conv, &err))
            abort();
        kc_config_free(&cfg);
    }
    kc_schema *rs = NULL;
    kc_value rv = KC_VALUE_NULL_INIT;
    int rrc = reference(data, size, &rs, &rv);
    for (int round = 0; round < 2; round++) {
        kc_schema *s = NULL;
        kc_value v = KC_VALUE_NULL_INIT;
        kc_error err;
        int rc = kc_json_converter_desc.converter->to_connect(conv, "t", data, size, &s, &v, &err);
        if ((rc == KC_OK) != (rrc == KC_OK)) abort();
        if (rc == KC_OK && (!kc_schema_equal(s, rs) || !kc_value_equal(&v, &rv))) abort();
        kc_schema_release(s);
        kc_value_clear(&v);
    }
    kc_schema_release(rs);
    kc_value_clear(&rv);
    return 0;
}
