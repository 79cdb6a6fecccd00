/* strbuf.c - see strbuf.h. */
#include "strbuf.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(strbuf *b, size_t n) {
    if (b->failed) return -1;
    if (b->len + n + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void strbuf_append(strbuf *b, const char *s, size_t n) {
    if (grow(b, n)) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void strbuf_puts(strbuf *b, const char *s) { strbuf_append(b, s, strlen(s)); }

void strbuf_putc(strbuf *b, char c) { strbuf_append(b, &c, 1); }

void strbuf_printf(strbuf *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        strbuf_append(b, small, (size_t)n);
        return;
    }
    if (grow(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void strbuf_free(strbuf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* 1 for the bytes JSON text takes as they are: printable ASCII but '"' and '\\'. */
static const unsigned char json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 00-1f */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 20-3f: " */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 40-5f: \ */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 60-7f */
};

/* The bulk bodies are mostly strings: one reservation for the string as it is, then runs of
 * plain bytes copied whole; only what needs escaping goes byte by byte. */
void strbuf_json_string(strbuf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    if (grow(b, n + 2)) return;
    b->data[b->len++] = '"';
    while (p < end) {
        const unsigned char *run = p;
        for (;;) { /* plain bytes and whole UTF-8 sequences */
            while (p < end && json_plain[*p]) p++;
            size_t l;
            if (p < end && *p >= 0x80 && (l = utf8_sequence_len(p, (size_t)(end - p)))) {
                p += l;
                continue;
            }
            break;
        }
        if (p > run) {
            if (grow(b, (size_t)(end - run) + 1)) return;
            memcpy(b->data + b->len, run, (size_t)(p - run));
            b->len += (size_t)(p - run);
        }
        if (p == end) break;
        unsigned char c = *p;
        switch (c) {
        case '"': strbuf_append(b, "\\\"", 2); break;
        case '\\': strbuf_append(b, "\\\\", 2); break;
        case '\n': strbuf_append(b, "\\n", 2); break;
        case '\r': strbuf_append(b, "\\r", 2); break;
        case '\t': strbuf_append(b, "\\t", 2); break;
        default:
            if (c < 0x20) {
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                strbuf_append(b, u, 6);
            } else {
                strbuf_append(b, "\xef\xbf\xbd", 3); /* not UTF-8: U+FFFD, as Java's decoder would */
            }
        }
        p++;
    }
    if (grow(b, 1)) return;
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
}

void strbuf_decimal(strbuf *b, const uint8_t *unscaled, size_t len, int32_t scale) {
    if (len == 0) {
        strbuf_putc(b, '0');
        return;
    }
    int neg = unscaled[0] & 0x80;
    uint8_t *mag = malloc(len);
    char *digits = malloc(len * 3 + 2); /* 256^len < 10^(3 len) */
    if (!mag || !digits) {
        free(mag), free(digits);
        b->failed = 1;
        return;
    }
    memcpy(mag, unscaled, len);
    if (neg) { /* magnitude of a negative number: invert and add one */
        int carry = 1;
        for (size_t i = len; i-- > 0;) {
            int v = (uint8_t)~mag[i] + carry;
            mag[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    size_t nd = 0, start = 0;
    while (start < len) { /* repeated division by 10, least significant digit first */
        unsigned rem = 0;
        for (size_t i = start; i < len; i++) {
            unsigned cur = rem << 8 | mag[i];
            mag[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
        }
        digits[nd++] = (char)('0' + rem);
        while (start < len && mag[start] == 0) start++;
    }
    if (nd == 0) digits[nd++] = '0';
    if (neg) strbuf_putc(b, '-');
    if (scale <= 0) {
        for (size_t i = nd; i-- > 0;) strbuf_putc(b, digits[i]);
        for (int32_t i = 0; i < -scale && i < 4096; i++) strbuf_putc(b, '0');
    } else {
        size_t sc = (size_t)scale;
        if (nd <= sc) {
            strbuf_puts(b, "0.");
            for (size_t i = nd; i < sc; i++) strbuf_putc(b, '0');
            for (size_t i = nd; i-- > 0;) strbuf_putc(b, digits[i]);
        } else {
            for (size_t i = nd; i-- > sc;) strbuf_putc(b, digits[i]);
            strbuf_putc(b, '.');
            for (size_t i = sc; i-- > 0;) strbuf_putc(b, digits[i]);
        }
    }
    free(mag);
    free(digits);
}
