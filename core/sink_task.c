/* sink_task.c - WorkerSinkTask: consumer (group connect-<name>) -> converters -> transforms ->
 * put(); every offset.flush.interval.ms flush() then a synchronous commit of what was put.
 * Offsets move only after put() succeeded, so a commit never covers an undelivered record.
 * KC_ERETRY from put() pauses the partitions and redelivers the same batch after a backoff;
 * from flush() it rewinds them to the committed offsets. request_commit() brings the next
 * flush forward to right after the current put(). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "kc_log.h"
#include "kc_thread_cache.h"
#include "kc_value_int.h"
#include "kc_worker_int.h"

#define SINK_DEFAULT_BATCH 500      /* Connect's consumer max.poll.records default */
#define SINK_RETRY_BACKOFF_MS 1000
/* A task's wait for records, after which it puts no records (as Connect does on an empty poll):
 * short while records were put since the last commit (a sink holding rows flushes when the topics
 * go quiet), long once all is committed, so an idle task seldom wakes; a stop or a pause cuts
 * either short (kc_task_wake). */
#define SINK_POLL_MS 100
#define SINK_IDLE_POLL_MS 1000

typedef struct sink_run {
    kc_task *t; /* first: kc_kafka_conf_task_statistics finds it there */
    const kc_sink_task_ops *ops;
    void *state;
    rd_kafka_t *consumer;
    /* next offsets to commit: advanced only after put() returned OK */
    rd_kafka_topic_partition_list_t *offsets;
    int dirty;            /* offsets advanced since the last commit */
    /* the first offset read of each partition since it was assigned: where a rewind goes for a
     * partition that has no committed offset yet */
    rd_kafka_topic_partition_list_t *started;
    kc_topic_note read_topic; /* the last record's topic, reported for GET .../topics as Connect
                               * does: each record read names its topic (not an assignment) */
    int revoking;         /* in the revocation callback: no rewind, the next owner reads on */
    int generation;       /* bumped on every revocation and rewind: a batch from an older one is dropped */
    int failed_in_rebalance;
    /* error handling (errors.* settings) */
    int tolerate_all, log_errors, log_messages, dlq_context_headers;
    const char *dlq_topic;     /* NULL: no dead letter queue */
    rd_kafka_t *dlq;           /* producer for the dead letter queue, created on start */
    size_t dlq_outstanding;
    int dlq_failed;
    char dlq_error[512];
    int64_t skipped;
    /* the batch in put(): its records and the Kafka messages they came from, for report_errant */
    kc_record **put_records;
    rd_kafka_message_t **put_messages;
    size_t put_len;
    int64_t put_since_commit; /* records put() accepted since the last commit (sink-record-active-count) */
    /* fetch_kick: bytes and records read since the last kick, and the prefetch queue's limits
     * (queued.max.messages.kbytes, queued.min.messages) that pace it */
    int64_t read_since_kick, records_since_kick, prefetch_bytes, prefetch_records;
    int64_t buffer_share; /* taken from the worker's tasks.buffer.max.bytes (0: none) */
    rd_kafka_queue_t *wake_queue; /* the consumer's queue, yielded by kc_task_wake */
} sink_run;

/* Where a record failed on its way to put(): Connect's stage names. */
typedef struct failure {
    const char *stage; /* KEY_CONVERTER, VALUE_CONVERTER, TRANSFORMATION, TASK_PUT */
    const char *cls;
    const char *exception; /* Java exception class named in the headers; NULL: DataException */
    char msg[KC_ERROR_MSG_MAX];
} failure;

static kc_topic_partition_offset *offsets_view(rd_kafka_topic_partition_list_t *l, size_t *n) {
    kc_topic_partition_offset *v = calloc(l->cnt ? (size_t)l->cnt : 1, sizeof *v);
    if (!v) return NULL;
    for (int i = 0; i < l->cnt; i++) {
        v[i].topic = l->elems[i].topic;
        v[i].partition = l->elems[i].partition;
        v[i].offset = l->elems[i].offset;
    }
    *n = (size_t)l->cnt;
    return v;
}

/* After a flush() that could not make the records durable: seek every partition delivered
 * since the last commit back to its committed offset, so put() sees those records again (as
 * Connect's WorkerSinkTask rewinds). A partition never committed goes back to where this task
 * began reading it. */
