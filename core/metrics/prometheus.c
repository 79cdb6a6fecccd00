/* prometheus.c - the registry as Prometheus text (exposition format 0.0.4).
 *
 * Names are those Strimzi's JMX exporter rules give Connect's MBeans (kafka.connect<type=
 * source-task-metrics, connector=c, task=0><>source-record-poll-rate becomes
 * kafka_connect_source_task_source_record_poll_rate{connector="c",task="0"}), so dashboards and
 * alerts written for Connect fit. Two departures, where promtool's lint refuses those names:
 * Connect's *-ms values are given in seconds as *_seconds, and gauges whose names end in _count
 * are typed untyped (as the JMX exporter's default rules type everything).
 *
 * Rates and averages are taken over a window of 30 to 60 s, as Kafka's metrics are (two samples
 * of metrics.sample.window.ms = 30 s); maxima and percentages cover the task's life. */
#define _GNU_SOURCE
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kc_metrics_int.h"
#include "kc_worker_int.h"

#define WINDOW_MS 30000

int64_t kc_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- text format -------------------------------------------------------------------------- */

static void family(kc_buf *b, const char *name, const char *type, const char *help) {
    kc_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void label_value(kc_buf *b, const char *v) {
    for (; *v; v++) {
        if (*v == '\\') kc_buf_puts(b, "\\\\");
        else if (*v == '"') kc_buf_puts(b, "\\\"");
        else if (*v == '\n') kc_buf_puts(b, "\\n");
        else kc_buf_putc(b, *v);
    }
}

/* name{k1="v1",...} value: labels as NULL-terminated pairs. */
static void sample(kc_buf *b, const char *name, const char *const *labels, double value) {
    kc_buf_puts(b, name);
    if (labels && labels[0]) {
        kc_buf_putc(b, '{');
        for (int i = 0; labels[i]; i += 2) {
            kc_buf_printf(b, "%s%s=\"", i ? "," : "", labels[i]);
            label_value(b, labels[i + 1]);
            kc_buf_putc(b, '"');
        }
        kc_buf_putc(b, '}');
    }
    if (!isfinite(value)) value = 0;
    if (value == (double)(int64_t)value && fabs(value) < 9e15) kc_buf_printf(b, " %lld\n", (long long)value);
    else kc_buf_printf(b, " %.9g\n", value);
}

/* Connect's status values are its state names in lower case. */
static void lower_state(int state, char *out, size_t size) {
    snprintf(out, size, "%s", kc_state_name((kc_state)state));
    for (char *p = out; *p; p++) *p = (char)tolower((unsigned char)*p);
}

/* ---- tasks -------------------------------------------------------------------------------- */

/* One task read for a scrape: its totals now and at the start of the window. */
typedef struct view {
    kc_task_metrics *tm;
    kc_task_totals now, base;
    double window_s;
    double running_ratio, pause_ratio;
    json_t *stats; /* the client's statistics, parsed, or NULL */
} view;

static void read_totals(const kc_task_totals *src, kc_task_totals *dst) {
    dst->polled = __atomic_load_n(&src->polled, __ATOMIC_RELAXED);
    dst->written = __atomic_load_n(&src->written, __ATOMIC_RELAXED);
    dst->batches = __atomic_load_n(&src->batches, __ATOMIC_RELAXED);
    dst->batch_records = __atomic_load_n(&src->batch_records, __ATOMIC_RELAXED);
    dst->batch_us = __atomic_load_n(&src->batch_us, __ATOMIC_RELAXED);
    dst->commits = __atomic_load_n(&src->commits, __ATOMIC_RELAXED);
    dst->commit_us = __atomic_load_n(&src->commit_us, __ATOMIC_RELAXED);
    dst->commit_skips = __atomic_load_n(&src->commit_skips, __ATOMIC_RELAXED);
}

/* Under the registry's lock: reads tm, moving its window on when the newer sample is 30 s old. */
static void view_take(view *v, kc_task_metrics *tm, int64_t now_ms) {
    memset(v, 0, sizeof *v);
    v->tm = tm;
    read_totals(&tm->totals, &v->now);
    if (now_ms - tm->snap_ms[1] >= WINDOW_MS) {
        tm->snap[0] = tm->snap[1];
        tm->snap_ms[0] = tm->snap_ms[1];
        tm->snap[1] = v->now;
        tm->snap_ms[1] = now_ms;
    }
    v->base = tm->snap[0];
    v->window_s = (double)(now_ms - tm->snap_ms[0]) / 1000.0;
    double life = (double)(now_ms - tm->opened_ms);
    int64_t in_state = now_ms - tm->state_since_ms;
    if (life > 0) {
        v->running_ratio = (double)(tm->running_ms + (tm->state == KC_STATE_RUNNING ? in_state : 0)) / life;
        v->pause_ratio = (double)(tm->paused_ms + (tm->state == KC_STATE_PAUSED ? in_state : 0)) / life;
    }
    if (tm->client_stats) v->stats = json_loads(tm->client_stats, 0, NULL);
}

static double rate(const view *v, int64_t now, int64_t base) {
    return v->window_s > 0 ? (double)(now - base) / v->window_s : 0;
}

static double ratio(int64_t num, int64_t den) { return den > 0 ? (double)num / (double)den : 0; }

static int64_t load(const int64_t *field) { return __atomic_load_n(field, __ATOMIC_RELAXED); }

/* The largest consumer_lag over the partitions in a consumer's statistics; -1: none known. */
static int64_t stats_lag_max(json_t *stats) {
    int64_t max = -1;
    const char *topic, *part;
    json_t *t, *p;
    json_object_foreach(json_object_get(stats, "topics"), topic, t) {
        json_object_foreach(json_object_get(t, "partitions"), part, p) {
            json_int_t lag = json_integer_value(json_object_get(p, "consumer_lag"));
            if (strcmp(part, "-1") && json_is_integer(json_object_get(p, "consumer_lag")) && lag > max) max = lag;
        }
    }
    (void)topic;
    return max;
}

enum { ALL, SOURCE, SINK };

typedef enum task_metric {
    BATCH_SIZE_AVG, BATCH_SIZE_MAX, COMMIT_AVG_S, COMMIT_MAX_S, COMMIT_SUCCESS_PCT, COMMIT_FAILURE_PCT, PAUSE_RATIO,
    RUNNING_RATIO,
    POLL_TOTAL, POLL_RATE, WRITE_TOTAL, WRITE_RATE, POLL_BATCH_AVG_S, POLL_BATCH_MAX_S, SRC_ACTIVE, SRC_ACTIVE_MAX,
    TXN_AVG, TXN_MAX, TXN_MIN,
    READ_TOTAL, READ_RATE, SEND_TOTAL, SEND_RATE, SINK_ACTIVE, SINK_ACTIVE_MAX, PARTITIONS, COMMIT_SEQ,
    COMMIT_DONE_TOTAL, COMMIT_DONE_RATE, COMMIT_SKIP_TOTAL, COMMIT_SKIP_RATE, PUT_BATCH_AVG_S, PUT_BATCH_MAX_S, LAG_MAX,
    ERR_FAILURES, ERR_ERRORS, ERR_SKIPPED, ERR_RETRIES, ERR_LOGGED, DLQ_REQUESTS, DLQ_FAILURES, LAST_ERROR_TS,
    AUTO_RESTARTS
} task_metric;

typedef struct task_family {
    task_metric id;
    int kind;
    const char *name, *type, *help;
} task_family;

static const task_family task_families[] = {
    {BATCH_SIZE_AVG, ALL, "kafka_connect_connector_task_batch_size_avg", "gauge",
     "The average number of records in the batches the task has processed (window)."},
    {BATCH_SIZE_MAX, ALL, "kafka_connect_connector_task_batch_size_max", "gauge",
     "The number of records in the largest batch the task has processed."},
    {COMMIT_AVG_S, ALL, "kafka_connect_connector_task_offset_commit_avg_time_seconds", "gauge",
     "The average time taken by this task to commit offsets (window; Connect's offset-commit-avg-time-ms)."},
    {COMMIT_MAX_S, ALL, "kafka_connect_connector_task_offset_commit_max_time_seconds", "gauge",
     "The maximum time taken by this task to commit offsets (Connect's offset-commit-max-time-ms)."},
    {COMMIT_SUCCESS_PCT, ALL, "kafka_connect_connector_task_offset_commit_success_percentage", "gauge",
     "The share of this task's offset commit attempts that succeeded."},
    {COMMIT_FAILURE_PCT, ALL, "kafka_connect_connector_task_offset_commit_failure_percentage", "gauge",
     "The share of this task's offset commit attempts that failed."},
    {PAUSE_RATIO, ALL, "kafka_connect_connector_task_pause_ratio", "gauge",
     "The fraction of time this task has spent in the paused state."},
    {RUNNING_RATIO, ALL, "kafka_connect_connector_task_running_ratio", "gauge",
     "The fraction of time this task has spent in the running state."},
    {POLL_TOTAL, SOURCE, "kafka_connect_source_task_source_record_poll_total", "counter",
     "The number of records produced/polled (before transformation) by this task."},
    {POLL_RATE, SOURCE, "kafka_connect_source_task_source_record_poll_rate", "gauge",
     "The average per-second number of records produced/polled (before transformation) by this task (window)."},
    {WRITE_TOTAL, SOURCE, "kafka_connect_source_task_source_record_write_total", "counter",
     "The number of records output from the transformations and written to Kafka by this task."},
    {WRITE_RATE, SOURCE, "kafka_connect_source_task_source_record_write_rate", "gauge",
     "The average per-second number of records written to Kafka by this task (window)."},
    {POLL_BATCH_AVG_S, SOURCE, "kafka_connect_source_task_poll_batch_avg_time_seconds", "gauge",
     "The average time taken by this task to poll for a batch of source records (window)."},
    {POLL_BATCH_MAX_S, SOURCE, "kafka_connect_source_task_poll_batch_max_time_seconds", "gauge",
     "The maximum time taken by this task to poll for a batch of source records."},
    {SRC_ACTIVE, SOURCE, "kafka_connect_source_task_source_record_active_count", "untyped",
     "The number of records that have been produced by this task but not yet completely written to Kafka."},
    {SRC_ACTIVE_MAX, SOURCE, "kafka_connect_source_task_source_record_active_count_max", "gauge",
     "The maximum number of records that have been produced by this task but not yet completely written to Kafka."},
    {TXN_AVG, SOURCE, "kafka_connect_source_task_transaction_size_avg", "gauge",
     "The average number of records in the transactions the task has committed (exactly-once)."},
    {TXN_MAX, SOURCE, "kafka_connect_source_task_transaction_size_max", "gauge",
     "The number of records in the largest transaction the task has committed (exactly-once)."},
    {TXN_MIN, SOURCE, "kafka_connect_source_task_transaction_size_min", "gauge",
     "The number of records in the smallest transaction the task has committed (exactly-once)."},
    {READ_TOTAL, SINK, "kafka_connect_sink_task_sink_record_read_total", "counter",
     "The total number of records read from Kafka by this task since it was last restarted."},
    {READ_RATE, SINK, "kafka_connect_sink_task_sink_record_read_rate", "gauge",
     "The average per-second number of records read from Kafka by this task (window)."},
    {SEND_TOTAL, SINK, "kafka_connect_sink_task_sink_record_send_total", "counter",
     "The total number of records output from the transformations and sent/put to this task."},
    {SEND_RATE, SINK, "kafka_connect_sink_task_sink_record_send_rate", "gauge",
     "The average per-second number of records sent/put to this task (window)."},
    {SINK_ACTIVE, SINK, "kafka_connect_sink_task_sink_record_active_count", "untyped",
     "The number of records that have been read from Kafka but not yet completely committed by the task."},
    {SINK_ACTIVE_MAX, SINK, "kafka_connect_sink_task_sink_record_active_count_max", "gauge",
     "The maximum number of records that have been read from Kafka but not yet completely committed."},
    {PARTITIONS, SINK, "kafka_connect_sink_task_partition_count", "untyped",
     "The number of topic partitions assigned to this task."},
    {COMMIT_SEQ, SINK, "kafka_connect_sink_task_offset_commit_seq_no", "gauge",
     "The current sequence number for offset commits."},
    {COMMIT_DONE_TOTAL, SINK, "kafka_connect_sink_task_offset_commit_completion_total", "counter",
     "The total number of offset commit completions that were completed successfully."},
    {COMMIT_DONE_RATE, SINK, "kafka_connect_sink_task_offset_commit_completion_rate", "gauge",
     "The average per-second number of offset commit completions that were completed successfully (window)."},
    {COMMIT_SKIP_TOTAL, SINK, "kafka_connect_sink_task_offset_commit_skip_total", "counter",
     "The total number of offset commits that were skipped: there was nothing new to commit."},
    {COMMIT_SKIP_RATE, SINK, "kafka_connect_sink_task_offset_commit_skip_rate", "gauge",
     "The average per-second number of offset commits that were skipped (window)."},
    {PUT_BATCH_AVG_S, SINK, "kafka_connect_sink_task_put_batch_avg_time_seconds", "gauge",
     "The average time taken by this task to put a batch of sink records (window)."},
    {PUT_BATCH_MAX_S, SINK, "kafka_connect_sink_task_put_batch_max_time_seconds", "gauge",
     "The maximum time taken by this task to put a batch of sink records."},
    {LAG_MAX, SINK, "kafka_connect_sink_task_sink_record_lag_max", "gauge",
     "The maximum lag in terms of number of records that the sink task is behind the consumer's position for any "
     "topic partitions (from the consumer's latest statistics)."},
    {ERR_FAILURES, ALL, "kafka_connect_task_error_total_record_failures", "gauge",
     "The number of record processing failures in this task."},
    {ERR_ERRORS, ALL, "kafka_connect_task_error_total_record_errors", "gauge",
     "The number of record processing errors in this task."},
    {ERR_SKIPPED, ALL, "kafka_connect_task_error_total_records_skipped", "gauge",
     "The number of records skipped due to errors."},
    {ERR_RETRIES, ALL, "kafka_connect_task_error_total_retries", "gauge", "The number of operations retried."},
    {ERR_LOGGED, ALL, "kafka_connect_task_error_total_errors_logged", "gauge",
     "The number of errors that were logged."},
    {DLQ_REQUESTS, SINK, "kafka_connect_task_error_deadletterqueue_produce_requests", "gauge",
     "The number of attempted writes to the dead letter queue."},
    {DLQ_FAILURES, SINK, "kafka_connect_task_error_deadletterqueue_produce_failures", "gauge",
     "The number of failed writes to the dead letter queue."},
    {LAST_ERROR_TS, ALL, "kafka_connect_task_error_last_error_timestamp", "gauge",
     "The epoch timestamp (ms) when this task last encountered an error."},
    {AUTO_RESTARTS, ALL, "kcd_task_auto_restarts_total", "counter",
     "Automatic restarts of this task after transient failures (task.auto.restart.max.attempts)."},
};

/* NAN: no sample for this task (e.g. no transaction yet). */
static double task_value(const view *v, task_metric id) {
    const kc_task_metrics *tm = v->tm;
    const kc_task_totals *n = &v->now, *b = &v->base;
    switch (id) {
    case BATCH_SIZE_AVG: return ratio(n->batch_records - b->batch_records, n->batches - b->batches);
    case BATCH_SIZE_MAX: return (double)load(&tm->batch_max);
    case COMMIT_AVG_S: return ratio(n->commit_us - b->commit_us, n->commits - b->commits) / 1e6;
    case COMMIT_MAX_S: return (double)load(&tm->commit_us_max) / 1e6;
    case COMMIT_SUCCESS_PCT: return ratio(n->commits, n->commits + load(&tm->commit_failures));
    case COMMIT_FAILURE_PCT: return ratio(load(&tm->commit_failures), n->commits + load(&tm->commit_failures));
    case PAUSE_RATIO: return v->pause_ratio;
    case RUNNING_RATIO: return v->running_ratio;
    case POLL_TOTAL: case READ_TOTAL: return (double)n->polled;
    case POLL_RATE: case READ_RATE: return rate(v, n->polled, b->polled);
    case WRITE_TOTAL: case SEND_TOTAL: return (double)n->written;
    case WRITE_RATE: case SEND_RATE: return rate(v, n->written, b->written);
    case POLL_BATCH_AVG_S: case PUT_BATCH_AVG_S: return ratio(n->batch_us - b->batch_us, n->batches - b->batches) / 1e6;
    case POLL_BATCH_MAX_S: case PUT_BATCH_MAX_S: return (double)load(&tm->batch_us_max) / 1e6;
    case SRC_ACTIVE: case SINK_ACTIVE: return (double)load(&tm->active);
    case SRC_ACTIVE_MAX: case SINK_ACTIVE_MAX: return (double)load(&tm->active_max);
    case TXN_AVG: return load(&tm->txn_count) ? ratio(load(&tm->txn_records), load(&tm->txn_count)) : NAN;
    case TXN_MAX: return load(&tm->txn_count) ? (double)load(&tm->txn_max) : NAN;
    case TXN_MIN: return load(&tm->txn_count) ? (double)load(&tm->txn_min) : NAN;
    case PARTITIONS: return (double)load(&tm->partitions);
    case COMMIT_SEQ: return (double)load(&tm->commit_seq);
    case COMMIT_DONE_TOTAL: return (double)n->commits;
    case COMMIT_DONE_RATE: return rate(v, n->commits, b->commits);
    case COMMIT_SKIP_TOTAL: return (double)n->commit_skips;
    case COMMIT_SKIP_RATE: return rate(v, n->commit_skips, b->commit_skips);
    case LAG_MAX: {
        int64_t lag = v->stats ? stats_lag_max(v->stats) : -1;
        return lag >= 0 ? (double)lag : NAN;
    }
    case ERR_FAILURES: return (double)load(&tm->record_failures);
    case ERR_ERRORS: return (double)load(&tm->record_errors);
    case ERR_SKIPPED: return (double)load(&tm->records_skipped);
    case ERR_RETRIES: return (double)load(&tm->retries);
    case ERR_LOGGED: return (double)load(&tm->errors_logged);
    case DLQ_REQUESTS: return (double)load(&tm->dlq_requests);
    case DLQ_FAILURES: return (double)load(&tm->dlq_failures);
    case LAST_ERROR_TS: return (double)load(&tm->last_error_ms);
    case AUTO_RESTARTS: return (double)load(&tm->auto_restarts);
    }
    return NAN;
}

static int kind_fits(int kind, const kc_task_metrics *tm) {
    return kind == ALL || (kind == SOURCE) == (tm->is_source != 0);
}

static void render_tasks(kc_buf *b, view *views, size_t n) {
    for (size_t f = 0; f < sizeof task_families / sizeof *task_families; f++) {
        const task_family *tf = &task_families[f];
        int header = 0;
        for (size_t i = 0; i < n; i++) {
            if (!kind_fits(tf->kind, views[i].tm)) continue;
            double value = task_value(&views[i], tf->id);
            if (isnan(value)) continue;
            if (!header++) family(b, tf->name, tf->type, tf->help);
            char task[16];
            snprintf(task, sizeof task, "%d", views[i].tm->task);
            const char *labels[] = {"connector", views[i].tm->connector, "task", task, NULL};
            sample(b, tf->name, labels, value);
        }
    }
    /* connector-task-metrics' status attribute: one sample per task, its state as a label */
    if (n) family(b, "kafka_connect_connector_task_status", "gauge", "The status of the connector task.");
    for (size_t i = 0; i < n; i++) {
        char task[16], state[32];
        snprintf(task, sizeof task, "%d", views[i].tm->task);
        lower_state(views[i].tm->state, state, sizeof state);
        const char *labels[] = {"connector", views[i].tm->connector, "task", task, "status", state, NULL};
        sample(b, "kafka_connect_connector_task_status", labels, 1);
    }
}

/* A plugin's counter name as a metric name: kcd_<name>_total, [a-zA-Z0-9_] only. */
static void plugin_metric_name(const char *name, char *out, size_t size) {
    size_t o = (size_t)snprintf(out, size, "kcd_");
    for (const char *p = name; *p && o + 7 < size; p++)
        out[o++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
    snprintf(out + o, size - o, "_total");
}

static void render_plugin_counters(kc_buf *b, view *views, size_t n) {
    /* one family per name, over every task that has it: names are few, a scan per name will do */
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < views[i].tm->nplugin; k++) {
            const char *name = views[i].tm->plugin[k].name;
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                for (size_t q = 0; q < views[j].tm->nplugin && !seen; q++)
                    seen = !strcmp(views[j].tm->plugin[q].name, name);
            if (seen) continue;
            char metric[200];
            plugin_metric_name(name, metric, sizeof metric);
            char help[300];
            snprintf(help, sizeof help, "The plugin's counter %s.", name);
            family(b, metric, "counter", help);
            for (size_t j = i; j < n; j++)
                for (size_t q = 0; q < views[j].tm->nplugin; q++)
                    if (!strcmp(views[j].tm->plugin[q].name, name)) {
                        char task[16];
                        snprintf(task, sizeof task, "%d", views[j].tm->task);
                        const char *labels[] = {"connector", views[j].tm->connector, "task", task, NULL};
                        sample(b, metric, labels, views[j].tm->plugin[q].value);
                    }
        }
    }
}

