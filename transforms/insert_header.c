/* InsertHeader: adds a header whose value is value.literal read as Connect's Values parser
 * reads it (the host's values_parse): an integer the smallest integer type that holds it,
 * true/false a boolean, a decimal number a float, [..] and {..} arrays and maps, ISO dates and
 * times their logical types, anything else the string. */
#include "transform_common.h"

static const kc_config_def config[] = {
    {"header", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "The name of the header.", NULL, NULL},
    {"value.literal", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "The literal value that is to be set as the header value on all records.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    char *header;
    kc_schema *schema; /* NULL for the literal null */
    kc_value value;
} state;

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    free(s->header);
    host->schema_release(s->schema);
    host->value_clear(&s->value);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    (void)is_key;
    const char *h = host->config_get(cfg, "header"), *lit = host->config_get(cfg, "value.literal");
    if (!h || !lit) return kc_error_set(err, KC_EINVAL, "Missing required configuration \"%s\" which has no default "
                                                        "value.", h ? "value.literal" : "header");
    state *s = calloc(1, sizeof *s);
    if (!s || !(s->header = strdup(h))) {
        free(s);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    if (host->values_parse(lit, strlen(lit), &s->schema, &s->value, err)) {
        close_state(s);
        return err->code == KC_ENOMEM ? KC_ENOMEM
                                      : kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration value.literal: "
                                                                     "nested too deeply", lit);
    }
    *out = s;
    return KC_OK;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    kc_value v;
    if (host->value_copy(&v, &s->value)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    if (host->record_add_header(r, s->header, host->schema_retain(s->schema), &v)) {
        host->schema_release(s->schema);
        host->value_clear(&v);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("insert-header", "Add a header with a literal value",
    "org.apache.kafka.connect.transforms.InsertHeader")