static void rewind_to_committed(sink_run *s) {
    kc_task *t = s->t;
    if (s->revoking) return;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_copy(s->offsets);
    if (!l) return;
    if (rd_kafka_committed(s->consumer, l, 10000)) {
        KC_WARN(t->ctx.logger, "Cannot read the committed offsets to rewind to; records since them are delivered "
                               "again after a restart or rebalance");
        rd_kafka_topic_partition_list_destroy(l);
        return;
    }
    for (int i = 0; i < l->cnt; i++) {
        rd_kafka_topic_partition_t *p = &l->elems[i];
        rd_kafka_topic_partition_t *start = rd_kafka_topic_partition_list_find(s->started, p->topic, p->partition);
        if (p->offset < 0 && start) p->offset = start->offset;
        if (p->offset < 0) p->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_error_t *e = rd_kafka_seek_partitions(s->consumer, l, 10000);
    if (e) {
        KC_WARN(t->ctx.logger, "Rewinding to the committed offsets failed: %s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    } else {
        for (int i = 0; i < l->cnt; i++)
            if (l->elems[i].err) KC_WARN(t->ctx.logger, "Rewinding %s [%d] failed: %s", l->elems[i].topic,
                                         (int)l->elems[i].partition, rd_kafka_err2str(l->elems[i].err));
        /* what is to commit is what was committed: nothing new until put() succeeds again;
         * a batch read before the rewind is dropped (its records come again) */
        s->generation++;
        rd_kafka_topic_partition_list_destroy(s->offsets);
        s->offsets = rd_kafka_topic_partition_list_new(8);
        s->dirty = 0;
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* flush() the task, then commit the offsets it made durable. */
static int flush_and_commit(sink_run *s) {
    kc_task *t = s->t;
    if (!s->dirty) {
        kc_metrics_task_commit(t->metrics, -1, 0);
        return KC_OK;
    }
    int64_t began = kc_now_us();
    if (s->dlq) { /* records sent to the dead letter queue must be there before their offsets move */
        rd_kafka_flush(s->dlq, 30000);
        if (s->dlq_failed) {
            kc_task_fail(t, "%s", s->dlq_error);
            return KC_EFATAL;
        }
        if (s->dlq_outstanding) {
            KC_WARN(t->ctx.logger, "%zu records not yet in the dead letter queue; offsets not committed",
                    s->dlq_outstanding);
            return KC_ERETRY;
        }
    }
    size_t n;
    kc_topic_partition_offset *v = offsets_view(s->offsets, &n);
    if (!v) return KC_ENOMEM;
    kc_error err;
    int rc = s->ops->flush(s->state, v, n, &err);
    free(v);
    if (rc) {
        /* nothing is committed; records since the last commit will be delivered again */
        if (rc == KC_ERETRY) {
            KC_WARN(t->ctx.logger, "flush() asked to retry: %s; offsets not committed, rewinding to the last "
                                   "committed ones", err.msg);
            rewind_to_committed(s);
            s->put_since_commit = 0; /* read again */
            kc_metrics_task_commit(t->metrics, 0, 0);
            return rc;
        }
        kc_task_fail_code(t, rc, "Commit of offsets threw an unexpected exception: flush() failed: %s", err.msg);
        kc_metrics_task_commit(t->metrics, 0, 0);
        return rc;
    }
    rd_kafka_resp_err_t cerr = rd_kafka_commit(s->consumer, s->offsets, 0);
    if (cerr && cerr != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        KC_WARN(t->ctx.logger, "Commit of offsets failed: %s; will retry at the next commit", rd_kafka_err2str(cerr));
        kc_metrics_task_commit(t->metrics, 0, 0);
        return KC_ERETRY;
    }
    s->dirty = 0;
    s->put_since_commit = 0;
    kc_metrics_task_commit(t->metrics, 1, kc_now_us() - began);
    KC_DEBUG(t->ctx.logger, "Committed offsets of %d partitions", s->offsets->cnt);
    return KC_OK;
}

static kc_topic_partition *tp_view(const rd_kafka_topic_partition_list_t *l) {
    kc_topic_partition *v = calloc(l->cnt ? (size_t)l->cnt : 1, sizeof *v);
    for (int i = 0; v && i < l->cnt; i++) {
        v[i].topic = l->elems[i].topic;
        v[i].partition = l->elems[i].partition;
    }
    return v;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    sink_run *s = opaque;
    kc_task *t = s->t;
    kc_error e;
    kc_topic_partition *v = tp_view(parts);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        KC_INFO(t->ctx.logger, "Partitions assigned: %d", parts->cnt);
        rd_kafka_assign(rk, parts);
        if (t->metrics) KC_METRIC_SET(t->metrics->partitions, parts->cnt);
        if (kc_task_paused(t)) rd_kafka_pause_partitions(rk, parts);
        if (s->ops->open && v && s->ops->open(s->state, v, (size_t)parts->cnt, &e)) {
            kc_task_fail(t, "open() failed: %s", e.msg);
            s->failed_in_rebalance = 1;
        }
    } else {
        /* Revoked: commit what was delivered before the partitions move on (a lost assignment
         * cannot commit any more: just close). */
        int lost = rd_kafka_assignment_lost(rk);
        KC_INFO(t->ctx.logger, "Partitions %s: %d", lost ? "lost" : "revoked", parts->cnt);
        s->revoking = 1;
        if (!lost && kc_task_alive(t)) flush_and_commit(s);
        s->revoking = 0;
        if (s->ops->close && v && s->ops->close(s->state, v, (size_t)parts->cnt, &e))
            KC_WARN(t->ctx.logger, "close() failed: %s", e.msg);
        rd_kafka_assign(rk, NULL);
        if (t->metrics) KC_METRIC_SET(t->metrics->partitions, 0);
        s->put_since_commit = 0;
        rd_kafka_topic_partition_list_destroy(s->offsets);
        s->offsets = rd_kafka_topic_partition_list_new(8);
        rd_kafka_topic_partition_list_destroy(s->started);
        s->started = rd_kafka_topic_partition_list_new(8);
        s->dirty = 0;
        s->generation++;
    }
    free(v);
}

/* The message's headers through the header converter, each value alone (Connect's
 * HeaderConverter.toConnectHeader); on failure err names the header. */
static int convert_headers(kc_task *t, kc_record *r, const rd_kafka_message_t *m, kc_error *err) {
    rd_kafka_headers_t *h = NULL;
    if (rd_kafka_message_headers(m, &h) || !h) return KC_OK;
    const char *name;
    const void *val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
        kc_schema *schema = NULL;
        kc_value v = KC_VALUE_NULL_INIT;
        int rc = kc_converter_to_connect(&t->header_conv, &t->chain.retry, r->topic, val, size, &schema, &v, err);
        if (rc) {
            char cause[sizeof err->msg];
            snprintf(cause, sizeof cause, "%s", err->msg);
            return kc_error_set(err, rc, "header '%s': %s", name, cause);
        }
        if (kc_record_add_header(r, name, schema, &v)) {
            kc_schema_release(schema);
            kc_value_clear(&v);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
    }
    return KC_OK;
}

/* Builds the Connect record for one Kafka message, or returns an error naming it (and, in f,
 * the stage and class that failed). */
static int to_record(sink_run *s, const rd_kafka_message_t *m, kc_record **out, kc_error *err, failure *f) {
    kc_task *t = s->t;
    const char *topic = rd_kafka_topic_name(m->rkt);
    kc_record *r = kc_record_new();
    if (!r || kc_record_set_topic(r, topic)) {
        kc_record_release(r);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    r->partition = m->partition;
    r->offset = m->offset;
    rd_kafka_timestamp_type_t tstype;
    r->timestamp = rd_kafka_message_timestamp(m, &tstype);
    kc_error cerr;
    const kc_converter *failed = &t->key_conv;
    const char *stage = "KEY_CONVERTER";
    int rc = kc_converter_to_connect(&t->key_conv, &t->chain.retry, topic, m->key, m->key_len, &r->key_schema,
                                     &r->key, &cerr);
    if (!rc) {
        failed = &t->value_conv, stage = "VALUE_CONVERTER";
        rc = kc_converter_to_connect(&t->value_conv, &t->chain.retry, topic, m->payload, m->len, &r->value_schema,
                                     &r->value, &cerr);
    }
    if (!rc) {
        failed = &t->header_conv, stage = "HEADER_CONVERTER";
        rc = convert_headers(t, r, m, &cerr);
    }
    if (rc) {
        kc_record_release(r);
        f->stage = stage;
        f->cls = kc_plugin_class(failed->plugin);
        snprintf(f->msg, sizeof f->msg, "%s", cerr.msg);
        return kc_error_set(err, rc, "Error in stage %s (%s) for record topic=%s partition=%d offset=%lld: %s", stage,
                            f->cls, topic, (int)m->partition, (long long)m->offset, cerr.msg);
    }
    rc = kc_transform_chain_apply(&t->chain, r, &cerr);
    if (rc < 0) {
        kc_record_release(r);
        f->stage = "TRANSFORMATION";
        f->cls = "kcd.transform.chain";
        snprintf(f->msg, sizeof f->msg, "%s", cerr.msg);
        return kc_error_set(err, rc, "Error in stage TRANSFORMATION for record topic=%s partition=%d offset=%lld: %s",
                            topic, (int)m->partition, (long long)m->offset, cerr.msg);
    }
    if (rc == KC_DROP) {
        kc_record_release(r);
        r = NULL;
    }
    *out = r;
    return KC_OK;
}

/* ---- dead letter queue (errors.tolerance=all) ---------------------------------------------- */

static void on_dlq_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    sink_run *s = opaque;
    s->dlq_outstanding--;
    if (m->err && s->t->metrics) KC_METRIC_ADD(s->t->metrics->dlq_failures, 1);
    if (m->err && !s->dlq_failed) {
        s->dlq_failed = 1;
        snprintf(s->dlq_error, sizeof s->dlq_error, "Could not produce to the dead letter queue %s: %s", s->dlq_topic,
                 rd_kafka_err2str(m->err));
    }
}

static int dlq_open(sink_run *s, kc_error *err) {
    kc_task *t = s->t;
    char client_id[300], errstr[512];
    snprintf(client_id, sizeof client_id, "connector-dlq-producer-%s-%d", t->conn->name, t->id);
    rd_kafka_conf_t *conf = kc_kafka_conf(t->conn->worker, &t->conn->config, "producer.", "producer.override.",
                                          client_id, err);
    if (!conf) return KC_EINVAL;
    rd_kafka_conf_set_opaque(conf, s);
    rd_kafka_conf_set_dr_msg_cb(conf, on_dlq_delivery);
    s->dlq = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!s->dlq) {
        rd_kafka_conf_destroy(conf);
        return kc_error_set(err, KC_EFATAL, "Failed to create the dead letter queue producer: %s", errstr);
    }
    /* create the topic as Connect does, with errors.deadletterqueue.topic.replication.factor */
    int64_t rf = 3;
    kc_config_get_long(&t->conn->config, "errors.deadletterqueue.topic.replication.factor", &rf);
    kc_error cerr;
    if (kc_kafka_create_topic(s->dlq, s->dlq_topic, 1, (int)rf, NULL, &cerr))
        KC_WARN(t->ctx.logger, "Could not create the dead letter queue topic %s: %s", s->dlq_topic, cerr.msg);
    return KC_OK;
}

static void add_header(rd_kafka_headers_t *h, const char *name, const char *value) {
    rd_kafka_header_add(h, name, -1, value, -1);
}

/* Logs and, with a dead letter queue, sends the original record bytes there (with Connect's
 * __connect.errors.* headers when asked). */
static void report_failure(sink_run *s, const rd_kafka_message_t *m, const failure *f) {
    kc_task *t = s->t;
    const char *topic = rd_kafka_topic_name(m->rkt);
    s->skipped++;
    kc_metrics_task_error(t->metrics, 1, s->log_errors);
    if (s->log_errors)
        KC_ERROR(t->ctx.logger, "Error encountered in task %s-%d. Executing stage '%s' with class '%s', where "
                 "consumed record is {topic='%s', partition=%d, offset=%lld}%s%.*s: %s",
                 t->conn->name, t->id, f->stage, f->cls, topic, (int)m->partition, (long long)m->offset,
                 s->log_messages ? ", value=" : "", s->log_messages ? (int)m->len : 0,
                 s->log_messages && m->payload ? (const char *)m->payload : "", f->msg);
    if (!s->dlq) return;
    rd_kafka_headers_t *orig = NULL, *h;
    h = rd_kafka_message_headers(m, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR && orig ? rd_kafka_headers_copy(orig)
                                                                                : rd_kafka_headers_new(10);
    if (s->dlq_context_headers) {
        char num[32];
        add_header(h, "__connect.errors.topic", topic);
        snprintf(num, sizeof num, "%d", (int)m->partition);
        add_header(h, "__connect.errors.partition", num);
        snprintf(num, sizeof num, "%lld", (long long)m->offset);
        add_header(h, "__connect.errors.offset", num);
        add_header(h, "__connect.errors.connector.name", t->conn->name);
        snprintf(num, sizeof num, "%d", t->id);
        add_header(h, "__connect.errors.task.id", num);
        add_header(h, "__connect.errors.stage", f->stage);
        add_header(h, "__connect.errors.class.name", f->cls);
        const char *exc = f->exception ? f->exception : "org.apache.kafka.connect.errors.DataException";
        add_header(h, "__connect.errors.exception.class.name", exc);
        add_header(h, "__connect.errors.exception.message", f->msg);
        char trace[KC_ERROR_MSG_MAX + 256];
        snprintf(trace, sizeof trace, "%s: %s\n\tat kcd %s stage", exc, f->msg, f->stage);
        add_header(h, "__connect.errors.exception.stacktrace", trace);
    }
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            s->dlq, RD_KAFKA_V_TOPIC(s->dlq_topic), RD_KAFKA_V_KEY(m->key, m->key_len),
            RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_TIMESTAMP(ts > 0 ? ts : 0), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
        if (!e) {
            s->dlq_outstanding++;
            if (t->metrics) KC_METRIC_ADD(t->metrics->dlq_requests, 1);
            break;
        }
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(s->dlq, 100);
            continue;
        }
        rd_kafka_headers_destroy(h);
        if (t->metrics) {
            KC_METRIC_ADD(t->metrics->dlq_requests, 1);
            KC_METRIC_ADD(t->metrics->dlq_failures, 1);
        }
        s->dlq_failed = 1;
        snprintf(s->dlq_error, sizeof s->dlq_error, "Could not produce to the dead letter queue %s: %s", s->dlq_topic,
                 rd_kafka_err2str(e));
        break;
    }
    rd_kafka_poll(s->dlq, 0);
}

static void advance(sink_run *s, const char *topic, int32_t partition, int64_t next) {
    rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(s->offsets, topic, partition);
    if (!p) p = rd_kafka_topic_partition_list_add(s->offsets, topic, partition);
    if (next > p->offset) p->offset = next;
    s->dirty = 1;
}


/* host->report_errant: a record put() could not write (KIP-610's ErrantRecordReporter). */
static int report_errant(void *runner, const kc_record *r, const char *message) {
    sink_run *s = runner;
    size_t i = 0;
    while (i < s->put_len && s->put_records[i] != r) i++;
    if (i == s->put_len) return KC_EINVAL; /* not a record of the current put() */
    if (!s->tolerate_all) return KC_EFATAL;
    failure f = {.stage = "TASK_PUT", .cls = kc_plugin_class(s->t->conn->plugin),
                 .exception = "org.apache.kafka.connect.errors.ConnectException"};
    snprintf(f.msg, sizeof f.msg, "%s", message);
    report_failure(s, s->put_messages[i], &f);
    return KC_OK;
}

static void set_paused(sink_run *s, int pause) {
    rd_kafka_topic_partition_list_t *a = NULL;
    if (rd_kafka_assignment(s->consumer, &a) || !a) return;
    if (pause) rd_kafka_pause_partitions(s->consumer, a);
    else rd_kafka_resume_partitions(s->consumer, a);
    rd_kafka_topic_partition_list_destroy(a);
}

/* Sleeps ms while serving the consumer (heartbeats, rebalances) with the partitions paused. */
static void wait_serving(sink_run *s, int64_t ms) {
    int64_t until = kc_now_ms() + ms;
    while (kc_now_ms() < until && !kc_task_should_stop(s->t)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(s->consumer, 100);
        if (m) { /* prefetched before the pause: rewind so it is fetched again */
            if (!m->err) {
                rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
                rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt), m->partition)->offset = m->offset;
                rd_kafka_seek_partitions(s->consumer, l, 1000);
                rd_kafka_topic_partition_list_destroy(l);
            }
            rd_kafka_message_destroy(m);
        }
    }
}