/* ---- librdkafka's statistics -------------------------------------------------------------- */

typedef enum client_metric { RECORDS_LAG, RECORDS_LAG_MAX, CONSUMED_TOTAL, BUFFER_TOTAL, BUFFER_AVAILABLE, QUEUE_MSGS,
                             SENT_TOTAL } client_metric;

static const struct {
    client_metric id;
    const char *client_type; /* "consumer" or "producer" */
    const char *name, *type, *help;
} client_families[] = {
    {RECORDS_LAG, "consumer", "kafka_consumer_fetch_manager_records_lag", "gauge",
     "The consumer's lag on the partition (librdkafka consumer_lag)."},
    {RECORDS_LAG_MAX, "consumer", "kafka_consumer_fetch_manager_records_lag_max", "gauge",
     "The consumer's largest lag over its partitions."},
    {CONSUMED_TOTAL, "consumer", "kafka_consumer_fetch_manager_records_consumed_total", "counter",
     "Messages the consumer received (librdkafka rxmsgs)."},
    {BUFFER_TOTAL, "producer", "kafka_producer_buffer_total_bytes", "gauge",
     "The producer's queue size limit (librdkafka queue.buffering.max.kbytes)."},
    {BUFFER_AVAILABLE, "producer", "kafka_producer_buffer_available_bytes", "gauge",
     "The producer queue's unused bytes."},
    {QUEUE_MSGS, "producer", "kcd_producer_queue_messages", "gauge",
     "Messages waiting in the producer's queue or in flight (librdkafka msg_cnt)."},
    {SENT_TOTAL, "producer", "kafka_producer_record_send_total", "counter",
     "Messages the producer sent to brokers (librdkafka txmsgs)."},
};

