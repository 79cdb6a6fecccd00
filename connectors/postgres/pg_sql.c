/* pg_sql.c - URL translation, quoting, type mapping and COPY text encoding (no libpq). */

#include "pg_sql.h"

#include <math.h>
#include <stdarg.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- connection.url ----------------------------------------------------------------------- */

/* JDBC parameters libpq understands under the same name. */
static const char *const libpq_params[] = {"user", "password", "sslmode", "sslcert", "sslkey", "sslrootcert",
                                           "sslpassword", "connect_timeout", "application_name", "options",
                                           "target_session_attrs", "keepalives", "keepalives_idle",
                                           "channel_binding", "gssencmode", NULL};

static int known_param(const char *k, size_t n) {
    for (const char *const *p = libpq_params; *p; p++)
        if (strlen(*p) == n && !strncmp(*p, k, n)) return 1;
    return 0;
}

static void add_param(strbuf *b, int *first, const char *k, const char *v, size_t vn) {
    strbuf_puts(b, *first ? "?" : "&");
    *first = 0;
    strbuf_puts(b, k);
    strbuf_puts(b, "=");
    strbuf_append(b, v, vn);
}

int pg_url_from_jdbc(const char *url, char **libpq_out, char **dropped, kc_error *err) {
    *libpq_out = NULL;
    if (dropped) *dropped = NULL;
    if (!url || !*url) return kc_error_set(err, KC_EINVAL, "connection.url is empty");
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11) ||
        (strchr(url, '=') && strncmp(url, "jdbc:", 5))) {
        *libpq_out = strdup(url);
        return *libpq_out ? KC_OK : kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    if (strncmp(url, "jdbc:postgresql:", 16))
        return kc_error_set(err, KC_EINVAL,
                            "Invalid value for configuration connection.url: expected jdbc:postgresql://host:port/"
                            "database, a postgresql:// URL or a libpq key=value string");
    const char *rest = url + 16;
    strbuf b = {0}, drop = {0};
    strbuf_puts(&b, "postgresql://");
    const char *q = strchr(rest, '?');
    size_t main_len = q ? (size_t)(q - rest) : strlen(rest);
    if (!strncmp(rest, "//", 2)) {
        strbuf_append(&b, rest + 2, main_len - 2); /* host[:port][,host2...]/[db] */
    } else { /* jdbc:postgresql:database means localhost */
        strbuf_puts(&b, "localhost/");
        strbuf_append(&b, rest, main_len);
    }
    int first = 1, have_sslmode = 0, want_ssl = 0;
    for (const char *p = q ? q + 1 : NULL; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        size_t kn = eq ? (size_t)(eq - p) : n;
        const char *v = eq ? eq + 1 : "";
        size_t vn = eq ? n - kn - 1 : 0;
        if (kn == 7 && !strncmp(p, "sslmode", 7)) have_sslmode = 1;
        if (known_param(p, kn)) {
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)kn, p);
            add_param(&b, &first, key, v, vn);
        } else if (kn == 3 && !strncmp(p, "ssl", 3)) {
            want_ssl = vn == 4 && !strncasecmp(v, "true", 4);
        } else if (kn == 13 && !strncmp(p, "currentSchema", 13)) {
            strbuf s = {0};
            strbuf_puts(&s, "-c%20search_path%3D");
            strbuf_append(&s, v, vn);
            if (!s.failed) add_param(&b, &first, "options", s.data, s.len);
            strbuf_free(&s);
        } else if ((kn == 12 && !strncmp(p, "loginTimeout", 12)) || (kn == 14 && !strncmp(p, "connectTimeout", 14))) {
            add_param(&b, &first, "connect_timeout", v, vn);
        } else if (kn == 15 && !strncmp(p, "ApplicationName", 15)) {
            add_param(&b, &first, "application_name", v, vn);
        } else if (kn) {
            if (drop.len) strbuf_puts(&drop, ",");
            strbuf_append(&drop, p, kn);
        }
        p = amp ? amp + 1 : NULL;
    }
    if (want_ssl && !have_sslmode) add_param(&b, &first, "sslmode", "require", 7);
    if (b.failed || drop.failed) {
        strbuf_free(&b);
        strbuf_free(&drop);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    *libpq_out = b.data;
    if (dropped) *dropped = drop.data;
    else strbuf_free(&drop);
    return KC_OK;
}

