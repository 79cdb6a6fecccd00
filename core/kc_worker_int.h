/* kc_worker_int.h - worker, connectors and tasks: the herder's view of what runs. */
#ifndef KC_WORKER_INT_H
#define KC_WORKER_INT_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdint.h>

#include "kc_config_int.h"
#include "kc_metrics.h"
#include "kc_offset_store.h"
#include "kc_plugin_int.h"

typedef enum kc_state {
    KC_STATE_UNASSIGNED = 0,
    KC_STATE_RUNNING,
    KC_STATE_PAUSED,
    KC_STATE_STOPPED,
    KC_STATE_FAILED,
    KC_STATE_RESTARTING
} kc_state;

const char *kc_state_name(kc_state s);

/* What the user asked for (Connect's target states). */
typedef enum kc_target_state { KC_TARGET_STARTED = 0, KC_TARGET_PAUSED, KC_TARGET_STOPPED } kc_target_state;

const char *kc_target_name(kc_target_state t);
int kc_target_parse(const char *s, kc_target_state *out);

typedef struct kc_worker kc_worker;
typedef struct kc_connector kc_connector;

struct kc_task_ctx {
    kc_worker *worker;
    const char *connector;
    int task_id;          /* -1 for the connector */
    int stop;             /* set by the worker, read by the task thread (atomics) */
    int reconfigure;      /* set by the plugin */
    int paused;           /* set by the herder: the task keeps its assignment but moves nothing */
    char logger[160];     /* e.g. "WorkerSourceTask{id=name-0}" */
    /* transaction.boundary=connector: requests from the task, read by its own thread */
    int txn_by_connector;
    const kc_record *txn_commit_after, *txn_abort_after;
    int txn_commit_batch, txn_abort_batch;
    /* sink tasks: the runner answering report_errant (set while put() runs) */
    int (*report_errant)(void *runner, const kc_record *r, const char *message);
    void *runner;
    int commit_requested; /* sink tasks: request_commit() was called (atomics) */
};

/* A converter instance (per task, one each for keys, values and headers, as in Connect). */
typedef struct kc_converter {
    const kc_plugin *plugin;
    void *state;
} kc_converter;

/* What a converter instance converts: its settings are <role>.converter and its prefix. */
typedef enum kc_converter_role {
    KC_CONVERTER_KEY,
    KC_CONVERTER_VALUE,
    KC_CONVERTER_HEADER,
    KC_CONVERTER_ROLES
} kc_converter_role;
/* The setting naming each role's converter ("key.converter", ...), indexed by role: Connect's
 * order, which validation's messages follow. */
extern const char *const kc_converter_keys[KC_CONVERTER_ROLES];
int kc_converter_open(kc_converter *c, kc_worker *w, const kc_config *conn_cfg, kc_converter_role role,
                      kc_error *err);
/* The converter plugin class names; for_headers: a header converter (HEADER_CONVERTER or
 * CONVERTER), else a CONVERTER. */
const kc_plugin *kc_find_converter(kc_worker *w, const char *cls, int for_headers);
/* The converter plugin a connector's key (key.converter, value.converter, header.converter) names,
 * else the worker's; NULL when neither names an installed one. conn_cfg may be NULL. */
const kc_plugin *kc_connector_converter(kc_worker *w, const kc_config *conn_cfg, const char *key);
void kc_converter_close(kc_converter *c);

/* The transform chain of a connector (transforms= and predicates=). */
typedef struct kc_transform_stage {
    char *alias;
    const kc_plugin *plugin;
    void *state;
    int predicate; /* index into preds, -1 when none */
    int negate;
} kc_transform_stage;

typedef struct kc_predicate_inst {
    char *alias;
    const kc_plugin *plugin;
    void *state;
} kc_predicate_inst;

/* errors.retry.timeout / errors.retry.delay.max.ms: how long a stage that answers KC_ERETRY is
 * tried again, with exponential backoff (300 ms doubling, capped) and jitter. */
typedef struct kc_retry_policy {
    int64_t timeout_ms; /* 0: no retries; -1: forever */
    int64_t delay_max_ms;
    const int *stop;    /* a stop flag to give up early on (may be NULL) */
    int64_t *retries;   /* counts each retry (task-error-metrics' total-retries; may be NULL) */
} kc_retry_policy;

void kc_retry_policy_init(kc_retry_policy *p, const kc_config *conn_cfg);
/* Sleeps before the next attempt; returns 0 to retry, -1 when the time is up. *started_ms is
 * when the operation first failed: 0 on the first call, which sets it (no clock read on the
 * path that does not fail). */
