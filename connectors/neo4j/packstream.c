/* packstream.c - see packstream.h. */
#include "packstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PS_MAX_DEPTH = 64 };

/* ---- writing ------------------------------------------------------------------------------ */

static void put_u8(strbuf *b, uint8_t v) { strbuf_append(b, (const char *)&v, 1); }

static void put_be(strbuf *b, uint64_t v, int bytes) {
    char tmp[8];
    for (int i = 0; i < bytes; i++) tmp[i] = (char)(v >> (8 * (bytes - 1 - i)));
    strbuf_append(b, tmp, (size_t)bytes);
}

void ps_null(strbuf *b) { put_u8(b, 0xC0); }

void ps_bool(strbuf *b, int v) { put_u8(b, v ? 0xC3 : 0xC2); }

void ps_int(strbuf *b, int64_t v) {
    if (v >= -16 && v <= 127) {
        put_u8(b, (uint8_t)(int8_t)v);
    } else if (v >= INT8_MIN && v <= INT8_MAX) {
        put_u8(b, 0xC8), put_be(b, (uint64_t)v, 1);
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        put_u8(b, 0xC9), put_be(b, (uint64_t)v, 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        put_u8(b, 0xCA), put_be(b, (uint64_t)v, 4);
    } else {
        put_u8(b, 0xCB), put_be(b, (uint64_t)v, 8);
    }
}

void ps_float(strbuf *b, double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_u8(b, 0xC1);
    put_be(b, bits, 8);
}

/* A size after its marker: tiny (in the marker's low nibble), 8, 16 or 32 bits. */
static void put_sized(strbuf *b, size_t n, uint8_t tiny, int has_tiny, uint8_t m8, int has_8) {
    if (has_tiny && n < 16) put_u8(b, (uint8_t)(tiny | n));
    else if (has_8 && n <= 0xFF) put_u8(b, m8), put_be(b, n, 1);
    else if (n <= 0xFFFF) put_u8(b, (uint8_t)(m8 + 1)), put_be(b, n, 2);
    else put_u8(b, (uint8_t)(m8 + 2)), put_be(b, n, 4);
}

void ps_string(strbuf *b, const char *s, size_t n) {
    put_sized(b, n, 0x80, 1, 0xD0, 1);
    strbuf_append(b, s, n);
}

void ps_bytes(strbuf *b, const void *p, size_t n) {
    put_sized(b, n, 0, 0, 0xCC, 1);
    strbuf_append(b, p, n);
}

void ps_list_header(strbuf *b, size_t n) { put_sized(b, n, 0x90, 1, 0xD4, 1); }

void ps_map_header(strbuf *b, size_t n) { put_sized(b, n, 0xA0, 1, 0xD8, 1); }

void ps_struct_header(strbuf *b, unsigned nfields, uint8_t tag) {
    put_u8(b, (uint8_t)(0xB0 | (nfields & 0x0F)));
    put_u8(b, tag);
}

static int value_at(strbuf *b, const kc_value *v, int bolt_major, int depth, char *msg, size_t msg_size) {
    if (depth > PS_MAX_DEPTH) {
        snprintf(msg, msg_size, "the value is nested deeper than %d levels", PS_MAX_DEPTH);
        return KC_EINVAL;
    }
    switch (v->type) {
    case KC_VAL_NULL: ps_null(b); break;
    case KC_VAL_BOOL: ps_bool(b, v->u.b); break;
    case KC_VAL_INT: ps_int(b, v->u.i); break;
    case KC_VAL_DOUBLE: ps_float(b, v->u.d); break;
    case KC_VAL_STRING: ps_string(b, v->u.str.ptr, v->u.str.len); break;
    case KC_VAL_BYTES: ps_bytes(b, v->u.str.ptr, v->u.str.len); break;
    case KC_VAL_DATE: /* Date: days since the epoch */
        ps_struct_header(b, 1, 'D');
        ps_int(b, v->u.i);
        break;
    case KC_VAL_TIME: /* LocalTime: nanoseconds since midnight */
        ps_struct_header(b, 1, 't');
        ps_int(b, v->u.i * 1000000);
        break;
    case KC_VAL_TIMESTAMP: { /* DateTime, offset 0: seconds, nanoseconds, offset seconds */
        int64_t ms = v->u.i, s = ms / 1000, rem = ms % 1000;
        if (rem < 0) rem += 1000, s -= 1;
        ps_struct_header(b, 3, bolt_major >= 5 ? 'I' : 'F');
        ps_int(b, s);
        ps_int(b, rem * 1000000);
        ps_int(b, 0);
        break;
    }
    case KC_VAL_DECIMAL: {
        strbuf text = STRBUF_INIT;
        strbuf_decimal(&text, v->u.dec.unscaled, v->u.dec.len, v->u.dec.scale);
        if (text.failed) b->failed = 1;
        ps_string(b, text.data ? text.data : "0", text.data ? text.len : 1);
        strbuf_free(&text);
        break;
    }
    case KC_VAL_ARRAY:
        ps_list_header(b, v->u.arr.len);
        for (size_t i = 0; i < v->u.arr.len; i++) {
            int rc = value_at(b, &v->u.arr.items[i], bolt_major, depth + 1, msg, msg_size);
            if (rc) return rc;
        }
        break;
    case KC_VAL_MAP:
    case KC_VAL_STRUCT:
        ps_map_header(b, v->u.map.len);
        for (size_t i = 0; i < v->u.map.len; i++) {
            const kc_entry *e = &v->u.map.items[i];
            if (e->key.type == KC_VAL_STRING) {
                ps_string(b, e->key.u.str.ptr, e->key.u.str.len);
            } else if (e->key.type == KC_VAL_INT) { /* Bolt map keys are strings */
                char tmp[24];
                int n = snprintf(tmp, sizeof tmp, "%lld", (long long)e->key.u.i);
                ps_string(b, tmp, (size_t)n);
            } else {
                snprintf(msg, msg_size, "a map key is neither a string nor an integer: Neo4j maps have string keys");
                return KC_EINVAL;
            }
            int rc = value_at(b, &e->val, bolt_major, depth + 1, msg, msg_size);
            if (rc) return rc;
        }
        break;
    }
    if (b->failed) {
        snprintf(msg, msg_size, "out of memory");
        return KC_ENOMEM;
    }
    return KC_OK;
}

int ps_value(strbuf *b, const kc_value *v, int bolt_major, char *msg, size_t msg_size) {
    return value_at(b, v, bolt_major, 0, msg, msg_size);
}

/* ---- reading ------------------------------------------------------------------------------ */

typedef struct reader {
    const uint8_t *p;
    size_t n, pos;
    char *msg;
    size_t msg_size;
} reader;

static int need(reader *r, size_t k) {
    if (r->n - r->pos >= k) return KC_OK;
    snprintf(r->msg, r->msg_size, "PackStream truncated at byte %zu (%zu more needed)", r->pos, k - (r->n - r->pos));
    return KC_EINVAL;
}

static uint64_t get_be(reader *r, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = v << 8 | r->p[r->pos++];
    return v;
}

static int decode_at(reader *r, ps_val *out, int depth);

static int read_size(reader *r, uint8_t marker, uint8_t m8, size_t *n) {
    int bytes = marker == m8 ? 1 : marker == m8 + 1 ? 2 : 4;
    if (need(r, (size_t)bytes)) return KC_EINVAL;
    *n = (size_t)get_be(r, bytes);
    return KC_OK;
}

static int decode_items(reader *r, ps_val **items, size_t n, int depth) {
    /* each item takes at least one byte: a size beyond the input is malformed, not a huge calloc */
    if (n > r->n - r->pos) {
        snprintf(r->msg, r->msg_size, "PackStream size %zu at byte %zu exceeds the input", n, r->pos);
        return KC_EINVAL;
    }
    *items = calloc(n ? n : 1, sizeof **items);
    if (!*items) {
        snprintf(r->msg, r->msg_size, "out of memory");
        return KC_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = decode_at(r, &(*items)[i], depth + 1);
        if (rc) {
            for (size_t j = 0; j < i; j++) ps_val_free(&(*items)[j]);
            free(*items);
            *items = NULL;
            return rc;
        }
    }
    return KC_OK;
}

static int decode_at(reader *r, ps_val *out, int depth) {
    memset(out, 0, sizeof *out);
    if (depth > PS_MAX_DEPTH) {
        snprintf(r->msg, r->msg_size, "PackStream nested deeper than %d levels", PS_MAX_DEPTH);
        return KC_EINVAL;
    }
    if (need(r, 1)) return KC_EINVAL;
    uint8_t m = r->p[r->pos++];
    size_t n = 0;
    if (m <= 0x7F || m >= 0xF0) {
        out->type = PS_INT;
        out->u.i = (int8_t)m;
        return KC_OK;
    }
    uint8_t hi = m & 0xF0;
    if (hi == 0x80 || m == 0xD0 || m == 0xD1 || m == 0xD2 || m == 0xCC || m == 0xCD || m == 0xCE) {
        if (hi == 0x80) n = m & 0x0F;
        else if (read_size(r, m, m >= 0xD0 ? 0xD0 : 0xCC, &n)) return KC_EINVAL;
        if (need(r, n)) return KC_EINVAL;
        out->type = m >= 0xCC && m <= 0xCE ? PS_BYTES : PS_STRING;
        out->u.s.ptr = (const char *)r->p + r->pos;
        out->u.s.len = n;
        r->pos += n;
        return KC_OK;
    }
    if (hi == 0x90 || m == 0xD4 || m == 0xD5 || m == 0xD6) {
        if (hi == 0x90) n = m & 0x0F;
        else if (read_size(r, m, 0xD4, &n)) return KC_EINVAL;
        out->type = PS_LIST;
        out->u.list.len = n;
        return decode_items(r, &out->u.list.items, n, depth);
    }
    if (hi == 0xA0 || m == 0xD8 || m == 0xD9 || m == 0xDA) {
        if (hi == 0xA0) n = m & 0x0F;
        else if (read_size(r, m, 0xD8, &n)) return KC_EINVAL;
        if (n > (r->n - r->pos) / 2) {
            snprintf(r->msg, r->msg_size, "PackStream map of %zu entries at byte %zu exceeds the input", n, r->pos);
            return KC_EINVAL;
        }
        out->type = PS_MAP;
        out->u.map.items = calloc(n ? n : 1, sizeof *out->u.map.items);
        if (!out->u.map.items) {
            snprintf(r->msg, r->msg_size, "out of memory");
            return KC_ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            size_t at = r->pos;
            int rc = decode_at(r, &out->u.map.items[i].key, depth + 1);
            if (!rc && out->u.map.items[i].key.type != PS_STRING) {
                snprintf(r->msg, r->msg_size, "PackStream map key at byte %zu is not a string", at);
                rc = KC_EINVAL;
            }
            if (!rc) rc = decode_at(r, &out->u.map.items[i].val, depth + 1);
            out->u.map.len = i + 1; /* what is there is freed on failure */
            if (rc) {
                ps_val_free(out);
                return rc;
            }
        }
        out->u.map.len = n;
        return KC_OK;
    }
    if (hi == 0xB0) {
        if (need(r, 1)) return KC_EINVAL;
        out->type = PS_STRUCT;
        out->u.st.tag = r->p[r->pos++];
        out->u.st.len = m & 0x0F;
        return decode_items(r, &out->u.st.fields, out->u.st.len, depth);
    }
    switch (m) {
    case 0xC0: out->type = PS_NULL; return KC_OK;
    case 0xC2: out->type = PS_BOOL, out->u.b = 0; return KC_OK;
    case 0xC3: out->type = PS_BOOL, out->u.b = 1; return KC_OK;
    case 0xC1: {
        if (need(r, 8)) return KC_EINVAL;
        uint64_t bits = get_be(r, 8);
        out->type = PS_FLOAT;
        memcpy(&out->u.f, &bits, sizeof bits);
        return KC_OK;
    }
    case 0xC8: case 0xC9: case 0xCA: case 0xCB: {
        int bytes = 1 << (m - 0xC8);
        if (need(r, (size_t)bytes)) return KC_EINVAL;
        uint64_t raw = get_be(r, bytes);
        int shift = 64 - 8 * bytes; /* sign-extend */
        out->type = PS_INT;
        out->u.i = shift ? (int64_t)(raw << shift) >> shift : (int64_t)raw;
        return KC_OK;
    }
    default:
        snprintf(r->msg, r->msg_size, "unknown PackStream marker 0x%02X at byte %zu", m, r->pos - 1);
        return KC_EINVAL;
    }
}

int ps_decode(const uint8_t *p, size_t n, size_t *used, ps_val *out, char *msg, size_t msg_size) {
    reader r = {p, n, 0, msg, msg_size};
    int rc = decode_at(&r, out, 0);
    if (rc) {
        ps_val_free(out);
        return rc;
    }
    *used = r.pos;
    return KC_OK;
}

void ps_val_free(ps_val *v) {
    if (!v) return;
    switch (v->type) {
    case PS_LIST:
        for (size_t i = 0; i < v->u.list.len && v->u.list.items; i++) ps_val_free(&v->u.list.items[i]);
        free(v->u.list.items);
        break;
    case PS_STRUCT:
        for (size_t i = 0; i < v->u.st.len && v->u.st.fields; i++) ps_val_free(&v->u.st.fields[i]);
        free(v->u.st.fields);
        break;
    case PS_MAP:
        for (size_t i = 0; i < v->u.map.len && v->u.map.items; i++) {
            ps_val_free(&v->u.map.items[i].key);
            ps_val_free(&v->u.map.items[i].val);
        }
        free(v->u.map.items);
        break;
    default: break;
    }
    memset(v, 0, sizeof *v);
}

const ps_val *ps_map_get(const ps_val *map, const char *key) {
    if (!map || map->type != PS_MAP) return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < map->u.map.len; i++) {
        const ps_val *k = &map->u.map.items[i].key;
        if (k->u.s.len == kl && !memcmp(k->u.s.ptr, key, kl)) return &map->u.map.items[i].val;
    }
    return NULL;
}

