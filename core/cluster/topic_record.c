/* topic_record.c - what Connect's internal topic records share (kc_topic_record.h). */
#include "kc_topic_record.h"

#include <string.h>

int kc_record_key_starts(const char *key, size_t len, const char *prefix) {
    size_t n = strlen(prefix);
    return len > n && !memcmp(key, prefix, n);
}

int kc_record_task_id(const char *s, size_t len, size_t *name_len, long *task) {
    const char *dash = NULL;
    for (size_t i = len; i-- > 0;)
        if (s[i] == '-') {
            dash = s + i;
            break;
        }
    if (!dash || dash == s || dash + 1 == s + len) return -1;
    long n = 0;
    for (const char *p = dash + 1; p < s + len; p++) {
        if (*p < '0' || *p > '9' || n > 100000000) return -1;
        n = n * 10 + (*p - '0');
    }
    *name_len = (size_t)(dash - s), *task = n;
    return 0;
}

int kc_record_value(const char *value, size_t len, json_t **out) {
    *out = NULL;
    if (!value) return 0;
    json_error_t je;
    json_t *v = json_loadb(value, len, JSON_DECODE_ANY, &je);
    if (!json_is_object(v)) {
        json_decref(v);
        return -1;
    }
    *out = v;
    return 0;
}
