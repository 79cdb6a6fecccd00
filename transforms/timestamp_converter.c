/* TimestampConverter$Key / $Value: converts a timestamp (the whole key/value, or one field)
 * between strings (SimpleDateFormat patterns, UTC), unix epoch numbers (seconds to
 * nanoseconds), and Connect's Date, Time and Timestamp. Nulls stay null. */
#include <stdio.h>
#include <strings.h>

#include "date_format.h"
#include "transform_common.h"

#define LOGICAL_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"
#define LOGICAL_DATE "org.apache.kafka.connect.data.Date"
#define LOGICAL_TIME "org.apache.kafka.connect.data.Time"

static const char *const targets[] = {"string", "unix", "Date", "Time", "Timestamp", NULL};
static const char *const precisions[] = {"nanoseconds", "microseconds", "milliseconds", "seconds", NULL};

static const kc_config_def config[] = {
    {"field", KC_CFG_STRING, "", 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "The field containing the timestamp, or empty if the entire value is a timestamp", NULL, NULL},
    {"target.type", KC_CFG_ENUM, NULL, KC_CFG_F_REQUIRED, 0, 0, targets, KC_IMPORTANCE_HIGH, NULL,
     "The desired timestamp representation: string, unix, Date, Time, or Timestamp", NULL, NULL},
    {"format", KC_CFG_STRING, "", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or "
     "used to parse the input if the input is a string.", NULL, NULL},
    {"unix.precision", KC_CFG_ENUM, "milliseconds", 0, 0, 0, precisions, KC_IMPORTANCE_LOW, NULL,
     "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds.", NULL,
     NULL},
    {"replace.null.with.default", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Whether to replace fields that have a default value and that are null to the default value.", NULL, NULL},
    KC_CONFIG_END,
};

enum target { T_STRING, T_UNIX, T_DATE, T_TIME, T_TIMESTAMP };

typedef struct state {
    int is_key;
    int replace_null; /* replace.null.with.default */
    char *field; /* NULL: the whole key/value */
    enum target target;
    char *format;      /* NULL when not given */
    int64_t unix_unit; /* units per second: 1, 1000, 1000000, 1000000000 */
    schema_cache cache;
} state;

/* ---- the transform ------------------------------------------------------------------------ */

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    free(s->field);
    free(s->format);
    cache_clear(&s->cache);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    state *s = calloc(1, sizeof *s);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    s->is_key = is_key;
    s->replace_null = replace_null_option(cfg);
    const char *field = host->config_get(cfg, "field");
    if (field && *field) s->field = strdup(field);
    const char *t = host->config_get(cfg, "target.type");
    int found = 0;
    for (int i = 0; targets[i]; i++)
        if (t && !strcasecmp(t, targets[i])) s->target = (enum target)i, found = 1;
    if (!found) {
        close_state(s);
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration target.type: Unknown timestamp type in "
                            "TimestampConverter: %s. Valid values are string, unix, Date, Time, Timestamp.",
                            t ? t : "null", t ? t : "null");
    }
    const char *fmt = host->config_get(cfg, "format");
    if (fmt && *fmt) {
        s->format = strdup(fmt);
        char probe[128];
        if (format_ms(fmt, 0, probe, sizeof probe)) {
            close_state(s);
            return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration format: TimestampConverter could "
                                                "not use this SimpleDateFormat pattern", fmt);
        }
    }
    if (s->target == T_STRING && !s->format) {
        close_state(s);
        return kc_error_set(err, KC_EINVAL, "Invalid value for configuration format: TimestampConverter requires "
                                            "format option to be specified when using string timestamps");
    }
    const char *prec = host->config_get(cfg, "unix.precision");
    s->unix_unit = 1000;
    if (prec && !strcmp(prec, "seconds")) s->unix_unit = 1;
    else if (prec && !strcmp(prec, "microseconds")) s->unix_unit = 1000000;
    else if (prec && !strcmp(prec, "nanoseconds")) s->unix_unit = 1000000000;
    *out = s;
    return KC_OK;
}

/* The input as epoch ms, inferred from the schema (its logical name or type) or the value. */
static int to_ms(state *s, const kc_schema *schema, const kc_value *v, int64_t *ms, kc_error *err) {
    const char *name = schema ? schema->name : NULL;
    kc_vtype t = v->type;
    if (name && !strcmp(name, LOGICAL_DATE)) t = KC_VAL_DATE;
    else if (name && !strcmp(name, LOGICAL_TIME)) t = KC_VAL_TIME;
    else if (name && !strcmp(name, LOGICAL_TIMESTAMP)) t = KC_VAL_TIMESTAMP;
    switch (t) {
    case KC_VAL_TIMESTAMP: *ms = v->u.i; return KC_OK;
    case KC_VAL_DATE: *ms = v->u.i * MS_PER_DAY; return KC_OK;
    case KC_VAL_TIME: *ms = v->u.i; return KC_OK;
    case KC_VAL_INT:
        *ms = s->unix_unit == 1 ? v->u.i * 1000 : s->unix_unit == 1000 ? v->u.i : floor_div(v->u.i, s->unix_unit / 1000);
        return KC_OK;
    case KC_VAL_STRING:
        if (!s->format)
            return kc_error_set(err, KC_EINVAL, "TimestampConverter requires format option to be specified when "
                                                "using string timestamps");
        if (parse_ms(s->format, v->u.str.ptr, ms))
            return kc_error_set(err, KC_EINVAL, "Could not parse timestamp: value (%s) does not match pattern (%s)",
                                v->u.str.ptr, s->format);
        return KC_OK;
    default:
        return kc_error_set(err, KC_EINVAL, "TimestampConverter does not support %s objects as timestamps",
                            kind_name(v->type));
    }
}

