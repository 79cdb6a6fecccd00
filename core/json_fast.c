/* json_fast.c - schemaless JSON straight into a kc_value, for JsonConverter with
 * schemas.enable=false: the sink side's hottest path, where building a jansson tree first and
 * copying it cost more than half of a worker's CPU.
 *
 * It takes the common grammar only and answers KC_ENOTFOUND for anything else (invalid input,
 * invalid UTF-8, lone surrogates, NUL in a key, integers beyond int64, numbers strtod cannot
 * hold exactly, nesting past 512, objects of more than 256 members): the caller then parses
 * with jansson, so errors and edge cases stay exactly jansson's. A differential fuzz target
 * holds the two paths to the same values. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kc_converter_int.h"
#include "kc_value_int.h"

#define FAST_MAX_DEPTH 512 /* deeper: jansson decides (its limit is 2048) */
#define FAST_MAX_MEMBERS 256

typedef struct parser {
    const unsigned char *p, *end;
    int depth;
} parser;

enum { FALLBACK = KC_ENOTFOUND };

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static int hex4(const unsigned char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = s[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end) {
    unsigned c = s[0];
    size_t n;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
    else return 0;
    if ((size_t)(end - s) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static size_t put_utf8(unsigned cp, char *o) {
    if (cp < 0x80) return o[0] = (char)cp, 1;
    if (cp < 0x800) return o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3f)), 2;
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12), o[1] = (char)(0x80 | ((cp >> 6) & 0x3f)), o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18), o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A string (ps->p at the opening quote) into a malloc'd buffer; *has_nul when it holds \u0000. */
static int parse_string(parser *ps, char **out, size_t *len, int *has_nul) {
    const unsigned char *s = ++ps->p;
    *has_nul = 0;
    /* fast scan: no escapes, ASCII or valid UTF-8 */
    const unsigned char *q = s;
    while (q < ps->end && *q != '"' && *q != '\\' && *q >= 0x20) {
        if (*q < 0x80) {
            q++;
        } else {
            size_t n = utf8_len(q, ps->end);
            if (!n) return FALLBACK;
            q += n;
        }
    }
    if (q >= ps->end || *q < 0x20) return FALLBACK;
    size_t cap = (size_t)(q - s) + 16;
    if (*q == '\\') { /* escapes never make a string longer than its source */
        const unsigned char *e = q;
        while (e < ps->end && *e != '"') e += (*e == '\\') ? 2 : 1;
        cap = (size_t)(e - s) + 16;
    }
    char *buf = malloc(cap);
    if (!buf) return KC_ENOMEM;
    size_t o = (size_t)(q - s);
    memcpy(buf, s, o);
    while (q < ps->end && *q != '"') {
        if (*q < 0x20) goto fallback;
        if (*q != '\\') {
            size_t n = utf8_len(q, ps->end);
            if (!n) goto fallback;
            memcpy(buf + o, q, n);
            o += n, q += n;
            continue;
        }
        if (q + 1 >= ps->end) goto fallback;
        unsigned cp;
        switch (q[1]) {
        case '"': buf[o++] = '"'; q += 2; continue;
        case '\\': buf[o++] = '\\'; q += 2; continue;
        case '/': buf[o++] = '/'; q += 2; continue;
        case 'b': buf[o++] = '\b'; q += 2; continue;
        case 'f': buf[o++] = '\f'; q += 2; continue;
        case 'n': buf[o++] = '\n'; q += 2; continue;
        case 'r': buf[o++] = '\r'; q += 2; continue;
        case 't': buf[o++] = '\t'; q += 2; continue;
        case 'u':
            if (ps->end - q < 6 || hex4(q + 2, &cp)) goto fallback;
            q += 6;
            if (cp >= 0xdc00 && cp <= 0xdfff) goto fallback; /* lone low surrogate */
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo;
                if (ps->end - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
                    goto fallback;
                q += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (cp == 0) *has_nul = 1;
            o += put_utf8(cp, buf + o);
            continue;
        default: goto fallback;
        }
    }
    if (q >= ps->end) goto fallback;
    ps->p = q + 1;
    buf[o] = '\0';
    *out = buf;
    *len = o;
    return KC_OK;
fallback:
    free(buf);
    return FALLBACK;
}

static int parse_number(parser *ps, kc_value *out) {
    const unsigned char *s = ps->p, *q = s;
    int is_real = 0;
    if (q < ps->end && *q == '-') q++;
    if (q >= ps->end) return FALLBACK;
    if (*q == '0') q++;
    else if (*q >= '1' && *q <= '9') while (q < ps->end && *q >= '0' && *q <= '9') q++;
    else return FALLBACK;
    if (q < ps->end && *q == '.') {
        is_real = 1;
        q++;
        if (q >= ps->end || *q < '0' || *q > '9') return FALLBACK;
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        is_real = 1;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) q++;
        if (q >= ps->end || *q < '0' || *q > '9') return FALLBACK;
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    size_t n = (size_t)(q - s);
    if (!is_real && n <= 18) { /* up to 18 digits cannot overflow int64: no strtoll needed */
        const unsigned char *d = s + (*s == '-');
        int64_t v = 0;
        for (; d < q; d++) v = v * 10 + (*d - '0');
        kc_value_set_int(out, *s == '-' ? -v : v);
        ps->p = q;
        return KC_OK;
    }
    char num[64];
    if (n >= sizeof num) return FALLBACK;
    memcpy(num, s, n);
    num[n] = '\0';
    errno = 0;
    char *endp;
    if (is_real) {
        double d = strtod(num, &endp);
        if (errno == ERANGE || endp != num + n) return FALLBACK; /* jansson's overflow error */
        kc_value_set_double(out, d);
    } else {
        long long v = strtoll(num, &endp, 10);
        if (errno == ERANGE || endp != num + n) return FALLBACK; /* jansson: too big integer */
        kc_value_set_int(out, v);
    }
    ps->p = q;
    return KC_OK;
}

static int parse_value(parser *ps, kc_value *out);

/* After an array element or object member: 1 when a ',' says another follows, KC_OK (0) at
 * the closing bracket, FALLBACK for anything else. */
static int next_member(parser *ps, unsigned char close) {
    skip_ws(ps);
    if (ps->p < ps->end && (*ps->p == ',' || *ps->p == close)) return *ps->p++ == ',';
    return FALLBACK;
}

static int parse_array(parser *ps, kc_value *out) {
    ps->p++;
    kc_value_init_array(out);
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return KC_OK;
    }
    for (;;) {
        kc_value item;
        int rc = parse_value(ps, &item);
        if (rc || (rc = kc_array_push(out, &item))) {
            kc_value_clear(&item);
            return rc;
        }
        if ((rc = next_member(ps, ']')) <= 0) return rc;
    }
}

