/* status_store.c - Connect's status topic, made, checked, read and followed (kc_status_store.h). */
#define _GNU_SOURCE
#include "kc_status_store.h"

#include <stdlib.h>
#include <string.h>

#include "kc_log.h"
#include "kc_topic_follower.h"
#include "kc_topic_log.h"

struct kc_status_store {
    kc_worker *w;
    char *topic;
    kc_topic_follower *follower;
    kc_topic_writer *writer; /* kept: a write is one round trip */
    kc_status_log state; /* under the follower's lock */
};

static void apply(void *opaque, const rd_kafka_message_t *m) {
    kc_status_store *s = opaque;
    kc_error err = {0};
    if (kc_status_log_apply(&s->state, m->key ? m->key : "", m->key_len, m->payload, m->len, m->offset, &err))
        KC_WARN("StatusStore", "%s", err.msg);
}

kc_status_store *kc_status_store_open(kc_worker *w, const char *topic, int partitions, int replication_factor,
                                      kc_error *err) {
    if (kc_topic_log_create(w, topic, partitions, replication_factor, err) ||
        kc_topic_log_check(w, topic, "status.storage.topic", "connector and task statuses", 0, err))
        return NULL;
    kc_status_store *s = calloc(1, sizeof *s);
    if (!s || !(s->topic = strdup(topic))) {
        free(s);
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    s->w = w;
    static const char *const settings[] = {"message.timeout.ms", "30000", NULL};
    if (!(s->follower = kc_topic_follower_start(w, topic, "kcd-status-store", apply, s, err)) ||
        !(s->writer = kc_topic_writer_new(w, topic, "kcd-status-writer", settings, err))) {
        kc_status_store_close(s);
        return NULL;
    }
    return s;
}

int kc_status_store_sync(kc_status_store *s, int64_t timeout_ms, kc_error *err) {
    return kc_topic_follower_sync(s->follower, timeout_ms, err);
}

void kc_status_store_read(kc_status_store *s, void (*fn)(void *opaque, const kc_status_log *state), void *opaque) {
    kc_topic_follower_lock(s->follower);
    fn(opaque, &s->state);
    kc_topic_follower_unlock(s->follower);
}

/* Writes the batch; *written says how many were not left out as safe writes over a newer
 * generation's status from another worker. */
static int put_batch(kc_status_store *s, const kc_status_put *puts, size_t n, const char *worker_id,
                     int32_t generation, size_t *written, kc_error *err) {
    char **keys = calloc(n ? n : 1, sizeof *keys), **values = calloc(n ? n : 1, sizeof *values);
    size_t m = 0;
    int rc = keys && values ? KC_OK : kc_error_set(err, KC_ENOMEM, "out of memory");
    kc_topic_follower_lock(s->follower);
    for (size_t i = 0; i < n && !rc; i++) {
        const kc_status_entry *e = puts[i].safe ? kc_status_log_find(&s->state, puts[i].connector, puts[i].task) : NULL;
        if (e && strcmp(e->worker_id, worker_id) && e->generation > generation) continue;
        keys[m] = kc_status_log_key(puts[i].connector, puts[i].task);
        values[m] = puts[i].state ? kc_status_log_value(puts[i].state, puts[i].trace, worker_id, generation) : NULL;
        if (!keys[m] || (puts[i].state && !values[m])) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
        m++;
    }
    kc_topic_follower_unlock(s->follower);
    if (!rc && m) rc = kc_topic_writer_write(s->writer, (const char *const *)keys, (const char *const *)values, m, err);
    for (size_t i = 0; i < m; i++) {
        free(keys[i]);
        free(values[i]);
    }
    free(keys);
    free(values);
    *written = m;
    return rc;
}

int kc_status_store_put(kc_status_store *s, const char *connector, int32_t task, const char *state, const char *trace,
                        const char *worker_id, int32_t generation, int safe, kc_error *err) {
    kc_status_put one = {connector, task, state, trace, safe};
    size_t written = 0;
    int rc = put_batch(s, &one, 1, worker_id, generation, &written, err);
    return rc ? rc : written ? KC_OK : 1;
}

int kc_status_store_put_many(kc_status_store *s, const kc_status_put *puts, size_t n, const char *worker_id,
                             int32_t generation, kc_error *err) {
    size_t written;
    return put_batch(s, puts, n, worker_id, generation, &written, err);
}

void kc_status_store_close(kc_status_store *s) {
    if (!s) return;
    kc_topic_follower_stop(s->follower);
    kc_topic_writer_free(s->writer);
    kc_status_log_free(&s->state);
    free(s->topic);
    free(s);
}
