/* source_task.c - WorkerSourceTask: poll -> transforms -> converters -> producer, with source
 * offsets stored only once the broker acknowledged that record and every earlier record of
 * the same source partition (Connect's SubmittedRecords). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kc_log.h"
#include "kc_value_int.h"
#include "kc_worker_int.h"

typedef struct partq partq;

/* One produced (or dropped) record waiting for its acknowledgement. */
typedef struct inflight {
    struct inflight *next;
    partq *q;
    kc_value offset;
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
    partq **qs; /* each allocated once: inflight entries point at them */
    size_t nq, capq;
    size_t outstanding; /* produced, not yet acknowledged */
    int produce_failed;
    char produce_error[512];
    char *last_topic; /* the last topic tracked (and, embedded, created) */
    int tolerate_all, log_errors; /* errors.tolerance=all, errors.log.enable */
    int64_t skipped;
} source_run;

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
    if (!s->tolerate_all || rc == KC_ENOMEM) {
        kc_task_fail(s->t, "%s", msg);
        return rc;
    }
    s->skipped++;
    if (s->log_errors) KC_ERROR(s->t->ctx.logger, "Error encountered in task, record skipped: %s", msg);
    if (e) e->acked = 1;
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

/* Appends the record's offset to its partition queue; returns the entry or NULL when the
 * record carries no source partition (nothing to commit for it). */
static int track(source_run *s, kc_record *r, inflight **out) {
    *out = NULL;
    if (r->source_partition.type == KC_VAL_NULL) return KC_OK;
    partq *q = queue_for(s, &r->source_partition);
    if (!q) return KC_ENOMEM;
    inflight *e = calloc(1, sizeof *e);
    if (!e) return KC_ENOMEM;
    e->q = q;
    e->offset = r->source_offset;
    memset(&r->source_offset, 0, sizeof r->source_offset);
    if (q->tail) q->tail->next = e;
    else q->head = e;
    q->tail = e;
    *out = e;
    return KC_OK;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    source_run *s = opaque;
    inflight *e = m->_private;
    s->outstanding--;
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

/* Stores the committable offsets (then calls the task's commit()). */
static int commit_offsets(source_run *s) {
    kc_task *t = s->t;
    kc_offset_store *store = t->conn->worker->offsets;
    int any = 0;
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
            return KC_EIO;
        }
        KC_DEBUG(t->ctx.logger, "Committed offsets");
    }
    if (s->ops->commit) {
        kc_error err;
        if (s->ops->commit(s->state, &err)) KC_WARN(t->ctx.logger, "Task commit() failed: %s", err.msg);
    }
    return KC_OK;
}

