/* values.c - a port of Connect's org.apache.kafka.connect.data.Values: convertToString and
 * parseString, with its tokenizer, so header text round-trips between kcd and Connect workers.
 * Where the port departs from Java (kept small and named here):
 * - dates, times and timestamps are read only in their exact ISO shapes (Java's lenient
 *   SimpleDateFormat also takes a partly matching string of the right length); fields out of
 *   range roll over as in Java's lenient calendar; the zone is UTC (Java: the JVM's default);
 * - nesting deeper than KC_VALUES_MAX_DEPTH is an error (Java: a StackOverflowError, which its
 *   SimpleHeaderConverter also turns into the raw bytes);
 * - a number of more than KC_VALUES_MAX_NUMBER characters, or a map of more than
 *   KC_VALUES_MAX_ENTRIES entries, is read as text (Java: a Decimal, a map), so a header of a
 *   megabyte cannot hold a task for minutes. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_converter_int.h"
#include "kc_value_int.h"
#include "kc_values.h"

#define MS_PER_DAY 86400000LL
#define KC_VALUES_MAX_DEPTH 64
#define KC_VALUES_MAX_NUMBER 1000 /* characters; a Decimal's digits cost their square to convert */
#define KC_VALUES_MAX_ENTRIES 4096 /* of one map; each new key is looked for among the others */

/* ---- Java's number and date text -------------------------------------------------------- */

void kc_values_append_java_double(kc_buf *b, double d, int is_float) {
    const char *special = isnan(d) ? "NaN" : isinf(d) ? (d < 0 ? "-Infinity" : "Infinity")
                          : d == 0          ? (signbit(d) ? "-0.0" : "0.0")
                                            : NULL;
    if (special) {
        kc_buf_puts(b, special);
        return;
    }
    char sci[48];
    for (int p = 1; p <= 17; p++) { /* the shortest digits that read back to the same number */
        snprintf(sci, sizeof sci, "%.*e", p - 1, d);
        if (is_float ? strtof(sci, NULL) == (float)d : strtod(sci, NULL) == d) break;
    }
    char digits[24];
    size_t nd = 0;
    const char *q = sci;
    if (*q == '-') {
        kc_buf_putc(b, '-');
        q++;
    }
    for (; *q && *q != 'e' && nd < sizeof digits; q++)
        if (isdigit((unsigned char)*q)) digits[nd++] = *q;
    int exp10 = *q == 'e' ? atoi(q + 1) : 0; /* the value is d.ddd x 10^exp10 */
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (exp10 >= -3 && exp10 < 7) { /* Java prints [1e-3, 1e7) plainly */
        if (exp10 < 0) {
            kc_buf_puts(b, "0.");
            for (int i = -1; i > exp10; i--) kc_buf_putc(b, '0');
            kc_buf_append(b, digits, nd);
            return;
        }
        for (int i = 0; i <= exp10; i++) kc_buf_putc(b, (size_t)i < nd ? digits[i] : '0');
        kc_buf_putc(b, '.');
        if ((size_t)exp10 + 1 < nd) kc_buf_append(b, digits + exp10 + 1, nd - (size_t)exp10 - 1);
        else kc_buf_putc(b, '0');
        return;
    }
    kc_buf_putc(b, digits[0]);
    kc_buf_putc(b, '.');
    if (nd > 1) kc_buf_append(b, digits + 1, nd - 1);
    else kc_buf_putc(b, '0');
    kc_buf_printf(b, "E%d", exp10);
}

