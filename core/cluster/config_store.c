/* config_store.c - Connect's config topic, made, checked, read and followed (kc_config_store.h). */
#define _GNU_SOURCE
#include "kc_config_store.h"

#include <stdlib.h>
#include <string.h>

#include "kc_log.h"
#include "kc_topic_follower.h"
#include "kc_topic_log.h"

struct kc_config_store {
    kc_worker *w;
    char *topic;
    kc_config_store_fn fn;
    void *opaque;
    kc_topic_follower *follower;
    kc_topic_writer *writer; /* kept: a write is one round trip */
    /* privileged writes under exactly-once source support (see the header) */
    pthread_mutex_t privileged_lock;
    char *privileged_id;
    kc_topic_writer *privileged; /* NULL until the first write after a claim */
    int claimed;                 /* may make it: led and not fenced since */
    kc_config_log state; /* under the follower's lock */
};

static void apply(void *opaque, const rd_kafka_message_t *m) {
    kc_config_store *s = opaque;
    char *key = strndup(m->key ? m->key : "", m->key_len);
    kc_error err = {0};
    if (!key) {
        KC_ERROR("ConfigStore", "out of memory: config record at offset %lld skipped", (long long)m->offset);
        return;
    }
    if (kc_config_log_apply(&s->state, key, strlen(key), m->payload, m->len, m->offset, &err))
        KC_WARN("ConfigStore", "%s", err.msg); /* Connect logs and drops such a record too */
    if (s->fn) s->fn(s->opaque, &s->state, key);
    free(key);
}

kc_config_store *kc_config_store_open(kc_worker *w, const char *topic, int replication_factor, kc_config_store_fn fn,
                                      void *opaque, kc_error *err) {
    if (kc_topic_log_create(w, topic, 1, replication_factor, err) ||
        kc_topic_log_check(w, topic, "config.storage.topic", "connector configs", 1, err))
        return NULL;
    kc_config_store *s = calloc(1, sizeof *s);
    if (!s || !(s->topic = strdup(topic))) {
        free(s);
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    s->w = w, s->fn = fn, s->opaque = opaque;
    pthread_mutex_init(&s->privileged_lock, NULL);
    s->state.next_offset = -1;
    /* Connect's config producer: all replicas, one request in flight, so records land in order */
    static const char *const settings[] = {"message.timeout.ms", "30000", "max.in.flight.requests.per.connection", "1",
                                           NULL};
    if (!(s->follower = kc_topic_follower_start(w, topic, "kcd-config-store", apply, s, err)) ||
        !(s->writer = kc_topic_writer_new(w, topic, "kcd-config-writer", settings, err))) {
        kc_config_store_close(s);
        return NULL;
    }
    return s;
}

int kc_config_store_sync(kc_config_store *s, int64_t timeout_ms, kc_error *err) {
    return kc_topic_follower_sync(s->follower, timeout_ms, err);
}

void kc_config_store_read(kc_config_store *s, void (*fn)(void *opaque, const kc_config_log *state), void *opaque) {
    kc_topic_follower_lock(s->follower);
    fn(opaque, &s->state);
    kc_topic_follower_unlock(s->follower);
}

int kc_config_store_write(kc_config_store *s, const char *const *keys, const char *const *values, size_t n,
                          kc_error *err) {
    return kc_topic_writer_write(s->writer, keys, values, n, err);
}

int kc_config_store_set_privileged_id(kc_config_store *s, const char *transactional_id) {
    char *copy = transactional_id ? strdup(transactional_id) : NULL;
    if (transactional_id && !copy) return KC_ENOMEM;
    pthread_mutex_lock(&s->privileged_lock);
    free(s->privileged_id);
    s->privileged_id = copy;
    pthread_mutex_unlock(&s->privileged_lock);
    return KC_OK;
}

void kc_config_store_claim(kc_config_store *s) {
    pthread_mutex_lock(&s->privileged_lock);
    s->claimed = 1;
    pthread_mutex_unlock(&s->privileged_lock);
}

void kc_config_store_release(kc_config_store *s) {
    pthread_mutex_lock(&s->privileged_lock);
    kc_topic_writer_free(s->privileged);
    s->privileged = NULL;
    s->claimed = 0;
    pthread_mutex_unlock(&s->privileged_lock);
}

int kc_config_store_write_privileged(kc_config_store *s, const char *const *keys, const char *const *values, size_t n,
                                     kc_error *err) {
    pthread_mutex_lock(&s->privileged_lock);
    if (!s->privileged_id) {
        pthread_mutex_unlock(&s->privileged_lock);
        return kc_config_store_write(s, keys, values, n, err);
    }
    int rc = KC_OK;
    if (!s->privileged && !s->claimed)
        rc = kc_error_set(err, KC_EFATAL, "this worker may not write the config topic's leader records: it "
                                                   "is not the leader, or a newer leader fenced it");
    static const char *const settings[] = {"message.timeout.ms", "30000", NULL};
    if (!rc && !s->privileged &&
        !(s->privileged = kc_topic_writer_new_transactional(s->w, s->topic, "kcd-config-leader-writer", s->privileged_id,
                                                             settings, 30000, err)))
        rc = err->code;
    if (!rc) rc = kc_topic_writer_write(s->privileged, keys, values, n, err);
    if (rc == KC_EFATAL) { /* fenced: a newer leader wrote; this one may not until it leads again */
        kc_topic_writer_free(s->privileged);
        s->privileged = NULL;
        s->claimed = 0;
    }
    pthread_mutex_unlock(&s->privileged_lock);
    return rc;
}

void kc_config_store_close(kc_config_store *s) {
    if (!s) return;
    kc_topic_follower_stop(s->follower); /* first: its thread applies into the state */
    kc_topic_writer_free(s->writer);
    kc_topic_writer_free(s->privileged);
    free(s->privileged_id);
    pthread_mutex_destroy(&s->privileged_lock);
    kc_config_log_free(&s->state);
    free(s->topic);
    free(s);
}
