/* libFuzzer target: the Java-properties reader and config validation must never crash, hang
 * or leak on any input. */
#include <stddef.h>
#include <stdint.h>

#include "kc_config_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const modes[] = {"a", "b", NULL};
static const kc_config_def defs[] = {
    {"name", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL, "", NULL, NULL},
    {"n", KC_CFG_INT, "1", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
    {"m", KC_CFG_ENUM, "a", 0, 0, 0, modes, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
    {"d", KC_CFG_DOUBLE, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
    {"b", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
    {"old", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "", "name", NULL},
    KC_CONFIG_END,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kc_config cfg = {0};
    kc_error err;
    if (kc_props_parse((const char *)data, size, &cfg, &err) == KC_OK) {
        kc_strlist problems = {0}, warnings = {0}, items = {0};
        kc_config_validate(defs, "", &cfg, &problems, &warnings);
        for (size_t i = 0; i < cfg.len; i++)
            if (kc_list_split(cfg.items[i].value, &items)) break; /* out of memory: the rest is not split */
        kc_config_providers p;
        kc_config_providers_init(&p, &cfg, &problems);
        kc_config_providers_free(&p);
        kc_strlist_free(&problems);
        kc_strlist_free(&warnings);
        kc_strlist_free(&items);
    }
    kc_config_free(&cfg);
    return 0;
}
