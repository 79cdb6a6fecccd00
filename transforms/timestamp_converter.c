#define _GNU_SOURCE
/* TimestampConverter$Key / $Value: converts a timestamp (the whole key/value, or one field)
 * between strings (SimpleDateFormat patterns, UTC), unix epoch numbers (seconds to
 * nanoseconds), and Connect's Date, Time and Timestamp. Nulls stay null. */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>

#include "transform_common.h"

#define LOGICAL_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"
#define LOGICAL_DATE "org.apache.kafka.connect.data.Date"
#define LOGICAL_TIME "org.apache.kafka.connect.data.Time"
#define MS_PER_DAY 86400000LL

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
    char *field; /* NULL: the whole key/value */
    enum target target;
    char *format;      /* NULL when not given */
    int64_t unix_unit; /* units per second: 1, 1000, 1000000, 1000000000 */
    const kc_schema *cached_in;
    kc_schema *cached_out;
} state;

/* ---- calendar (proleptic Gregorian, UTC) --------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

static const char *const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};
static const char *const weekdays[] = {"Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"};

/* ---- SimpleDateFormat: the letters people use (y M d H h m s S a E Z X) and 'quoted' text -- */

static void put_num(char **o, char *end, int64_t v, int width) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%0*lld", width, (long long)v);
    if (n > 0 && *o + n < end) {
        memcpy(*o, tmp, (size_t)n);
        *o += n;
    }
}

static void put_str(char **o, char *end, const char *s, size_t n) {
    if (*o + n < end) {
        memcpy(*o, s, n);
        *o += n;
    }
}

static int format_ms(const char *fmt, int64_t ms, char *out, size_t size) {
    int64_t days = floor_div(ms, MS_PER_DAY), rem = ms - days * MS_PER_DAY, year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    int hour = (int)(rem / 3600000), minute = (int)(rem / 60000 % 60), second = (int)(rem / 1000 % 60),
        milli = (int)(rem % 1000);
    char *o = out, *end = out + size - 1;
    for (const char *p = fmt; *p;) {
        if (*p == '\'') { /* quoted text; '' is a quote */
            if (p[1] == '\'') {
                put_str(&o, end, "'", 1);
                p += 2;
                continue;
            }
            const char *q = p + 1;
            while (*q && !(*q == '\'' && q[1] != '\'')) {
                if (*q == '\'') q++;
                put_str(&o, end, q, 1);
                q++;
            }
            p = *q ? q + 1 : q;
            continue;
        }
        if (!isalpha((unsigned char)*p)) {
            put_str(&o, end, p++, 1);
            continue;
        }
        char c = *p;
        int n = 0;
        while (p[n] == c) n++;
        p += n;
        switch (c) {
        case 'y':
        case 'Y': put_num(&o, end, n == 2 ? (year % 100 + 100) % 100 : year, n == 2 ? 2 : n); break;
        case 'M':
            if (n >= 4) put_str(&o, end, months[month - 1], strlen(months[month - 1]));
            else if (n == 3) put_str(&o, end, months[month - 1], 3);
            else put_num(&o, end, month, n);
            break;
        case 'd': put_num(&o, end, day, n); break;
        case 'H': put_num(&o, end, hour, n); break;
        case 'h': put_num(&o, end, hour % 12 ? hour % 12 : 12, n); break;
        case 'a': put_str(&o, end, hour < 12 ? "AM" : "PM", 2); break;
        case 'm': put_num(&o, end, minute, n); break;
        case 's': put_num(&o, end, second, n); break;
        case 'S': put_num(&o, end, milli, n); break;
        case 'E': {
            const char *w = weekdays[((days % 7) + 7) % 7];
            put_str(&o, end, w, n >= 4 ? strlen(w) : 3);
            break;
        }
        case 'Z': put_str(&o, end, "+0000", 5); break;
        case 'X': put_str(&o, end, "Z", 1); break;
        default: return -1; /* a letter we do not know: refuse rather than print nonsense */
        }
    }
    *o = '\0';
    return 0;
}

static int read_num(const char **s, int max_digits, int64_t *out) {
    int n = 0;
    int64_t v = 0;
    int neg = 0;
    if (**s == '-' || **s == '+') neg = *(*s)++ == '-';
    while (n < max_digits && isdigit((unsigned char)**s)) v = v * 10 + (*(*s)++ - '0'), n++;
    *out = neg ? -v : v;
    return n ? 0 : -1;
}