int kc_retry_wait(const kc_retry_policy *p, int attempt, int64_t *started_ms);

/* A converter call under errors.retry.*: KC_ERETRY answers are tried again with backoff. */
int kc_converter_to_connect(const kc_converter *c, const kc_retry_policy *retry, const char *topic,
                           const uint8_t *data, size_t len, kc_schema **schema, kc_value *v, kc_error *err);
int kc_converter_from_connect(const kc_converter *c, const kc_retry_policy *retry, const char *topic,
                              const kc_schema *schema, const kc_value *v, uint8_t **out, size_t *len, kc_error *err);

typedef struct kc_transform_chain {
    kc_retry_policy retry;
    kc_transform_stage *stages;
    size_t nstages;
    kc_predicate_inst *preds;
    size_t npreds;
} kc_transform_chain;

int kc_transform_chain_open(kc_transform_chain *chain, const kc_registry *reg, const kc_config *conn_cfg,
                            kc_error *err);
/* Runs r through the chain: KC_KEEP, KC_DROP, or an error naming the transform. */
int kc_transform_chain_apply(kc_transform_chain *chain, kc_record *r, kc_error *err);
void kc_transform_chain_close(kc_transform_chain *chain);

typedef struct kc_task {
    kc_connector *conn;
    int id;
    kc_config config;
    kc_task_ctx ctx;
    pthread_t thread;
    int thread_started;
    int done; /* the thread has finished (atomics) */
    kc_state state;
    int fail_transient; /* the failure was KC_ERETRY at start or KC_EOUTAGE: restarted automatically */
    int auto_restarts;  /* automatic restarts in a row (kc_task_restart_due) */
    char trace[KC_ERROR_MSG_MAX + 128];
    kc_converter key_conv, value_conv, header_conv;
    kc_transform_chain chain;
    kc_task_metrics *metrics; /* from its start to its stop; NULL when out of memory */
    /* what the plugin says needs attention while it runs (task_problem), under the worker's
     * problems_lock; problem_seq counts changes, for the distributed herder's status records */
    char problem[512];
    int problem_seq;
    /* the queue the task's thread waits on (a sink's consumer queue), yielded by kc_task_wake so
     * a stop or a pause is seen at once however long the wait; set by the task's thread, under
     * the worker's task wake lock */
    rd_kafka_queue_t *wake_queue;
} kc_task;

struct kc_connector {
    kc_worker *worker;
    char *name;
    kc_config raw;    /* as the user gave it: what REST shows */
    kc_config config; /* validated, defaults filled, providers resolved */
    kc_resolved resolved; /* what providers gave config: registered with the log while it runs */
    kc_target_state target;
    /* held while what REST reads of the connector changes (status, trace, tasks, ntasks, a task's
     * config): the standalone herder's lock, which readers hold; NULL when nothing reads it so
     * (distributed mode answers from the status topic). Never held while anything waits. */
    pthread_mutex_t *view_lock;
    pthread_mutex_t topics_lock;
    kc_strlist topics; /* topics the tasks really used (REST /topics) */
    int topics_epoch;  /* bumped by each reset of topics (atomic): tasks report theirs again */
    const kc_plugin *plugin;
    void *plugin_state;
    kc_task_ctx ctx;
    kc_task *tasks;
    int ntasks;
    /* tasks generated once: a connector created PAUSED (initial_state) makes none until it is
     * first resumed, as Connect's (kc_connector_run) */
    int tasks_generated;
    kc_state status; /* set with kc_connector_set_status */
    char trace[KC_ERROR_MSG_MAX + 128];
    kc_connector_metrics *metrics;
};

