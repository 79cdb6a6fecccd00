/* config_store.c - Connect's config topic, made, checked, read and followed (kc_config_store.h). */
#define _GNU_SOURCE
#include "kc_config_store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kc_log.h"
#include "kc_topic_log.h"

struct kc_config_store {
    kc_worker *w;
    char *topic;
    kc_config_store_fn fn;
    void *opaque;
    rd_kafka_t *consumer;
    pthread_t thread;
    int thread_started, stop;
    pthread_mutex_t lock;
    pthread_cond_t applied; /* position moved */
    int64_t position;       /* the next offset to apply */
    kc_config_log state;
};

/* The consumer's position: past transaction markers and compacted gaps too, which no record
 * reports. */
static void advance(kc_config_store *s) {
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    if (!parts) return;
    rd_kafka_topic_partition_list_add(parts, s->topic, 0);
    if (!rd_kafka_position(s->consumer, parts) && parts->elems[0].offset >= 0) {
        pthread_mutex_lock(&s->lock);
        if (parts->elems[0].offset > s->position) {
            s->position = parts->elems[0].offset;
            pthread_cond_broadcast(&s->applied);
        }
        pthread_mutex_unlock(&s->lock);
    }
    rd_kafka_topic_partition_list_destroy(parts);
}

static void *follow(void *arg) {
    kc_config_store *s = arg;
    while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(s->consumer, 200);
        if (m && m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                KC_WARN("ConfigStore", "config topic %s: %s", s->topic, rd_kafka_message_errstr(m));
        } else if (m) {
            char *key = strndup(m->key ? m->key : "", m->key_len);
            kc_error err = {0};
            pthread_mutex_lock(&s->lock);
            if (!key) KC_ERROR("ConfigStore", "out of memory: config record at offset %lld skipped", (long long)m->offset);
            else if (kc_config_log_apply(&s->state, key, strlen(key), m->payload, m->len, m->offset, &err))
                KC_WARN("ConfigStore", "%s", err.msg); /* Connect logs and drops such a record too */
            if (s->fn && key) s->fn(s->opaque, &s->state, key);
            if (m->offset + 1 > s->position) s->position = m->offset + 1;
            pthread_cond_broadcast(&s->applied);
            pthread_mutex_unlock(&s->lock);
            free(key);
        }
        if (m) rd_kafka_message_destroy(m);
        advance(s);
    }
    return NULL;
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
    s->state.next_offset = -1;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->applied, NULL);
    /* no group: the one partition is assigned, read from its start */
    static const char *const settings[] = {"group.id", "kcd-config-store", "enable.partition.eof", "false", NULL};
    s->consumer = kc_topic_log_consumer(w, "kcd-config-store", settings, err);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    if (s->consumer && parts) rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (!s->consumer || !parts || rd_kafka_assign(s->consumer, parts) ||
        pthread_create(&s->thread, NULL, follow, s)) {
        if (parts) rd_kafka_topic_partition_list_destroy(parts);
        if (s->consumer) kc_error_set(err, KC_EFATAL, "cannot follow config topic %s", topic);
        kc_config_store_close(s);
        return NULL;
    }
    rd_kafka_topic_partition_list_destroy(parts);
    s->thread_started = 1;
    if (kc_config_store_sync(s, 60000, err)) {
        kc_config_store_close(s);
        return NULL;
    }
    return s;
}

int kc_config_store_sync(kc_config_store *s, int64_t timeout_ms, kc_error *err) {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(s->consumer, s->topic, 0, &lo, &hi, (int)timeout_ms);
    if (e) return kc_error_set(err, KC_ERETRY, "config topic %s: %s", s->topic, rd_kafka_err2str(e));
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;
    int rc = KC_OK;
    (void)lo;
    pthread_mutex_lock(&s->lock);
    while (s->position < hi && rc == KC_OK)
        if (pthread_cond_timedwait(&s->applied, &s->lock, &until))
            rc = kc_error_set(err, KC_ERETRY, "config topic %s not read to its end (%lld) within %lld ms, at %lld",
                              s->topic, (long long)hi, (long long)timeout_ms, (long long)s->position);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void kc_config_store_read(kc_config_store *s, void (*fn)(void *opaque, const kc_config_log *state), void *opaque) {
    pthread_mutex_lock(&s->lock);
    fn(opaque, &s->state);
    pthread_mutex_unlock(&s->lock);
}

int kc_config_store_write(kc_config_store *s, const char *const *keys, const char *const *values, size_t n,
                          kc_error *err) {
    /* Connect's config producer: all replicas, one request in flight, so records land in order */
    static const char *const settings[] = {"message.timeout.ms", "30000", "max.in.flight.requests.per.connection", "1",
                                           NULL};
    return kc_topic_log_write(s->w, s->topic, "kcd-config-writer", settings, keys, values, n, err);
}

void kc_config_store_close(kc_config_store *s) {
    if (!s) return;
    if (s->thread_started) {
        __atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
        pthread_join(s->thread, NULL);
    }
    if (s->consumer) {
        rd_kafka_consumer_close(s->consumer);
        rd_kafka_destroy(s->consumer);
    }
    kc_config_log_free(&s->state);
    pthread_cond_destroy(&s->applied);
    pthread_mutex_destroy(&s->lock);
    free(s->topic);
    free(s);
}
