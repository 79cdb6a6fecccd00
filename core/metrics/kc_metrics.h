/* kc_metrics.h - the worker's metrics: Kafka Connect's metric groups (connect-worker-metrics,
 * connect-worker-rebalance-metrics, connector-metrics, connector-task-metrics,
 * source-task-metrics, sink-task-metrics, task-error-metrics), plugin counters, librdkafka's
 * statistics and the process's, rendered as Prometheus text under the names the usual JMX
 * exporter rules (Strimzi's) give them.
 *
 * Ownership and threads: a task counts into its own kc_task_metrics with relaxed atomic adds,
 * no lock on the record path; only its own thread writes its counters. The registry owns every
 * object it opened until it is closed; a scrape reads them all under the registry's lock, so an
 * object is freed only after it left the registry. */
#ifndef KC_METRICS_H
#define KC_METRICS_H

#include <pthread.h>
#include <stdint.h>

#include "kc_buf.h"

typedef struct kc_metrics kc_metrics;

/* Where the metrics of a task's lifetime stand (the task's thread writes, scrapes read). */
typedef struct kc_task_totals {
    int64_t polled;        /* source: records poll() returned; sink: records read from Kafka */
    int64_t written;       /* source: records Kafka acknowledged; sink: records put() accepted */
    int64_t batches;       /* poll() calls that returned records; put() calls with records */
    int64_t batch_records; /* records in those batches */
    int64_t batch_us;      /* time in those poll() / put() calls */
    int64_t commits;       /* offset commits that succeeded */
    int64_t commit_us;     /* time in those */
    int64_t commit_skips;  /* commits with nothing to commit (sink) */
} kc_task_totals;

typedef struct kc_task_metrics kc_task_metrics;
struct kc_task_metrics {
    kc_metrics *registry;
    kc_task_metrics *next; /* registry list */
    char *connector;
    int task;
    int is_source;
    int64_t opened_ms;     /* kc_now_ms when opened: ratios and rates start here */
    int state;             /* kc_state */
    int64_t state_since_ms;
    int64_t running_ms, paused_ms; /* time spent in those states, up to state_since_ms */
    int started;           /* the task reached RUNNING once since opened */

    kc_task_totals totals;
    int64_t batch_max, batch_us_max, commit_us_max;
    int64_t commit_failures;
    int64_t active, active_max; /* records in flight: produced not acknowledged / read not committed */
    int64_t partitions;         /* sink: partitions assigned */
    int64_t commit_seq;         /* sink: offset-commit-seq-no */
    int64_t txn_count, txn_records, txn_max, txn_min; /* exactly-once sources: committed transactions */
    /* task-error-metrics */
    int64_t record_failures, record_errors, records_skipped, retries, errors_logged;
    int64_t dlq_requests, dlq_failures, last_error_ms;
    int64_t auto_restarts;

    /* guarded by the registry's lock (scrapes); written by the task's thread */
    kc_task_totals snap[2]; /* the window the rates and averages are taken over */
    int64_t snap_ms[2];
    struct plugin_counter *plugin; /* counters a plugin added to (host metric_add) */
    size_t nplugin;
    char *client_stats;     /* the latest librdkafka statistics JSON of the task's producer or consumer */
};

/* The counters' helpers: relaxed atomics, for the task's own thread. */
#define KC_METRIC_ADD(field, n) __atomic_fetch_add(&(field), (int64_t)(n), __ATOMIC_RELAXED)
#define KC_METRIC_SET(field, v) __atomic_store_n(&(field), (int64_t)(v), __ATOMIC_RELAXED)
void kc_metric_max(int64_t *field, int64_t v);

kc_metrics *kc_metrics_new(void);
/* Frees the registry and every object still in it. */
void kc_metrics_free(kc_metrics *m);

/* A task's metrics, registered (NULL: out of memory; every call below takes NULL and does
 * nothing). connector is copied. */
kc_task_metrics *kc_metrics_task_open(kc_metrics *m, const char *connector, int task, int is_source);
/* Unregisters and frees tm. */
void kc_metrics_task_close(kc_task_metrics *tm);
/* The task's state changed (kc_state). */
void kc_metrics_task_state(kc_task_metrics *tm, int state);
/* n records came in: poll() returned them (source), or they were read from Kafka (sink). */
void kc_metrics_task_read(kc_task_metrics *tm, int64_t n);
/* A batch of n records (n > 0) took us microseconds in poll() or put(). */
void kc_metrics_task_batch(kc_task_metrics *tm, int64_t n, int64_t us);
/* An offset commit: ok 1 (took us), 0 failed, -1 nothing to commit. */
void kc_metrics_task_commit(kc_task_metrics *tm, int ok, int64_t us);
/* An exactly-once transaction of n records committed. */
void kc_metrics_task_transaction(kc_task_metrics *tm, int64_t n);
/* A record failed a stage (converter, transform, put): skipped (tolerated) or not, logged or not. */
void kc_metrics_task_error(kc_task_metrics *tm, int skipped, int logged);
/* A plugin's counter (host metric_add): name copied on first use. */
void kc_metrics_task_plugin_add(kc_task_metrics *tm, const char *name, double delta);
/* librdkafka's statistics of the task's producer (source) or consumer (sink): json copied. */
void kc_metrics_task_client_stats(kc_task_metrics *tm, const char *json, size_t len);
/* n records went out: acknowledged by Kafka (source), accepted by put() (sink). */
void kc_metrics_task_written(kc_task_metrics *tm, int64_t n);

/* A connector's metrics (connector-metrics and its part of connect-worker-metrics). */
typedef struct kc_connector_metrics kc_connector_metrics;
kc_connector_metrics *kc_metrics_connector_open(kc_metrics *m, const char *name, const char *cls, const char *type,
                                                const char *version);
void kc_metrics_connector_close(kc_connector_metrics *cm);
void kc_metrics_connector_state(kc_connector_metrics *cm, int state);

/* connect-worker-metrics' startup counters: a connector's or a task's start, ok or not. */
void kc_metrics_startup(kc_metrics *m, int is_task, int ok);

/* connect-worker-rebalance-metrics (distributed mode): a rebalance began (this worker's
 * assignment is being revoked), a rebalance completed (generation joined, leader's URL, the
 * protocol's name: eager, compatible, sessioned). */
void kc_metrics_rebalance_begin(kc_metrics *m);
void kc_metrics_rebalance_end(kc_metrics *m, int32_t generation, const char *leader, const char *protocol);

/* The Prometheus text format (version 0.0.4) of everything registered, then the process's
 * metrics. Out of memory leaves out->failed set. */
void kc_metrics_render(kc_metrics *m, kc_buf *out);

/* The process's resident memory, CPU time, open files and their limit, start time. */
void kc_metrics_render_process(kc_buf *out);

#endif