/* ---- the batch pipeline ---------------------------------------------------------------------
 * The task thread reads batch k+1 from the consumer while nothing else runs (rebalance
 * callbacks come from the poll), then a helper thread converts it (converters, transforms)
 * and frees batch k-1 while the task thread put()s batch k: a record's CPU is spread over two
 * cores. A batch read before a revocation or a rewind is dropped unput, as before. */

typedef struct batch_failure {
    size_t msg; /* index in msgs */
    failure f;
} batch_failure;

typedef struct sink_batch {
    rd_kafka_message_t **msgs; /* every message read, in order: offsets and the DLQ */
    size_t nmsgs;
    kc_record **recs;          /* what put() gets (records transforms dropped are not here) */
    rd_kafka_message_t **rec_msgs;
    size_t nrecs;
    batch_failure *fails;      /* conversions errors.tolerance=all skips, reported in order */
    size_t nfails, fails_cap;
    int fatal;                 /* a conversion failure that fails the task (fatal_err) */
    kc_error fatal_err;
    int generation;            /* s->generation when it was read */
    int waited;                /* its poll waited for records (an empty one means the topics are quiet) */
} sink_batch;

static int batch_alloc(sink_batch *b, size_t max) {
    b->msgs = calloc(max, sizeof *b->msgs);
    b->recs = calloc(max, sizeof *b->recs);
    b->rec_msgs = calloc(max, sizeof *b->rec_msgs);
    return b->msgs && b->recs && b->rec_msgs;
}

