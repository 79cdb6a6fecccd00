/* topic_follower.c - a topic read and followed on a thread of its own (kc_topic_follower.h). */
#define _GNU_SOURCE
#include "kc_topic_follower.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kc_log.h"
#include "kc_topic_log.h"

struct kc_topic_follower {
    char *topic;
    kc_follower_fn fn;
    void *opaque;
    rd_kafka_t *consumer;
    rd_kafka_topic_partition_list_t *parts; /* every partition, for positions */
    int nparts;
    int64_t *position;     /* per partition: the next offset (under lock) */
    pthread_t thread;
    int thread_started, stop;
    pthread_mutex_t lock;
    pthread_cond_t moved;
};

/* The consumer's positions: past transaction markers and compacted gaps, which no record shows. */
static void advance(kc_topic_follower *f) {
    if (rd_kafka_position(f->consumer, f->parts)) return;
    pthread_mutex_lock(&f->lock);
    int moved = 0;
    for (int p = 0; p < f->nparts; p++) {
        int64_t o = f->parts->elems[p].offset;
        if (o >= 0 && o > f->position[p]) f->position[p] = o, moved = 1;
    }
    if (moved) pthread_cond_broadcast(&f->moved);
    pthread_mutex_unlock(&f->lock);
}

static void *follow(void *arg) {
    kc_topic_follower *f = arg;
    while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(f->consumer, 200);
        if (m && m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                KC_WARN("TopicFollower", "topic %s: %s", f->topic, rd_kafka_message_errstr(m));
        } else if (m && m->partition >= 0 && m->partition < f->nparts) {
            pthread_mutex_lock(&f->lock);
            f->fn(f->opaque, m);
            if (m->offset + 1 > f->position[m->partition]) f->position[m->partition] = m->offset + 1;
            pthread_cond_broadcast(&f->moved);
            pthread_mutex_unlock(&f->lock);
        }
        if (m) rd_kafka_message_destroy(m);
        advance(f);
    }
    return NULL;
}

kc_topic_follower *kc_topic_follower_start(kc_worker *w, const char *topic, const char *client_id, kc_follower_fn fn,
                                           void *opaque, kc_error *err) {
    kc_topic_follower *f = calloc(1, sizeof *f);
    if (!f || !(f->topic = strdup(topic))) {
        free(f);
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    f->fn = fn, f->opaque = opaque;
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->moved, NULL);
    const char *settings[] = {"group.id", client_id, "enable.partition.eof", "false", NULL};
    f->consumer = kc_topic_log_consumer(w, client_id, settings, err);
    if (!f->consumer || kc_topic_log_partitions(f->consumer, topic, &f->nparts, err)) goto fail;
    f->position = calloc((size_t)f->nparts, sizeof *f->position);
    f->parts = rd_kafka_topic_partition_list_new(f->nparts);
    if (!f->position || !f->parts) {
        kc_error_set(err, KC_ENOMEM, "out of memory");
        goto fail;
    }
    for (int p = 0; p < f->nparts; p++) rd_kafka_topic_partition_list_add(f->parts, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (rd_kafka_assign(f->consumer, f->parts) || pthread_create(&f->thread, NULL, follow, f)) {
        kc_error_set(err, KC_EFATAL, "cannot follow topic %s", topic);
        goto fail;
    }
    f->thread_started = 1;
    if (kc_topic_follower_sync(f, 60000, err)) goto fail;
    return f;
fail:
    kc_topic_follower_stop(f);
    return NULL;
}

int kc_topic_follower_sync(kc_topic_follower *f, int64_t timeout_ms, kc_error *err) {
    int64_t *end = calloc((size_t)f->nparts, sizeof *end);
    if (!end) return kc_error_set(err, KC_ENOMEM, "out of memory");
    for (int p = 0; p < f->nparts; p++) {
        int64_t lo = 0;
        rd_kafka_resp_err_t e = kc_topic_log_watermarks(f->consumer, f->topic, p, &lo, &end[p], timeout_ms);
        if (e) {
            free(end);
            return kc_error_set(err, KC_ERETRY, "topic %s partition %d: %s", f->topic, p, rd_kafka_err2str(e));
        }
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;
    int rc = KC_OK;
    pthread_mutex_lock(&f->lock);
    for (int p = 0; p < f->nparts && rc == KC_OK; p++)
        while (f->position[p] < end[p] && rc == KC_OK)
            if (pthread_cond_timedwait(&f->moved, &f->lock, &until))
                rc = kc_error_set(err, KC_ERETRY, "topic %s not read to its end within %lld ms (partition %d at %lld of %lld)",
                                  f->topic, (long long)timeout_ms, p, (long long)f->position[p], (long long)end[p]);
    pthread_mutex_unlock(&f->lock);
    free(end);
    return rc;
}

void kc_topic_follower_lock(kc_topic_follower *f) { pthread_mutex_lock(&f->lock); }
void kc_topic_follower_unlock(kc_topic_follower *f) { pthread_mutex_unlock(&f->lock); }

void kc_topic_follower_stop(kc_topic_follower *f) {
    if (!f) return;
    if (f->thread_started) {
        __atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
        pthread_join(f->thread, NULL);
    }
    if (f->consumer) {
        rd_kafka_consumer_close(f->consumer);
        rd_kafka_destroy(f->consumer);
    }
    if (f->parts) rd_kafka_topic_partition_list_destroy(f->parts);
    free(f->position);
    pthread_cond_destroy(&f->moved);
    pthread_mutex_destroy(&f->lock);
    free(f->topic);
    free(f);
}
