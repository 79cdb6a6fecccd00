/* utf8.h - well-formed UTF-8 (RFC 3629), for the plugins' text writers. */
#ifndef KC_CONNECTORS_UTF8_H
#define KC_CONNECTORS_UTF8_H

#include <stddef.h>

/* The length (1..4) of the well-formed UTF-8 sequence at s[0..n), n >= 1, or 0: no overlong
 * forms, no surrogates, nothing above U+10FFFF. */
static inline size_t utf8_sequence_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!len || len > n) return 0;
    /* the second byte's range depends on the first; the others are 80-BF */
    unsigned lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80, hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xc0) != 0x80) return 0;
    return len;
}

#endif
