/* HeaderFrom$Key / $Value: copies or moves fields into headers (fields[i] -> headers[i]),
 * with the field's schema when there is one. A null or non-map value is an error. */
#include <stdio.h>
#include <strings.h>

#include "transform_common.h"

static const char *const operations[] = {"move", "copy", NULL};

static const kc_config_def config[] = {
    {"fields", KC_CFG_LIST, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "Field names in the record whose values are to be copied or moved to headers.", NULL, NULL},
    {"headers", KC_CFG_LIST, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "Header names, in the same order as the field names listed in the fields configuration property.", NULL, NULL},
    {"operation", KC_CFG_ENUM, NULL, KC_CFG_F_REQUIRED, 0, 0, operations, KC_IMPORTANCE_HIGH, NULL,
     "Either move if the fields are to be moved to the headers (removed from the key/value), or copy if the fields "
     "are to be copied to the headers (retained in the key/value).", NULL, NULL},
    {"replace.null.with.default", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Whether to replace fields that have a default value and that are null to the default value.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    int is_key, move;
    int replace_null; /* replace.null.with.default */
    str_list fields, headers;
} state;

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    list_free(&s->fields);
    list_free(&s->headers);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    state *s = calloc(1, sizeof *s);
    if (!s || list_parse(host->config_get(cfg, "fields"), &s->fields) ||
        list_parse(host->config_get(cfg, "headers"), &s->headers)) {
        close_state(s);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    s->is_key = is_key;
    s->replace_null = replace_null_option(cfg);
    const char *op = host->config_get(cfg, "operation");
    if (!op || (strcasecmp(op, "move") && strcasecmp(op, "copy"))) {
        close_state(s);
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration operation: String must be one of: "
                            "move, copy", op ? op : "null");
    }
    s->move = !strcasecmp(op, "move");
    if (s->fields.len != s->headers.len || !s->fields.len) {
        close_state(s);
        return kc_error_set(err, KC_EINVAL, "Invalid value for configuration headers: 'fields' config must have the "
                                            "same number of elements as 'headers' config.");
    }
    *out = s;
    return KC_OK;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    record_part part = part_of(r, s->is_key);
    if (s->replace_null && fill_null_defaults(part.value, *part.schema))
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    kc_schema *schema = *part.schema;
    kc_value *v = part.value;
    if (schema ? schema->type != KC_SCHEMA_STRUCT || v->type == KC_VAL_NULL : v->type != KC_VAL_MAP)
        return kc_error_set(err, KC_EINVAL, "HeaderFrom requires a %s value, found: %s", schema ? "Struct" : "Map",
                            kind_name(v->type));
    for (size_t i = 0; i < s->fields.len; i++) {
        const kc_value *fv = host->map_get_str(v, s->fields.items[i]);
        kc_schema *fs = NULL;
        if (schema) {
            fs = host->schema_retain((kc_schema *)struct_field_schema(schema, s->fields.items[i], NULL));
            if (!fs) return kc_error_set(err, KC_EINVAL, "%s is not a valid field name", s->fields.items[i]);
        }
        kc_value copy = {0};
        if (fv && host->value_copy(&copy, fv)) return kc_error_set(err, KC_ENOMEM, "out of memory");
        if (host->record_add_header(r, s->headers.items[i], fs, &copy)) {
            host->value_clear(&copy);
            host->schema_release(fs);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
    }
    if (!s->move) return KC_KEEP;
    /* move: drop the fields from the value (and the schema) */
    size_t keep = 0;
    for (size_t i = 0; i < v->u.map.len; i++) {
        kc_entry *e = &v->u.map.items[i];
        if (e->key.type == KC_VAL_STRING && list_has(&s->fields, e->key.u.str.ptr)) {
            host->value_clear(&e->key);
            host->value_clear(&e->val);
        } else {
            v->u.map.items[keep++] = *e;
        }
    }
    v->u.map.len = keep;
    if (schema) {
        kc_schema *ns = struct_like(schema);
        if (!ns) return kc_error_set(err, KC_ENOMEM, "out of memory");
        for (size_t k = 0; k < schema->nfields; k++)
            if (!list_has(&s->fields, schema->fields[k].name))
                host->schema_add_field(ns, schema->fields[k].name, host->schema_retain(schema->fields[k].schema));
        host->schema_release(schema);
        *part.schema = ns;
    }
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("header-from", "Copy or move fields into headers",
    "org.apache.kafka.connect.transforms.HeaderFrom$Value", "org.apache.kafka.connect.transforms.HeaderFrom$Key")