static int parse_object(parser *ps, kc_value *out) {
    ps->p++;
    kc_value_init_map(out);
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return KC_OK;
    }
    /* room for a record's usual handful of fields at once, not 2, 4, 8, ... */
    if (kc_value_reserve(out, 8)) return KC_ENOMEM;
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"') return FALLBACK;
        char *key;
        size_t klen;
        int has_nul, rc = parse_string(ps, &key, &klen, &has_nul);
        if (rc) return rc;
        if (has_nul) { /* jansson keys are C strings: leave those to it */
            free(key);
            return FALLBACK;
        }
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
            free(key);
            return FALLBACK;
        }
        ps->p++;
        kc_value val;
        rc = parse_value(ps, &val);
        if (rc) {
            free(key);
            return rc;
        }
        /* a repeated key keeps its first place and takes the last value, as in jansson */
        kc_entry *dup = NULL;
        for (size_t i = 0; i < out->u.map.len && !dup; i++) {
            const kc_value *k = &out->u.map.items[i].key;
            if (k->u.str.len == klen && !memcmp(k->u.str.ptr, key, klen)) dup = &out->u.map.items[i];
        }
        if (dup) {
            free(key);
            kc_value_clear(&dup->val);
            dup->val = val;
        } else {
            if (out->u.map.len >= FAST_MAX_MEMBERS) {
                free(key);
                kc_value_clear(&val);
                return FALLBACK;
            }
            kc_value k = {.type = KC_VAL_STRING};
            k.u.str.ptr = key;
            k.u.str.len = klen;
            if ((rc = kc_map_append(out, &k, &val))) {
                free(key);
                kc_value_clear(&val);
                return rc;
            }
        }
        if ((rc = next_member(ps, '}')) <= 0) return rc;
    }
}

