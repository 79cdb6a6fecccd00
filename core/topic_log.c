/* topic_log.c - a compacted topic as a log of state (kc_topic_log.h). */
#define _GNU_SOURCE
#include "kc_topic_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kc_log.h"

/* A client of the topic: the worker's producer.* or consumer.* settings, then `extra` (name,
 * value, ..., NULL) and, for a producer, a delivery report callback (may be NULL). */
static rd_kafka_t *log_client(kc_worker *w, rd_kafka_type_t type, const char *client_id, const char *const *extra,
                              void (*on_delivery)(rd_kafka_t *, const rd_kafka_message_t *, void *), kc_error *err) {
    rd_kafka_conf_t *conf =
        kc_kafka_conf(w, NULL, type == RD_KAFKA_PRODUCER ? "producer." : "consumer.", "", client_id, err);
    if (!conf) return NULL;
    char errstr[512];
    for (size_t i = 0; extra && extra[i]; i += 2)
        if (rd_kafka_conf_set(conf, extra[i], extra[i + 1], errstr, sizeof errstr)) {
            rd_kafka_conf_destroy(conf);
            kc_error_set(err, KC_EINVAL, "%s: %s", client_id, errstr);
            return NULL;
        }
    if (on_delivery) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        kc_error_set(err, KC_EFATAL, "%s: %s", client_id, errstr);
    }
    return rk;
}

rd_kafka_resp_err_t kc_topic_log_watermarks(rd_kafka_t *rk, const char *topic, int partition, int64_t *lo,
                                            int64_t *hi, int64_t timeout_ms) {
    int64_t give_up = kc_now_ms() + timeout_ms;
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_query_watermark_offsets(rk, topic, partition, lo, hi, (int)timeout_ms)) &&
           (e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION || e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
            e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
            e == RD_KAFKA_RESP_ERR__TRANSPORT) &&
           kc_now_ms() + 200 < give_up) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return e;
}

int kc_topic_log_partitions(rd_kafka_t *rk, const char *topic, int *out, kc_error *err) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int rc = KC_OK;
    for (int attempt = 0;; attempt++) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 15000);
        if (!e && md->topic_cnt == 1 && md->topics[0].err) e = md->topics[0].err;
        if (!e && (md->topic_cnt != 1 || md->topics[0].partition_cnt < 1)) e = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
        if (!e) *out = md->topics[0].partition_cnt;
        if (md) rd_kafka_metadata_destroy(md);
        if (!e) break;
        if (attempt == 40) {
            rc = kc_error_set(err, KC_ERETRY, "metadata: %s", rd_kafka_err2str(e));
            break;
        }
        struct timespec ts = {0, 250 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    rd_kafka_topic_destroy(rkt);
    return rc;
}