/* BigDecimal.toString: plain unless the scale is negative or the number is below 1e-6. */
static void append_java_decimal(kc_buf *b, const kc_value *v) {
    char *text = kc_decimal_to_text(v->u.dec.unscaled, v->u.dec.len, 0);
    if (!text) {
        b->failed = 1;
        return;
    }
    const char *digits = text[0] == '-' ? text + 1 : text;
    long nd = (long)strlen(digits), scale = v->u.dec.scale, adjusted = -scale + (nd - 1);
    if (text[0] == '-') kc_buf_putc(b, '-');
    if (scale >= 0 && adjusted >= -6) {
        if (scale == 0) {
            kc_buf_puts(b, digits);
        } else if (nd > scale) {
            kc_buf_append(b, digits, (size_t)(nd - scale));
            kc_buf_putc(b, '.');
            kc_buf_puts(b, digits + nd - scale);
        } else {
            kc_buf_puts(b, "0.");
            for (long i = nd; i < scale; i++) kc_buf_putc(b, '0');
            kc_buf_puts(b, digits);
        }
    } else {
        kc_buf_putc(b, digits[0]);
        if (nd > 1) {
            kc_buf_putc(b, '.');
            kc_buf_puts(b, digits + 1);
        }
        kc_buf_printf(b, "E%s%ld", adjusted >= 0 ? "+" : "", adjusted);
    }
    free(text);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* Days since 1970-01-01 of a proleptic Gregorian date; month and day may roll over. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y += floor_div(m - 1, 12);
    m = m - 1 - floor_div(m - 1, 12) * 12 + 1;
    y -= m <= 2;
    int64_t era = floor_div(y, 400), yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 + (d - 1);
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = floor_div(z, 146097), doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* java.util.Date as Values prints it: a time before the first day's end, a date at midnight, a
 * timestamp otherwise (chosen by the value, not the schema, as in Java). */
static void append_java_date(kc_buf *b, int64_t ms) {
    int64_t days = floor_div(ms, MS_PER_DAY), in_day = ms - days * MS_PER_DAY;
    char time[64];
    snprintf(time, sizeof time, "%02d:%02d:%02d.%03dZ", (int)(in_day / 3600000), (int)(in_day / 60000 % 60),
             (int)(in_day / 1000 % 60), (int)(in_day % 1000));
    if (ms < MS_PER_DAY) {
        kc_buf_puts(b, time);
        return;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    kc_buf_printf(b, "%04lld-%02d-%02d", (long long)y, m, d);
    if (in_day) kc_buf_printf(b, "T%s", time);
}

/* ---- convertToString -------------------------------------------------------------------- */

static void append_string(kc_buf *b, const char *s, size_t n, int embedded) {
    if (!embedded) {
        kc_buf_append(b, s, n);
        return;
    }
    kc_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '"') kc_buf_putc(b, '\\');
        kc_buf_putc(b, s[i]);
    }
    kc_buf_putc(b, '"');
}

static void append_value(kc_buf *b, const kc_schema *s, const kc_value *v, int embedded) {
    switch (v->type) {
    case KC_VAL_NULL: kc_buf_puts(b, "null"); break;
    case KC_VAL_BOOL: kc_buf_puts(b, v->u.b ? "true" : "false"); break;
    case KC_VAL_INT: kc_buf_printf(b, "%lld", (long long)v->u.i); break;
    case KC_VAL_DOUBLE: kc_values_append_java_double(b, v->u.d, s && s->type == KC_SCHEMA_FLOAT32); break;
    case KC_VAL_STRING: append_string(b, v->u.str.ptr, v->u.str.len, embedded); break;
    case KC_VAL_BYTES:
        if (embedded) kc_buf_putc(b, '"');
        kc_buf_base64(b, (const uint8_t *)v->u.str.ptr, v->u.str.len);
        if (embedded) kc_buf_putc(b, '"');
        break;
    case KC_VAL_DECIMAL: append_java_decimal(b, v); break;
    case KC_VAL_DATE: append_java_date(b, v->u.i * MS_PER_DAY); break;
    case KC_VAL_TIME:
    case KC_VAL_TIMESTAMP: append_java_date(b, v->u.i); break;
    case KC_VAL_ARRAY:
        kc_buf_putc(b, '[');
        for (size_t i = 0; i < v->u.arr.len; i++) {
            if (i) kc_buf_putc(b, ',');
            append_value(b, s && s->type == KC_SCHEMA_ARRAY ? s->items : NULL, &v->u.arr.items[i], 1);
        }
        kc_buf_putc(b, ']');
        break;
    case KC_VAL_MAP:
    case KC_VAL_STRUCT:
        kc_buf_putc(b, '{');
        for (size_t i = 0; i < v->u.map.len; i++) {
            const kc_entry *e = &v->u.map.items[i];
            const kc_schema *ks = NULL, *vs = NULL;
            if (s && s->type == KC_SCHEMA_MAP) {
                ks = s->keys;
                vs = s->values;
            } else if (s && s->type == KC_SCHEMA_STRUCT && i < s->nfields) {
                vs = s->fields[i].schema;
            }
            if (i) kc_buf_putc(b, ',');
            append_value(b, ks, &e->key, 1);
            kc_buf_putc(b, ':');
            append_value(b, vs, &e->val, 1);
        }
        kc_buf_putc(b, '}');
        break;
    }
}