static rd_kafka_headers_t *convert_headers(const kc_record *r) {
    if (!r->nheaders) return NULL;
    rd_kafka_headers_t *h = rd_kafka_headers_new(r->nheaders);
    for (size_t i = 0; i < r->nheaders; i++) {
        const kc_value *v = &r->headers[i].value;
        if (v->type == KC_VAL_NULL) {
            rd_kafka_header_add(h, r->headers[i].key, -1, NULL, 0);
        } else if (v->type == KC_VAL_STRING || v->type == KC_VAL_BYTES) {
            rd_kafka_header_add(h, r->headers[i].key, -1, v->u.str.ptr, (ssize_t)v->u.str.len);
        } else { /* SimpleHeaderConverter writes other values as their text */
            char *text = kc_value_to_text(v);
            rd_kafka_header_add(h, r->headers[i].key, -1, text, text ? (ssize_t)strlen(text) : 0);
            free(text);
        }
    }
    return h;
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
        if (e) e->acked = 1; /* a dropped record's offset is committable, as in Connect */
        return KC_OK;
    }
    if (!r->topic) {
        kc_task_fail(t, "Source record has no topic");
        return KC_EINVAL;
    }
    if (!s->last_topic || strcmp(s->last_topic, r->topic)) {
        kc_worker_embedded_topic(t->conn->worker, r->topic);
        kc_connector_track_topic(t->conn, r->topic);
        free(s->last_topic);
        s->last_topic = strdup(r->topic);
    }
    uint8_t *key = NULL, *val = NULL;
    size_t klen = 0, vlen = 0;
    rc = t->key_conv.plugin->desc->converter->from_connect(t->key_conv.state, r->topic, r->key_schema, &r->key,
                                                            &key, &klen, &err);
    if (rc)
        return stage_failed(s, e, rc, "Error in stage KEY_CONVERTER (%s) for a record to topic %s: %s",
                            kc_plugin_class(t->key_conv.plugin), r->topic, err.msg);
    rc = t->value_conv.plugin->desc->converter->from_connect(t->value_conv.state, r->topic, r->value_schema,
                                                              &r->value, &val, &vlen, &err);
    if (rc) {
        free(key);
        return stage_failed(s, e, rc, "Error in stage VALUE_CONVERTER (%s) for a record to topic %s: %s",
                            kc_plugin_class(t->value_conv.plugin), r->topic, err.msg);
    }
    rd_kafka_headers_t *hdrs = convert_headers(r);
    for (;;) {
        rd_kafka_resp_err_t perr = rd_kafka_producev(
            s->producer, RD_KAFKA_V_TOPIC(r->topic),
            RD_KAFKA_V_PARTITION(r->partition >= 0 ? r->partition : RD_KAFKA_PARTITION_UA),
            RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE(val, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
            RD_KAFKA_V_TIMESTAMP(r->timestamp >= 0 ? r->timestamp : 0), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_OPAQUE(e), RD_KAFKA_V_END);
        if (perr == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (perr == RD_KAFKA_RESP_ERR__QUEUE_FULL) { /* back-pressure: wait for acknowledgements */
            rd_kafka_poll(s->producer, 100);
            continue;
        }
        free(key);
        free(val);
        if (hdrs) rd_kafka_headers_destroy(hdrs);
        kc_task_fail(t, "Failed to produce to topic %s: %s", r->topic, rd_kafka_err2str(perr));
        return KC_EFATAL;
    }
    free(key);
    s->outstanding++;
    return KC_OK;
}

static void drain_queues(source_run *s) {
    for (size_t i = 0; i < s->nq; i++) {
        inflight *e = s->qs[i]->head;
        while (e) {
            inflight *n = e->next;
            kc_value_clear(&e->offset);
            free(e);
            e = n;
        }
        kc_value_clear(&s->qs[i]->partition);
        kc_value_clear(&s->qs[i]->committable);
        free(s->qs[i]);
    }
    free(s->qs);
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
    rd_kafka_conf_set_opaque(conf, &s);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    const char *tol = kc_config_get(&t->conn->config, "errors.tolerance");
    s.tolerate_all = tol && !strcasecmp(tol, "all");
    kc_config_get_bool(&t->conn->config, "errors.log.enable", &s.log_errors);
    s.producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!s.producer) {
        rd_kafka_conf_destroy(conf);
        kc_task_fail(t, "Failed to create producer: %s", errstr);
        goto done;
    }
    if (s.ops->start(&t->config, &t->ctx, &s.state, &err)) {
        kc_task_fail(t, "Task start failed: %s", err.msg);
        goto destroy;
    }
    __atomic_store_n(&t->state, KC_STATE_RUNNING, __ATOMIC_RELEASE);
    KC_INFO(t->ctx.logger, "Source task started");

    kc_records batch = {0};
    int64_t next_commit = kc_now_ms() + w->flush_interval_ms;
    while (!kc_task_should_stop(t) && kc_task_alive(t)) {
        rd_kafka_poll(s.producer, 0);
        collect_acked(&s);
        if (s.produce_failed) {
            kc_task_fail(t, "%s", s.produce_error);
            break;
        }
        if (kc_task_paused(t)) { /* paused: deliver what is in flight, poll nothing new */
            if (t->state != KC_STATE_PAUSED) {
                __atomic_store_n(&t->state, KC_STATE_PAUSED, __ATOMIC_RELEASE);
                KC_INFO(t->ctx.logger, "Source task paused");
            }
            rd_kafka_poll(s.producer, 100);
            if (kc_now_ms() >= next_commit) {
                commit_offsets(&s);
                next_commit = kc_now_ms() + w->flush_interval_ms;
            }
            continue;
        }
        if (t->state == KC_STATE_PAUSED) {
            __atomic_store_n(&t->state, KC_STATE_RUNNING, __ATOMIC_RELEASE);
            KC_INFO(t->ctx.logger, "Source task resumed");
        }
        int rc = s.ops->poll(s.state, &batch, 100, &err);
        if (rc == KC_ERETRY) {
            KC_WARN(t->ctx.logger, "poll() asked to retry: %s", err.msg);
            kc_records_clear(&batch);
            usleep(100 * 1000);
        } else if (rc) {
            kc_records_clear(&batch);
            kc_task_fail(t, "poll() failed: %s", err.msg);
            break;
        }
        for (size_t i = 0; i < batch.len && kc_task_alive(t); i++) send_record(&s, batch.items[i]);
        kc_records_clear(&batch);
        if (kc_now_ms() >= next_commit) {
            rd_kafka_poll(s.producer, 0);
            commit_offsets(&s);
            next_commit = kc_now_ms() + w->flush_interval_ms;
        }
    }
    kc_records_free(&batch);

    /* Stopping: wait for outstanding acknowledgements within the graceful timeout, then store
     * what was acknowledged. Unacknowledged records keep their offsets uncommitted. */
    rd_kafka_flush(s.producer, (int)w->shutdown_timeout_ms);
    commit_offsets(&s);
    if (s.outstanding)
        KC_WARN(t->ctx.logger, "%zu records were not acknowledged before shutdown; their offsets are not committed",
                s.outstanding);
    if (s.ops->stop) s.ops->stop(s.state);
destroy:
    rd_kafka_purge(s.producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(s.producer, 0);
    rd_kafka_destroy(s.producer);
done:
    drain_queues(&s);
    free(s.last_topic);
    if (s.skipped) KC_INFO(t->ctx.logger, "%lld records skipped by errors.tolerance=all", (long long)s.skipped);
    if (kc_task_alive(t)) __atomic_store_n(&t->state, KC_STATE_UNASSIGNED, __ATOMIC_RELEASE);
    KC_INFO(t->ctx.logger, "Source task stopped");
    __atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
    return NULL;
}
