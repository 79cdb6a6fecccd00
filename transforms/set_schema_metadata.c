/* SetSchemaMetadata$Key / $Value: sets the schema's name and/or version. A schemaless non-null
 * value is an error; null with no schema passes unchanged. */
#include <stdio.h>

#include "transform_common.h"

static const kc_config_def config[] = {
    {"schema.name", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL, "Schema name to set.", NULL, NULL},
    {"schema.version", KC_CFG_INT, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL, "Schema version to set.", NULL, NULL},
    {"replace.null.with.default", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Whether to replace fields that have a default value and that are null to the default value.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    int is_key, has_version;
    int replace_null; /* replace.null.with.default */
    int32_t version;
    char *name;
} state;

static void close_state(void *p) {
    state *s = p;
    if (s) free(s->name);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    state *s = calloc(1, sizeof *s);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    s->is_key = is_key;
    s->replace_null = replace_null_option(cfg);
    const char *n = host->config_get(cfg, "schema.name");
    if (n) s->name = strdup(n);
    int64_t v;
    if (host->config_get_long(cfg, "schema.version", &v) == KC_OK) s->has_version = 1, s->version = (int32_t)v;
    if (!s->name && !s->has_version) {
        close_state(s);
        return kc_error_set(err, KC_EINVAL, "Neither schema name nor version configured");
    }
    *out = s;
    return KC_OK;
}

/* A shallow copy sharing the children, with the new name/version. */
static kc_schema *renamed_copy(const state *s, const kc_schema *in) {
    kc_schema *out = host->schema_new(in->type, in->optional);
    if (!out) return NULL;
    const char *name = s->name ? s->name : in->name;
    if (name) host->schema_set_name(out, name);
    out->has_version = s->has_version || in->has_version;
    out->version = s->has_version ? s->version : in->version;
    if (in->doc) out->doc = strdup(in->doc);
    for (size_t i = 0; i < in->nparams; i++) host->schema_add_param(out, in->params[i].key, in->params[i].value);
    for (size_t i = 0; i < in->nfields; i++)
        host->schema_add_field(out, in->fields[i].name, host->schema_retain(in->fields[i].schema));
    out->items = in->items ? host->schema_retain(in->items) : NULL;
    out->keys = in->keys ? host->schema_retain(in->keys) : NULL;
    out->values = in->values ? host->schema_retain(in->values) : NULL;
    if (in->default_value) {
        out->default_value = calloc(1, sizeof(kc_value));
        if (out->default_value) host->value_copy(out->default_value, in->default_value);
    }
    return out;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    record_part part = part_of(r, s->is_key);
    if (s->replace_null && fill_null_defaults(part.value, *part.schema))
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    kc_schema *schema = *part.schema;
    if (!schema) {
        if (part.value->type == KC_VAL_NULL) return KC_KEEP;
        return kc_error_set(err, KC_EINVAL, "Schema required for [updating schema metadata]");
    }
    kc_schema *ns = renamed_copy(s, schema);
    if (!ns) return kc_error_set(err, KC_ENOMEM, "out of memory");
    host->schema_release(schema);
    *part.schema = ns;
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("set-schema-metadata", "Set the schema name and version",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key")
