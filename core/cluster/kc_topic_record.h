/* kc_topic_record.h - what Connect's internal topic records share, for their decoders
 * (config_log.c, status_log.c): keys made of a prefix and a name, "NAME-N" task ids, and values
 * that are JSON objects or tombstones. */
#ifndef KC_TOPIC_RECORD_H
#define KC_TOPIC_RECORD_H

#include <jansson.h>
#include <stddef.h>

/* The key (len bytes, not NUL-terminated) starts with prefix and goes on after it. */
int kc_record_key_starts(const char *key, size_t len, const char *prefix);
/* "NAME-N" (len bytes): the name's length and N, the part after the last '-'; -1 when not. */
int kc_record_task_id(const char *s, size_t len, size_t *name_len, long *task);
/* A record value: *out NULL for a tombstone (value NULL), else a JSON object (a new reference);
 * -1 when the value is not a JSON object. */
int kc_record_value(const char *value, size_t len, json_t **out);

#endif