/* ---- identifiers and types ---------------------------------------------------------------- */

void pg_ident(strbuf *b, const char *name, int quote, int dotted) {
    const char *p = name;
    for (;;) {
        const char *dot = dotted ? strchr(p, '.') : NULL;
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (quote) {
            strbuf_puts(b, "\"");
            for (size_t i = 0; i < n; i++) strbuf_append(b, p[i] == '"' ? "\"\"" : p + i, 1 + (p[i] == '"'));
            strbuf_puts(b, "\"");
        } else {
            strbuf_append(b, p, n);
        }
        if (!dot) break;
        strbuf_puts(b, ".");
        p = dot + 1;
    }
}

int pg_ident_check(const char *name, int quote, int dotted, char *why, size_t why_size) {
    const char *p = name;
    for (;;) {
        const char *dot = dotted ? strchr(p, '.') : NULL;
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0) {
            snprintf(why, why_size, "identifier \"%.200s\" has an empty part", name);
            return -1;
        }
        if (n > PG_IDENT_MAX) {
            snprintf(why, why_size, "identifier \"%.200s%s\" is %zu bytes long; PostgreSQL keeps %d bytes of a name, so "
                     "it would be cut and could become another table's or column's name", name,
                     strlen(name) > 200 ? "..." : "", n, PG_IDENT_MAX);
            return -1;
        }
        if (!quote) {
            int plain = (isalpha((unsigned char)p[0]) || p[0] == '_');
            for (size_t i = 1; i < n && plain; i++)
                plain = isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == '$';
            if (!plain) {
                snprintf(why, why_size, "identifier \"%.200s\" is not a plain SQL identifier (letters, digits, _ and $, "
                         "not starting with a digit); with quote.sql.identifiers=never names go into SQL as they are, "
                         "so only plain ones are written", name);
                return -1;
            }
        }
        if (!dot) return 0;
        p = dot + 1;
    }
}

const char *pg_type_sql(pg_coltype t) {
    static const char *const names[][2] = {
        [PG_UNKNOWN] = {"TEXT", "TEXT[]"},
        [PG_SMALLINT] = {"SMALLINT", "SMALLINT[]"},
        [PG_INT] = {"INT", "INT[]"},
        [PG_BIGINT] = {"BIGINT", "BIGINT[]"},
        [PG_REAL] = {"REAL", "REAL[]"},
        [PG_DOUBLE] = {"DOUBLE PRECISION", "DOUBLE PRECISION[]"},
        [PG_BOOLEAN] = {"BOOLEAN", "BOOLEAN[]"},
        [PG_TEXT] = {"TEXT", "TEXT[]"},
        [PG_BYTEA] = {"BYTEA", "BYTEA[]"},
        [PG_NUMERIC] = {"DECIMAL", "DECIMAL[]"},
        [PG_DATE] = {"DATE", "DATE[]"},
        [PG_TIME] = {"TIME", "TIME[]"},
        [PG_TIMESTAMP] = {"TIMESTAMP", "TIMESTAMP[]"},
        [PG_JSONB] = {"JSONB", "JSONB"},
    };
    return names[t.base][t.array ? 1 : 0];
}

static int named(const kc_schema *s, const char *logical) { return s->name && !strcmp(s->name, logical); }