void ps_text(const ps_val *v, char *out, size_t out_size) {
    if (!out_size) return;
    out[0] = '\0';
    if (!v || v->type != PS_STRING) return;
    size_t n = v->u.s.len < out_size - 1 ? v->u.s.len : out_size - 1;
    memcpy(out, v->u.s.ptr, n);
    out[n] = '\0';
}

/* ---- Bolt messages ------------------------------------------------------------------------ */

void bolt_chunk(strbuf *out, const uint8_t *msg, size_t len) {
    for (size_t off = 0; off < len;) {
        size_t n = len - off < 0xFFFF ? len - off : 0xFFFF;
        char hdr[2] = {(char)(n >> 8), (char)(n & 0xFF)};
        strbuf_append(out, hdr, 2);
        strbuf_append(out, (const char *)msg + off, n);
        off += n;
    }
    strbuf_append(out, "\0\0", 2);
}

int bolt_unchunk(const uint8_t *p, size_t n, size_t *used, strbuf *msg) {
    size_t pos = 0;
    while (pos + 2 <= n && p[pos] == 0 && p[pos + 1] == 0) pos += 2; /* NOOPs */
    size_t start = pos;
    for (;;) { /* find the end first, so nothing is appended for an incomplete message */
        if (pos + 2 > n) return 1;
        size_t size = (size_t)p[pos] << 8 | p[pos + 1];
        pos += 2;
        if (size == 0) break;
        if (n - pos < size) return 1;
        pos += size;
    }
    for (size_t q = start; q < pos - 2;) {
        size_t size = (size_t)p[q] << 8 | p[q + 1];
        strbuf_append(msg, (const char *)p + q + 2, size);
        q += 2 + size;
    }
    *used = pos;
    return KC_OK;
}

int bolt_message_decode(const uint8_t *msg, size_t len, ps_val *out, char *err, size_t err_size) {
    size_t used = 0;
    int rc = ps_decode(msg, len, &used, out, err, err_size);
    if (rc) return rc;
    if (out->type != PS_STRUCT) {
        snprintf(err, err_size, "a Bolt message is a PackStream struct, not a value of type %d", (int)out->type);
        ps_val_free(out);
        return KC_EINVAL;
    }
    if (used != len) {
        snprintf(err, err_size, "%zu bytes after the Bolt message's struct", len - used);
        ps_val_free(out);
        return KC_EINVAL;
    }
    return KC_OK;
}
