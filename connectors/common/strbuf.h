/* strbuf.h - a growable text buffer for plugins (a plugin links nothing of the worker, so it
 * cannot use the worker's). Compiled into each plugin that needs it (strbuf.c). On allocation
 * failure `failed` is set and later appends do nothing: check it once, at the end. */
#ifndef KC_STRBUF_H
#define KC_STRBUF_H

#include <kc/kc_plugin.h>
#include <stddef.h>
#include <stdint.h>

typedef struct strbuf {
    char *data; /* NUL-terminated once anything was appended; NULL before */
    size_t len, cap;
    int failed;
} strbuf;

#define STRBUF_INIT {NULL, 0, 0, 0}

void strbuf_append(strbuf *b, const char *s, size_t n);
void strbuf_puts(strbuf *b, const char *s);
void strbuf_putc(strbuf *b, char c);
void strbuf_printf(strbuf *b, const char *fmt, ...) KC_PRINTF(2, 3);
/* A JSON string literal of s[0..n), quotes included: control characters escaped, bytes that
 * are not UTF-8 replaced by U+FFFD (as Java's decoder does). */
void strbuf_json_string(strbuf *b, const char *s, size_t n);
/* A Connect Decimal's plain text ("-12.50"): its two's-complement big-endian unscaled value
 * over 10^scale. */
void strbuf_decimal(strbuf *b, const uint8_t *unscaled, size_t len, int32_t scale);
void strbuf_free(strbuf *b);

#endif