pg_coltype pg_type_of_schema(const kc_schema *s) {
    pg_coltype t = {PG_UNKNOWN, 0};
    if (!s) return t;
    if (named(s, KC_LOGICAL_DECIMAL)) t.base = PG_NUMERIC;
    else if (named(s, KC_LOGICAL_DATE)) t.base = PG_DATE;
    else if (named(s, KC_LOGICAL_TIME)) t.base = PG_TIME;
    else if (named(s, KC_LOGICAL_TIMESTAMP)) t.base = PG_TIMESTAMP;
    else switch (s->type) {
        case KC_SCHEMA_INT8:
        case KC_SCHEMA_INT16: t.base = PG_SMALLINT; break;
        case KC_SCHEMA_INT32: t.base = PG_INT; break;
        case KC_SCHEMA_INT64: t.base = PG_BIGINT; break;
        case KC_SCHEMA_FLOAT32: t.base = PG_REAL; break;
        case KC_SCHEMA_FLOAT64: t.base = PG_DOUBLE; break;
        case KC_SCHEMA_BOOLEAN: t.base = PG_BOOLEAN; break;
        case KC_SCHEMA_STRING: t.base = PG_TEXT; break;
        case KC_SCHEMA_BYTES: t.base = PG_BYTEA; break;
        case KC_SCHEMA_ARRAY: {
            pg_coltype e = pg_type_of_schema(s->items);
            if (e.array || e.base == PG_JSONB || !s->items) t.base = PG_JSONB;
            else t = (pg_coltype){e.base, 1};
            break;
        }
        case KC_SCHEMA_MAP:
        case KC_SCHEMA_STRUCT: t.base = PG_JSONB; break;
        }
    return t;
}

static pg_type scalar_type(const kc_value *v) {
    switch (v->type) {
    case KC_VAL_BOOL: return PG_BOOLEAN;
    case KC_VAL_INT: return PG_BIGINT;
    case KC_VAL_DOUBLE: return PG_DOUBLE;
    case KC_VAL_STRING: return PG_TEXT;
    case KC_VAL_BYTES: return PG_BYTEA;
    case KC_VAL_TIMESTAMP: return PG_TIMESTAMP;
    case KC_VAL_DATE: return PG_DATE;
    case KC_VAL_TIME: return PG_TIME;
    case KC_VAL_DECIMAL: return PG_NUMERIC;
    case KC_VAL_ARRAY:
    case KC_VAL_MAP:
    case KC_VAL_STRUCT: return PG_JSONB;
    case KC_VAL_NULL: break;
    }
    return PG_UNKNOWN;
}

pg_coltype pg_type_of_value(const kc_value *v) {
    pg_coltype t = {scalar_type(v), 0};
    if (v->type != KC_VAL_ARRAY) return t;
    /* an array of scalars of one kind (integers widening to doubles) is a Postgres array */
    pg_type elem = PG_UNKNOWN;
    for (size_t i = 0; i < v->u.arr.len; i++) {
        pg_type e = scalar_type(&v->u.arr.items[i]);
        if (e == PG_UNKNOWN || e == elem) continue;
        if (e == PG_JSONB) return (pg_coltype){PG_JSONB, 0};
        if (elem == PG_UNKNOWN) elem = e;
        else if ((elem == PG_BIGINT && e == PG_DOUBLE) || (elem == PG_DOUBLE && e == PG_BIGINT)) elem = PG_DOUBLE;
        else return (pg_coltype){PG_JSONB, 0};
    }
    return (pg_coltype){elem == PG_UNKNOWN ? PG_TEXT : elem, 1};
}

/* ---- COPY text format --------------------------------------------------------------------- */

/* Text as COPY reads it: backslash escapes for \, newline, CR and tab; NULs dropped. */
static void copy_text(strbuf *b, const char *s, size_t n) {
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        switch (s[i]) {
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\0': esc = ""; break;
        default: continue;
        }
        strbuf_append(b, s + start, i - start);
        strbuf_puts(b, esc);
        start = i + 1;
    }
    strbuf_append(b, s + start, n - start);
}