/* Releases the records and messages (the arrays stay for the next batch). */
static void batch_clear(sink_batch *b) {
    for (size_t i = 0; i < b->nrecs; i++) kc_record_release(b->recs[i]);
    for (size_t i = 0; i < b->nmsgs; i++) rd_kafka_message_destroy(b->msgs[i]);
    b->nrecs = b->nmsgs = b->nfails = 0;
    b->fatal = 0;
}

static void batch_free(sink_batch *b) {
    batch_clear(b);
    free(b->msgs);
    free(b->recs);
    free(b->rec_msgs);
    free(b->fails);
}

/* librdkafka 2.0 (Debian 12's) stops fetching a partition whose prefetch queue is full and looks
 * again only when its broker thread wakes for something else, up to a second later: a sink that
 * drains its queue faster than that waits, reading at most a queue a second (2.1's
 * fetch.queue.backoff.ms is that same wait, made settable). Any request queued to the broker
 * wakes its thread, which then fetches for every partition below the queue's limit; so after
 * reading half a queue, ask the leaders for the partitions' end offsets without waiting for the
 * answer (offsets_for_times with no time to wait sends the requests and drops the replies).
 * Nothing is sent while nothing is read, so an idle task stays idle. */
static void fetch_kick(sink_run *s) {
    rd_kafka_topic_partition_list_t *a = NULL;
    if (!rd_kafka_assignment(s->consumer, &a) && a && a->cnt) {
        KC_DEBUG(s->t->ctx.logger, "Read %lld bytes in %lld records since the last wake-up: waking the fetchers of %d "
                 "partitions", (long long)s->read_since_kick, (long long)s->records_since_kick, a->cnt);
        for (int i = 0; i < a->cnt; i++) a->elems[i].offset = RD_KAFKA_OFFSET_END;
        rd_kafka_offsets_for_times(s->consumer, a, 0); /* times out at once, by design */
    }
    if (a) rd_kafka_topic_partition_list_destroy(a);
    s->read_since_kick = s->records_since_kick = 0;
}

