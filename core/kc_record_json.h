/* kc_record_json.h - a record as one JSON object, the form `kcd transform` reads and writes:
 *   {"topic","partition","offset","timestamp","key","value","headers":[{"key","value"}]}
 * plus, optionally, "key_schema"/"value_schema" in Connect's schema JSON, which make the key or
 * value schema'd (the halves JsonConverter's envelope carries). */
#ifndef KC_RECORD_JSON_H
#define KC_RECORD_JSON_H

#include <jansson.h>
#include <kc/kc_plugin.h>

#include "kc_buf.h"

/* A new record (one reference) or NULL with err set. */
kc_record *kc_record_from_json(const json_t *j, kc_error *err);
/* Appends the record as one JSON object (no newline). */
void kc_record_write_json(kc_buf *b, const kc_record *r);

#endif