void kc_values_append_text(kc_buf *b, const kc_schema *schema, const kc_value *v) {
    append_value(b, schema, v, 0);
}

/* ---- the tokenizer (Values.Parser) ------------------------------------------------------ */

typedef struct token {
    const char *p;
    size_t n;
} token;

typedef struct parser {
    const char *s;
    size_t len, pos;
    token next; /* a token looked at and not consumed yet */
    int has_next;
    token prev;
    int depth;
} parser;

static int is_delimiter(char c) {
    return c == ':' || c == ',' || c == '{' || c == '}' || c == '[' || c == ']' || c == '"';
}

/* Java's String.trim: characters up to the space are whitespace */
static token trim(token t) {
    while (t.n && (unsigned char)t.p[0] <= ' ') t.p++, t.n--;
    while (t.n && (unsigned char)t.p[t.n - 1] <= ' ') t.n--;
    return t;
}

static int is_blank(token t) { return trim(t).n == 0; }

static token consume_token(parser *ps) {
    int escaped = 0;
    size_t start = ps->pos;
    for (; ps->pos < ps->len; ps->pos++) {
        char c = ps->s[ps->pos];
        if (c == '\\') {
            escaped = !escaped;
        } else if (is_delimiter(c) && !escaped) {
            if (start < ps->pos) return (token){ps->s + start, ps->pos - start};
            ps->pos++;
            return (token){ps->s + start, 1};
        } else {
            escaped = 0;
        }
    }
    return (token){ps->s + start, ps->pos - start};
}

static size_t mark(const parser *ps) { return ps->pos - (ps->has_next ? ps->next.n : 0); }

static void rewind_to(parser *ps, size_t at) {
    ps->pos = at;
    ps->has_next = 0;
    ps->prev = (token){NULL, 0};
}

static int has_more(const parser *ps) { return ps->has_next || ps->pos < ps->len; }

static token next_token(parser *ps) {
    if (ps->has_next) {
        ps->prev = ps->next;
        ps->has_next = 0;
    } else {
        ps->prev = consume_token(ps);
    }
    return ps->prev;
}

/* Parser.next(n): the text the next n tokens span, or 0 (nothing consumed) when fewer remain. */
static int next_tokens(parser *ps, int n, token *out) {
    size_t start = mark(ps);
    for (int i = 0; i < n; i++) {
        if (!has_more(ps)) {
            rewind_to(ps, start);
            return 0;
        }
        next_token(ps);
    }
    *out = (token){ps->s + start, ps->pos - start};
    return 1;
}

/* Whether the next token, blanks skipped and trimmed, is `expected`; looks without consuming. */
static int is_next(parser *ps, const char *expected) {
    if (!ps->has_next) {
        if (!has_more(ps)) return 0;
        ps->next = consume_token(ps);
        ps->has_next = 1;
    }
    while (is_blank(ps->next) && ps->pos < ps->len) ps->next = consume_token(ps);
    token t = trim(ps->next);
    return t.n == strlen(expected) && !memcmp(t.p, expected, t.n);
}