static int literal(parser *ps, const char *word, size_t n) {
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n)) return FALLBACK;
    ps->p += n;
    return KC_OK;
}

static int parse_value(parser *ps, kc_value *out) {
    memset(out, 0, sizeof *out);
    skip_ws(ps);
    if (ps->p >= ps->end) return FALLBACK;
    int rc;
    switch (*ps->p) {
    case '{':
    case '[':
        if (++ps->depth > FAST_MAX_DEPTH) return FALLBACK;
        rc = *ps->p == '{' ? parse_object(ps, out) : parse_array(ps, out);
        ps->depth--;
        if (rc) kc_value_clear(out);
        return rc;
    case '"': {
        char *s;
        size_t len;
        int has_nul;
        if ((rc = parse_string(ps, &s, &len, &has_nul))) return rc;
        out->type = KC_VAL_STRING;
        out->u.str.ptr = s;
        out->u.str.len = len;
        return KC_OK;
    }
    case 't':
        if ((rc = literal(ps, "true", 4))) return rc;
        kc_value_set_bool(out, 1);
        return KC_OK;
    case 'f':
        if ((rc = literal(ps, "false", 5))) return rc;
        kc_value_set_bool(out, 0);
        return KC_OK;
    case 'n': return literal(ps, "null", 4);
    default: return parse_number(ps, out);
    }
}

/* A key without escapes, borrowed from the input (ps->p at its opening quote). */
static int borrow_key(parser *ps, const char **key, size_t *len) {
    const unsigned char *s = ++ps->p, *q = s;
    while (q < ps->end && *q != '"' && *q != '\\' && *q >= 0x20) {
        size_t n = *q < 0x80 ? 1 : utf8_len(q, ps->end);
        if (!n) return FALLBACK;
        q += n;
    }
    if (q >= ps->end || *q != '"') return FALLBACK;
    *key = (const char *)s;
    *len = (size_t)(q - s);
    ps->p = q + 1;
    return KC_OK;
}

int kc_json_parse_fast_members(const uint8_t *data, size_t len, kc_json_member_fn member, void *ctx) {
    parser ps = {data, data + len, 1};
    skip_ws(&ps);
    if (ps.p >= ps.end || *ps.p != '{') return FALLBACK;
    ps.p++;
    skip_ws(&ps);
    int rc = KC_OK;
    if (ps.p < ps.end && *ps.p == '}') {
        ps.p++;
    } else {
        /* kc_json_parse_fast's limit counts distinct keys; counting all is stricter, never looser */
        for (size_t members = 0;; members++) {
            const char *key;
            size_t klen;
            kc_value val;
            skip_ws(&ps);
            if (members == FAST_MAX_MEMBERS || ps.p >= ps.end || *ps.p != '"') return FALLBACK;
            if ((rc = borrow_key(&ps, &key, &klen))) return rc;
            skip_ws(&ps);
            if (ps.p >= ps.end || *ps.p != ':') return FALLBACK;
            ps.p++;
            if ((rc = parse_value(&ps, &val))) return rc;
            if ((rc = member(ctx, key, klen, &val))) return rc;
            if ((rc = next_member(&ps, '}')) < 0) return rc;
            if (rc == 0) break;
        }
    }
    skip_ws(&ps);
    return ps.p == ps.end ? KC_OK : FALLBACK; /* trailing bytes: jansson's error */
}

int kc_json_parse_fast(const uint8_t *data, size_t len, kc_value *out) {
    parser ps = {data, data + len, 0};
    int rc = parse_value(&ps, out);
    if (rc == KC_OK) {
        skip_ws(&ps);
        if (ps.p != ps.end) rc = FALLBACK; /* trailing bytes: jansson's error */
    }
    if (rc) kc_value_clear(out);
    return rc;
}
