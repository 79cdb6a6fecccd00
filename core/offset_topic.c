/* offset_topic.c - source offsets on Connect's offsets topic (exactly-once source support), a
 * compacted topic log (kc_topic_log.h). */
#define _GNU_SOURCE
#include "kc_offset_topic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_log.h"
#include "kc_topic_log.h"

const char *kc_offset_topic_name(const kc_worker *w) {
    const char *t = kc_config_get(&w->config, "offset.storage.topic");
    return t && *t ? t : "connect-offsets";
}

int kc_offset_topic_create(kc_worker *w, kc_error *err) {
    int64_t partitions = 25, rf = -1;
    kc_config_get_long(&w->config, "offset.storage.partitions", &partitions);
    kc_config_get_long(&w->config, "offset.storage.replication.factor", &rf);
    int rc = kc_topic_log_create(w, kc_offset_topic_name(w), (int)partitions, (int)rf, err);
    return rc ? rc : kc_topic_log_check(w, kc_offset_topic_name(w), "offset.storage.topic", "source offsets", 0, err);
}

typedef struct offset_load {
    kc_offset_store *into;
    const char *prefix; /* only this connector's keys, or NULL */
    size_t prefix_len, loaded;
} offset_load;

static int load_record(void *opaque, const rd_kafka_message_t *m, kc_error *err) {
    offset_load *l = opaque;
    if (!m->key || (l->prefix && (m->key_len <= l->prefix_len || memcmp(m->key, l->prefix, l->prefix_len))))
        return KC_OK;
    l->loaded++;
    if (kc_offset_store_load_entry(l->into, m->key, m->key_len, m->payload, m->len))
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    return KC_OK;
}

int kc_offset_topic_read(kc_worker *w, const char *connector, int to_high_watermark, int64_t timeout_ms,
                         kc_offset_store *into, kc_error *err) {
    offset_load l = {into, NULL, 0, 0};
    char *prefix = connector ? kc_offset_store_key_prefix(connector) : NULL;
    if (connector && !prefix) return kc_error_set(err, KC_ENOMEM, "out of memory");
    l.prefix = prefix, l.prefix_len = prefix ? strlen(prefix) : 0;
    /* read_committed: offsets of aborted transactions never count */
    int rc = kc_topic_log_read(w, kc_offset_topic_name(w), "kcd-offsets-reader", 1, to_high_watermark, timeout_ms,
                               load_record, &l, err);
    if (rc == KC_OK)
        KC_DEBUG("OffsetTopic", "read %zu offset records of %s from %s", l.loaded, connector ? connector : "all connectors",
                 kc_offset_topic_name(w));
    free(prefix);
    return rc;
}

int kc_offset_topic_write(void *worker, const char *const *keys, const char *const *values, size_t n,
                          kc_error *err) {
    static const char *const settings[] = {"message.timeout.ms", "30000", "enable.idempotence", "true", NULL};
    kc_worker *w = worker;
    return kc_topic_log_write(w, kc_offset_topic_name(w), "kcd-offsets-writer", settings, keys, values, n, err);
}
