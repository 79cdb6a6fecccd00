/* source_task.c - WorkerSourceTask: poll -> transforms -> converters -> producer, with source
 * offsets stored only once the broker acknowledged that record and every earlier record of
 * the same source partition (Connect's SubmittedRecords).
 *
 * With exactly.once.source.support=enabled (ExactlyOnceWorkerSourceTask) the producer is
 * transactional: records and the offsets that follow them go to Kafka in one transaction, the
 * offsets onto the offsets topic, committed at the connector's transaction.boundary. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_converter_int.h"
#include "kc_log.h"
#include "kc_offset_topic.h"
#include "kc_value_int.h"
#include "kc_worker_int.h"

typedef struct partq partq;

/* One produced (or dropped) record waiting for its acknowledgement. */
typedef struct inflight {
    struct inflight *next;
    partq *q;       /* NULL: a record without source partition, tracked only for commit_record */
    kc_value offset;
    kc_record *rec; /* kept for the task's commit_record() until the acknowledgement */
    int acked;
} inflight;

/* Records of one source partition, in poll order. */
struct partq {
    kc_value partition;
    inflight *head, *tail;
    kc_value committable; /* offset of the last record of the acknowledged prefix */
    int advanced;         /* committable changed since the last commit */
};

typedef struct source_run {
    kc_task *t;
    const kc_source_task_ops *ops;
    void *state;
    rd_kafka_t *producer;
    int64_t buffer_share; /* the producer's buffer, taken from tasks.buffer.max.bytes (0: none) */
    partq **qs; /* each allocated once: inflight entries point at them */
    size_t nq, capq;
    size_t outstanding; /* produced, not yet acknowledged */
    int64_t delivered;  /* records Kafka acknowledged (source-record-write-total) */
    int produce_failed;
    char produce_error[512];
    /* the last record's topic, tracked (and, embedded, created); a handle made with
     * rd_kafka_topic_new, which asks for the topic's metadata at once: producev given a name the
     * producer has not seen waits for librdkafka's 1 s timer to ask (a new task's first records
     * sat up to a second) */
    rd_kafka_topic_t *last_topic;
    /* the topic of the last acknowledged record: named in GET .../topics once Kafka took a
     * record for it, as Connect does (recordActiveTopic in its send callback) */
    kc_topic_note acked_topic;
    int tolerate_all, log_errors; /* errors.tolerance=all, errors.log.enable */
    int64_t skipped;
    /* exactly-once */
    int eos;                       /* transactional producer, offsets in the transaction */
    enum { BOUNDARY_POLL, BOUNDARY_INTERVAL, BOUNDARY_CONNECTOR } boundary;
    int64_t boundary_interval_ms;  /* transaction.boundary=interval */
    const char *offsets_topic;     /* the worker's offsets topic */
    const char *conn_offsets_topic; /* offsets.storage.topic of the connector (a mirror), or NULL */
    int in_txn;
    int aborting; /* delivery reports of an aborted transaction's records are not failures */
    int64_t txn_records;
} source_run;

static void commit_record(source_run *s, kc_record *r, int32_t partition, int64_t offset) {
    kc_error err;
    if (s->ops->commit_record(s->state, r, partition, offset, &err))
        KC_WARN(s->t->ctx.logger, "Task commit_record() failed: %s", err.msg);
}

/* Lets go of an entry's record; an entry in no queue (kept only for commit_record) goes with
 * it. Returns the entry, or NULL when it was freed (or was NULL). */
static inflight *drop_record(inflight *e) {
    if (!e) return NULL;
    if (e->rec) {
        kc_record_release(e->rec);
        e->rec = NULL;
    }
    if (e->q) return e;
    free(e);
    return NULL;
}

/* A record that will not be sent (dropped by a transform, skipped by errors.tolerance): its
 * offset is committable at once, as in Connect, and commit_record() hears of it with -1, -1. */
static void settle_unsent(source_run *s, inflight *e) {
    if (e && e->rec) commit_record(s, e->rec, -1, -1);
    if ((e = drop_record(e))) e->acked = 1;
}