static int can_consume(parser *ps, const char *expected) {
    if (!is_next(ps, expected)) return 0;
    ps->has_next = 0;
    return 1;
}

/* ---- the value parser (Values.ValueParser) ---------------------------------------------- */

enum { PARSED = 0, DATA_ERROR = 1, TOO_DEEP = 2, NO_MEMORY = 3 };

/* One SchemaAndValue; present 0 is Java's null (no schema, no value). */
typedef struct parsed {
    int present;
    kc_schema *schema;
    kc_value v;
} parsed;

static void parsed_clear(parsed *p) {
    kc_schema_release(p->schema);
    kc_value_clear(&p->v);
    memset(p, 0, sizeof *p);
}

static kc_schema *named_schema(kc_stype type, const char *name, const char *scale) {
    kc_schema *s = kc_schema_new(type, 0);
    if (!s) return NULL;
    s->has_version = 1;
    s->version = 1;
    if (kc_schema_set_name(s, name) || (scale && kc_schema_add_param(s, "scale", scale))) {
        kc_schema_release(s);
        return NULL;
    }
    return s;
}

static int set_parsed(parsed *out, kc_schema *schema) {
    if (!schema) {
        kc_value_clear(&out->v);
        return NO_MEMORY;
    }
    out->present = 1;
    out->schema = schema;
    return PARSED;
}

static int two_digits(const char *p, int *out) {
    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1])) return 0;
    *out = (p[0] - '0') * 10 + (p[1] - '0');
    return 1;
}

/* HH:mm:ss.SSSZ into ms since midnight */
static int read_time(const char *p, int64_t *ms) {
    int h, m, s, f1, f2;
    if (!two_digits(p, &h) || p[2] != ':' || !two_digits(p + 3, &m) || p[5] != ':' || !two_digits(p + 6, &s) ||
        p[8] != '.' || !two_digits(p + 9, &f1) || !isdigit((unsigned char)p[11]) || p[12] != 'Z')
        return 0;
    f2 = p[11] - '0';
    *ms = ((int64_t)h * 3600 + m * 60 + s) * 1000 + f1 * 10 + f2;
    return 1;
}

/* yyyy-MM-dd into days since the epoch */
static int read_date(const char *p, int64_t *days) {
    int y1, y2, m, d;
    if (!two_digits(p, &y1) || !two_digits(p + 2, &y2) || p[4] != '-' || !two_digits(p + 5, &m) || p[7] != '-' ||
        !two_digits(p + 8, &d))
        return 0;
    *days = days_from_civil(y1 * 100 + y2, m, d);
    return 1;
}

/* Values.parseAsTemporal: a time, timestamp or date by the text's length; 0 when it is none. */
static int parse_temporal(const char *p, size_t n, parsed *out) {
    char text[32];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) { /* escaped colons are colons */
        if (p[i] == '\\' && i + 1 < n && p[i + 1] == ':') continue;
        if (len == sizeof text - 1) return 0;
        text[len++] = p[i];
    }
    text[len] = '\0';
    int64_t days, ms;
    if (len == 13 && read_time(text, &ms)) {
        out->v.type = KC_VAL_TIME;
        out->v.u.i = ms;
        return set_parsed(out, named_schema(KC_SCHEMA_INT32, KC_LOGICAL_TIME, NULL)) == PARSED;
    }
    if (len == 24 && read_date(text, &days) && text[10] == 'T' && read_time(text + 11, &ms)) {
        out->v.type = KC_VAL_TIMESTAMP;
        out->v.u.i = days * MS_PER_DAY + ms;
        return set_parsed(out, named_schema(KC_SCHEMA_INT64, KC_LOGICAL_TIMESTAMP, NULL)) == PARSED;
    }
    if (len == 10 && read_date(text, &days)) {
        out->v.type = KC_VAL_DATE;
        out->v.u.i = days;
        return set_parsed(out, named_schema(KC_SCHEMA_INT32, KC_LOGICAL_DATE, NULL)) == PARSED;
    }
    return 0;
}

