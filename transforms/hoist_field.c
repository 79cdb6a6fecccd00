/* HoistField$Key / $Value: wraps the key or value in a single field: {field: value}, or with a
 * schema a struct whose one field carries the old schema. */
#include "transform_common.h"

static const kc_config_def config[] = {
    {"field", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Field name for the single field that will be created in the resulting Struct or Map.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    int is_key;
    char *field;
} state;

static void close_state(void *p) {
    state *s = p;
    if (s) free(s->field);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    const char *f = host->config_get(cfg, "field");
    if (!f) return kc_error_set(err, KC_EINVAL, "Missing required configuration \"field\" which has no default value.");
    state *s = calloc(1, sizeof *s);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    s->is_key = is_key;
    s->field = strdup(f);
    *out = s;
    return KC_OK;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    record_part part = part_of(r, s->is_key);
    kc_schema *schema = *part.schema;
    kc_value wrapped, inner = *part.value;
    memset(part.value, 0, sizeof *part.value);
    if (schema) host->value_init_struct(&wrapped);
    else host->value_init_map(&wrapped);
    if (host->map_put_str(&wrapped, s->field, &inner)) {
        host->value_clear(&inner);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    *part.value = wrapped;
    if (schema) {
        kc_schema *ns = host->schema_new(KC_SCHEMA_STRUCT, 0);
        host->schema_add_field(ns, s->field, schema); /* moves our reference */
        *part.schema = ns;
    }
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("hoist-field", "Wrap the key or value in a single field",
    "org.apache.kafka.connect.transforms.HoistField$Value", "org.apache.kafka.connect.transforms.HoistField$Key")
