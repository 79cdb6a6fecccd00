/* ValueToKey: the new key is a map (or, with a value schema, a struct) of the listed value
 * fields. A null value is an error. */
#include "transform_common.h"

static const kc_config_def config[] = {
    {"fields", KC_CFG_LIST, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "Field names on the record value to extract as the record key.", NULL, NULL},
    {"replace.null.with.default", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Whether to replace fields that have a default value and that are null to the default value.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    str_list fields;
    int replace_null; /* replace.null.with.default */
} state;

static void close_state(void *p) {
    state *s = p;
    if (s) list_free(&s->fields);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    (void)is_key;
    state *s = calloc(1, sizeof *s);
    if (!s || list_parse(host->config_get(cfg, "fields"), &s->fields)) {
        free(s);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    if (!s->fields.len) {
        close_state(s);
        return kc_error_set(err, KC_EINVAL, "Missing required configuration \"fields\" which has no default value.");
    }
    s->replace_null = replace_null_option(cfg);
    *out = s;
    return KC_OK;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    str_list *fields = &s->fields;
    if (s->replace_null && fill_null_defaults(&r->value, r->value_schema))
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    const kc_schema *vs = r->value_schema;
    if (r->value.type == KC_VAL_NULL) return kc_error_set(err, KC_EINVAL, "Value is null: ValueToKey needs a value");
    if (vs ? vs->type != KC_SCHEMA_STRUCT : r->value.type != KC_VAL_MAP)
        return kc_error_set(err, KC_EINVAL, "Only %s objects supported for [copying fields from value to key], "
                            "found: %s", vs ? "Struct" : "Map", kind_name(r->value.type));
    kc_value key;
    kc_schema *ks = NULL;
    if (vs) {
        host->value_init_struct(&key);
        ks = host->schema_new(KC_SCHEMA_STRUCT, 0);
    } else {
        host->value_init_map(&key);
    }
    for (size_t i = 0; i < fields->len; i++) {
        const char *f = fields->items[i];
        if (vs) {
            const kc_schema *fs = struct_field_schema(vs, f, NULL);
            if (!fs) {
                host->value_clear(&key);
                host->schema_release(ks);
                return kc_error_set(err, KC_EINVAL, "%s is not a valid field name", f);
            }
            host->schema_add_field(ks, f, host->schema_retain((kc_schema *)fs));
        }
        const kc_value *src = host->map_get_str(&r->value, f);
        kc_value copy = {0};
        if (src && host->value_copy(&copy, src)) {
            host->value_clear(&key);
            host->schema_release(ks);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
        host->map_put_str(&key, f, &copy);
    }
    host->value_clear(&r->key);
    r->key = key;
    host->schema_release(r->key_schema);
    r->key_schema = ks;
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("value-to-key", "Make the key from value fields",
    "org.apache.kafka.connect.transforms.ValueToKey")