/* Values.parseAsNumber: BigDecimal's grammar; an integer that a long holds as the smallest
 * integer type, else float32, float64 (when not an integer written without exponent), else a
 * Decimal. Returns 0 when the token is not a number. */
static int parse_number(token t, parsed *out) {
    if (t.n > KC_VALUES_MAX_NUMBER) return 0; /* see the top */
    char *text = strndup(t.p, t.n);
    if (!text) return 0;
    const char *p = text;
    int neg = 0;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    const char *int_start = p;
    while (isdigit((unsigned char)*p)) p++;
    size_t int_digits = (size_t)(p - int_start), frac_digits = 0;
    const char *frac_start = p;
    if (*p == '.') {
        frac_start = ++p;
        while (isdigit((unsigned char)*p)) p++;
        frac_digits = (size_t)(p - frac_start);
    }
    long exp = 0;
    int ok = int_digits + frac_digits > 0;
    if (ok && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (*p == '+' || *p == '-') eneg = *p++ == '-';
        ok = isdigit((unsigned char)*p);
        for (; ok && isdigit((unsigned char)*p); p++)
            if ((exp = exp * 10 + (*p - '0')) > 100000000) ok = 0; /* beyond an int scale */
        if (eneg) exp = -exp;
    }
    if (!ok || *p) {
        free(text);
        return 0;
    }
    long scale = (long)frac_digits - exp;
    /* the significant digits, leading zeros dropped */
    char *digits = malloc(int_digits + frac_digits + 1);
    if (!digits) {
        free(text);
        return 0;
    }
    size_t nd = 0;
    for (const char *q = int_start; q < int_start + int_digits; q++) digits[nd++] = *q;
    for (const char *q = frac_start; q < frac_start + frac_digits; q++) digits[nd++] = *q;
    size_t lead = 0;
    while (lead < nd && digits[lead] == '0') lead++;
    const char *sig = digits + lead;
    size_t ns = nd - lead;
    /* integral: no non-zero digit right of the point */
    int integral = 1;
    for (long i = 0; scale > 0 && i < scale && (size_t)i < ns; i++)
        if (sig[ns - 1 - (size_t)i] != '0') integral = 0;
    if (integral) {
        size_t int_len = scale > 0 ? (ns > (size_t)scale ? ns - (size_t)scale : 0) : ns;
        long zeros = scale < 0 && ns ? -scale : 0;
        if (int_len + (size_t)zeros <= 19) {
            unsigned long long mag = 0;
            for (size_t i = 0; i < int_len; i++) mag = mag * 10 + (unsigned long long)(sig[i] - '0');
            for (long i = 0; i < zeros; i++) mag *= 10;
            if (mag <= (neg ? 9223372036854775808ULL : 9223372036854775807ULL)) {
                int64_t i64 = neg ? (int64_t)(0 - mag) : (int64_t)mag;
                free(digits);
                free(text);
                kc_value_set_int(&out->v, i64);
                kc_stype type = i64 >= -128 && i64 <= 127       ? KC_SCHEMA_INT8
                                : i64 >= -32768 && i64 <= 32767 ? KC_SCHEMA_INT16
                                : i64 >= INT32_MIN && i64 <= INT32_MAX ? KC_SCHEMA_INT32
                                                                       : KC_SCHEMA_INT64;
                return set_parsed(out, kc_schema_new(type, 0)) == PARSED;
            }
        }
    }
    float f = strtof(text, NULL);
    double d = strtod(text, NULL);
    free(text);
    if (scale != 0 && !isinf(f)) {
        free(digits);
        kc_value_set_double(&out->v, f);
        return set_parsed(out, kc_schema_new(KC_SCHEMA_FLOAT32, 0)) == PARSED;
    }
    if (scale != 0 && !isinf(d)) {
        free(digits);
        kc_value_set_double(&out->v, d);
        return set_parsed(out, kc_schema_new(KC_SCHEMA_FLOAT64, 0)) == PARSED;
    }
    /* a Decimal: the digits as written are its unscaled value, whatever the exponent */
    uint8_t *unscaled = NULL;
    size_t ulen = 0;
    digits[nd] = '\0';
    char *signed_digits = malloc(nd + 2);
    int rc = -1;
    if (signed_digits) {
        snprintf(signed_digits, nd + 2, "%s%s", neg ? "-" : "", digits);
        rc = kc_decimal_from_text(signed_digits, 0, &unscaled, &ulen);
        free(signed_digits);
    }
    free(digits);
    if (rc) return 0;
    char scale_text[16];
    snprintf(scale_text, sizeof scale_text, "%ld", scale);
    out->v.type = KC_VAL_DECIMAL;
    out->v.u.dec.unscaled = unscaled;
    out->v.u.dec.len = ulen;
    out->v.u.dec.scale = (int32_t)scale;
    return set_parsed(out, named_schema(KC_SCHEMA_BYTES, KC_LOGICAL_DECIMAL, scale_text)) == PARSED;
}