struct kc_worker {
    kc_config config;
    kc_metrics *metrics; /* GET /metrics; NULL when out of memory (nothing is counted) */
    pthread_mutex_t problems_lock; /* every task's problem text */
    kc_registry registry;
    kc_config_providers providers;
    kc_offset_store *offsets;
    char *bootstrap;         /* the brokers every client uses */
    rd_kafka_t *mock_rk;     /* embedded default: handle owning the mock cluster */
    void *mock_cluster;
    int64_t flush_interval_ms;
    int64_t shutdown_timeout_ms;
    /* tasks.buffer.max.bytes, and what running tasks' clients took of it (atomic) */
    int64_t buffer_budget, buffer_reserved;
    int stopping;
    pthread_mutex_t embedded_lock;
    kc_strlist embedded_topics;
    /* connector.allowed.paths (resolved folders) and connector.allowed.interfaces */
    int restrict_paths, restrict_interfaces;
    kc_strlist allowed_paths, allowed_interfaces;
    /* distributed mode: until when (kc_now_ms) the worker's group session surely holds; tasks
     * write nothing past it, so a worker frozen past its session (SIGSTOP, a stall) cannot write
     * beside the worker its tasks moved to. 0: no group (standalone), always held. Atomics. */
    int64_t lease_until_ms;
    /* What makes this worker's sink members its own (a hash of its offsets file, or of its
     * distributed worker id; "": none, dynamic membership): their group.instance.id is
     * <connector>-<task>-<this>, the same when the worker starts again, another for another
     * worker sharing the connector's group. */
    char static_member_key[17];
    /* Takes a sink task's static consumer-group member out of its group (set by kcd's main to
     * kc_static_member_leave; NULL: not done, the member stays until its session ends). */
    int (*leave_static_member)(struct kc_worker *w, const char *group, const char *member_id, const char *instance_id,
                               kc_error *err);
};

/* Connect's transactional.id of an exactly-once source task, <group.id>-<connector>-<task>
 * (group.id kcd-standalone when unset): the same across restarts and workers, so a new instance,
 * or the leader fencing an earlier generation, fences the producer it replaces. */
void kc_task_transactional_id(const kc_worker *w, const char *connector, int task, char *out, size_t size);

/* Sets w->static_member_key from what identifies the worker (NULL: none). */
void kc_worker_set_static_member_key(kc_worker *w, const char *identity);

/* 1 while the worker may write (kc_worker.lease_until_ms). */
int kc_worker_lease_held(kc_worker *w);

/* Connector names longer than this are refused (they travel in URLs, group ids and logs). */
#define KC_CONNECTOR_NAME_MAX 1024

/* 1 when path (absolute, no ".." part; a glob's folder part counts) lies within one of the
 * resolved allowed folders, symlinks followed as far as the path exists. */
int kc_host_path_allowed(const kc_strlist *allowed, const char *path);

/* Definition tables of the worker config and of the keys every connector takes. */
extern const kc_config_def kc_worker_config_defs[];
extern const kc_config_def kc_connector_common_defs[];
extern const kc_config_def kc_sink_common_defs[];
extern const kc_config_def kc_source_common_defs[];

/* Validates a worker config; problems get one line each. */
int kc_worker_config_check(kc_config *cfg, kc_strlist *problems, kc_strlist *warnings);
int kc_worker_init(kc_worker *w, const kc_config *cfg, kc_strlist *problems);
/* exactly.once.source.support=enabled ("preparing" is disabled in standalone mode). */
int kc_worker_exactly_once(const kc_config *worker_cfg);
void kc_worker_free(kc_worker *w);
/* Embedded default: creates a topic with one partition (Kafka's num.partitions default)
 * before anything auto-creates it with the mock cluster's four. No-op on a real cluster. */
void kc_worker_embedded_topic(kc_worker *w, const char *topic);
/* bootstrap.servers, or the embedded mock cluster when it is absent. */
int kc_worker_connect_kafka(kc_worker *w, kc_error *err);

/* Checks a connector config (common keys + plugin table, transforms, converters, the worker's
 * limits): fills defaults, resolves config providers, reports problems and unknown keys. What the
 * providers gave goes to resolved (may be NULL) and appears in no problem or warning. */
int kc_connector_config_check(kc_worker *w, kc_config *cfg, const kc_plugin **plugin_out, kc_resolved *resolved,
                              kc_strlist *problems, kc_strlist *warnings);
/* Checks only the transforms= and predicates= parts of a connector config (kcd transform). */
int kc_transforms_config_check(kc_worker *w, kc_config *cfg, kc_strlist *problems, kc_strlist *warnings);
/* A flat JSON object as a config: strings as they are, numbers and booleans as their text;
 * null is an error unless allow_null (PATCH: it removes the key, stored as a NULL value). */
struct json_t;
int kc_config_from_json(const struct json_t *obj, kc_config *out, int allow_null, kc_error *err);
/* Reads a connector file: Java properties, a flat JSON map, or {"name","config"}. */
int kc_connector_file_load(const char *path, kc_config *out, kc_error *err);

/* A task thread's memory of the topic it reported last (kc_connector_note_topic). */
typedef struct kc_topic_note {
    char *topic; /* owned; NULL: none yet */
    int epoch;   /* the connector's topics_epoch when it was reported */
} kc_topic_note;