int kc_topic_log_read(kc_worker *w, const char *topic, const char *client_id, int read_committed,
                      int to_high_watermark, int64_t timeout_ms, kc_topic_log_fn fn, void *opaque, kc_error *err) {
    /* no group is joined (partitions are assigned); librdkafka wants an id all the same */
    const char *settings[] = {"isolation.level", read_committed ? "read_committed" : "read_uncommitted",
                              "enable.partition.eof", "true", "group.id", client_id, NULL};
    rd_kafka_t *rk = log_client(w, RD_KAFKA_CONSUMER, client_id, settings, NULL, err);
    if (!rk) return err->code;
    int nparts = 0, rc = kc_topic_log_partitions(rk, topic, &nparts, err);
    int64_t *end = NULL;
    char *done = NULL;
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (rc) goto out;
    end = calloc((size_t)nparts, sizeof *end);
    done = calloc((size_t)nparts, 1);
    parts = rd_kafka_topic_partition_list_new(nparts);
    if (!end || !done || !parts) {
        rc = kc_error_set(err, KC_ENOMEM, "out of memory");
        goto out;
    }
    int remaining = nparts;
    for (int p = 0; p < nparts; p++) {
        int64_t lo = 0, hi = 0;
        if (to_high_watermark) {
            rd_kafka_resp_err_t e = kc_topic_log_watermarks(rk, topic, p, &lo, &hi, 15000);
            if (e) {
                rc = kc_error_set(err, KC_ERETRY, "partition %d: %s", p, rd_kafka_err2str(e));
                goto out;
            }
            end[p] = hi;
            if (hi <= lo) { /* nothing to read */
                done[p] = 1;
                remaining--;
                continue;
            }
        }
        rd_kafka_topic_partition_list_add(parts, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    if (parts->cnt && rd_kafka_assign(rk, parts)) {
        rc = kc_error_set(err, KC_EFATAL, "cannot assign its partitions");
        goto out;
    }
    int64_t deadline = kc_now_ms() + timeout_ms;
    while (remaining > 0 && rc == KC_OK) {
        if (kc_now_ms() > deadline) {
            rc = kc_error_set(err, KC_ERETRY,
                              "not read to its end within %lld ms (%d of %d partitions left; an open transaction "
                              "of another producer holds back read_committed consumers until it ends or times out)",
                              (long long)timeout_ms, remaining, nparts);
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m) continue;
        int p = m->partition;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            /* at the last stable offset; with to_high_watermark, wait until it reaches the mark */
            if (p >= 0 && p < nparts && !done[p] && (!to_high_watermark || m->offset >= end[p])) {
                done[p] = 1;
                remaining--;
            }
        } else if (m->err) {
            KC_DEBUG("TopicLog", "topic %s: %s", topic, rd_kafka_message_errstr(m));
        } else {
            rc = fn(opaque, m, err);
        }
        if (to_high_watermark && !m->err && p >= 0 && p < nparts && !done[p] && m->offset + 1 >= end[p]) {
            done[p] = 1;
            remaining--;
        }
        rd_kafka_message_destroy(m);
    }
out:
    free(end);
    free(done);
    if (parts) rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk, (void)opaque;
    rd_kafka_resp_err_t *first = m->_private;
    if (m->err && !*first) *first = m->err;
}

int kc_topic_log_write(kc_worker *w, const char *topic, const char *client_id, const char *const *extra,
                       const char *const *keys, const char *const *values, size_t n, kc_error *err) {
    rd_kafka_t *rk = log_client(w, RD_KAFKA_PRODUCER, client_id, extra, on_delivery, err);
    if (!rk) return err->code;
    rd_kafka_resp_err_t first = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (size_t i = 0; i < n && !first; i++) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(keys[i], strlen(keys[i])),
            RD_KAFKA_V_VALUE((void *)values[i], values[i] ? strlen(values[i]) : 0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE(&first), RD_KAFKA_V_END);
        if (e) first = e;
    }
    rd_kafka_resp_err_t fe = rd_kafka_flush(rk, 35000);
    if (!first && fe) first = fe;
    rd_kafka_destroy(rk);
    if (first)
        return kc_error_set(err, KC_ERETRY, "cannot write to topic %s: %s", topic, rd_kafka_err2str(first));
    return KC_OK;
}

struct kc_topic_writer {
    rd_kafka_t *rk;
    char *topic;
    int transactional; /* each write is one transaction */
    pthread_mutex_t lock;
};

