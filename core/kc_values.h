/* kc_values.h - Connect's Values: a value's text form (Values.convertToString) and a value read
 * back from text with its schema inferred (Values.parseString). SimpleHeaderConverter writes and
 * reads headers this way, so the rules are Connect's, quirks included: a header written by a
 * Connect worker reads the same in kcd, and the other way round. */
#ifndef KC_VALUES_H
#define KC_VALUES_H

#include <kc/kc_error.h>
#include <kc/kc_value.h>

#include "kc_buf.h"

/* The text of v as Connect's Values.convertToString gives it: numbers as Java prints them
 * (float32 when the schema says so), strings bare at the top and quoted inside arrays and maps,
 * bytes as base64, dates, times and timestamps in ISO 8601 (UTC). schema may be NULL. */
void kc_values_append_text(kc_buf *b, const kc_schema *schema, const kc_value *v);

/* Reads text (len bytes, need not be NUL-terminated) as Values.parseString: "null" is null (then
 * *schema is NULL), true/false booleans, integers the smallest of int8..int64 that holds them,
 * other numbers float32/float64 (a Decimal when neither holds them), ISO dates, times and
 * timestamps their logical types, [..] and {..} arrays and maps with a common element schema,
 * anything else the string itself. On success *schema (may be NULL) and *out are handed over.
 * KC_EINVAL only where Connect's converter gives up on the text (nesting deeper than it could
 * follow): the caller keeps the bytes as they are. */
int kc_values_parse(const char *text, size_t len, kc_schema **schema, kc_value *out, kc_error *err);

/* A double as Java's Double.toString (is_float: Float.toString of the float) prints it: the
 * shortest digits that read back to the same number, "1.0E10" style outside [1e-3, 1e7). */
void kc_values_append_java_double(kc_buf *b, double d, int is_float);

#endif
