/* wire.c - Kafka's classic protocol encoding (kc_wire.h). */
#include "kc_wire.h"

#include <stdlib.h>
#include <string.h>

void kc_wire_i8(kc_buf *b, int8_t v) { kc_buf_append(b, &v, 1); }

void kc_wire_i16(kc_buf *b, int16_t v) {
    uint8_t x[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
    kc_buf_append(b, x, 2);
}

void kc_wire_i32(kc_buf *b, int32_t v) {
    uint32_t u = (uint32_t)v;
    uint8_t x[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    kc_buf_append(b, x, 4);
}

void kc_wire_i64(kc_buf *b, int64_t v) {
    kc_wire_i32(b, (int32_t)(uint32_t)((uint64_t)v >> 32));
    kc_wire_i32(b, (int32_t)(uint32_t)(uint64_t)v);
}

void kc_wire_str(kc_buf *b, const char *s) {
    if (!s) {
        kc_wire_i16(b, -1);
        return;
    }
    size_t len = strlen(s);
    if (len > INT16_MAX) {
        b->failed = 1; /* cannot be encoded: the caller sees a failed buffer */
        return;
    }
    kc_wire_i16(b, (int16_t)len);
    kc_buf_append(b, s, len);
}

void kc_wire_bytes(kc_buf *b, const void *data, size_t len) {
    if (!data) {
        kc_wire_i32(b, -1);
        return;
    }
    if (len > INT32_MAX) {
        b->failed = 1;
        return;
    }
    kc_wire_i32(b, (int32_t)len);
    kc_buf_append(b, data, len);
}

void kc_wire_patch_i32(kc_buf *b, size_t at, int32_t v) {
    if (b->failed || at + 4 > b->len) return;
    uint32_t u = (uint32_t)v;
    uint8_t *p = (uint8_t *)b->data + at;
    p[0] = (uint8_t)(u >> 24), p[1] = (uint8_t)(u >> 16), p[2] = (uint8_t)(u >> 8), p[3] = (uint8_t)u;
}

static const uint8_t *take(kc_wire_reader *r, size_t n) {
    if (r->bad || r->left < n) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

int8_t kc_wire_get_i8(kc_wire_reader *r) {
    const uint8_t *p = take(r, 1);
    return p ? (int8_t)p[0] : 0;
}

int16_t kc_wire_get_i16(kc_wire_reader *r) {
    const uint8_t *p = take(r, 2);
    return p ? (int16_t)(uint16_t)((unsigned)p[0] << 8 | p[1]) : 0;
}

int32_t kc_wire_get_i32(kc_wire_reader *r) {
    const uint8_t *p = take(r, 4);
    return p ? (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) : 0;
}

int64_t kc_wire_get_i64(kc_wire_reader *r) {
    uint64_t hi = (uint32_t)kc_wire_get_i32(r), lo = (uint32_t)kc_wire_get_i32(r);
    return (int64_t)(hi << 32 | lo);
}

/* n bytes after a length prefix already read: NULL for -1 (null), bad for another negative */
static const uint8_t *take_sized(kc_wire_reader *r, int32_t n, size_t *len) {
    *len = 0;
    if (r->bad || n == -1) return NULL;
    if (n < 0) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *p = take(r, (size_t)n);
    if (p) *len = (size_t)n;
    return p;
}

const char *kc_wire_get_str(kc_wire_reader *r, size_t *len) {
    return (const char *)take_sized(r, kc_wire_get_i16(r), len);
}

char *kc_wire_get_strdup(kc_wire_reader *r) {
    size_t len;
    const char *s = kc_wire_get_str(r, &len);
    if (!s) return NULL;
    char *out = malloc(len + 1);
    if (!out) {
        r->bad = 1;
        return NULL;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

const uint8_t *kc_wire_get_bytes(kc_wire_reader *r, size_t *len) { return take_sized(r, kc_wire_get_i32(r), len); }

int32_t kc_wire_get_count(kc_wire_reader *r, size_t min_elem) {
    int32_t n = kc_wire_get_i32(r);
    if (r->bad) return 0;
    if (n == -1) return -1;
    if (n < 0 || (min_elem && (size_t)n > r->left / min_elem)) {
        r->bad = 1;
        return 0;
    }
    return n;
}