kc_topic_writer *kc_topic_writer_new(kc_worker *w, const char *topic, const char *client_id, const char *const *extra,
                                     kc_error *err) {
    kc_topic_writer *tw = calloc(1, sizeof *tw);
    if (!tw || !(tw->topic = strdup(topic))) {
        free(tw);
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    if (!(tw->rk = log_client(w, RD_KAFKA_PRODUCER, client_id, extra, on_delivery, err))) {
        free(tw->topic);
        free(tw);
        return NULL;
    }
    pthread_mutex_init(&tw->lock, NULL);
    return tw;
}

/* Ends a failed transaction: aborted when it can be (KC_ERETRY), else the writer was fenced by
 * a newer one with its transactional.id (KC_EFATAL). */
static int txn_failed(kc_topic_writer *tw, const char *what, rd_kafka_error_t *error, kc_error *err) {
    int fatal = rd_kafka_error_is_fatal(error);
    int rc = kc_error_set(err, fatal ? KC_EFATAL : KC_ERETRY, "%s on topic %s: %s%s", what, tw->topic,
                          rd_kafka_error_string(error), fatal ? " (fenced: another writer holds its transactional.id)" : "");
    if (!fatal && rd_kafka_error_txn_requires_abort(error)) {
        rd_kafka_error_t *aerr = rd_kafka_abort_transaction(tw->rk, 30000);
        if (aerr) rd_kafka_error_destroy(aerr);
    }
    rd_kafka_error_destroy(error);
    return rc;
}

kc_topic_writer *kc_topic_writer_new_transactional(kc_worker *w, const char *topic, const char *client_id,
                                                   const char *transactional_id, const char *const *extra,
                                                   int64_t timeout_ms, kc_error *err) {
    const char *settings[32];
    size_t n = 0;
    settings[n++] = "transactional.id", settings[n++] = transactional_id;
    for (size_t i = 0; extra && extra[i] && n < 30; i += 2) settings[n++] = extra[i], settings[n++] = extra[i + 1];
    settings[n] = NULL;
    kc_topic_writer *tw = kc_topic_writer_new(w, topic, client_id, settings, err);
    if (!tw) return NULL;
    tw->transactional = 1;
    rd_kafka_error_t *error = rd_kafka_init_transactions(tw->rk, (int)timeout_ms);
    if (error) {
        txn_failed(tw, "Initialising transactional id", error, err);
        kc_topic_writer_free(tw);
        return NULL;
    }
    return tw;
}

int kc_topic_writer_write(kc_topic_writer *tw, const char *const *keys, const char *const *values, size_t n,
                          kc_error *err) {
    pthread_mutex_lock(&tw->lock); /* one call's records at a time: the flush waits for them only */
    if (tw->transactional) {
        rd_kafka_error_t *error = rd_kafka_begin_transaction(tw->rk);
        if (error) {
            int rc = txn_failed(tw, "Beginning a transaction", error, err);
            pthread_mutex_unlock(&tw->lock);
            return rc;
        }
    }
    rd_kafka_resp_err_t first = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (size_t i = 0; i < n && !first; i++) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            tw->rk, RD_KAFKA_V_TOPIC(tw->topic), RD_KAFKA_V_KEY(keys[i], strlen(keys[i])),
            RD_KAFKA_V_VALUE((void *)values[i], values[i] ? strlen(values[i]) : 0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&first), RD_KAFKA_V_END);
        if (e) first = e;
    }
    if (tw->transactional) { /* the commit flushes; a failed record fails it */
        rd_kafka_error_t *error = first ? rd_kafka_abort_transaction(tw->rk, 30000) : rd_kafka_commit_transaction(tw->rk, 35000);
        int rc = error ? txn_failed(tw, first ? "Aborting a transaction" : "Committing a transaction", error, err)
                 : first ? kc_error_set(err, KC_ERETRY, "cannot write to topic %s: %s", tw->topic, rd_kafka_err2str(first))
                         : KC_OK;
        pthread_mutex_unlock(&tw->lock);
        return rc;
    }
    rd_kafka_resp_err_t fe = rd_kafka_flush(tw->rk, 35000);
    if (!first && fe) first = fe;
    pthread_mutex_unlock(&tw->lock);
    if (first)
        return kc_error_set(err, KC_ERETRY, "cannot write to topic %s: %s", tw->topic, rd_kafka_err2str(first));
    return KC_OK;
}

int kc_topic_log_fence(kc_worker *w, const char *transactional_id, int64_t timeout_ms, kc_error *err) {
    const char *settings[] = {"transactional.id", transactional_id, NULL};
    rd_kafka_t *rk = log_client(w, RD_KAFKA_PRODUCER, "kcd-fencer", settings, NULL, err);
    if (!rk) return err->code;
    rd_kafka_error_t *error = rd_kafka_init_transactions(rk, (int)timeout_ms);
    int rc = error ? kc_error_set(err, KC_ERETRY, "Fencing transactional id %s: %s", transactional_id,
                                  rd_kafka_error_string(error))
                   : KC_OK;
    if (error) rd_kafka_error_destroy(error);
    rd_kafka_destroy(rk);
    return rc;
}

int kc_topic_writer_write_fn(void *tw, const char *const *keys, const char *const *values, size_t n, kc_error *err) {
    return kc_topic_writer_write(tw, keys, values, n, err);
}