/* Reads up to max messages into b; the first poll waits up to wait_ms. */
static void poll_batch(sink_run *s, sink_batch *b, size_t max, int wait_ms) {
    kc_task *t = s->t;
    b->generation = s->generation;
    b->waited = wait_ms > 0;
    for (size_t i = 0; i < max; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(s->consumer, i == 0 ? wait_ms : 0);
        if (b->generation != s->generation) {
            /* a rebalance ran inside this poll: what was read before it is read again from the
             * committed offsets, and what comes after it belongs to the new generation (labelled
             * old, it would be dropped while the consumer reads on past it: records lost) */
            for (size_t k = 0; k < b->nmsgs; k++) rd_kafka_message_destroy(b->msgs[k]);
            b->nmsgs = 0;
            b->generation = s->generation;
        }
        if (!m) break;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(s->consumer, NULL, 0);
                if (fatal) {
                    /* fenced as a static member: librdkafka 2.0 can fence itself when it rejoins
                     * after a broker restart; a new consumer with the same id takes the place
                     * back, so the task is started again (a zombie's task is stopped meanwhile) */
                    kc_task_fail_code(t, fatal == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID ? KC_ERETRY : KC_EFATAL,
                                      "Consumer fatal error: %s", rd_kafka_message_errstr(m));
                    rd_kafka_message_destroy(m);
                    break;
                }
                KC_WARN(t->ctx.logger, "Consumer error: %s", rd_kafka_message_errstr(m));
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        const char *topic = rd_kafka_topic_name(m->rkt);
        kc_connector_note_topic(t->conn, &s->read_topic, topic);
        if (!rd_kafka_topic_partition_list_find(s->started, topic, m->partition))
            rd_kafka_topic_partition_list_add(s->started, topic, m->partition)->offset = m->offset;
        b->msgs[b->nmsgs++] = m;
        s->read_since_kick += (int64_t)(m->len + m->key_len);
        s->records_since_kick++;
    }
    if (s->read_since_kick >= s->prefetch_bytes / 2 || s->records_since_kick >= s->prefetch_records / 2) fetch_kick(s);
}

/* Converts b's messages to records (any thread: it touches only the converters, the transform
 * chain and b). */
static void convert_batch(sink_run *s, sink_batch *b) {
    for (size_t i = 0; i < b->nmsgs; i++) {
        kc_record *r = NULL;
        failure f = {0};
        int rc = to_record(s, b->msgs[i], &r, &b->fatal_err, &f);
        if (rc && s->tolerate_all && f.stage) {
            if (b->nfails == b->fails_cap) {
                size_t cap = b->fails_cap ? b->fails_cap * 2 : 8;
                batch_failure *grown = realloc(b->fails, cap * sizeof *grown);
                if (!grown) {
                    b->fatal = 1;
                    kc_error_set(&b->fatal_err, KC_ENOMEM, "out of memory");
                    return;
                }
                b->fails = grown;
                b->fails_cap = cap;
            }
            b->fails[b->nfails++] = (batch_failure){i, f};
        } else if (rc) {
            b->fatal = 1;
            return;
        } else if (r) {
            b->recs[b->nrecs] = r;
            b->rec_msgs[b->nrecs++] = b->msgs[i];
        }
    }
}

/* The helper thread converting one batch at a time, started with the first batch worth it and
 * ended after a quiet second (an idle task has no such thread). */
typedef struct converter {
    sink_run *s;
    pthread_t thread;
    int started;   /* a thread was created and not yet joined */
    int running;   /* the thread takes jobs (it ends after a quiet second, and the next burst
                    * starts another: 50 sinks gone quiet keep no 50 threads and their memory) */
    int failed;    /* a thread could not be created: batches are converted inline from then on */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sink_batch *job;   /* to convert: set by the task thread, cleared by the helper when done */
    sink_batch *spent; /* to free along with it (may be NULL) */
    int quit;
} converter;

static void *converter_main(void *arg) {
    converter *c = arg;
    pthread_setname_np(pthread_self(), "kcd:convert"); /* seen in top -H and perf */
    pthread_mutex_lock(&c->mu);
    for (;;) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        int rc = 0;
        while (!c->job && !c->quit && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&c->cv, &c->mu, &until);
        if (!c->job) break; /* quit, or a quiet second: the burst is over */
        sink_batch *b = c->job, *spent = c->spent;
        pthread_mutex_unlock(&c->mu);
        convert_batch(c->s, b);
        if (spent) batch_clear(spent);
        pthread_mutex_lock(&c->mu);
        c->job = NULL;
        pthread_cond_broadcast(&c->cv);
    }
    c->running = 0;
    pthread_mutex_unlock(&c->mu);
    return NULL; /* its allocator cache goes with it */
}