static int set_string(parsed *out, const char *p, size_t n) {
    if (kc_value_set_string(&out->v, p, n)) return NO_MEMORY;
    return set_parsed(out, kc_schema_new(KC_SCHEMA_STRING, 0));
}

/* Values.SchemaMerger: the schema every element so far fits, numbers widening. */
typedef struct merger {
    kc_schema *common;
    int incompatible;
} merger;

static int is_number(kc_stype t) { return t <= KC_SCHEMA_FLOAT64; }

static void merge(merger *m, const parsed *p) {
    if (!p->present || !p->schema || m->incompatible) return;
    kc_schema *prev = m->common, *next = p->schema, *pick = NULL;
    if (!prev) {
        pick = next;
    } else if (prev->type != next->type) { /* the wider of two numbers (the type enum is ordered so) */
        if (is_number(prev->type) && is_number(next->type)) pick = next->type > prev->type ? next : prev;
    } else if (prev->optional == next->optional) {
        pick = prev->optional ? prev : next;
    } else if (kc_schema_equal(prev, next)) {
        pick = prev;
    }
    kc_schema_retain(pick);
    kc_schema_release(prev);
    m->common = pick;
    m->incompatible = pick == NULL;
}

/* Values.convertTo for an element and the common schema it widened to: numbers widen; a number
 * among dates is days, among times and timestamps milliseconds; a date, time or timestamp among
 * plain numbers fails the array, as in Java. */
static int align(const kc_schema *to, kc_value *v) {
    if (v->type == KC_VAL_NULL) return to->optional ? PARSED : DATA_ERROR;
    if (v->type == KC_VAL_DATE || v->type == KC_VAL_TIME || v->type == KC_VAL_TIMESTAMP)
        return to->name || !is_number(to->type) ? PARSED : DATA_ERROR; /* Java has no number for it here */
    if (to->name) {
        if (v->type != KC_VAL_INT) return PARSED;
        v->type = !strcmp(to->name, KC_LOGICAL_DATE)   ? KC_VAL_DATE
                  : !strcmp(to->name, KC_LOGICAL_TIME) ? KC_VAL_TIME
                                                       : KC_VAL_TIMESTAMP;
        return PARSED;
    }
    if (!is_number(to->type)) return PARSED;
    switch (to->type) {
    case KC_SCHEMA_INT8: v->u.i = (int8_t)v->u.i; break;
    case KC_SCHEMA_INT16: v->u.i = (int16_t)v->u.i; break;
    case KC_SCHEMA_INT32: v->u.i = (int32_t)v->u.i; break;
    case KC_SCHEMA_FLOAT32:
        kc_value_set_double(v, v->type == KC_VAL_INT ? (float)v->u.i : (float)v->u.d);
        break;
    case KC_SCHEMA_FLOAT64:
        if (v->type == KC_VAL_INT) kc_value_set_double(v, (double)v->u.i);
        break;
    default: break;
    }
    return PARSED;
}

