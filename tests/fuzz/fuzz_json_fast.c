/* Differential libFuzzer target: the fast schemaless JSON parser (json_fast.c) against jansson
 * plus kc_json_to_value. Whatever the fast path accepts, jansson must accept too, giving an
 * equal value; whatever it declines (KC_ENOTFOUND) goes to jansson in the converter anyway. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "kc_converter_int.h"
#include "kc_value_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kc_value fast = KC_VALUE_NULL_INIT, slow = KC_VALUE_NULL_INIT;
    int frc = kc_json_parse_fast(data, size, &fast);
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    int src = j ? kc_json_to_value(j, &slow, NULL) : KC_EINVAL;
    if (frc == KC_OK && (src != KC_OK || !kc_value_equal(&fast, &slow))) abort();
    json_decref(j);
    kc_value_clear(&fast);
    kc_value_clear(&slow);
    return 0;
}