static double stat_num(json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

/* Family f's samples from one client's statistics st; *header: the family was declared. */
static void client_samples(kc_buf *b, size_t f, json_t *st, int *header) {
    const char *type = json_string_value(json_object_get(st, "type"));
    const char *client = json_string_value(json_object_get(st, "client_id"));
    if (!type || !client || strcmp(type, client_families[f].client_type)) return;
    const char *name = client_families[f].name;
    double value = NAN;
    switch (client_families[f].id) {
    case RECORDS_LAG: { /* one sample per partition whose lag is known */
        const char *topic, *part;
        json_t *t, *p;
        json_object_foreach(json_object_get(st, "topics"), topic, t) {
            json_object_foreach(json_object_get(t, "partitions"), part, p) {
                json_t *lag = json_object_get(p, "consumer_lag");
                if (!strcmp(part, "-1") || !json_is_integer(lag) || json_integer_value(lag) < 0) continue;
                if (!(*header)++) family(b, name, client_families[f].type, client_families[f].help);
                const char *labels[] = {"clientid", client, "topic", topic, "partition", part, NULL};
                sample(b, name, labels, (double)json_integer_value(lag));
            }
        }
        return;
    }
    case RECORDS_LAG_MAX: {
        int64_t lag = stats_lag_max(st);
        if (lag >= 0) value = (double)lag;
        break;
    }
    case CONSUMED_TOTAL: value = stat_num(st, "rxmsgs"); break;
    case BUFFER_TOTAL: value = stat_num(st, "msg_size_max"); break;
    case BUFFER_AVAILABLE: value = stat_num(st, "msg_size_max") - stat_num(st, "msg_size"); break;
    case QUEUE_MSGS: value = stat_num(st, "msg_cnt"); break;
    case SENT_TOTAL: value = stat_num(st, "txmsgs"); break;
    }
    if (isnan(value)) return;
    if (!(*header)++) family(b, name, client_families[f].type, client_families[f].help);
    const char *labels[] = {"clientid", client, NULL};
    sample(b, name, labels, value);
}

static void render_clients(kc_buf *b, view *views, size_t n) {
    for (size_t f = 0; f < sizeof client_families / sizeof *client_families; f++) {
        int header = 0;
        for (size_t i = 0; i < n; i++)
            if (views[i].stats) client_samples(b, f, views[i].stats, &header);
    }
}

/* ---- the worker and its connectors -------------------------------------------------------- */

static void worker_count(kc_buf *b, const char *name, const char *type, const char *help, double value) {
    family(b, name, type, help);
    sample(b, name, NULL, value);
}

static double percent(int64_t part, int64_t whole) { return whole ? (double)part / (double)whole : 0; }

static void render_worker(kc_buf *b, kc_metrics *m, view *views, size_t n) {
    size_t nconn = 0;
    for (kc_connector_metrics *c = m->connectors; c; c = c->next) nconn++;
    worker_count(b, "kafka_connect_worker_connector_count", "untyped", "The number of connectors run in this worker.",
                 (double)nconn);
    worker_count(b, "kafka_connect_worker_task_count", "untyped", "The number of tasks run in this worker.",
                 (double)n);
    static const char *const what[2] = {"connector", "task"};
    for (int t = 0; t < 2; t++) {
        int64_t ok = load(t ? &m->task_start_ok : &m->connector_start_ok);
        int64_t failed = load(t ? &m->task_start_failed : &m->connector_start_failed);
        char name[128], help[200];
        snprintf(name, sizeof name, "kafka_connect_worker_%s_startup_attempts_total", what[t]);
        snprintf(help, sizeof help, "The total number of %s startups that this worker has attempted.", what[t]);
        worker_count(b, name, "counter", help, (double)(ok + failed));
        snprintf(name, sizeof name, "kafka_connect_worker_%s_startup_success_total", what[t]);
        snprintf(help, sizeof help, "The total number of %s starts that succeeded.", what[t]);
        worker_count(b, name, "counter", help, (double)ok);
        snprintf(name, sizeof name, "kafka_connect_worker_%s_startup_failure_total", what[t]);
        snprintf(help, sizeof help, "The total number of %s starts that failed.", what[t]);
        worker_count(b, name, "counter", help, (double)failed);
        snprintf(name, sizeof name, "kafka_connect_worker_%s_startup_success_percentage", what[t]);
        snprintf(help, sizeof help, "The share of this worker's %s starts that succeeded.", what[t]);
        worker_count(b, name, "gauge", help, percent(ok, ok + failed));
        snprintf(name, sizeof name, "kafka_connect_worker_%s_startup_failure_percentage", what[t]);
        snprintf(help, sizeof help, "The share of this worker's %s starts that failed.", what[t]);
        worker_count(b, name, "gauge", help, percent(failed, ok + failed));
    }
    /* per connector: its tasks on this worker by state */
    static const struct {
        kc_state state;
        const char *name;
    } by_state[] = {
        {KC_STATE_RUNNING, "running"},       {KC_STATE_PAUSED, "paused"},         {KC_STATE_FAILED, "failed"},
        {KC_STATE_UNASSIGNED, "unassigned"}, {KC_STATE_RESTARTING, "restarting"}, {KC_STATE_STOPPED, "destroyed"},
    };
    for (size_t s = 0; s <= sizeof by_state / sizeof *by_state; s++) {
        int total = s == sizeof by_state / sizeof *by_state;
        char name[128], help[200];
        snprintf(name, sizeof name, "kafka_connect_worker_connector_%s_task_count", total ? "total" : by_state[s].name);
        snprintf(help, sizeof help, "The number of %s tasks of the connector on the worker.",
                 total ? "all" : by_state[s].name);
        if (m->connectors) family(b, name, "untyped", help);
        for (kc_connector_metrics *c = m->connectors; c; c = c->next) {
            int count = 0;
            for (size_t i = 0; i < n; i++)
                if (!strcmp(views[i].tm->connector, c->name) && (total || views[i].tm->state == (int)by_state[s].state))
                    count++;
            const char *labels[] = {"connector", c->name, NULL};
            sample(b, name, labels, count);
        }
    }
    if (!m->connectors) return;
    /* connector-metrics: its string attributes as labels of a sample valued 1 */
    static const char *const attr[4] = {"status", "connector_class", "connector_type", "connector_version"};
    static const char *const attr_help[4] = {"The status of the connector.", "The name of the connector class.",
                                             "The type of the connector: source or sink.",
                                             "The version of the connector class, as reported by the connector."};
    for (int a = 0; a < 4; a++) {
        char name[128];
        snprintf(name, sizeof name, "kafka_connect_connector_%s", attr[a]);
        family(b, name, "gauge", attr_help[a]);
        for (kc_connector_metrics *c = m->connectors; c; c = c->next) {
            char state[32];
            lower_state(__atomic_load_n(&c->state, __ATOMIC_RELAXED), state, sizeof state);
            const char *value = a == 0 ? state : a == 1 ? c->cls : a == 2 ? c->type : c->version;
            const char *labels[] = {"connector", c->name, attr[a], value, NULL};
            sample(b, name, labels, 1);
        }
    }
}

static void render_rebalance(kc_buf *b, kc_metrics *m) {
    if (!m->distributed) return;
    int64_t now = kc_now_ms();
    worker_count(b, "kafka_connect_worker_rebalance_completed_rebalances_total", "counter",
                 "The total number of rebalances completed by this worker.", (double)m->rebalances);
    worker_count(b, "kafka_connect_worker_rebalance_epoch", "gauge", "The epoch or generation number of this worker.",
                 m->epoch);
    worker_count(b, "kafka_connect_worker_rebalance_rebalancing", "gauge",
                 "Whether this worker is currently rebalancing.", m->rebalance_began_ms ? 1 : 0);
    worker_count(b, "kafka_connect_worker_rebalance_time_since_last_rebalance_seconds", "gauge",
                 "The time since this worker completed the most recent rebalance.",
                 (double)(now - m->last_rebalance_ms) / 1000.0);
    worker_count(b, "kafka_connect_worker_rebalance_rebalance_avg_time_seconds", "gauge",
                 "The average time spent by this worker to rebalance.",
                 m->rebalances ? (double)m->rebalance_ms_total / (double)m->rebalances / 1000.0 : 0);
    worker_count(b, "kafka_connect_worker_rebalance_rebalance_max_time_seconds", "gauge",
                 "The maximum time spent by this worker to rebalance.", (double)m->rebalance_ms_max / 1000.0);
    family(b, "kafka_connect_worker_rebalance_leader_name", "untyped", "The name of the group leader.");
    const char *leader[] = {"leader_name", m->leader ? m->leader : "", NULL};
    sample(b, "kafka_connect_worker_rebalance_leader_name", leader, 1);
    family(b, "kafka_connect_worker_rebalance_connect_protocol", "untyped",
           "The Connect protocol used by this cluster.");
    const char *proto[] = {"connect_protocol", m->protocol, NULL};
    sample(b, "kafka_connect_worker_rebalance_connect_protocol", proto, 1);
}

void kc_metrics_render(kc_metrics *m, kc_buf *out) {
    if (m) {
        pthread_mutex_lock(&m->lock);
        size_t n = 0;
        for (kc_task_metrics *tm = m->tasks; tm; tm = tm->next) n++;
        view *views = calloc(n ? n : 1, sizeof *views);
        if (!views) {
            out->failed = 1;
        } else {
            int64_t now = kc_now_ms();
            size_t i = 0;
            for (kc_task_metrics *tm = m->tasks; tm; tm = tm->next) view_take(&views[i++], tm, now);
            render_worker(out, m, views, n);
            render_rebalance(out, m);
            render_tasks(out, views, n);
            render_plugin_counters(out, views, n);
            render_clients(out, views, n);
            for (i = 0; i < n; i++) json_decref(views[i].stats);
            free(views);
        }
        pthread_mutex_unlock(&m->lock);
    }
    kc_metrics_render_process(out);
}