static int parse_value(parser *ps, int embedded, parsed *out);

static int parse_array(parser *ps, parsed *out) {
    kc_value_init_array(&out->v);
    merger m = {0};
    int rc = DATA_ERROR;
    while (has_more(ps)) {
        if (can_consume(ps, "]")) {
            kc_schema *s = kc_schema_new(KC_SCHEMA_ARRAY, 0);
            if (!s) {
                rc = NO_MEMORY;
                break;
            }
            s->items = kc_schema_retain(m.common); /* none: every element is null */
            rc = set_parsed(out, s);
            for (size_t i = 0; rc == PARSED && m.common && i < out->v.u.arr.len; i++)
                rc = align(m.common, &out->v.u.arr.items[i]);
            break;
        }
        if (can_consume(ps, ",")) break; /* an empty element */
        parsed el = {0};
        if ((rc = parse_value(ps, 1, &el)) != PARSED) break;
        merge(&m, &el);
        kc_schema_release(el.schema);
        if (kc_array_push(&out->v, &el.v)) {
            kc_value_clear(&el.v);
            rc = NO_MEMORY;
            break;
        }
        rc = DATA_ERROR;
        size_t at = mark(ps);
        if (can_consume(ps, "]")) rewind_to(ps, at);
        else if (!can_consume(ps, ",")) break; /* elements without a comma between */
    }
    kc_schema_release(m.common);
    return rc; /* DATA_ERROR here: no closing ']' */
}

static int parse_map(parser *ps, parsed *out) {
    kc_value_init_map(&out->v);
    merger keys = {0}, values = {0};
    int rc = DATA_ERROR;
    while (has_more(ps)) {
        if (can_consume(ps, "}")) {
            kc_schema *s = kc_schema_new(KC_SCHEMA_MAP, 0);
            if (!s) {
                rc = NO_MEMORY;
                break;
            }
            int both = keys.common && values.common;
            s->keys = kc_schema_retain(keys.common);
            s->values = both ? kc_schema_retain(values.common) : NULL;
            rc = set_parsed(out, s);
            for (size_t i = 0; rc == PARSED && keys.common && i < out->v.u.map.len; i++) {
                rc = align(keys.common, &out->v.u.map.items[i].key);
                if (rc == PARSED && both) rc = align(values.common, &out->v.u.map.items[i].val);
            }
            break;
        }
        if (can_consume(ps, ",")) break; /* an entry with no key or value */
        if (out->v.u.map.len >= KC_VALUES_MAX_ENTRIES) break; /* see the top */
        parsed key = {0}, val = {0};
        if ((rc = parse_value(ps, 1, &key)) != PARSED) break;
        if (!key.present || key.v.type == KC_VAL_NULL || !can_consume(ps, ":")) { /* null key, or no ':' */
            parsed_clear(&key);
            rc = DATA_ERROR;
            break;
        }
        if ((rc = parse_value(ps, 1, &val)) != PARSED) {
            parsed_clear(&key);
            break;
        }
        merge(&keys, &key);
        merge(&values, &val);
        kc_schema_release(key.schema);
        kc_schema_release(val.schema);
        if (kc_map_put(&out->v, &key.v, &val.v)) {
            kc_value_clear(&key.v);
            kc_value_clear(&val.v);
            rc = NO_MEMORY;
            break;
        }
        rc = DATA_ERROR;
        can_consume(ps, ",");
    }
    kc_schema_release(keys.common);
    kc_schema_release(values.common);
    return rc;
}