void kc_topic_writer_free(kc_topic_writer *tw) {
    if (!tw) return;
    rd_kafka_flush(tw->rk, 5000);
    rd_kafka_destroy(tw->rk);
    pthread_mutex_destroy(&tw->lock);
    free(tw->topic);
    free(tw);
}

int kc_topic_log_create(kc_worker *w, const char *topic, int partitions, int replication_factor, kc_error *err) {
    rd_kafka_t *rk = log_client(w, RD_KAFKA_PRODUCER, "kcd-topic-admin", NULL, NULL, err);
    if (!rk) return err->code;
    int rc = kc_kafka_create_topic(rk, topic, partitions, replication_factor, "compact", err);
    rd_kafka_destroy(rk);
    return rc;
}

/* The topic's cleanup.policy, from DescribeConfigs; *policy handed over. */
static int cleanup_policy(rd_kafka_t *rk, const char *topic, char **policy, kc_error *err) {
    *policy = NULL;
    rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DescribeConfigs(rk, &res, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    int rc = KC_OK;
    if (!ev) {
        rc = kc_error_set(err, KC_ERETRY, "topic %s: no answer to DescribeConfigs within 15 s", topic);
    } else if (rd_kafka_event_error(ev)) {
        rc = kc_error_set(err, KC_ERETRY, "topic %s: %s", topic, rd_kafka_event_error_string(ev));
    } else {
        size_t n = 0, nc = 0;
        const rd_kafka_ConfigResource_t **rs =
            rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
        if (n != 1 || rd_kafka_ConfigResource_error(rs[0])) {
            rc = kc_error_set(err, KC_ERETRY, "topic %s: %s", topic,
                              n == 1 ? rd_kafka_ConfigResource_error_string(rs[0]) : "no configs");
        } else {
            const rd_kafka_ConfigEntry_t **entries = rd_kafka_ConfigResource_configs(rs[0], &nc);
            for (size_t i = 0; i < nc; i++)
                if (!strcmp(rd_kafka_ConfigEntry_name(entries[i]), "cleanup.policy")) {
                    const char *v = rd_kafka_ConfigEntry_value(entries[i]);
                    if (!(*policy = strdup(v ? v : ""))) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
                }
            if (!rc && !*policy) rc = kc_error_set(err, KC_ERETRY, "topic %s: no cleanup.policy in its configs", topic);
        }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy(res);
    return rc;
}

int kc_topic_log_check(kc_worker *w, const char *topic, const char *key, const char *what, int want_partitions,
                       kc_error *err) {
    rd_kafka_t *rk = log_client(w, RD_KAFKA_PRODUCER, "kcd-topic-admin", NULL, NULL, err);
    if (!rk) return err->code;
    char *policy = NULL;
    int partitions = 0;
    int rc = cleanup_policy(rk, topic, &policy, err);
    /* a topic created a moment ago may take a few seconds to be known everywhere */
    for (int attempt = 0; rc == KC_ERETRY && attempt < 40; attempt++) {
        struct timespec ts = {0, 250 * 1000 * 1000};
        nanosleep(&ts, NULL);
        rc = cleanup_policy(rk, topic, &policy, err);
    }
    if (!rc && strcmp(policy, "compact"))
        rc = kc_error_set(err, KC_EFATAL, "topic %s (%s) has cleanup.policy=%s, where Connect requires compact "
                          "alone: deleting old segments would lose %s. Name a compacted topic in %s, or set the "
                          "topic's cleanup.policy to compact", topic, key, policy, what, key);
    if (!rc && want_partitions > 0 && !(rc = kc_topic_log_partitions(rk, topic, &partitions, err)) && partitions != want_partitions)
        rc = kc_error_set(err, KC_EFATAL, "topic %s (%s) has %d partitions, where Connect requires %d: its records "
                          "would be read out of order", topic, key, partitions, want_partitions);
    free(policy);
    rd_kafka_destroy(rk);
    return rc;
}

rd_kafka_t *kc_topic_log_consumer(kc_worker *w, const char *client_id, const char *const *extra, kc_error *err) {
    return log_client(w, RD_KAFKA_CONSUMER, client_id, extra, NULL, err);
}
