/* Flatten$Key / $Value: nested maps or structs become top-level fields named
 * parent<delimiter>child; arrays and primitives are kept. With a schema, MAP fields are an
 * error and fields under an optional parent become optional. Null stays null. */
#include <stdio.h>

#include "transform_common.h"

static const kc_config_def config[] = {
    {"delimiter", KC_CFG_STRING, ".", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Delimiter to insert between field names from the input record when generating field names for the output "
     "record", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    int is_key;
    char *delim;
} state;

static void close_state(void *p) {
    state *s = p;
    if (s) free(s->delim);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    state *s = calloc(1, sizeof *s);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    const char *d = host->config_get(cfg, "delimiter");
    s->is_key = is_key;
    s->delim = strdup(d ? d : ".");
    *out = s;
    return KC_OK;
}

static char *join(const char *prefix, const char *delim, const char *name) {
    char *out = NULL;
    if (!*prefix) return strdup(name);
    return asprintf(&out, "%s%s%s", prefix, delim, name) < 0 ? NULL : out;
}

/* Moves the leaves of `in` into `out` (a map or struct) under prefixed names. */
static int flatten_value(state *s, const char *prefix, kc_value *in, kc_value *out) {
    for (size_t i = 0; i < in->u.map.len; i++) {
        kc_entry *e = &in->u.map.items[i];
        if (e->key.type != KC_VAL_STRING) continue;
        char *name = join(prefix, s->delim, e->key.u.str.ptr);
        if (!name) return KC_ENOMEM;
        int rc;
        if (e->val.type == KC_VAL_MAP || e->val.type == KC_VAL_STRUCT) {
            rc = flatten_value(s, name, &e->val, out);
        } else {
            kc_value moved = e->val;
            memset(&e->val, 0, sizeof e->val);
            rc = host->map_put_str(out, name, &moved);
        }
        free(name);
        if (rc) return rc;
    }
    return KC_OK;
}

static int flatten_schema(state *s, const char *prefix, const kc_schema *in, int optional_parent, kc_schema *out,
                          kc_error *err) {
    for (size_t i = 0; i < in->nfields; i++) {
        const kc_schema *f = in->fields[i].schema;
        char *name = join(prefix, s->delim, in->fields[i].name);
        if (!name) return kc_error_set(err, KC_ENOMEM, "out of memory");
        int rc = KC_OK;
        if (f->type == KC_SCHEMA_STRUCT) {
            rc = flatten_schema(s, name, f, optional_parent || f->optional, out, err);
        } else if (f->type == KC_SCHEMA_MAP) {
            rc = kc_error_set(err, KC_EINVAL, "Flatten transformation does not support MAP for record with schemas "
                                              "(for field %s).", name);
        } else if (optional_parent && !f->optional) {
            kc_schema *copy = host->schema_new(f->type, 1); /* under an optional parent: optional */
            if (f->name) host->schema_set_name(copy, f->name);
            copy->has_version = f->has_version;
            copy->version = f->version;
            for (size_t k = 0; k < f->nparams; k++) host->schema_add_param(copy, f->params[k].key, f->params[k].value);
            copy->items = f->items ? host->schema_retain(f->items) : NULL;
            host->schema_add_field(out, name, copy);
        } else {
            host->schema_add_field(out, name, host->schema_retain((kc_schema *)f));
        }
        free(name);
        if (rc) return rc;
    }
    return KC_OK;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    record_part part = part_of(r, s->is_key);
    kc_schema *schema = *part.schema;
    kc_value *v = part.value;
    if (v->type == KC_VAL_NULL && !schema) return KC_KEEP;
    if (schema ? schema->type != KC_SCHEMA_STRUCT : v->type != KC_VAL_MAP)
        return kc_error_set(err, KC_EINVAL, "Only %s objects supported for [flattening], found: %s",
                            schema ? "Struct" : "Map", kind_name(v->type));
    kc_schema *ns = NULL;
    if (schema) {
        ns = host->schema_new(KC_SCHEMA_STRUCT, schema->optional);
        if (schema->name) host->schema_set_name(ns, schema->name);
        int rc = flatten_schema(s, "", schema, 0, ns, err);
        if (rc) {
            host->schema_release(ns);
            return rc;
        }
    }
    if (v->type != KC_VAL_NULL) {
        kc_value out;
        if (schema) host->value_init_struct(&out);
        else host->value_init_map(&out);
        if (flatten_value(s, "", v, &out)) {
            host->value_clear(&out);
            host->schema_release(ns);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
        host->value_clear(v);
        *v = out;
    }
    if (schema) {
        host->schema_release(schema);
        *part.schema = ns;
    }
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("flatten", "Flatten nested structs and maps",
    "org.apache.kafka.connect.transforms.Flatten$Value", "org.apache.kafka.connect.transforms.Flatten$Key")