/* errors.tolerance: with all, a record failing a stage is logged and skipped, its offset
 * committable like a dropped record's; with none, the task fails. Returns the task's rc. */
static int stage_failed(source_run *s, inflight *e, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int stage_failed(source_run *s, inflight *e, int rc, const char *fmt, ...) {
    char msg[KC_ERROR_MSG_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kc_metrics_task_error(s->t->metrics, s->tolerate_all && rc != KC_ENOMEM, s->log_errors);
    if (!s->tolerate_all || rc == KC_ENOMEM) {
        kc_task_fail(s->t, "%s", msg);
        drop_record(e); /* an entry in a queue stays there, its offset never committable */
        return rc;
    }
    s->skipped++;
    if (s->log_errors) KC_ERROR(s->t->ctx.logger, "Error encountered in task, record skipped: %s", msg);
    settle_unsent(s, e);
    return KC_OK;
}

static partq *queue_for(source_run *s, const kc_value *partition) {
    for (size_t i = s->nq; i-- > 0;)
        if (kc_value_equal(&s->qs[i]->partition, partition)) return s->qs[i];
    if (s->nq == s->capq) {
        size_t ncap = s->capq ? s->capq * 2 : 8;
        partq **p = realloc(s->qs, ncap * sizeof *p);
        if (!p) return NULL;
        s->qs = p;
        s->capq = ncap;
    }
    partq *q = calloc(1, sizeof *q);
    if (!q || kc_value_copy(&q->partition, partition)) {
        free(q);
        return NULL;
    }
    s->qs[s->nq++] = q;
    return q;
}

/* Appends the record's offset to its partition queue; returns the entry, or NULL when the
 * record carries no source partition and the task has no commit_record(). */
static int track(source_run *s, kc_record *r, inflight **out) {
    *out = NULL;
    int want_record = s->ops->commit_record && !s->eos;
    if (r->source_partition.type == KC_VAL_NULL && !want_record) return KC_OK;
    partq *q = NULL;
    if (r->source_partition.type != KC_VAL_NULL && !(q = queue_for(s, &r->source_partition))) return KC_ENOMEM;
    inflight *e = calloc(1, sizeof *e);
    if (!e) return KC_ENOMEM;
    if (want_record) e->rec = kc_record_retain(r);
    if (q) {
        e->q = q;
        e->offset = r->source_offset;
        memset(&r->source_offset, 0, sizeof r->source_offset);
        if (q->tail) q->tail->next = e;
        else q->head = e;
        q->tail = e;
    }
    *out = e;
    return KC_OK;
}

/* The opaque of the offsets an exactly-once task writes in its transactions: not records. */
static char OFFSETS_MESSAGE;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    source_run *s = opaque;
    int offsets_message = m->_private == &OFFSETS_MESSAGE;
    inflight *e = offsets_message ? NULL : m->_private;
    s->outstanding--;
    if (!m->err && !offsets_message) {
        s->delivered++;
        kc_connector_note_topic(s->t->conn, &s->acked_topic, rd_kafka_topic_name(m->rkt));
    }
    if (e && e->rec && !m->err) commit_record(s, e->rec, m->partition, m->offset);
    e = drop_record(e);
    if (m->err && s->aborting) return;
    if (m->err) {
        if (!s->produce_failed && !kc_task_should_stop(s->t))
            snprintf(s->produce_error, sizeof s->produce_error,
                     "Unrecoverable exception from producer send callback: topic %s: %s",
                     rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
        s->produce_failed = 1;
        return;
    }
    if (e) e->acked = 1;
}

/* Moves the acknowledged prefix of every partition into its committable offset, freeing the
 * entries at once so memory stays bounded by what is in flight, not by the flush interval. */
static void collect_acked(source_run *s) {
    for (size_t i = 0; i < s->nq; i++) {
        partq *q = s->qs[i];
        while (q->head && q->head->acked) {
            inflight *e = q->head;
            q->head = e->next;
            if (!q->head) q->tail = NULL;
            kc_value_clear(&q->committable);
            q->committable = e->offset;
            q->advanced = 1;
            free(e);
        }
    }
}

static void task_commit(source_run *s) {
    kc_error err;
    if (s->ops->commit && s->ops->commit(s->state, &err)) KC_WARN(s->t->ctx.logger, "Task commit() failed: %s", err.msg);
}

/* Stores the committable offsets (then calls the task's commit()). */
static int commit_offsets(source_run *s) {
    kc_task *t = s->t;
    kc_offset_store *store = t->conn->worker->offsets;
    int any = 0;
    int64_t began = kc_now_us();
    collect_acked(s);
    for (size_t i = 0; i < s->nq; i++) {
        partq *q = s->qs[i];
        if (q->advanced && store) {
            if (kc_offset_store_put(store, t->conn->name, &q->partition, &q->committable)) return KC_ENOMEM;
            q->advanced = 0;
            any = 1;
        }
    }
    if (any && store) {
        kc_error err;
        if (kc_offset_store_flush(store, &err)) {
            KC_ERROR(t->ctx.logger, "Failed to commit offsets: %s", err.msg);
            kc_metrics_task_commit(t->metrics, 0, 0);
            return KC_EIO;
        }
        KC_DEBUG(t->ctx.logger, "Committed offsets");
    }
    task_commit(s);
    kc_metrics_task_commit(t->metrics, 1, kc_now_us() - began);
    return KC_OK;
}

/* ---- exactly-once: transactions ----------------------------------------------------------- */

/* Fails the task with librdkafka's error; KC_EFATAL. */
static int txn_failed(source_run *s, const char *what, rd_kafka_error_t *error) {
    kc_task_fail(s->t, "%s failed: %s%s", what, rd_kafka_error_string(error),
                 rd_kafka_error_is_fatal(error) ? " (fatal: another instance of this task may have fenced it)" : "");
    rd_kafka_error_destroy(error);
    return KC_EFATAL;
}

static int txn_begin(source_run *s) {
    if (s->in_txn) return KC_OK;
    rd_kafka_error_t *error = rd_kafka_begin_transaction(s->producer);
    if (error) return txn_failed(s, "Beginning a transaction", error);
    s->in_txn = 1;
    s->txn_records = 0;
    return KC_OK;
}

/* Adds the offsets of the records sent in this transaction to it, then commits it; only then
 * do they count as committed (in memory, for offset_read and REST). */
static int txn_commit(source_run *s) {
    kc_task *t = s->t;
    int64_t began = kc_now_us();
    collect_acked(s);
    if (!s->in_txn) { /* records dropped or skipped without one sent still move their offsets */
        size_t i = 0;
        while (i < s->nq && !s->qs[i]->advanced) i++;
        if (i == s->nq) return KC_OK;
        if (txn_begin(s)) return KC_EFATAL;
    }
    for (size_t i = 0; i < s->nq; i++) {
        partq *q = s->qs[i];
        if (!q->advanced) continue;
        char *key = kc_offset_store_key(t->conn->name, &q->partition);
        kc_buf b = KC_BUF_INIT;
        kc_json_write_value(&b, &q->committable);
        if (!key || b.failed) {
            free(key);
            kc_buf_free(&b);
            kc_task_fail(t, "out of memory writing offsets");
            return KC_ENOMEM;
        }
        const char *topics[2] = {s->offsets_topic, s->conn_offsets_topic};
        for (int k = 0; k < 2; k++) {
            if (!topics[k] || (k == 1 && !strcmp(topics[1], topics[0]))) continue;
            rd_kafka_resp_err_t perr;
            while ((perr = rd_kafka_producev(s->producer, RD_KAFKA_V_TOPIC(topics[k]),
                                             RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(b.data, b.len),
                                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                             RD_KAFKA_V_OPAQUE(&OFFSETS_MESSAGE), RD_KAFKA_V_END)) ==
                   RD_KAFKA_RESP_ERR__QUEUE_FULL)
                rd_kafka_poll(s->producer, 100);
            if (perr) {
                free(key);
                kc_buf_free(&b);
                kc_task_fail(t, "Failed to write offsets to %s: %s", topics[k], rd_kafka_err2str(perr));
                return KC_EFATAL;
            }
            s->outstanding++;
        }
        free(key);
        kc_buf_free(&b);
    }
    rd_kafka_error_t *error;
    for (;;) {
        error = rd_kafka_commit_transaction(s->producer, -1);
        if (!error) break;
        if (rd_kafka_error_is_retriable(error) && !kc_task_should_stop(t)) {
            KC_WARN(t->ctx.logger, "Committing the transaction, retrying: %s", rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
            continue;
        }
        if (rd_kafka_error_txn_requires_abort(error)) {
            rd_kafka_error_t *aerr = rd_kafka_abort_transaction(s->producer, -1);
            if (aerr) rd_kafka_error_destroy(aerr);
            s->in_txn = 0;
            /* its records are gone from the topic; the offsets committed before them stand, so a
             * restart of the task (REST) produces them again */
            return txn_failed(s, "Committing the transaction (aborted; restart the task to resume from the last "
                                 "committed offsets)", error);
        }
        return txn_failed(s, "Committing the transaction", error);
    }
    s->in_txn = 0;
    kc_offset_store *store = t->conn->worker->offsets;
    for (size_t i = 0; i < s->nq; i++) {
        partq *q = s->qs[i];
        if (!q->advanced) continue;
        q->advanced = 0;
        if (store && kc_offset_store_put_durable(store, t->conn->name, &q->partition, &q->committable)) {
            kc_task_fail(t, "out of memory recording offsets");
            return KC_ENOMEM;
        }
    }
    KC_DEBUG(t->ctx.logger, "Committed a transaction of %lld records", (long long)s->txn_records);
    kc_metrics_task_transaction(t->metrics, s->txn_records);
    kc_metrics_task_commit(t->metrics, 1, kc_now_us() - began);
    task_commit(s);
    return KC_OK;
}

/* The task asked for an abort: its records are discarded and their offsets never committed. */
static int txn_abort(source_run *s) {
    if (!s->in_txn) return KC_OK;
    /* send what is queued first: aborting right after producing can fail with a fatal
     * INVALID_TXN_STATE from the broker (librdkafka issue #4849); a flushed transaction aborts */
    rd_kafka_flush(s->producer, 60000);
    s->aborting = 1;
    rd_kafka_error_t *error = rd_kafka_abort_transaction(s->producer, -1);
    /* the purged records report back with errors: serve those reports while they are expected */
    for (int i = 0; i < 100 && s->outstanding; i++) rd_kafka_poll(s->producer, 10);
    s->aborting = 0;
    if (error) return txn_failed(s, "Aborting the transaction", error);
    s->in_txn = 0;
    collect_acked(s);
    for (size_t i = 0; i < s->nq; i++) s->qs[i]->advanced = 0;
    KC_INFO(s->t->ctx.logger, "Aborted a transaction of %lld records at the task's request", (long long)s->txn_records);
    return KC_OK;
}

/* Fences earlier instances of this task (a kcd killed mid-transaction) by initialising the
 * transactional id, then reads the connector's committed offsets to the topic's end. */
static int eos_start(source_run *s) {
    kc_task *t = s->t;
    kc_error err;
    rd_kafka_error_t *error;
    while ((error = rd_kafka_init_transactions(s->producer, 60000))) {
        if (!rd_kafka_error_is_retriable(error) || kc_task_should_stop(t))
            return txn_failed(s, "Initialising the transactional producer", error);
        KC_WARN(t->ctx.logger, "Initialising the transactional producer, retrying: %s", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    }
    int64_t timeout = 120000;
    if (kc_offset_topic_read(t->conn->worker, t->conn->name, 1, timeout, t->conn->worker->offsets, &err)) {
        kc_task_fail(t, "Reading the committed offsets from topic %s: %s", s->offsets_topic, err.msg);
        return KC_EFATAL;
    }
    return KC_OK;
}

/* The record's headers through the header converter, each value alone (Connect's
 * HeaderConverter.fromConnectHeader); *out stays NULL for a record without headers. */
static int convert_headers(kc_task *t, const kc_record *r, rd_kafka_headers_t **out, kc_error *err) {
    *out = NULL;
    if (!r->nheaders) return KC_OK;
    rd_kafka_headers_t *h = rd_kafka_headers_new(r->nheaders);
    for (size_t i = 0; i < r->nheaders; i++) {
        const kc_header *hd = &r->headers[i];
        uint8_t *bytes = NULL;
        size_t len = 0;
        int rc = kc_converter_from_connect(&t->header_conv, &t->chain.retry, r->topic, hd->schema, &hd->value, &bytes,
                                           &len, err);
        if (rc) {
            rd_kafka_headers_destroy(h);
            char cause[sizeof err->msg];
            snprintf(cause, sizeof cause, "%s", err->msg);
            return kc_error_set(err, rc, "header '%s': %s", hd->key, cause);
        }
        rd_kafka_header_add(h, hd->key, -1, bytes, bytes ? (ssize_t)len : 0);
        free(bytes);
    }
    *out = h;
    return KC_OK;
}

/* Converts and produces one record; KC_OK, or an error after kc_task_fail. */
static int send_record(source_run *s, kc_record *r) {
    kc_task *t = s->t;
    kc_error err;
    inflight *e = NULL;
    if (track(s, r, &e)) {
        kc_task_fail(t, "out of memory tracking offsets");
        return KC_ENOMEM;
    }
    int rc = kc_transform_chain_apply(&t->chain, r, &err);
    if (rc < 0) return stage_failed(s, e, rc, "Error in stage TRANSFORMATION for a record to topic %s: %s",
                                    r->topic ? r->topic : "?", err.msg);
    if (rc == KC_DROP) {
        settle_unsent(s, e); /* a dropped record's offset is committable, as in Connect */
        return KC_OK;
    }
    if (!r->topic) {
        settle_unsent(s, e);
        kc_task_fail(t, "Source record has no topic");
        return KC_EINVAL;
    }
    if (!s->last_topic || strcmp(rd_kafka_topic_name(s->last_topic), r->topic)) {
        kc_worker_embedded_topic(t->conn->worker, r->topic);
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(s->producer, r->topic, NULL);
        if (!rkt) {
            settle_unsent(s, e);
            kc_task_fail(t, "Cannot produce to topic %s: %s", r->topic, rd_kafka_err2str(rd_kafka_last_error()));
            return KC_EFATAL;
        }
        if (s->last_topic) rd_kafka_topic_destroy(s->last_topic);
        s->last_topic = rkt;
    }
    uint8_t *key = NULL, *val = NULL;
    size_t klen = 0, vlen = 0;
    rc = kc_converter_from_connect(&t->key_conv, &t->chain.retry, r->topic, r->key_schema, &r->key, &key, &klen, &err);
    if (rc)
        return stage_failed(s, e, rc, "Error in stage KEY_CONVERTER (%s) for a record to topic %s: %s",
                            kc_plugin_class(t->key_conv.plugin), r->topic, err.msg);
    rc = kc_converter_from_connect(&t->value_conv, &t->chain.retry, r->topic, r->value_schema, &r->value, &val,
                                   &vlen, &err);
    if (rc) {
        free(key);
        return stage_failed(s, e, rc, "Error in stage VALUE_CONVERTER (%s) for a record to topic %s: %s",
                            kc_plugin_class(t->value_conv.plugin), r->topic, err.msg);
    }
    rd_kafka_headers_t *hdrs = NULL;
    if ((rc = convert_headers(t, r, &hdrs, &err))) {
        free(key);
        free(val);
        return stage_failed(s, e, rc, "Error in stage HEADER_CONVERTER (%s) for a record to topic %s: %s",
                            kc_plugin_class(t->header_conv.plugin), r->topic, err.msg);
    }
    if (s->eos && txn_begin(s)) {
        free(key);
        free(val);
        if (hdrs) rd_kafka_headers_destroy(hdrs);
        return KC_EFATAL;
    }
    /* exactly-once: the transaction's commit, not each acknowledgement, makes offsets final */
    void *opaque = e;
    if (s->eos) {
        if (e) e->acked = 1;
        opaque = NULL;
        s->txn_records++;
    }
    for (;;) {
        rd_kafka_resp_err_t perr = rd_kafka_producev(
            s->producer, RD_KAFKA_V_RKT(s->last_topic),
            RD_KAFKA_V_PARTITION(r->partition >= 0 ? r->partition : RD_KAFKA_PARTITION_UA),
            RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE(val, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
            RD_KAFKA_V_TIMESTAMP(r->timestamp >= 0 ? r->timestamp : 0), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
        if (perr == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (perr == RD_KAFKA_RESP_ERR__QUEUE_FULL) { /* back-pressure: wait for acknowledgements */
            rd_kafka_poll(s->producer, 100);
            continue;
        }
        free(key);
        free(val);
        if (hdrs) rd_kafka_headers_destroy(hdrs);
        drop_record(e);
        kc_task_fail(t, "Failed to produce to topic %s: %s", r->topic, rd_kafka_err2str(perr));
        return KC_EFATAL;
    }
    free(key);
    s->outstanding++;
    return KC_OK;
}

/* What the delivery reports counted, into the task's metrics (once per poll round). */
static void publish_counts(source_run *s) {
    kc_task_metrics *tm = s->t->metrics;
    if (!tm) return;
    KC_METRIC_SET(tm->totals.written, s->delivered);
    KC_METRIC_SET(tm->active, s->outstanding);
    kc_metric_max(&tm->active_max, (int64_t)s->outstanding);
}

static void drain_queues(source_run *s) {
    for (size_t i = 0; i < s->nq; i++) {
        inflight *e = s->qs[i]->head;
        while (e) {
            inflight *n = e->next;
            kc_value_clear(&e->offset);
            if (e->rec) kc_record_release(e->rec);
            free(e);
            e = n;
        }
        kc_value_clear(&s->qs[i]->partition);
        kc_value_clear(&s->qs[i]->committable);
        free(s->qs[i]);
    }
    free(s->qs);
}

/* Exactly-once settings of the task: worker exactly.once.source.support=enabled. */
static int eos_configure(source_run *s, rd_kafka_conf_t *conf, kc_error *err) {
    kc_task *t = s->t;
    kc_worker *w = t->conn->worker;
    if (!kc_worker_exactly_once(&w->config)) return KC_OK;
    s->eos = 1;
    s->offsets_topic = kc_offset_topic_name(w);
    s->conn_offsets_topic = kc_config_get(&t->conn->config, "offsets.storage.topic");
    const char *b = kc_config_get(&t->conn->config, "transaction.boundary");
    s->boundary = b && !strcasecmp(b, "interval")    ? BOUNDARY_INTERVAL
                  : b && !strcasecmp(b, "connector") ? BOUNDARY_CONNECTOR
                                                     : BOUNDARY_POLL;
    s->boundary_interval_ms = w->flush_interval_ms;
    kc_config_get_long(&t->conn->config, "transaction.boundary.interval.ms", &s->boundary_interval_ms);
    t->ctx.txn_by_connector = s->boundary == BOUNDARY_CONNECTOR;
    char txid[600], errstr[512], timeout[32];
    kc_task_transactional_id(w, t->conn->name, t->id, txid, sizeof txid);
    size_t tlen = sizeof timeout;
    if (rd_kafka_conf_get(conf, "transaction.timeout.ms", timeout, &tlen) != RD_KAFKA_CONF_OK)
        snprintf(timeout, sizeof timeout, "60000");
    /* librdkafka wants message.timeout.ms <= transaction.timeout.ms (Connect's producer
     * default, delivery.timeout.ms = MAX, does not apply to a transaction) */
    if (rd_kafka_conf_set(conf, "transactional.id", txid, errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "message.timeout.ms", timeout, errstr, sizeof errstr))
        return kc_error_set(err, KC_EINVAL, "exactly-once producer: %s", errstr);
    return KC_OK;
}

/* Ends the open transaction where the connector's transaction.boundary says so. */
static int eos_boundary(source_run *s, int64_t *next_txn) {
    switch (s->boundary) {
    case BOUNDARY_POLL: return txn_commit(s);
    case BOUNDARY_INTERVAL:
        if (kc_now_ms() < *next_txn) return KC_OK;
        *next_txn = kc_now_ms() + s->boundary_interval_ms;
        return txn_commit(s);
    case BOUNDARY_CONNECTOR: break;
    }
    return KC_OK;
}

/* transaction.boundary=connector: acts on what the task asked, after `sent` (or the batch). */
static int connector_boundary(source_run *s, const kc_record *sent) {
    kc_task_ctx *c = &s->t->ctx;
    if (!c->txn_by_connector) return KC_OK;
    if (sent ? c->txn_abort_after == sent : c->txn_abort_batch) {
        c->txn_abort_after = NULL;
        c->txn_abort_batch = 0;
        return txn_abort(s);
    }
    if (sent ? c->txn_commit_after == sent : c->txn_commit_batch) {
        c->txn_commit_after = NULL;
        c->txn_commit_batch = 0;
        return txn_commit(s);
    }
    return KC_OK;
}

void *kc_source_task_run(void *arg) {
    kc_task *t = arg;
    kc_worker *w = t->conn->worker;
    source_run s = {.t = t, .ops = t->conn->plugin->desc->source};
    kc_error err;
    char client_id[256], errstr[512];
    snprintf(client_id, sizeof client_id, "connector-producer-%s-%d", t->conn->name, t->id);
    rd_kafka_conf_t *conf = kc_kafka_conf(w, &t->conn->config, "producer.", "producer.override.", client_id, &err);
    if (!conf) {
        kc_task_fail(t, "%s", err.msg);
        goto done;
    }
    s.buffer_share = kc_worker_buffer_take(w, conf, &t->conn->config, 0);
    if (eos_configure(&s, conf, &err)) {
        rd_kafka_conf_destroy(conf);
        kc_task_fail(t, "%s", err.msg);
        goto done;
    }
    rd_kafka_conf_set_opaque(conf, &s);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    kc_kafka_conf_task_statistics(conf);
    const char *tol = kc_config_get(&t->conn->config, "errors.tolerance");
    s.tolerate_all = tol && !strcasecmp(tol, "all");
    kc_config_get_bool(&t->conn->config, "errors.log.enable", &s.log_errors);
    s.producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!s.producer) {
        rd_kafka_conf_destroy(conf);
        kc_task_fail(t, "Failed to create producer: %s", errstr);
        goto done;
    }
    if (s.eos && eos_start(&s)) goto destroy;
    int start_rc = s.ops->start(&t->config, &t->ctx, &s.state, &err);
    if (start_rc) {
        kc_task_fail_code(t, start_rc, "Task start failed: %s", err.msg);
        goto destroy;
    }
    kc_task_started(t);
    KC_INFO(t->ctx.logger, "Source task started%s", s.eos ? " (exactly-once: transactional producer)" : "");

    kc_records batch = {0};
    int64_t next_commit = kc_now_ms() + w->flush_interval_ms;
    int64_t next_txn = kc_now_ms() + s.boundary_interval_ms;
    while (!kc_task_should_stop(t) && kc_task_alive(t)) {
        rd_kafka_poll(s.producer, 0);
        collect_acked(&s);
        if (s.produce_failed) {
            kc_task_fail(t, "%s", s.produce_error);
            break;
        }
        if (kc_task_paused(t)) { /* paused: deliver what is in flight, poll nothing new */
            if (t->state != KC_STATE_PAUSED) {
                if (s.eos && txn_commit(&s)) break;
                kc_task_set_state(t, KC_STATE_PAUSED);
                KC_INFO(t->ctx.logger, "Source task paused");
            }
            rd_kafka_poll(s.producer, 100);
            if (!s.eos && kc_now_ms() >= next_commit) {
                commit_offsets(&s);
                next_commit = kc_now_ms() + w->flush_interval_ms;
            }
            continue;
        }
        if (t->state == KC_STATE_PAUSED) {
            kc_task_set_state(t, KC_STATE_RUNNING);
            KC_INFO(t->ctx.logger, "Source task resumed");
        }
        if (!kc_worker_lease_held(w)) { /* the group may have moved this task: produce nothing new */
            rd_kafka_poll(s.producer, 50);
            continue;
        }
        int64_t poll_began = kc_now_us();
        int rc = s.ops->poll(s.state, &batch, 100, &err);
        if (batch.len) {
            kc_metrics_task_read(t->metrics, (int64_t)batch.len);
            kc_metrics_task_batch(t->metrics, (int64_t)batch.len, kc_now_us() - poll_began);
        }
        /* a retry keeps what poll() handed over before it (sent below, then a backoff): a
         * live source has moved past those records and would not give them again */
        int backoff = rc == KC_ERETRY;
        if (backoff) {
            KC_WARN(t->ctx.logger, "poll() asked to retry%s: %s", batch.len ? " after handing over records" : "",
                    err.msg);
        } else if (rc) {
            kc_records_clear(&batch);
            kc_task_fail_code(t, rc, "poll() failed: %s", err.msg);
            break;
        }
        for (size_t i = 0; i < batch.len && kc_task_alive(t); i++) {
            send_record(&s, batch.items[i]);
            if (t->ctx.txn_by_connector && kc_task_alive(t)) connector_boundary(&s, batch.items[i]);
        }
        kc_records_clear(&batch);
        publish_counts(&s);
        if (backoff) usleep(100 * 1000);
        if (s.eos) {
            if (kc_task_alive(t)) t->ctx.txn_by_connector ? connector_boundary(&s, NULL) : eos_boundary(&s, &next_txn);
        } else if (kc_now_ms() >= next_commit) {
            rd_kafka_poll(s.producer, 0);
            commit_offsets(&s);
            next_commit = kc_now_ms() + w->flush_interval_ms;
        }
    }
    kc_records_free(&batch);

    if (s.eos) {
        /* Stopping: commit the open transaction, as Connect does on a graceful stop */
        if (kc_task_alive(t)) txn_commit(&s);
    } else {
        /* Stopping: wait for outstanding acknowledgements within the graceful timeout, then store
         * what was acknowledged. Unacknowledged records keep their offsets uncommitted. */
        rd_kafka_flush(s.producer, (int)w->shutdown_timeout_ms);
        commit_offsets(&s);
        if (s.outstanding)
            KC_WARN(t->ctx.logger, "%zu records were not acknowledged before shutdown; their offsets are not committed",
                    s.outstanding);
    }
    publish_counts(&s);
    if (s.ops->stop) s.ops->stop(s.state);
destroy:
    if (s.last_topic) rd_kafka_topic_destroy(s.last_topic);
    rd_kafka_purge(s.producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(s.producer, 0);
    rd_kafka_destroy(s.producer);
    kc_topic_note_free(&s.acked_topic); /* delivery reports may come until the producer is gone */
done:
    kc_worker_buffer_return(w, s.buffer_share);
    drain_queues(&s);
    if (s.skipped) KC_INFO(t->ctx.logger, "%lld records skipped by errors.tolerance=all", (long long)s.skipped);
    if (kc_task_alive(t)) kc_task_set_state(t, KC_STATE_UNASSIGNED);
    KC_INFO(t->ctx.logger, "Source task stopped");
    return NULL;
}
