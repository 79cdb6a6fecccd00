/* kc_converter_int.h - the converters built into the worker (JSON, String, ByteArray, numbers,
 * SimpleHeaderConverter) and the JSON <-> value helpers the worker uses for offsets. */
#ifndef KC_CONVERTER_INT_H
#define KC_CONVERTER_INT_H

#include <jansson.h>
#include <kc/kc_plugin.h>

#include "kc_buf.h"

extern const kc_plugin_desc kc_json_converter_desc;
extern const kc_plugin_desc kc_string_converter_desc;
extern const kc_plugin_desc kc_bytearray_converter_desc;
/* Connect's single-number converters (number_converter.c) */
extern const kc_plugin_desc kc_short_converter_desc, kc_integer_converter_desc, kc_long_converter_desc,
    kc_float_converter_desc, kc_double_converter_desc, kc_boolean_converter_desc;
/* Connect's SimpleHeaderConverter (simple_header_converter.c) */
extern const kc_plugin_desc kc_simple_header_converter_desc;

/* Schemaless JSON <-> value, as JsonConverter with schemas.enable=false. */
int kc_json_to_value(const json_t *j, kc_value *out, kc_error *err);
/* Schemaless JSON bytes straight to a value; KC_ENOTFOUND: not taken on this fast path (invalid
 * or unusual input), parse with jansson instead, which gives the exact value or error. */
int kc_json_parse_fast(const uint8_t *data, size_t len, kc_value *out);
/* A JSON object read member by member, for a reader that places each member itself (a struct's
 * fields) instead of building the object first. member() gets the key borrowed for the call
 * (not NUL-terminated; keys with escapes are left to jansson) and the value handed over; it
 * returns KC_OK or stops the read with its error. KC_ENOTFOUND exactly where kc_json_parse_fast
 * would answer it for the whole object. */
typedef int (*kc_json_member_fn)(void *ctx, const char *key, size_t key_len, kc_value *value);
int kc_json_parse_fast_members(const uint8_t *data, size_t len, kc_json_member_fn member, void *ctx);
void kc_json_write_value(kc_buf *b, const kc_value *v);

/* Schema'd JSON (the envelope's "schema" and "payload" halves). */
int kc_json_to_schema(const json_t *j, kc_schema **out, kc_error *err);
void kc_json_write_schema(kc_buf *b, const kc_schema *s);
int kc_json_to_value_with_schema(const json_t *j, const kc_schema *s, kc_value *out, kc_error *err);
int kc_json_write_value_with_schema(kc_buf *b, const kc_schema *s, const kc_value *v, int decimal_numeric,
                                    kc_error *err);

/* The same, with nulls kept null even where the schema has a default (replace.null.with.default
 * false): the record as it is, for `kcd transform`. */
int kc_json_read_as_is(const json_t *j, const kc_schema *s, kc_value *out, kc_error *err);
int kc_json_write_as_is(kc_buf *b, const kc_schema *s, const kc_value *v, kc_error *err);

/* Decimal helpers: unscaled big-endian two's complement <-> decimal text. */
char *kc_decimal_to_text(const uint8_t *unscaled, size_t len, int32_t scale);
int kc_decimal_from_text(const char *text, int32_t scale, uint8_t **unscaled, size_t *len);

#endif