static void converter_open(converter *c, sink_run *s) {
    memset(c, 0, sizeof *c);
    c->s = s;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
}

/* Converts b and frees spent, on the helper; small batches at once, since a hand-over costs
 * more than they do. Called with no job pending (after converter_wait). */
static void converter_start(converter *c, sink_batch *b, sink_batch *spent) {
    int inline_ = c->failed || b->nmsgs + spent->nmsgs < 64;
    pthread_mutex_lock(&c->mu);
    if (!inline_ && !c->running) {
        pthread_mutex_unlock(&c->mu);
        if (c->started) pthread_join(c->thread, NULL); /* the last burst's, ended */
        c->started = c->running = pthread_create(&c->thread, NULL, converter_main, c) == 0;
        if (!c->running) {
            c->failed = inline_ = 1;
            KC_WARN(c->s->t->ctx.logger, "No converter thread: records are converted on the task thread");
        }
        pthread_mutex_lock(&c->mu);
    }
    if (inline_) {
        pthread_mutex_unlock(&c->mu);
        convert_batch(c->s, b);
        batch_clear(spent);
        return;
    }
    c->job = b;
    c->spent = spent;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void converter_wait(converter *c) {
    pthread_mutex_lock(&c->mu);
    while (c->job) pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

static void converter_close(converter *c) {
    converter_wait(c);
    pthread_mutex_lock(&c->mu);
    c->quit = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (c->started) pthread_join(c->thread, NULL);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
}

/* put() of a converted batch (retried while it asks to), then its offsets move on. */
static void put_batch(sink_run *s, sink_batch *b) {
    kc_task *t = s->t;
    kc_error err;
    int gen = b->generation, paused = 0, delivered = 0;
    s->put_records = b->recs;
    s->put_messages = b->rec_msgs;
    s->put_len = b->nrecs;
    for (;;) {
        if (!kc_worker_lease_held(t->conn->worker)) { /* the group may have moved this task: write nothing */
            KC_WARN(t->ctx.logger, "The worker's group session may have expired: holding the batch until it is renewed");
            while (!kc_worker_lease_held(t->conn->worker) && !kc_task_should_stop(t) && gen == s->generation)
                wait_serving(s, 50);
            if (kc_task_should_stop(t) || gen != s->generation) break;
        }
        /* also with no records, as Connect does: a task holding records can act on time */
        int64_t began = kc_now_us();
        int rc = s->ops->put(s->state, b->recs, b->nrecs, &err);
        if (rc == KC_OK) {
            delivered = 1;
            kc_metrics_task_batch(t->metrics, (int64_t)b->nrecs, kc_now_us() - began);
            kc_metrics_task_written(t->metrics, (int64_t)b->nrecs);
            s->put_since_commit += (int64_t)b->nrecs;
            break;
        }
        if (rc == KC_ERETRY && t->metrics) KC_METRIC_ADD(t->metrics->retries, 1);
        if (rc != KC_ERETRY) {
            kc_task_fail_code(t, rc, "put() failed: %s", err.msg);
            break;
        }
        KC_WARN(t->ctx.logger, "put() asked to retry: %s; pausing and redelivering the batch in %d ms", err.msg,
                SINK_RETRY_BACKOFF_MS);
        if (!paused) set_paused(s, 1);
        paused = 1;
        wait_serving(s, SINK_RETRY_BACKOFF_MS);
        /* stopping mid-retry: the batch was not delivered and its offsets stay behind */
        if (kc_task_should_stop(t) || gen != s->generation) break;
    }
    s->put_len = 0;
    if (paused && gen == s->generation) set_paused(s, 0);
    if (!delivered || gen != s->generation) return;
    for (size_t i = 0; i < b->nmsgs; i++) { /* once per run of a partition: its last offset */
        rd_kafka_message_t *m = b->msgs[i], *n = i + 1 < b->nmsgs ? b->msgs[i + 1] : NULL;
        if (!n || n->partition != m->partition || n->rkt != m->rkt)
            advance(s, rd_kafka_topic_name(m->rkt), m->partition, m->offset + 1);
    }
}

/* The sink consumers' session on the embedded broker (see kc_sink_task_run). */
#define EMBEDDED_SESSION_TIMEOUT_MS "3000"

void *kc_sink_task_run(void *arg) {
    kc_task *t = arg;
    kc_worker *w = t->conn->worker;
    sink_run s = {.t = t, .ops = t->conn->plugin->desc->sink};
    kc_error err;
    char client_id[256], group[512], errstr[512];
    char instance[600] = "", *leave_member = NULL; /* static membership: the instance id, the member id */
    snprintf(client_id, sizeof client_id, "connector-consumer-%s-%d", t->conn->name, t->id);
    snprintf(group, sizeof group, "connect-%s", t->conn->name);
    s.offsets = rd_kafka_topic_partition_list_new(8);
    s.started = rd_kafka_topic_partition_list_new(8);
    rd_kafka_conf_t *conf = kc_kafka_conf(w, &t->conn->config, "consumer.", "consumer.override.", client_id, &err);
    if (!conf) {
        kc_task_fail(t, "%s", err.msg);
        goto done;
    }
    rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr);
    s.buffer_share = kc_worker_buffer_take(w, conf, &t->conn->config, 1);
    /* static membership (KIP-345), one member per connector task and worker (static_member_key):
     * the task started again on this worker (after a kill -9, a restart, a reconfiguration) takes
     * its place in the group at once, with its partitions, instead of waiting out the old member's
     * session (45 s); a zombie holding the id is fenced. A consumer.override.group.instance.id (or
     * an empty one, for dynamic membership) wins. */
    size_t clen = 0; /* the size of a group.instance.id set by consumer.* (1: none) */
    if (w->mock_cluster) {
        /* the embedded broker (librdkafka's mock) keeps neither static members nor a member that
         * left: a task started again waits out the old one's session, so keep that short */
        if (!kc_config_get(&w->config, "consumer.session.timeout.ms") &&
            !kc_config_get(&t->conn->config, "consumer.override.session.timeout.ms"))
            rd_kafka_conf_set(conf, "session.timeout.ms", EMBEDDED_SESSION_TIMEOUT_MS, errstr, sizeof errstr);
        if (!kc_config_get(&w->config, "consumer.heartbeat.interval.ms") &&
            !kc_config_get(&t->conn->config, "consumer.override.heartbeat.interval.ms"))
            rd_kafka_conf_set(conf, "heartbeat.interval.ms", "500", errstr, sizeof errstr);
    } else if (rd_kafka_conf_get(conf, "group.instance.id", NULL, &clen) != RD_KAFKA_CONF_OK || clen <= 1) {
        if (!kc_config_get(&t->conn->config, "consumer.override.group.instance.id") && w->static_member_key[0]) {
            /* Kafka takes [A-Za-z0-9._-] there; the name is cut so the id stays short */
            int n = snprintf(instance, sizeof instance, "%.200s-%d-%s", t->conn->name, t->id, w->static_member_key);
            for (int i = 0; i < n && i < (int)sizeof instance; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", instance[i]))
                    instance[i] = '_';
            rd_kafka_conf_set(conf, "group.instance.id", instance, errstr, sizeof errstr);
        }
    }
    s.prefetch_bytes = kc_kafka_conf_long(conf, "queued.max.messages.kbytes", 65536) * 1024;
    s.prefetch_records = kc_kafka_conf_long(conf, "queued.min.messages", 100000);
    rd_kafka_conf_set_opaque(conf, &s);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    kc_kafka_conf_task_statistics(conf);
    s.consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!s.consumer) {
        rd_kafka_conf_destroy(conf);
        kc_task_fail(t, "Failed to create consumer: %s", errstr);
        goto done;
    }
    rd_kafka_poll_set_consumer(s.consumer);
    s.wake_queue = rd_kafka_queue_get_consumer(s.consumer);
    kc_task_set_wake_queue(t, s.wake_queue);
    const char *tol = kc_config_get(&t->conn->config, "errors.tolerance");
    s.tolerate_all = tol && !strcasecmp(tol, "all");
    kc_config_get_bool(&t->conn->config, "errors.log.enable", &s.log_errors);
    kc_config_get_bool(&t->conn->config, "errors.log.include.messages", &s.log_messages);
    kc_config_get_bool(&t->conn->config, "errors.deadletterqueue.context.headers.enable", &s.dlq_context_headers);
    const char *dlq = kc_config_get(&t->conn->config, "errors.deadletterqueue.topic.name");
    if (dlq && *dlq && s.tolerate_all) {
        s.dlq_topic = dlq;
        if (dlq_open(&s, &err)) {
            kc_task_fail(t, "%s", err.msg);
            goto close_consumer;
        }
    }
    t->ctx.report_errant = report_errant;
    t->ctx.runner = &s;
    int start_rc = s.ops->start(&t->config, &t->ctx, &s.state, &err);
    if (start_rc) {
        kc_task_fail_code(t, start_rc, "Task start failed: %s", err.msg);
        goto close_consumer;
    }
    /* subscribe to topics, or to topics.regex (librdkafka takes a leading ^ as a regex) */
    kc_strlist topics = {0};
    if (kc_list_split(kc_config_get(&t->conn->config, "topics"), &topics)) {
        kc_strlist_free(&topics);
        kc_task_fail(t, "Task start failed: out of memory");
        goto stop_task;
    }
    const char *regex = kc_config_get(&t->conn->config, "topics.regex");
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(topics.len ? (int)topics.len : 1);
    for (size_t i = 0; i < topics.len; i++) {
        kc_worker_embedded_topic(w, topics.items[i]);
        rd_kafka_topic_partition_list_add(sub, topics.items[i], RD_KAFKA_PARTITION_UA);
    }
    if (!topics.len && regex && *regex) {
        char *pattern = NULL;
        if (asprintf(&pattern, "%s%s", regex[0] == '^' ? "" : "^", regex) > 0) {
            rd_kafka_topic_partition_list_add(sub, pattern, RD_KAFKA_PARTITION_UA);
            free(pattern);
        }
    }
    kc_strlist_free(&topics);
    rd_kafka_resp_err_t serr = rd_kafka_subscribe(s.consumer, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (serr) {
        kc_task_fail(t, "Failed to subscribe: %s", rd_kafka_err2str(serr));
        goto stop_task;
    }
    kc_task_started(t);
    KC_INFO(t->ctx.logger, "Sink task started, consumer group %s", group);

    /* records per put(): max.poll.records, as the Java consumer would hand them to Connect */
    int64_t max_batch = SINK_DEFAULT_BATCH;
    if (kc_config_get_long(&t->conn->config, "consumer.override.max.poll.records", &max_batch))
        kc_config_get_long(&w->config, "consumer.max.poll.records", &max_batch);
    if (max_batch < 1 || max_batch > 1000000) max_batch = SINK_DEFAULT_BATCH;
    /* A ring of four batches, so that the task thread's reading and put() both run beside the
     * converter: while batch k is read, the converter converts batch k-1; then it converts batch
     * k and frees batch k-2 while batch k-1 is put. Batch k-3's slot, freed meanwhile, takes
     * batch k+1. */
    enum { RING = 4 };
    sink_batch batches[RING] = {{0}};
    int ready = 1;
    for (int i = 0; i < RING; i++) {
        ready = ready && batch_alloc(&batches[i], (size_t)max_batch);
        batches[i].generation = s.generation;
    }
    size_t k = 0;
    int cache_full = 0; /* records read since the thread's allocator cache was last flushed */
    converter conv;
    converter_open(&conv, &s);
    int64_t next_commit = kc_now_ms() + w->flush_interval_ms;
    while (ready && !kc_task_should_stop(t) && kc_task_alive(t)) {
        if (kc_task_paused(t)) { /* paused: keep the assignment and the group, fetch nothing */
            if (t->state != KC_STATE_PAUSED) {
                set_paused(&s, 1);
                kc_task_set_state(t, KC_STATE_PAUSED);
                KC_INFO(t->ctx.logger, "Sink task paused");
            }
            wait_serving(&s, 100);
            if (kc_now_ms() >= next_commit) {
                flush_and_commit(&s);
                next_commit = kc_now_ms() + w->flush_interval_ms;
            }
            continue;
        }
        if (t->state == KC_STATE_PAUSED) {
            set_paused(&s, 0);
            kc_task_set_state(t, KC_STATE_RUNNING);
            KC_INFO(t->ctx.logger, "Sink task resumed");
        }
        /* next: to read; cur: being converted, then put; spent: put last time, to free */
        sink_batch *next = &batches[k % RING], *cur = &batches[(k + RING - 1) % RING],
                   *spent = &batches[(k + RING - 2) % RING];
        k++;
        /* read without waiting when a batch is on its way to put(), an empty one too when its
         * poll waited: it tells the task at once that the topics went quiet (rebalance callbacks
         * come from this poll: a batch read before one is dropped below) */
        poll_batch(&s, next, (size_t)max_batch,
                   cur->nmsgs || cur->waited ? 0 : s.dirty ? SINK_POLL_MS : SINK_IDLE_POLL_MS);
        kc_metrics_task_read(t->metrics, (int64_t)next->nmsgs);
        converter_wait(&conv);
        if (cur->generation == s.generation && kc_task_alive(t)) {
            for (size_t i = 0; i < cur->nfails; i++) /* skipped: their offsets still move on */
                report_failure(&s, cur->msgs[cur->fails[i].msg], &cur->fails[i].f);
            if (cur->fatal) {
                kc_metrics_task_error(t->metrics, 0, 0);
                kc_task_fail(t, "%s", cur->fatal_err.msg);
            }
        }
        converter_start(&conv, next, spent);
        if (cur->generation != s.generation) {
            /* a revocation or a rewind happened since the batch was read: those records are
             * read again from the committed offsets, here or by the partitions' next owner */
            if (cur->nmsgs) KC_DEBUG(t->ctx.logger, "Dropping a batch of %zu records read before a rebalance or rewind",
                                     cur->nrecs);
        } else if (kc_task_alive(t) && (cur->nmsgs || cur->waited)) {
            put_batch(&s, cur); /* empty only after a poll that waited: the topics are quiet */
        }
        if (cur->nmsgs) {
            cache_full = 1;
        } else if (cur->waited && cache_full) { /* the topics went quiet: give the burst's memory back */
            kc_thread_cache_flush();
            cache_full = 0;
        }
        if (t->metrics) { /* read, not yet committed: put since the last commit, and what waits to be put */
            int64_t active = s.put_since_commit + (int64_t)next->nmsgs;
            KC_METRIC_SET(t->metrics->active, active);
            kc_metric_max(&t->metrics->active_max, active);
        }
        /* request_commit(): the task holds records until flush() and wants them written now */
        int requested = __atomic_exchange_n(&t->ctx.commit_requested, 0, __ATOMIC_ACQ_REL);
        if (kc_task_alive(t) && (requested || kc_now_ms() >= next_commit)) {
            flush_and_commit(&s);
            next_commit = kc_now_ms() + w->flush_interval_ms;
        }
    }
    converter_close(&conv);
    for (int i = 0; i < RING; i++) batch_free(&batches[i]);
    if (kc_task_alive(t)) flush_and_commit(&s); /* graceful stop: commit what was delivered */
stop_task:
    kc_task_set_wake_queue(t, NULL);
    /* Close first: the revocation it triggers runs close() while the task is still alive. */
    leave_member = *instance ? rd_kafka_memberid(s.consumer) : NULL;
    rd_kafka_consumer_close(s.consumer);
    /* a static member does not leave on close: taken out of the group here, so the other tasks
     * (or whoever runs this one next) get its partitions at once; a crash skips this, and the
     * task started again takes its place by its instance id */
    if (leave_member && *leave_member && w->leave_static_member &&
        w->leave_static_member(w, group, leave_member, instance, &err))
        KC_WARN(t->ctx.logger, "Leaving consumer group %s as %s: %s (its partitions move after the session "
                               "timeout)", group, instance, err.msg);
    if (leave_member) rd_kafka_mem_free(s.consumer, leave_member);
    if (s.ops->stop) s.ops->stop(s.state);
    rd_kafka_queue_destroy(s.wake_queue);
    rd_kafka_destroy(s.consumer);
    goto done;
close_consumer:
    kc_task_set_wake_queue(t, NULL);
    rd_kafka_consumer_close(s.consumer);
    rd_kafka_queue_destroy(s.wake_queue);
    rd_kafka_destroy(s.consumer);
done:
    kc_worker_buffer_return(w, s.buffer_share);
    t->ctx.report_errant = NULL;
    t->ctx.runner = NULL;
    if (s.dlq) {
        rd_kafka_flush(s.dlq, (int)w->shutdown_timeout_ms);
        rd_kafka_destroy(s.dlq);
    }
    if (s.skipped) KC_INFO(t->ctx.logger, "%lld records skipped by errors.tolerance=all", (long long)s.skipped);
    rd_kafka_topic_partition_list_destroy(s.offsets);
    rd_kafka_topic_partition_list_destroy(s.started);
    kc_topic_note_free(&s.read_topic);
    if (kc_task_alive(t)) kc_task_set_state(t, KC_STATE_UNASSIGNED);
    KC_INFO(t->ctx.logger, "Sink task stopped");
    return NULL;
}