static int parse_quoted(parser *ps, parsed *out) {
    kc_buf sb = KC_BUF_INIT;
    while (has_more(ps)) {
        if (can_consume(ps, "\"")) break;
        token t = next_token(ps);
        kc_buf_append(&sb, t.p, t.n);
    }
    if (sb.failed) {
        kc_buf_free(&sb);
        return NO_MEMORY;
    }
    int rc = parse_temporal(sb.data ? sb.data : "", sb.len, out) ? PARSED : set_string(out, sb.data ? sb.data : "", sb.len);
    kc_buf_free(&sb);
    return rc;
}

static int parse_next_token(parser *ps, int embedded, token t, parsed *out) {
    int digit = isdigit((unsigned char)t.p[0]);
    if (digit) { /* a time or timestamp spans five tokens, its colons being delimiters */
        size_t at = mark(ps);
        token rest;
        if (next_tokens(ps, 4, &rest)) {
            char joined[64];
            if (t.n + rest.n < sizeof joined) {
                memcpy(joined, t.p, t.n);
                memcpy(joined + t.n, rest.p, rest.n);
                if (parse_temporal(joined, t.n + rest.n, out)) return PARSED;
            }
        }
        rewind_to(ps, at);
        if (parse_temporal(t.p, t.n, out)) return PARSED;
    }
    if ((digit || t.p[0] == '+' || t.p[0] == '-') && parse_number(t, out)) return PARSED;
    if (embedded) return DATA_ERROR;
    return set_string(out, ps->s, ps->len); /* a top-level value that is nothing else: the whole text */
}

static int single_literal(parser *ps, int embedded, const char *literal) {
    size_t at = mark(ps);
    if (can_consume(ps, literal) && (embedded || !has_more(ps))) return 1;
    rewind_to(ps, at);
    return 0;
}

static int parse_value(parser *ps, int embedded, parsed *out) {
    memset(out, 0, sizeof *out);
    if (!has_more(ps)) return PARSED;
    if (embedded && can_consume(ps, "\"")) return parse_quoted(ps, out);
    if (single_literal(ps, embedded, "null")) return PARSED;
    int is_true = single_literal(ps, embedded, "true");
    if (is_true || single_literal(ps, embedded, "false")) {
        kc_value_set_bool(&out->v, is_true);
        return set_parsed(out, kc_schema_new(KC_SCHEMA_BOOLEAN, 0));
    }
    size_t at = mark(ps);
    int open_array = can_consume(ps, "[");
    if (open_array || can_consume(ps, "{")) {
        if (++ps->depth > KC_VALUES_MAX_DEPTH) return TOO_DEEP;
        int rc = open_array ? parse_array(ps, out) : parse_map(ps, out);
        ps->depth--;
        if (rc != DATA_ERROR) {
            if (rc != PARSED) parsed_clear(out);
            return rc;
        }
        parsed_clear(out); /* not an array or map after all: read on as Java does */
        rewind_to(ps, at);
    }
    token t = next_token(ps);
    if (is_blank(t)) return set_string(out, t.p, t.n);
    return parse_next_token(ps, embedded, trim(t), out);
}

int kc_values_parse(const char *text, size_t len, kc_schema **schema, kc_value *out, kc_error *err) {
    *schema = NULL;
    memset(out, 0, sizeof *out);
    parsed r = {0};
    int rc;
    if (len == 0) {
        rc = set_string(&r, "", 0);
    } else {
        parser ps = {.s = text, .len = len};
        rc = parse_value(&ps, 0, &r);
    }
    if (rc == NO_MEMORY) return kc_error_set(err, KC_ENOMEM, "out of memory");
    if (rc == TOO_DEEP)
        return kc_error_set(err, KC_EINVAL, "arrays or maps nested more than %d deep", KC_VALUES_MAX_DEPTH);
    if (rc != PARSED) return kc_error_set(err, KC_EINVAL, "unreadable value"); /* not reached: the top reverts */
    *schema = r.schema;
    *out = r.v;
    return KC_OK;
}
