/* InsertHeader: adds a header whose value is value.literal read as Connect's Values parser
 * reads it: an integer becomes the smallest integer type that holds it, true/false a boolean,
 * a decimal number a double, anything else a string. */
#include <errno.h>
#include <stdio.h>
#include <strings.h>

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
    kc_stype type;
    kc_value value;
} state;

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    free(s->header);
    host->value_clear(&s->value);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    (void)is_key;
    const char *h = host->config_get(cfg, "header"), *lit = host->config_get(cfg, "value.literal");
    if (!h || !lit) return kc_error_set(err, KC_EINVAL, "Missing required configuration \"%s\" which has no default "
                                                        "value.", h ? "value.literal" : "header");
    state *s = calloc(1, sizeof *s);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    s->header = strdup(h);
    char *end;
    errno = 0;
    long long i = strtoll(lit, &end, 10);
    if (*lit && !*end && !errno) {
        s->value.type = KC_VAL_INT;
        s->value.u.i = i;
        s->type = i >= -128 && i <= 127 ? KC_SCHEMA_INT8 : i >= -32768 && i <= 32767 ? KC_SCHEMA_INT16
                  : i >= -2147483648LL && i <= 2147483647LL ? KC_SCHEMA_INT32 : KC_SCHEMA_INT64;
    } else if (!strcasecmp(lit, "true") || !strcasecmp(lit, "false")) {
        s->value.type = KC_VAL_BOOL;
        s->value.u.b = !strcasecmp(lit, "true");
        s->type = KC_SCHEMA_BOOLEAN;
    } else {
        double d = strtod(lit, &end);
        if (*lit && !*end && strpbrk(lit, ".eE")) {
            s->value.type = KC_VAL_DOUBLE;
            s->value.u.d = d;
            s->type = KC_SCHEMA_FLOAT64;
        } else {
            host->value_set_string(&s->value, lit, strlen(lit));
            s->type = KC_SCHEMA_STRING;
        }
    }
    *out = s;
    return KC_OK;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    kc_value v;
    if (host->value_copy(&v, &s->value)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    if (host->record_add_header(r, s->header, host->schema_new(s->type, 0), &v)) {
        host->value_clear(&v);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("insert-header", "Add a header with a literal value",
    "org.apache.kafka.connect.transforms.InsertHeader")