static int from_ms(state *s, int64_t ms, kc_value *out, kc_error *err) {
    char text[256];
    memset(out, 0, sizeof *out);
    switch (s->target) {
    case T_STRING:
        format_ms(s->format, ms, text, sizeof text);
        return host->value_set_string(out, text, strlen(text)) ? kc_error_set(err, KC_ENOMEM, "out of memory") : KC_OK;
    case T_UNIX:
        out->type = KC_VAL_INT;
        out->u.i = s->unix_unit == 1 ? floor_div(ms, 1000) : ms * (s->unix_unit / 1000);
        return KC_OK;
    case T_DATE: out->type = KC_VAL_DATE, out->u.i = floor_div(ms, MS_PER_DAY); return KC_OK;
    case T_TIME: out->type = KC_VAL_TIME, out->u.i = ms - floor_div(ms, MS_PER_DAY) * MS_PER_DAY; return KC_OK;
    case T_TIMESTAMP: out->type = KC_VAL_TIMESTAMP, out->u.i = ms; return KC_OK;
    }
    return KC_EINVAL;
}

static kc_schema *target_schema(state *s, int optional) {
    static const kc_stype types[] = {KC_SCHEMA_STRING, KC_SCHEMA_INT64, KC_SCHEMA_INT32, KC_SCHEMA_INT32,
                                     KC_SCHEMA_INT64};
    static const char *names[] = {NULL, NULL, LOGICAL_DATE, LOGICAL_TIME, LOGICAL_TIMESTAMP};
    kc_schema *out = host->schema_new(types[s->target], optional);
    if (out && names[s->target]) {
        host->schema_set_name(out, names[s->target]);
        out->has_version = 1;
        out->version = 1;
    }
    return out;
}

static int convert(state *s, const kc_schema *schema, kc_value *v, kc_error *err) {
    if (v->type == KC_VAL_NULL) return KC_OK; /* null stays null */
    int64_t ms = 0;
    kc_value out;
    int rc = to_ms(s, schema, v, &ms, err);
    if (!rc) rc = from_ms(s, ms, &out, err);
    if (rc) return rc;
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
    if (!s->field) { /* the whole key or value */
        int rc = convert(s, schema, v, err);
        if (rc) return rc;
        if (schema) {
            kc_schema *ns = target_schema(s, schema->optional);
            host->schema_release(schema);
            *part.schema = ns;
        }
        return KC_KEEP;
    }
    if (v->type == KC_VAL_NULL) return KC_KEEP;
    if (schema ? schema->type != KC_SCHEMA_STRUCT : v->type != KC_VAL_MAP)
        return kc_error_set(err, KC_EINVAL, "Only %s objects supported for [converting timestamp formats], found: %s",
                            schema ? "Struct" : "Map", kind_name(v->type));
    size_t field_index = 0;
    const kc_schema *fschema = schema ? struct_field_schema(schema, s->field, &field_index) : NULL;
    if (schema && !fschema) return kc_error_set(err, KC_EINVAL, "%s is not a valid field name", s->field);
    kc_value *fv = (kc_value *)host->map_get_str(v, s->field);
    if (fv) {
        int rc = convert(s, fschema, fv, err);
        if (rc) {
            char msg[KC_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            return kc_error_set(err, rc, "field %s: %s", s->field, msg);
        }
    }
    if (schema) {
        kc_schema *ns = cache_get(&s->cache, schema);
        if (!ns) {
            if (!(ns = struct_like(schema))) return kc_error_set(err, KC_ENOMEM, "out of memory");
            for (size_t i = 0; i < schema->nfields; i++)
                host->schema_add_field(ns, schema->fields[i].name,
                                       i == field_index ? target_schema(s, fschema->optional)
                                                            : host->schema_retain(schema->fields[i].schema));
            cache_put(&s->cache, schema, ns);
        }
        host->schema_release(schema);
        *part.schema = ns;
    }
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("timestamp-converter", "Convert timestamps between strings, unix epochs, and Connect's Date, Time and Timestamp",
    "org.apache.kafka.connect.transforms.TimestampConverter$Value", "org.apache.kafka.connect.transforms.TimestampConverter$Key")
