/* Cast$Key / $Value: casts fields (spec f:type,...) or the whole key/value (spec type) to
 * int8..int64, float32, float64, boolean or string. Strings are parsed, booleans become 1/0,
 * bytes become Base64 text, Date/Time/Timestamp their numeric form (ISO text for string).
 * Null passes through. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <strings.h>

#include "date_format.h"
#include "transform_common.h"

static const char *const type_names[] = {"int8", "int16", "int32", "int64", "float32", "float64", "boolean", "string"};
static const kc_stype type_of[] = {KC_SCHEMA_INT8,    KC_SCHEMA_INT16,   KC_SCHEMA_INT32,   KC_SCHEMA_INT64,
                                   KC_SCHEMA_FLOAT32, KC_SCHEMA_FLOAT64, KC_SCHEMA_BOOLEAN, KC_SCHEMA_STRING};
#define NTYPES 8

static int parse_type(const char *s) {
    for (int i = 0; i < NTYPES; i++)
        if (!strcasecmp(s, type_names[i])) return i;
    return -1;
}

static int check_spec(const char *key, const char *value, char *msg, size_t n) {
    str_list l;
    if (list_parse(value, &l)) return -1;
    int bad = !l.len;
    for (size_t i = 0; i < l.len && !bad; i++) {
        char *colon = strchr(l.items[i], ':');
        if (colon) bad = parse_type(colon + 1) < 0 || colon == l.items[i];
        else bad = l.len != 1 || parse_type(l.items[i]) < 0;
    }
    list_free(&l);
    if (bad) snprintf(msg, n, "Invalid value %s for configuration %s: Invalid cast mapping: must be a comma-separated "
                              "list of field:type pairs, or one type (int8, int16, int32, int64, float32, float64, "
                              "boolean, string)", value, key);
    return bad ? -1 : 0;
}

static const kc_config_def config[] = {
    {"spec", KC_CFG_LIST, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or "
     "Structs. A single type to cast the entire value.", NULL, check_spec},
    {"replace.null.with.default", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Whether to replace fields that have a default value and that are null to the default value.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    int is_key;
    int replace_null; /* replace.null.with.default */
    int whole; /* target type for the whole key/value, or -1 */
    str_list fields;
    int *targets;
} state;

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    list_free(&s->fields);
    free(s->targets);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    const char *spec = host->config_get(cfg, "spec");
    char msg[512];
    if (!spec || check_spec("spec", spec, msg, sizeof msg))
        return kc_error_set(err, KC_EINVAL, "%s", spec ? msg : "Missing required configuration \"spec\"");
    state *s = calloc(1, sizeof *s);
    str_list l;
    if (!s || list_parse(spec, &l)) {
        free(s);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    s->is_key = is_key;
    s->whole = -1;
    s->replace_null = replace_null_option(cfg);
    s->targets = calloc(l.len, sizeof *s->targets);
    s->fields.items = calloc(l.len, sizeof(char *));
    for (size_t i = 0; i < l.len; i++) {
        char *colon = strchr(l.items[i], ':');
        if (!colon) {
            s->whole = parse_type(l.items[i]);
            continue;
        }
        *colon = '\0';
        s->targets[s->fields.len] = parse_type(colon + 1);
        s->fields.items[s->fields.len++] = strdup(l.items[i]);
    }
    list_free(&l);
    *out = s;
    return KC_OK;
}

