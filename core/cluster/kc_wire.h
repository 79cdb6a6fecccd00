/* kc_wire.h - Kafka's classic (non-flexible) protocol encoding: big-endian integers, int16-length
 * strings, int32-length bytes and arrays, -1 for null. Enough for the group requests and for
 * Connect's member metadata and assignments, which use only these types.
 *
 * Writing appends to a kc_buf (failures sticky, checked once at the end). Reading never goes past
 * the end: a short or malformed input sets `bad`, later reads give zeros and NULLs, and the
 * caller checks `bad` once. Strings and bytes read are borrowed from the input. */
#ifndef KC_WIRE_H
#define KC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "kc_buf.h"

void kc_wire_i8(kc_buf *b, int8_t v);
void kc_wire_i16(kc_buf *b, int16_t v);
void kc_wire_i32(kc_buf *b, int32_t v);
void kc_wire_i64(kc_buf *b, int64_t v);
/* STRING (s non-NULL) or NULLABLE_STRING (s NULL: length -1) */
void kc_wire_str(kc_buf *b, const char *s);
/* BYTES, or NULLABLE_BYTES with data NULL (length -1) */
void kc_wire_bytes(kc_buf *b, const void *data, size_t len);
/* Overwrites the int32 at `at` (a size prefix written as 0 before the body). */
void kc_wire_patch_i32(kc_buf *b, size_t at, int32_t v);

typedef struct kc_wire_reader {
    const uint8_t *p;
    size_t left;
    int bad;
} kc_wire_reader;

static inline kc_wire_reader kc_wire_reader_of(const void *data, size_t len) {
    kc_wire_reader r = {(const uint8_t *)data, len, 0};
    return r;
}

int8_t kc_wire_get_i8(kc_wire_reader *r);
int16_t kc_wire_get_i16(kc_wire_reader *r);
int32_t kc_wire_get_i32(kc_wire_reader *r);
int64_t kc_wire_get_i64(kc_wire_reader *r);
/* A STRING or NULLABLE_STRING: *len set, NULL for null (length -1); borrowed, not NUL-terminated. */
const char *kc_wire_get_str(kc_wire_reader *r, size_t *len);
/* The same as a new NUL-terminated string (handed over; NULL for null or on failure, `bad` set
 * then unless the value was null). */
char *kc_wire_get_strdup(kc_wire_reader *r);
/* BYTES or NULLABLE_BYTES: NULL for null; borrowed. */
const uint8_t *kc_wire_get_bytes(kc_wire_reader *r, size_t *len);
/* An array's element count: -1 for null; marks the input bad when the count cannot fit in what is
 * left at min_elem bytes per element (so a hostile count allocates nothing). */
int32_t kc_wire_get_count(kc_wire_reader *r, size_t min_elem);

#endif
