/* kc_buf.h - a growable byte buffer. Allocation failures are sticky: the buffer remembers
 * them in `failed` and later appends do nothing, so callers check once at the end. */
#ifndef KC_BUF_H
#define KC_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct kc_buf {
    char *data; /* NUL-terminated when non-NULL */
    size_t len, cap;
    int failed;
} kc_buf;

#define KC_BUF_INIT {NULL, 0, 0, 0}

void kc_buf_append(kc_buf *b, const void *data, size_t len);
void kc_buf_puts(kc_buf *b, const char *s);
void kc_buf_putc(kc_buf *b, char c);
void kc_buf_printf(kc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a quoted JSON string. */
void kc_buf_json_string(kc_buf *b, const char *s, size_t len);
void kc_buf_base64(kc_buf *b, const uint8_t *data, size_t len);
/* Returns the string (handed over; "" for an empty buffer) or NULL after a failure. */
char *kc_buf_detach(kc_buf *b);
void kc_buf_free(kc_buf *b);

/* Decodes standard Base64 (padding optional); returns 0 or -1 on bad input. *out handed over. */
int kc_base64_decode(const char *s, size_t len, uint8_t **out, size_t *out_len);

#endif