/* Connect records a topic as active for every record (a source's once Kafka acknowledged it, a
 * sink's as it is read), and after PUT .../topics/reset the next record lists it again: this
 * does the same, adding topic to the connector's list (thread-safe) only when it is not the one
 * the task reported last or a reset came since (a compare per record otherwise). */
void kc_connector_note_topic(kc_connector *c, kc_topic_note *note, const char *topic);
void kc_topic_note_free(kc_topic_note *note);

/* Empties the connector's topics (PUT .../topics/reset). */
void kc_connector_reset_topics(kc_connector *c);

/* SASL credentials under prefix ("" for the worker's own, "producer." ...): sasl.username and
 * sasl.password (librdkafka's keys), else the username="..." and password="..." of sasl.jaas.config
 * (Connect's PlainLoginModule or ScramLoginModule line). Handed over; NULL when not set. */
void kc_worker_sasl_credentials(const kc_config *cfg, const char *prefix, char **username, char **password);

/* Kafka client configuration: worker overrides, then connector overrides (conn_cfg); with no
 * conn_cfg, a client of the worker's own, which also takes the worker's security.protocol, ssl.*
 * and sasl.* keys. */
/* Sizes a task client's record buffers from its share of the worker's tasks.buffer.max.bytes: a
 * sink's consumer (consumer=1: queued.max.messages.kbytes, queued.min.messages,
 * max.partition.fetch.bytes) or a source's producer (queue.buffering.max.kbytes and .messages),
 * each unless the worker's consumer.*|producer.* or the connector's *.override.* sets it; none
 * when the bytes key is set. Returns the bytes taken (0: none), to give back with
 * kc_worker_buffer_return once the client is gone. */
int64_t kc_worker_buffer_take(kc_worker *w, rd_kafka_conf_t *conf, const kc_config *conn_cfg, int consumer);
void kc_worker_buffer_return(kc_worker *w, int64_t bytes);

/* A numeric librdkafka setting of conf (its default when unset); fallback when conf has no such
 * key. */
int64_t kc_kafka_conf_long(rd_kafka_conf_t *conf, const char *key, int64_t fallback);

rd_kafka_conf_t *kc_kafka_conf(kc_worker *w, const kc_config *conn_cfg, const char *worker_prefix,
                               const char *override_prefix, const char *client_id, kc_error *err);

/* A task's producer or consumer reports librdkafka's statistics into the task's metrics (kept
 * for GET /metrics): every 10 s unless statistics.interval.ms is set. conf's opaque must be the
 * task's runner, whose first member is its kc_task pointer. */
void kc_kafka_conf_task_statistics(rd_kafka_conf_t *conf);

/* Creates a topic unless it exists (cleanup_policy may be NULL); waits up to 15 s. */
int kc_kafka_create_topic(rd_kafka_t *rk, const char *topic, int partitions, int replication_factor,
                          const char *cleanup_policy, kc_error *err);

void *kc_source_task_run(void *task);
void *kc_sink_task_run(void *task);

/* Task helpers shared by the runners. */
int kc_task_should_stop(kc_task *t);
/* Sets (NULL: clears) the queue kc_task_wake yields; the task's thread clears it before the
 * queue goes. */
void kc_task_set_wake_queue(kc_task *t, rd_kafka_queue_t *q);
/* Cuts short the task thread's wait for records, after its stop or pause flag changed. */
void kc_task_wake(kc_task *t);
int kc_task_paused(kc_task *t);
/* The runner started the task: RUNNING, a failure before (an automatic restart) forgotten. */
void kc_task_started(kc_task *t);
/* The task's state, for the status and its metrics. */
void kc_task_set_state(kc_task *t, kc_state s);
/* The connector's state, for the status and its metrics. */
void kc_connector_set_status(kc_connector *c, kc_state s);
/* The task's problem text (task_problem), copied into out ("" for none); returns its problem_seq. */
int kc_task_problem(kc_task *t, char *out, size_t size);
/* RUNNING or PAUSED: the task is alive. */
int kc_task_alive(kc_task *t);
void kc_task_fail(kc_task *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a plugin's answer `code`: KC_EOUTAGE, or KC_ERETRY from start(), marks the failure
 * transient, and the task's thread starts it again after a backoff (lifecycle.c). */
void kc_task_fail_code(kc_task *t, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int64_t kc_now_ms(void);
/* The same clock in microseconds (metrics' timings). */
int64_t kc_now_us(void);

#endif