static int cast_value(kc_value *v, int target, kc_error *err) {
    if (v->type == KC_VAL_NULL) return KC_OK;
    kc_stype t = type_of[target];
    int64_t i = 0;
    double d = 0;
    int is_float = 0;
    char buf[128];
    switch (v->type) {
    case KC_VAL_BOOL: i = v->u.b; break;
    case KC_VAL_INT:
    case KC_VAL_TIMESTAMP:
    case KC_VAL_DATE:
    case KC_VAL_TIME: i = v->u.i; break;
    case KC_VAL_DOUBLE: d = v->u.d, is_float = 1; break;
    case KC_VAL_STRING: {
        if (t == KC_SCHEMA_STRING) return KC_OK;
        char *end;
        errno = 0;
        if (t == KC_SCHEMA_BOOLEAN) {
            if (strcasecmp(v->u.str.ptr, "true") && strcasecmp(v->u.str.ptr, "false"))
                return kc_error_set(err, KC_EINVAL, "Cannot cast string %s to boolean", v->u.str.ptr);
            i = !strcasecmp(v->u.str.ptr, "true");
        } else if (t == KC_SCHEMA_FLOAT32 || t == KC_SCHEMA_FLOAT64) {
            d = strtod(v->u.str.ptr, &end), is_float = 1;
            if (*end || !*v->u.str.ptr) return kc_error_set(err, KC_EINVAL, "Cannot cast string %s to %s", v->u.str.ptr, type_names[target]);
        } else {
            i = strtoll(v->u.str.ptr, &end, 10);
            if (*end || errno || !*v->u.str.ptr)
                return kc_error_set(err, KC_EINVAL, "Cannot cast string %s to %s", v->u.str.ptr, type_names[target]);
        }
        break;
    }
    case KC_VAL_BYTES:
        if (t != KC_SCHEMA_STRING) return kc_error_set(err, KC_EINVAL, "Cannot cast bytes to %s", type_names[target]);
        break;
    default:
        return kc_error_set(err, KC_EINVAL, "Cast does not support %s values", kind_name(v->type));
    }
    kc_value out = {0};
    switch (t) {
    case KC_SCHEMA_BOOLEAN: out.type = KC_VAL_BOOL, out.u.b = is_float ? d != 0 : i != 0; break;
    case KC_SCHEMA_FLOAT32:
    case KC_SCHEMA_FLOAT64:
        out.type = KC_VAL_DOUBLE, out.u.d = is_float ? d : (double)i;
        if (t == KC_SCHEMA_FLOAT32) out.u.d = (float)out.u.d;
        break;
    case KC_SCHEMA_STRING:
        if (v->type == KC_VAL_BYTES) {
            static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            size_t n = v->u.str.len, o = 0;
            char *text = malloc(n / 3 * 4 + 5);
            const unsigned char *b = (const unsigned char *)v->u.str.ptr;
            for (size_t k = 0; k < n; k += 3) {
                uint32_t x = (uint32_t)b[k] << 16 | (k + 1 < n ? (uint32_t)b[k + 1] << 8 : 0) | (k + 2 < n ? b[k + 2] : 0);
                text[o++] = b64[x >> 18];
                text[o++] = b64[(x >> 12) & 63];
                text[o++] = k + 1 < n ? b64[(x >> 6) & 63] : '=';
                text[o++] = k + 2 < n ? b64[x & 63] : '=';
            }
            host->value_set_string(&out, text, o);
            free(text);
        } else if (v->type == KC_VAL_TIMESTAMP || v->type == KC_VAL_DATE || v->type == KC_VAL_TIME) {
            int64_t ms = v->type == KC_VAL_DATE ? i * MS_PER_DAY : i;
            format_ms(v->type == KC_VAL_DATE ? "yyyy-MM-dd" : v->type == KC_VAL_TIME ? "HH:mm:ss.SSS'Z'"
                                                                                    : "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
                      ms, buf, sizeof buf);
            host->value_set_string(&out, buf, strlen(buf));
        } else if (v->type == KC_VAL_BOOL) {
            host->value_set_string(&out, i ? "true" : "false", i ? 4 : 5);
        } else if (is_float) {
            snprintf(buf, sizeof buf, "%.17g", d);
            for (int prec = 1; prec <= 17; prec++) { /* shortest text that reads back */
                snprintf(buf, sizeof buf, "%.*g", prec, d);
                if (strtod(buf, NULL) == d) break;
            }
            if (!strpbrk(buf, ".eEn")) strcat(buf, ".0");
            host->value_set_string(&out, buf, strlen(buf));
        } else {
            snprintf(buf, sizeof buf, "%lld", (long long)i);
            host->value_set_string(&out, buf, strlen(buf));
        }
        break;
    default: { /* integers: truncate floats, wrap like Java's narrowing casts */
        int64_t n = is_float ? (int64_t)d : i;
        if (t == KC_SCHEMA_INT8) n = (int8_t)n;
        else if (t == KC_SCHEMA_INT16) n = (int16_t)n;
        else if (t == KC_SCHEMA_INT32) n = (int32_t)n;
        out.type = KC_VAL_INT, out.u.i = n;
    }
    }
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
    if (s->whole >= 0) {
        int rc = cast_value(v, s->whole, err);
        if (rc) return rc;
        if (schema) {
            kc_schema *ns = host->schema_new(type_of[s->whole], schema->optional);
            host->schema_release(schema);
            *part.schema = ns;
        }
        return KC_KEEP;
    }
    if (v->type == KC_VAL_NULL) return KC_KEEP;
    if (schema ? schema->type != KC_SCHEMA_STRUCT : v->type != KC_VAL_MAP)
        return kc_error_set(err, KC_EINVAL, "Only %s objects supported for [cast types], found: %s",
                            schema ? "Struct" : "Map", kind_name(v->type));
    for (size_t i = 0; i < s->fields.len; i++) {
        kc_value *fv = (kc_value *)host->map_get_str(v, s->fields.items[i]);
        if (!fv) continue;
        int rc = cast_value(fv, s->targets[i], err);
        if (rc) return rc;
    }
    if (schema) {
        kc_schema *ns = struct_like(schema);
        if (!ns) return kc_error_set(err, KC_ENOMEM, "out of memory");
        for (size_t k = 0; k < schema->nfields; k++) {
            int target = -1;
            for (size_t i = 0; i < s->fields.len; i++)
                if (!strcmp(s->fields.items[i], schema->fields[k].name)) target = s->targets[i];
            host->schema_add_field(ns, schema->fields[k].name,
                                   target >= 0 ? host->schema_new(type_of[target], schema->fields[k].schema->optional)
                                               : host->schema_retain(schema->fields[k].schema));
        }
        host->schema_release(schema);
        *part.schema = ns;
    }
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("cast", "Cast fields or the whole key/value to another type",
    "org.apache.kafka.connect.transforms.Cast$Value", "org.apache.kafka.connect.transforms.Cast$Key")