/* JSON text without \u0000 escapes, which jsonb refuses (the JDBC sink strips NULs too). */
static void strip_json_nul(char *j) {
    char *w = j;
    for (char *r = j; *r;) {
        if (r[0] == '\\' && r[1] == 'u' && !strncmp(r + 2, "0000", 4)) {
            r += 6;
        } else if (r[0] == '\\' && r[1]) {
            *w++ = *r++;
            *w++ = *r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

static void civil(int64_t secs, struct tm *tm) {
    time_t t = (time_t)secs;
    gmtime_r(&t, tm);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* A scalar's text, unescaped (the caller escapes it for COPY or an array literal). */
static void append_int(strbuf *b, int64_t i) {
    char num[24], *p = num + sizeof num;
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    do *--p = (char)('0' + u % 10); while (u /= 10);
    if (i < 0) *--p = '-';
    strbuf_append(b, p, (size_t)(num + sizeof num - p));
}

static int scalar_text(strbuf *b, const kc_value *v, const kc_host_api *host) {
    struct tm tm;
    switch (v->type) {
    case KC_VAL_BOOL: strbuf_puts(b, v->u.b ? "t" : "f"); break;
    case KC_VAL_INT: append_int(b, v->u.i); break;
    case KC_VAL_DOUBLE:
        if (isnan(v->u.d)) strbuf_puts(b, "NaN");
        else if (isinf(v->u.d)) strbuf_puts(b, v->u.d > 0 ? "Infinity" : "-Infinity");
        /* a whole number (counts sent as 12.0) is exact as an integer, and far cheaper to print */
        else if (fabs(v->u.d) < 9007199254740992.0 && v->u.d == (double)(int64_t)v->u.d &&
                 (v->u.d != 0 || !signbit(v->u.d)))
            append_int(b, (int64_t)v->u.d);
        else strbuf_printf(b, "%.17g", v->u.d);
        break;
    case KC_VAL_STRING: strbuf_append(b, v->u.str.ptr, v->u.str.len); break;
    case KC_VAL_BYTES:
        strbuf_puts(b, "\\x");
        for (size_t i = 0; i < v->u.str.len; i++) strbuf_printf(b, "%02x", (unsigned char)v->u.str.ptr[i]);
        break;
    case KC_VAL_TIMESTAMP: {
        int64_t ms = v->u.i, s = floor_div(ms, 1000);
        civil(s, &tm);
        strbuf_printf(b, "%04d-%02d-%02d %02d:%02d:%02d.%03d+00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms - s * 1000));
        break;
    }
    case KC_VAL_DATE:
        civil(v->u.i * 86400, &tm);
        strbuf_printf(b, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        break;
    case KC_VAL_TIME: {
        int64_t ms = ((v->u.i % 86400000) + 86400000) % 86400000;
        strbuf_printf(b, "%02d:%02d:%02d.%03d", (int)(ms / 3600000), (int)(ms / 60000 % 60), (int)(ms / 1000 % 60),
                      (int)(ms % 1000));
        break;
    }
    case KC_VAL_DECIMAL: {
        char *t = host->decimal_to_text(v);
        if (!t) return KC_ENOMEM;
        strbuf_puts(b, t);
        host->free(t);
        break;
    }
    default: {
        char *j = host->value_to_text(v);
        if (!j) return KC_ENOMEM;
        strip_json_nul(j);
        strbuf_puts(b, j);
        host->free(j);
    }
    }
    return b->failed ? KC_ENOMEM : KC_OK;
}

/* {e1,"e 2",NULL}: each element double-quoted with \" and \\ escaped. */
static int array_literal(strbuf *b, const kc_value *v, const kc_host_api *host) {
    strbuf_puts(b, "{");
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const kc_value *e = &v->u.arr.items[i];
        if (i) strbuf_puts(b, ",");
        if (e->type == KC_VAL_NULL) {
            strbuf_puts(b, "NULL");
            continue;
        }
        strbuf t = {0};
        int rc = scalar_text(&t, e, host);
        if (rc) {
            strbuf_free(&t);
            return rc;
        }
        strbuf_puts(b, "\"");
        for (size_t k = 0; k < t.len; k++) {
            if (t.data[k] == '"' || t.data[k] == '\\') strbuf_puts(b, "\\");
            strbuf_append(b, t.data + k, 1);
        }
        strbuf_puts(b, "\"");
        strbuf_free(&t);
    }
    strbuf_puts(b, "}");
    return b->failed ? KC_ENOMEM : KC_OK;
}

pg_coltype pg_type_of_sql(const char *sql_type) {
    static const struct { const char *prefix; pg_type type; } names[] = {
        {"smallint", PG_SMALLINT}, {"integer", PG_INT}, {"bigint", PG_BIGINT}, {"real", PG_REAL},
        {"double precision", PG_DOUBLE}, {"boolean", PG_BOOLEAN}, {"bytea", PG_BYTEA}, {"numeric", PG_NUMERIC},
        {"date", PG_DATE}, {"timestamp", PG_TIMESTAMP}, {"time", PG_TIME}, {"json", PG_JSONB},
    };
    pg_coltype t = {PG_TEXT, 0};
    size_t n = strlen(sql_type);
    if (n > 2 && !strcmp(sql_type + n - 2, "[]")) t.array = 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strncmp(sql_type, names[i].prefix, strlen(names[i].prefix))) {
            t.base = names[i].type;
            break;
        }
    if (t.base == PG_JSONB) t.array = 0; /* json[] is rare: its elements are JSON text */
    return t;
}

/* A string as a JSON string (for a jsonb column). */
static void json_string(strbuf *b, const char *s, size_t n) {
    strbuf_puts(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            strbuf_puts(b, "\\");
            strbuf_append(b, s + i, 1);
        } else if (c == 0) {
            continue;
        } else if (c < 0x20) {
            strbuf_printf(b, "\\u%04x", c);
        } else {
            strbuf_append(b, s + i, 1);
        }
    }
    strbuf_puts(b, "\"");
}

int pg_copy_field(strbuf *b, const kc_value *v, pg_coltype t, const kc_host_api *host) {
    if (!v || v->type == KC_VAL_NULL) {
        strbuf_puts(b, "\\N");
        return b->failed ? KC_ENOMEM : KC_OK;
    }
    switch (v->type) { /* the common scalars straight into b: no temporary text */
    case KC_VAL_STRING:
        if (t.base == PG_JSONB && !t.array) break;
        copy_text(b, v->u.str.ptr, v->u.str.len);
        return b->failed ? KC_ENOMEM : KC_OK;
    case KC_VAL_BOOL:
    case KC_VAL_INT:
    case KC_VAL_DOUBLE: /* their text has nothing COPY escapes */
        return scalar_text(b, v, host);
    default: break;
    }
    strbuf text = {0};
    int rc = KC_OK;
    if (t.array && v->type == KC_VAL_ARRAY) rc = array_literal(&text, v, host);
    else if (t.base == PG_JSONB && v->type == KC_VAL_STRING) json_string(&text, v->u.str.ptr, v->u.str.len);
    else rc = scalar_text(&text, v, host);
    if (rc == KC_OK && text.failed) rc = KC_ENOMEM;
    if (rc == KC_OK) copy_text(b, text.data ? text.data : "", text.len);
    strbuf_free(&text);
    return rc == KC_OK && b->failed ? KC_ENOMEM : rc;
}

int pg_value_text(strbuf *b, const kc_value *v, pg_coltype t, const kc_host_api *host) {
    if (t.array && v->type == KC_VAL_ARRAY) return array_literal(b, v, host);
    if (t.base == PG_JSONB && v->type == KC_VAL_STRING) {
        json_string(b, v->u.str.ptr, v->u.str.len);
        return b->failed ? KC_ENOMEM : KC_OK;
    }
    return scalar_text(b, v, host);
}

int pg_group_by_kind(size_t n, const unsigned *kind, unsigned nkinds, const char *const *keys, size_t *order) {
    if (nkinds < 2 || n < 3) return 0;
    size_t cap = 16;
    while (cap < n * 2) cap *= 2;
    const char **seen = calloc(cap, sizeof *seen);
    size_t *next = calloc(nkinds, sizeof *next);
    if (!seen || !next) {
        free(seen);
        free(next);
        return -1;
    }
    int repeats = 0;
    for (size_t i = 0; i < n && !repeats; i++) {
        next[kind[i]]++;
        if (!keys[i]) continue;
        uint64_t h = 14695981039346656037ULL; /* FNV-1a */
        for (const unsigned char *p = (const unsigned char *)keys[i]; *p; p++) h = (h ^ *p) * 1099511628211ULL;
        for (size_t j = h & (cap - 1);; j = (j + 1) & (cap - 1)) {
            if (!seen[j]) {
                seen[j] = keys[i];
                break;
            }
            if (!strcmp(seen[j], keys[i])) {
                repeats = 1;
                break;
            }
        }
    }
    if (!repeats) { /* counts to starting places, then each row to the next place of its kind */
        size_t at = 0;
        for (unsigned k = 0; k < nkinds; k++) {
            size_t c = next[k];
            next[k] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++) order[next[kind[i]]++] = i;
    }
    free(seen);
    free(next);
    return !repeats;
}
