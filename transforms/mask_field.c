/* MaskField$Key / $Value: replaces the listed fields by the empty value of their type (0,
 * false, "", empty list or map, epoch for Date/Time/Timestamp, 0 for Decimal) or by
 * `replacement` read as the field's type. Null fields stay null; a null record is an error. */
#include <errno.h>
#include <stdio.h>

#include "transform_common.h"

static const kc_config_def config[] = {
    {"fields", KC_CFG_LIST, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "Names of fields to mask.", NULL, NULL},
    {"replacement", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values "
     "only).", NULL, NULL},
    {"replace.null.with.default", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Whether to replace fields that have a default value and that are null to the default value.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    int is_key;
    int replace_null; /* replace.null.with.default */
    str_list fields;
    char *replacement;
} state;

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    list_free(&s->fields);
    free(s->replacement);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    state *s = calloc(1, sizeof *s);
    if (!s || list_parse(host->config_get(cfg, "fields"), &s->fields)) {
        free(s);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    s->is_key = is_key;
    s->replace_null = replace_null_option(cfg);
    const char *rep = host->config_get(cfg, "replacement");
    if (rep && !*rep) {
        close_state(s);
        return kc_error_set(err, KC_EINVAL, "Invalid value \"\" for configuration replacement: String must be non-empty");
    }
    if (rep) s->replacement = strdup(rep);
    if (!s->fields.len) {
        close_state(s);
        return kc_error_set(err, KC_EINVAL, "Missing required configuration \"fields\" which has no default value.");
    }
    *out = s;
    return KC_OK;
}

static int mask(const state *s, kc_value *v, const kc_schema *fs, const char *name, kc_error *err) {
    kc_vtype t = v->type;
    if (t == KC_VAL_NULL) return KC_OK;
    kc_value out = {0};
    if (s->replacement) {
        char *end;
        errno = 0;
        switch (t) {
        case KC_VAL_INT:
            out.type = KC_VAL_INT;
            out.u.i = strtoll(s->replacement, &end, 10);
            if (*end || errno)
                return kc_error_set(err, KC_EINVAL, "Unable to convert %s (%s) to number", s->replacement, name);
            break;
        case KC_VAL_DOUBLE:
            out.type = KC_VAL_DOUBLE;
            out.u.d = strtod(s->replacement, &end);
            if (*end) return kc_error_set(err, KC_EINVAL, "Unable to convert %s (%s) to number", s->replacement, name);
            break;
        case KC_VAL_STRING: host->value_set_string(&out, s->replacement, strlen(s->replacement)); break;
        default:
            return kc_error_set(err, KC_EINVAL, "Cannot mask value of type %s with custom replacement (field %s)",
                                kind_name(t), name);
        }
    } else {
        switch (t) {
        case KC_VAL_BOOL: out.type = KC_VAL_BOOL; break;
        case KC_VAL_INT: out.type = KC_VAL_INT; break;
        case KC_VAL_DOUBLE: out.type = KC_VAL_DOUBLE; break;
        case KC_VAL_STRING: host->value_set_string(&out, "", 0); break;
        case KC_VAL_BYTES: host->value_set_bytes(&out, "", 0); break;
        case KC_VAL_ARRAY: host->value_init_array(&out); break;
        case KC_VAL_MAP: host->value_init_map(&out); break;
        case KC_VAL_TIMESTAMP:
        case KC_VAL_DATE:
        case KC_VAL_TIME: out.type = t; break;
        case KC_VAL_DECIMAL:
            out.type = KC_VAL_DECIMAL;
            out.u.dec.unscaled = calloc(1, 1);
            out.u.dec.len = 1;
            out.u.dec.scale = v->u.dec.scale;
            break;
        default:
            return kc_error_set(err, KC_EINVAL, "Cannot mask field %s of type %s", name, kind_name(t));
        }
    }
    (void)fs;
    host->value_clear(v);
    *v = out;
    return KC_OK;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    record_part part = part_of(r, s->is_key);
    if (s->replace_null && fill_null_defaults(part.value, *part.schema))
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    kc_schema *schema = *part.schema;
    kc_value *v = part.value;
    if (schema ? schema->type != KC_SCHEMA_STRUCT : v->type != KC_VAL_MAP)
        return kc_error_set(err, KC_EINVAL, "Only %s objects supported for [masking fields], found: %s",
                            schema ? "Struct" : "Map", kind_name(v->type));
    if (v->type == KC_VAL_NULL) return kc_error_set(err, KC_EINVAL, "Only Struct objects supported for [masking "
                                                                    "fields], found: null");
    for (size_t i = 0; i < s->fields.len; i++) {
        kc_value *fv = (kc_value *)host->map_get_str(v, s->fields.items[i]);
        if (!fv) {
            if (schema) return kc_error_set(err, KC_EINVAL, "%s is not a valid field name", s->fields.items[i]);
            continue;
        }
        int rc = mask(s, fv, NULL, s->fields.items[i], err);
        if (rc) return rc;
    }
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("mask-field", "Mask fields with empty values or a replacement",
    "org.apache.kafka.connect.transforms.MaskField$Value", "org.apache.kafka.connect.transforms.MaskField$Key")