static int parse_ms(const char *fmt, const char *text, int64_t *out) {
    int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, milli = 0, offset_min = 0;
    int pm = -1, h12 = 0;
    const char *s = text;
    for (const char *p = fmt; *p;) {
        if (*p == '\'') {
            if (p[1] == '\'') {
                if (*s++ != '\'') return -1;
                p += 2;
                continue;
            }
            const char *q = p + 1;
            while (*q && !(*q == '\'' && q[1] != '\'')) {
                if (*q == '\'') q++;
                if (*s++ != *q++) return -1;
            }
            p = *q ? q + 1 : q;
            continue;
        }
        if (!isalpha((unsigned char)*p)) {
            if (*s++ != *p++) return -1;
            continue;
        }
        char c = *p;
        int n = 0;
        while (p[n] == c) n++;
        p += n;
        /* adjacent numeric fields (yyyyMMdd) take exactly their width */
        int width = isalpha((unsigned char)*p) && *p != 'a' ? n : 18;
        int64_t v;
        switch (c) {
        case 'y':
        case 'Y':
            if (read_num(&s, width == 18 ? 9 : width, &v)) return -1;
            year = n == 2 && v < 100 ? 2000 + v : v;
            break;
        case 'M':
            if (n >= 3) {
                int found = 0;
                for (int i = 0; i < 12 && !found; i++) {
                    size_t len = n >= 4 ? strlen(months[i]) : 3;
                    if (!strncasecmp(s, months[i], len)) {
                        month = i + 1;
                        s += len;
                        found = 1;
                    }
                }
                if (!found) return -1;
            } else if (read_num(&s, width == 18 ? 2 : width, &month)) return -1;
            break;
        case 'd': if (read_num(&s, width == 18 ? 2 : width, &day)) return -1; break;
        case 'H': if (read_num(&s, width == 18 ? 2 : width, &hour)) return -1; break;
        case 'h':
            if (read_num(&s, width == 18 ? 2 : width, &hour)) return -1;
            h12 = 1;
            break;
        case 'a':
            if (!strncasecmp(s, "AM", 2)) pm = 0;
            else if (!strncasecmp(s, "PM", 2)) pm = 1;
            else return -1;
            s += 2;
            break;
        case 'm': if (read_num(&s, width == 18 ? 2 : width, &minute)) return -1; break;
        case 's': if (read_num(&s, width == 18 ? 2 : width, &second)) return -1; break;
        case 'S': if (read_num(&s, width == 18 ? 3 : width, &milli)) return -1; break;
        case 'E': while (isalpha((unsigned char)*s)) s++; break;
        case 'Z':
        case 'X': {
            if (c == 'X' && (*s == 'Z' || *s == 'z')) {
                s++;
                break;
            }
            if (*s != '+' && *s != '-') return -1;
            int sign = *s++ == '-' ? -1 : 1;
            int64_t hh, mm = 0;
            if (read_num(&s, 2, &hh)) return -1;
            if (*s == ':') s++;
            if (isdigit((unsigned char)*s) && read_num(&s, 2, &mm)) return -1;
            offset_min = sign * (hh * 60 + mm);
            break;
        }
        default: return -1;
        }
    }
    if (*s) return -1; /* trailing text */
    if (h12) hour = hour % 12 + (pm == 1 ? 12 : 0);
    else if (pm == 1 && hour < 12) hour += 12;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return -1;
    *out = days_from_civil(year, (int)month, (int)day) * MS_PER_DAY + hour * 3600000 + minute * 60000 +
           second * 1000 + milli - offset_min * 60000;
    return 0;
}

/* ---- the transform ------------------------------------------------------------------------ */

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    free(s->field);
    free(s->format);
    host->schema_release((kc_schema *)s->cached_in);
    host->schema_release(s->cached_out);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    state *s = calloc(1, sizeof *s);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    s->is_key = is_key;
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
    const kc_schema *field_schema = NULL;
    size_t field_index = 0;
    if (schema) {
        for (size_t i = 0; i < schema->nfields; i++)
            if (!strcmp(schema->fields[i].name, s->field)) field_schema = schema->fields[i].schema, field_index = i + 1;
        if (!field_index) return kc_error_set(err, KC_EINVAL, "%s is not a valid field name", s->field);
    }
    kc_value *fv = (kc_value *)host->map_get_str(v, s->field);
    if (fv) {
        int rc = convert(s, field_schema, fv, err);
        if (rc) {
            char msg[KC_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            return kc_error_set(err, rc, "field %s: %s", s->field, msg);
        }
    }
    if (schema) {
        kc_schema *ns;
        if (s->cached_in == schema && s->cached_out) {
            ns = host->schema_retain(s->cached_out);
        } else {
            ns = host->schema_new(KC_SCHEMA_STRUCT, schema->optional);
            if (!ns) return kc_error_set(err, KC_ENOMEM, "out of memory");
            if (schema->name) host->schema_set_name(ns, schema->name);
            ns->has_version = schema->has_version;
            ns->version = schema->version;
            for (size_t i = 0; i < schema->nfields; i++)
                host->schema_add_field(ns, schema->fields[i].name,
                                       i + 1 == field_index ? target_schema(s, field_schema->optional)
                                                            : host->schema_retain(schema->fields[i].schema));
            host->schema_release((kc_schema *)s->cached_in);
            host->schema_release(s->cached_out);
            s->cached_in = host->schema_retain(schema);
            s->cached_out = host->schema_retain(ns);
        }
        host->schema_release(schema);
        *part.schema = ns;
    }
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER, KC_PLUGIN_TRANSFORM, "timestamp-converter", "1.0.0",
    "Convert timestamps between strings, unix epochs, and Connect's Date, Time and Timestamp",
    (const char *const[]){"org.apache.kafka.connect.transforms.TimestampConverter$Value",
                          "org.apache.kafka.connect.transforms.TimestampConverter$Key", NULL},
    config, transform_init, NULL, NULL, NULL, &ops, NULL, NULL,
};

KC_PLUGIN_DEFINE(desc)
