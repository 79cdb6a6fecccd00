/* worker.c - the worker: its config, Kafka client settings, connector configs and lifecycles. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kc_buf.h"
#include "kc_converter_int.h"
#include "kc_log.h"
#include "kc_thread_cache.h"
#include "kc_value_int.h"
#include "kc_worker_int.h"
#include <librdkafka/rdkafka_mock.h> /* after rdkafka.h, as it demands */

#define JSON_CONVERTER "org.apache.kafka.connect.json.JsonConverter"

static const char *const tolerance_values[] = {"none", "all", NULL};
static const char *const reload_values[] = {"none", "restart", NULL};
static const char *const eos_worker_values[] = {"disabled", "preparing", "enabled", NULL};
static const char *const eos_values[] = {"requested", "required", NULL};
static const char *const boundary_values[] = {"poll", "interval", "connector", NULL};
static const char *const connect_protocols[] = {"sessioned", "compatible", "eager", NULL};
static const char *const log_levels[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE", NULL};
static const char *const log_formats[] = {"text", "json", NULL};

const kc_config_def kc_worker_config_defs[] = {
    {"bootstrap.servers", KC_CFG_LIST, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Common",
     "Kafka brokers. When absent, kcd starts an embedded in-process broker whose data is not kept.", NULL, NULL},
    {"key.converter", KC_CFG_CLASS, JSON_CONVERTER, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Common",
     "Converter class for record keys.", NULL, NULL},
    {"value.converter", KC_CFG_CLASS, JSON_CONVERTER, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Common",
     "Converter class for record values.", NULL, NULL},
    {"header.converter", KC_CFG_CLASS, "org.apache.kafka.connect.storage.SimpleHeaderConverter", 0, 0, 0, NULL,
     KC_IMPORTANCE_LOW, "Common",
     "Converter class for header values. The default, SimpleHeaderConverter, writes a value as its text and reads "
     "one back with its schema inferred; any key/value converter serves too, each header value converted alone.",
     NULL, NULL},
    {"offset.storage.file.filename", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Standalone",
     "File that keeps source offsets (standalone). When absent, offsets live in memory only.", NULL, NULL},
    {"offset.flush.interval.ms", KC_CFG_LONG, "60000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "Interval at which source offsets are stored and sink offsets committed.", NULL, NULL},
    {"tasks.buffer.max.bytes", KC_CFG_LONG, "67108864", KC_CFG_F_HAS_MIN, 1048576, 0, NULL, KC_IMPORTANCE_LOW,
     "Common",
     "Bytes of records the tasks' Kafka clients may hold, all tasks together: what sink tasks prefetch and what "
     "source tasks' producers buffer. A task starting takes half of what is left, between 256 KiB and 8 MiB, and "
     "gives it back when it stops (a producer's buffer holds at least one record of message.max.bytes); "
     "consumer.queued.max.messages.kbytes and producer.queue.buffering.max.kbytes (or a connector's *.override.*) "
     "size a task's client outside it.", NULL, NULL},
    {"offset.flush.timeout.ms", KC_CFG_LONG, "5000", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "Maximum time to wait for an offset flush.", NULL, NULL},
    {"task.shutdown.graceful.timeout.ms", KC_CFG_LONG, "5000", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW,
     "Common", "Total time to wait for tasks to stop gracefully.", NULL, NULL},
    {"plugin.path", KC_CFG_LIST, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "Folders holding plugin shared objects; default: ../lib/kcd/plugins beside the kcd binary.", NULL, NULL},
    {"plugin.discovery", KC_CFG_STRING, "hybrid_warn", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "Accepted for compatibility; kcd always scans plugin.path.", NULL, NULL},
    {"listeners", KC_CFG_LIST, "http://127.0.0.1:8083", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "REST",
     "REST listeners.", NULL, NULL},
    {"metrics.listener", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "REST",
     "A listener of its own for GET /metrics (http:// or https://, e.g. http://0.0.0.0:9404), with the REST "
     "listener's TLS keystore and authentication; unset: /metrics on the REST listener only.", NULL, NULL},
    {"rest.advertised.host.name", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "REST", "", NULL, NULL},
    {"rest.advertised.port", KC_CFG_INT, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "REST", "", NULL, NULL},
    {"rest.advertised.listener", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "REST", "", NULL, NULL},
    {"rest.basic.auth.credentials.file", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "REST",
     "Properties file of user=password pairs; when set every REST request needs HTTP basic authentication.", NULL,
     NULL},
    {"listeners.https.ssl.keystore.location", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "REST",
     "For an https:// listener: a PEM file holding the unencrypted private key and the certificate chain.", NULL,
     NULL},
    {"listeners.https.ssl.keystore.type", KC_CFG_STRING, "PEM", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "REST",
     "Keystore format; kcd reads PEM.", NULL, NULL},
    {"admin.listeners", KC_CFG_LIST, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "REST", "", NULL, NULL},
    {"rest.threads", KC_CFG_INT, "4", KC_CFG_F_HAS_MIN | KC_CFG_F_HAS_MAX, 1, 64, NULL, KC_IMPORTANCE_LOW, "REST",
     "Threads answering REST requests (each serves many connections).", NULL, NULL},
    {"rest.max.connections", KC_CFG_INT, "4096", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "REST",
     "Open REST connections at most; at most half the open-files limit.", NULL, NULL},
    {"rest.max.connections.per.ip", KC_CFG_INT, "128", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, "REST",
     "Open REST connections from one client address at most (0: no limit).", NULL, NULL},
    {"rest.request.header.timeout.ms", KC_CFG_LONG, "20000", KC_CFG_F_HAS_MIN, 100, 0, NULL, KC_IMPORTANCE_LOW,
     "REST", "Time for a request's whole head (request line and headers) to arrive, from the connection or the "
     "previous answer; sending it slowly does not extend it.", NULL, NULL},
    {"rest.request.timeout.ms", KC_CFG_LONG, "60000", KC_CFG_F_HAS_MIN, 100, 0, NULL, KC_IMPORTANCE_LOW, "REST",
     "Time for a request's body to arrive once its head is in.", NULL, NULL},
    {"max.connectors", KC_CFG_INT, "1000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Limits",
     "Connectors this worker runs at most; creating one more is refused (REST 400).", NULL, NULL},
    {"max.tasks.per.connector", KC_CFG_INT, "256", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Limits",
     "Largest tasks.max a connector may ask for (REST 400 above it).", NULL, NULL},
    {"connector.allowed.paths", KC_CFG_LIST, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Limits",
     "Absolute folders that connector settings naming files on this host (the file connectors' file, the pcap "
     "source's pcap.files) must lie in; unset: any path.", NULL, NULL},
    {"connector.allowed.interfaces", KC_CFG_LIST, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Limits",
     "Network interfaces connectors may capture on (the pcap source's pcap.interface); unset: any; empty: none.",
     NULL, NULL},
    {"rest.extension.classes", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "REST", "", NULL, NULL},
    {"config.providers", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "Config providers: file, env, directory.", NULL, NULL},
    {"group.id", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Distributed",
     "First part of each exactly-once source task's transactional.id (default kcd-standalone).", NULL, NULL},
    {"config.storage.topic", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Distributed", "", NULL, NULL},
    {"offset.storage.topic", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Exactly Once Support",
     "The offsets topic used with exactly.once.source.support=enabled (default connect-offsets).", NULL, NULL},
    {"status.storage.topic", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Distributed", "", NULL, NULL},
    {"config.storage.replication.factor", KC_CFG_INT, "3", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Distributed", "", NULL, NULL},
    {"offset.storage.replication.factor", KC_CFG_INT, "-1", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Exactly Once Support",
     "Replication factor of the offsets topic when kcd creates it; -1: the broker's default.", NULL, NULL},
    {"status.storage.replication.factor", KC_CFG_INT, "3", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Distributed", "", NULL, NULL},
    {"offset.storage.partitions", KC_CFG_INT, "25", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Exactly Once Support",
     "Partitions of the offsets topic when kcd creates it.", NULL, NULL},
    {"status.storage.partitions", KC_CFG_INT, "5", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Distributed", "", NULL, NULL},
    {"session.timeout.ms", KC_CFG_INT, "10000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_HIGH, "Distributed",
     "Time without a heartbeat after which the group drops a worker and its work moves to the others.", NULL, NULL},
    {"heartbeat.interval.ms", KC_CFG_INT, "3000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_HIGH, "Distributed",
     "Interval between heartbeats to the group coordinator.", NULL, NULL},
    {"rebalance.timeout.ms", KC_CFG_INT, "60000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_HIGH, "Distributed",
     "Time a rebalance waits for every worker to join.", NULL, NULL},
    {"scheduled.rebalance.max.delay.ms", KC_CFG_INT, "0", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW,
     "Distributed", "kcd hands a departed worker's work to the others at once (Connect waits up to 300000 ms for "
     "it to come back): a value is accepted and not used.", NULL, NULL},
    {"connect.protocol", KC_CFG_ENUM, "sessioned", 0, 0, 0, connect_protocols, KC_IMPORTANCE_LOW, "Distributed",
     "Group sub-protocol: sessioned (signed requests between workers), compatible, or eager.", NULL, NULL},
    {"worker.sync.timeout.ms", KC_CFG_INT, "3000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_MEDIUM, "Distributed",
     "Time a worker waits to read the config topic to its end before it gives up and rejoins.", NULL, NULL},
    {"worker.unsync.backoff.ms", KC_CFG_INT, "300000", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Distributed",
     "Accepted for compatibility.", NULL, NULL},
    {"request.timeout.ms", KC_CFG_INT, "40000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Distributed",
     "Time the group client waits for the coordinator's answer (JoinGroup excepted).", NULL, NULL},
    {"topic.creation.enable", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common", "", NULL, NULL},
    {"topic.tracking.enable", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common", "", NULL, NULL},
    {"topic.tracking.allow.reset", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common", "", NULL, NULL},
    {"exactly.once.source.support", KC_CFG_ENUM, "disabled", 0, 0, 0, eos_worker_values, KC_IMPORTANCE_HIGH,
     "Exactly Once Support",
     "enabled: source tasks write records and offsets in one transaction; offsets live on the offsets topic "
     "(preparing behaves as disabled in standalone mode; in distributed mode, preparing and enabled make the "
     "leader write the config topic in transactions, and enabled fences earlier task generations).", NULL, NULL},
    {"connector.client.config.override.policy", KC_CFG_STRING, "All", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM,
     "Common", "", NULL, NULL},
    {"client.id", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common", "", NULL, NULL},
    {"log.level", KC_CFG_ENUM, "INFO", 0, 0, 0, log_levels, KC_IMPORTANCE_LOW, "Common",
     "kcd's log level.", NULL, NULL},
    {"task.auto.restart.max.attempts", KC_CFG_INT, "20", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Common",
     "Automatic restarts in a row of a task that failed on a transient error (its server unreachable at start, or "
     "its plugin's retries outlasted); 0: none. A connector's own task.auto.restart.max.attempts overrides it.",
     NULL, NULL},
    {"task.auto.restart.backoff.max.ms", KC_CFG_LONG, "60000", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW,
     "Common", "Longest wait before an automatic restart; the waits double from 1 s up to it.", NULL, NULL},
    {"log.format", KC_CFG_ENUM, "text", 0, 0, 0, log_formats, KC_IMPORTANCE_LOW, "Common",
     "text: Connect's layout, [time] LEVEL message (logger); json: one JSON object per line with time, level, "
     "logger, connector, task and message, for log shippers.", NULL, NULL},
    KC_CONFIG_END,
};

/* Worker keys taken by prefix (client overrides, sub-configs). */
static const char *const worker_prefixes[] = {"producer.", "consumer.", "admin.", "config.providers.",
                                              "key.converter.", "value.converter.", "header.converter.",
                                              "listeners.https.", "ssl.", "sasl.", "security.", "inter.worker.",
                                              "access.control.", "metrics.", "metric.", "rest.", NULL};

const kc_config_def kc_connector_common_defs[] = {
    {"name", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Common",
     "Globally unique name to use for this connector.", NULL, NULL},
    {"connector.class", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Common",
     "Name or alias of the class for this connector.", NULL, NULL},
    {"connector.plugin.version", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Common",
     "The version of the connector plugin to use (KIP-891). kcd has one version of each plugin: a value must be that "
     "version (unset: the installed one).", NULL, NULL},
    {"tasks.max", KC_CFG_INT, "1", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_HIGH, "Common",
     "Maximum number of tasks to use for this connector.", NULL, NULL},
    {"tasks.max.enforce", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common", "", NULL, NULL},
    {"key.converter", KC_CFG_CLASS, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "Converter class for keys; overrides the worker's.", NULL, NULL},
    {"value.converter", KC_CFG_CLASS, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "Converter class for values; overrides the worker's.", NULL, NULL},
    {"header.converter", KC_CFG_CLASS, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "Converter class for header values; overrides the worker's.", NULL, NULL},
    {"key.converter.plugin.version", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "The version of the key converter (KIP-891): the installed one's, as connector.plugin.version.", NULL, NULL},
    {"value.converter.plugin.version", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "The version of the value converter (KIP-891): the installed one's, as connector.plugin.version.", NULL, NULL},
    {"header.converter.plugin.version", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "The version of the header converter (KIP-891): the installed one's, as connector.plugin.version.", NULL, NULL},
    {"config.action.reload", KC_CFG_ENUM, "restart", 0, 0, 0, reload_values, KC_IMPORTANCE_LOW, "Common", "",
     NULL, NULL},
    {"transforms", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Transforms",
     "Aliases for the transformations to be applied to records.", NULL, NULL},
    {"predicates", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Predicates",
     "Aliases for the predicates used by transformations.", NULL, NULL},
    {"task.auto.restart.max.attempts", KC_CFG_INT, NULL, KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, "Common",
     "kcd: automatic restarts in a row of a task that failed on a transient error; unset: the worker's.", NULL,
     NULL},
    {"errors.retry.timeout", KC_CFG_LONG, "0", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Error Handling", "", NULL, NULL},
    {"errors.retry.delay.max.ms", KC_CFG_LONG, "60000", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Error Handling", "",
     NULL, NULL},
    {"errors.tolerance", KC_CFG_ENUM, "none", 0, 0, 0, tolerance_values, KC_IMPORTANCE_MEDIUM, "Error Handling",
     "none: fail the task at the first error; all: skip problematic records.", NULL, NULL},
    {"errors.log.enable", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Error Handling", "", NULL,
     NULL},
    {"errors.log.include.messages", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Error Handling", "",
     NULL, NULL},
    KC_CONFIG_END,
};

const kc_config_def kc_sink_common_defs[] = {
    {"topics", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Common", "Topics to consume.", NULL, NULL},
    {"topics.regex", KC_CFG_STRING, "", 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Common",
     "Regular expression of topics to consume.", NULL, NULL},
    {"errors.deadletterqueue.topic.name", KC_CFG_STRING, "", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Error Handling",
     "", NULL, NULL},
    {"errors.deadletterqueue.topic.replication.factor", KC_CFG_INT, "3", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM,
     "Error Handling", "", NULL, NULL},
    {"errors.deadletterqueue.context.headers.enable", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM,
     "Error Handling", "", NULL, NULL},
    KC_CONFIG_END,
};

const kc_config_def kc_source_common_defs[] = {
    {"exactly.once.support", KC_CFG_ENUM, "requested", 0, 0, 0, eos_values, KC_IMPORTANCE_MEDIUM,
     "Exactly Once Support",
     "required: refuse the connector unless its plugin declares exactly-once support (with the worker's "
     "exactly.once.source.support=enabled).", NULL, NULL},
    {"transaction.boundary", KC_CFG_ENUM, "poll", 0, 0, 0, boundary_values, KC_IMPORTANCE_MEDIUM,
     "Exactly Once Support",
     "Where transactions end: after each poll() batch, every transaction.boundary.interval.ms, or where the "
     "connector's tasks say.", NULL, NULL},
    {"transaction.boundary.interval.ms", KC_CFG_LONG, NULL, KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW,
     "Exactly Once Support", "Interval of transaction.boundary=interval (default offset.flush.interval.ms).", NULL,
     NULL},
    {"offsets.storage.topic", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Exactly Once Support", "",
     NULL, NULL},
    {"topic.creation.groups", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Topic Creation", "", NULL, NULL},
    KC_CONFIG_END,
};

static const char *const connector_prefixes[] = {"key.converter.", "value.converter.", "header.converter.",
                                                 "transforms.", "predicates.", "producer.override.",
                                                 "consumer.override.", "admin.override.", "topic.creation.", NULL};

const char *kc_target_name(kc_target_state t) {
    return t == KC_TARGET_PAUSED ? "PAUSED" : t == KC_TARGET_STOPPED ? "STOPPED" : "STARTED";
}

int kc_target_parse(const char *s, kc_target_state *out) {
    if (!s) return KC_EINVAL;
    if (!strcmp(s, "RUNNING") || !strcmp(s, "STARTED")) *out = KC_TARGET_STARTED;
    else if (!strcmp(s, "PAUSED")) *out = KC_TARGET_PAUSED;
    else if (!strcmp(s, "STOPPED")) *out = KC_TARGET_STOPPED;
    else return KC_EINVAL;
    return KC_OK;
}

const char *kc_state_name(kc_state s) {
    static const char *names[] = {"UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED", "RESTARTING"};
    return (unsigned)s < 6 ? names[s] : "UNASSIGNED";
}

int64_t kc_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The runner structs of source_task.c and sink_task.c begin with their kc_task pointer. */
static int task_client_statistics(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
    (void)rk;
    kc_task *t = *(kc_task **)opaque;
    kc_metrics_task_client_stats(t->metrics, json, len);
    return 0; /* librdkafka frees json */
}

void kc_kafka_conf_task_statistics(rd_kafka_conf_t *conf) {
    char value[32], errstr[256];
    size_t len = sizeof value;
    if (rd_kafka_conf_get(conf, "statistics.interval.ms", value, &len) == RD_KAFKA_CONF_OK && !strcmp(value, "0"))
        rd_kafka_conf_set(conf, "statistics.interval.ms", "10000", errstr, sizeof errstr);
    rd_kafka_conf_set_stats_cb(conf, task_client_statistics);
}

int64_t kc_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int kc_task_should_stop(kc_task *t) {
    return __atomic_load_n(&t->ctx.stop, __ATOMIC_ACQUIRE) ||
           __atomic_load_n(&t->conn->worker->stopping, __ATOMIC_ACQUIRE);
}

int kc_worker_lease_held(kc_worker *w) {
    int64_t until = __atomic_load_n(&w->lease_until_ms, __ATOMIC_ACQUIRE);
    return until == 0 || kc_now_ms() < until;
}

static pthread_mutex_t task_wake_lock = PTHREAD_MUTEX_INITIALIZER;

void kc_task_set_wake_queue(kc_task *t, rd_kafka_queue_t *q) {
    pthread_mutex_lock(&task_wake_lock);
    t->wake_queue = q;
    pthread_mutex_unlock(&task_wake_lock);
}

void kc_task_wake(kc_task *t) {
    pthread_mutex_lock(&task_wake_lock);
    if (t->wake_queue) rd_kafka_queue_yield(t->wake_queue);
    pthread_mutex_unlock(&task_wake_lock);
}

int kc_task_paused(kc_task *t) { return __atomic_load_n(&t->ctx.paused, __ATOMIC_ACQUIRE); }

void kc_task_transactional_id(const kc_worker *w, const char *connector, int task, char *out, size_t size) {
    const char *group = kc_config_get(&w->config, "group.id");
    snprintf(out, size, "%s-%s-%d", group && *group ? group : "kcd-standalone", connector, task);
}

void kc_worker_set_static_member_key(kc_worker *w, const char *identity) {
    w->static_member_key[0] = '\0';
    if (!identity || !*identity) return;
    uint64_t h = 14695981039346656037ull; /* FNV-1a: short, stable, not secret */
    for (const unsigned char *p = (const unsigned char *)identity; *p; p++) h = (h ^ *p) * 1099511628211ull;
    snprintf(w->static_member_key, sizeof w->static_member_key, "%016llx", (unsigned long long)h);
}

void kc_task_started(kc_task *t) {
    t->trace[0] = '\0';
    pthread_mutex_lock(&t->conn->worker->problems_lock); /* a new run says its own */
    if (t->problem[0]) t->problem_seq++;
    t->problem[0] = '\0';
    pthread_mutex_unlock(&t->conn->worker->problems_lock);
    t->fail_transient = 0;
    kc_task_set_state(t, KC_STATE_RUNNING);
}

void kc_task_set_state(kc_task *t, kc_state s) {
    __atomic_store_n(&t->state, s, __ATOMIC_RELEASE);
    kc_metrics_task_state(t->metrics, (int)s);
}


int kc_task_problem(kc_task *t, char *out, size_t size) {
    pthread_mutex_lock(&t->conn->worker->problems_lock);
    snprintf(out, size, "%s", t->problem);
    int seq = t->problem_seq;
    pthread_mutex_unlock(&t->conn->worker->problems_lock);
    return seq;
}

int kc_task_alive(kc_task *t) {
    kc_state s = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
    return s == KC_STATE_RUNNING || s == KC_STATE_PAUSED;
}

/* Adds topic to the connector's topics (REST /topics) unless it is there; -1 when out of
 * memory (the topic is missing from GET .../topics until the next record names it). */
static int track_topic(kc_connector *c, const char *topic) {
    pthread_mutex_lock(&c->topics_lock);
    int known = 0, rc = 0;
    for (size_t i = 0; i < c->topics.len && !known; i++) known = !strcmp(c->topics.items[i], topic);
    if (!known && kc_strlist_add(&c->topics, topic)) {
        c->topics.failed = 0;
        rc = -1;
    }
    pthread_mutex_unlock(&c->topics_lock);
    return rc;
}

void kc_connector_note_topic(kc_connector *c, kc_topic_note *note, const char *topic) {
    int epoch = __atomic_load_n(&c->topics_epoch, __ATOMIC_ACQUIRE);
    if (note->topic && note->epoch == epoch && !strcmp(note->topic, topic)) return;
    free(note->topic);
    note->topic = NULL;
    if (track_topic(c, topic)) return;
    note->topic = strdup(topic); /* out of memory: reported again with the next record */
    note->epoch = epoch;
}

void kc_topic_note_free(kc_topic_note *note) {
    free(note->topic);
    note->topic = NULL;
}

void kc_connector_reset_topics(kc_connector *c) {
    pthread_mutex_lock(&c->topics_lock);
    kc_strlist_free(&c->topics);
    __atomic_add_fetch(&c->topics_epoch, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&c->topics_lock);
}

static void task_vfail(kc_task *t, int transient, const char *fmt, va_list ap) {
    vsnprintf(t->trace, sizeof t->trace, fmt, ap);
    kc_log_redact(t->trace, sizeof t->trace); /* a plugin's message may quote a provider's value */
    t->fail_transient = transient;
    kc_task_set_state(t, KC_STATE_FAILED);
    if (transient) KC_ERROR(t->ctx.logger, "Task failed on a transient error: %s", t->trace);
    else KC_ERROR(t->ctx.logger, "Task is being killed and will not recover until manually restarted: %s", t->trace);
}

void kc_task_fail(kc_task *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    task_vfail(t, 0, fmt, ap);
    va_end(ap);
}

void kc_task_fail_code(kc_task *t, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    task_vfail(t, code == KC_ERETRY || code == KC_EOUTAGE, fmt, ap);
    va_end(ap);
}

static int has_prefix(const char *key, const char *const *prefixes) {
    for (; *prefixes; prefixes++)
        if (strncmp(key, *prefixes, strlen(*prefixes)) == 0) return 1;
    return 0;
}

/* 1 when b is a one edit away from a (a letter added, dropped, changed, or two swapped). */
static int one_edit(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > lb) {
        const char *t = a;
        a = b, b = t;
        size_t tl = la;
        la = lb, lb = tl;
    }
    if (lb - la > 1) return 0;
    size_t i = 0;
    while (i < la && a[i] == b[i]) i++;
    if (i == la) return lb == la + 1; /* equal strings are no edit apart */
    if (la == lb) /* changed, or swapped with the next */
        return !strcmp(a + i + 1, b + i + 1) ||
               (i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && !strcmp(a + i + 2, b + i + 2));
    return !strcmp(a + i, b + i + 1); /* b has one more letter */
}

int kc_worker_config_check(kc_config *cfg, kc_strlist *problems, kc_strlist *warnings) {
    if (kc_config_get(cfg, "connector.class")) { /* its dozen unknown keys would say nothing useful */
        kc_note(problems, "this is a connector config (it sets connector.class), not a worker config: give the "
                          "worker's file first, e.g. kcd standalone worker.properties connector.properties");
        return 1;
    }
    size_t n = kc_config_validate(kc_worker_config_defs, "", cfg, problems, warnings);
    for (size_t i = 0; i < cfg->len; i++) {
        const char *k = cfg->items[i].key;
        if (kc_config_def_find(kc_worker_config_defs, k) || has_prefix(k, worker_prefixes)) continue;
        /* a typo of a known key would leave that key at its default unnoticed (bootstrap.server: the
         * embedded broker, data not kept): refused; anything else Connect ignores, so kcd warns */
        const char *meant = NULL;
        for (const kc_config_def *d = kc_worker_config_defs; d->name && !meant; d++)
            if (one_edit(k, d->name)) meant = d->name;
        if (meant)
            kc_note(problems, "Unknown worker configuration '%s': did you mean '%s'?", k, meant), n++;
        else
            kc_note(warnings, "The configuration '%s' was supplied but isn't a known config.", k);
    }
    return (int)n;
}

/* ---- Kafka clients ------------------------------------------------------------------------ */

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, kc_error *err) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, k, v, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        return kc_error_set(err, KC_EINVAL, "Kafka client config %s: %s", k, errstr);
    return KC_OK;
}

static void rdkafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    (void)rk;
    kc_log(level <= 3 ? KC_LOG_ERROR : level <= 4 ? KC_LOG_WARN : level <= 6 ? KC_LOG_INFO : KC_LOG_DEBUG,
           "librdkafka", "%s: %s", fac, buf);
}

/* A librdkafka thread that allocates little keeps no allocator cache (kc_thread_cache.h):
 * 50 idle clients have 250 threads, and each cache, filled at start, stayed. Broker threads
 * move records (fetches, produce requests; a bootstrap broker's thread goes on as the broker's
 * once its id is known) and keep theirs; the main, internal and group coordinator threads do
 * not. */
static rd_kafka_resp_err_t on_thread_start(rd_kafka_t *rk, rd_kafka_thread_type_t type, const char *name,
                                           void *opaque) {
    (void)rk, (void)opaque;
    int moves_records = type == RD_KAFKA_THREAD_BROKER && name && !strstr(name, "/internal") &&
                        strcmp(name, "GroupCoordinator") != 0;
    if (!moves_records) kc_thread_cache_disable();
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static rd_kafka_resp_err_t on_client_new(rd_kafka_t *rk, const rd_kafka_conf_t *conf, void *opaque, char *errstr,
                                         size_t errstr_size) {
    (void)conf, (void)opaque, (void)errstr, (void)errstr_size;
    return rd_kafka_interceptor_add_on_thread_start(rk, "kcd-thread-cache", on_thread_start, NULL);
}

/* Java client settings librdkafka does not take, skipped instead of refusing the worker
 * (max.poll.records is read by the sink runner: the records per put()). */
static int java_only(const char *key) {
    static const char *const keys[] = {"key.serializer", "value.serializer", "key.deserializer",
                                       "value.deserializer", "interceptor.classes", "max.block.ms",
                                       "delivery.timeout.ms", "buffer.memory", "max.poll.records",
                                       "default.api.timeout.ms", "metric.reporters", NULL};
    for (const char *const *k = keys; *k; k++)
        if (strcmp(*k, key) == 0) return 1;
    return 0;
}

/* The value of `name="..."` in a JAAS line, its backslash escapes (\" and \\) undone as Java's
 * tokenizer undoes them; handed over, NULL when absent. */
static char *jaas_option(const char *jaas, const char *name) {
    size_t nl = strlen(name);
    for (const char *p = jaas; (p = strstr(p, name)); p += nl) {
        int word_start = p == jaas || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n';
        const char *q = p + nl;
        while (*q == ' ') q++;
        if (!word_start || *q != '=') continue;
        q++;
        while (*q == ' ') q++;
        if (*q != '"') continue;
        kc_buf v = KC_BUF_INIT;
        for (q++; *q && *q != '"'; q++) {
            if (*q == '\\' && q[1]) q++;
            kc_buf_putc(&v, *q);
        }
        kc_buf_putc(&v, '\0');
        if (*q != '"' || v.failed) {
            kc_buf_free(&v);
            return NULL;
        }
        return v.data;
    }
    return NULL;
}

void kc_worker_sasl_credentials(const kc_config *cfg, const char *prefix, char **username, char **password) {
    char key[128];
    snprintf(key, sizeof key, "%ssasl.username", prefix);
    const char *u = kc_config_get(cfg, key);
    snprintf(key, sizeof key, "%ssasl.password", prefix);
    const char *pw = kc_config_get(cfg, key);
    snprintf(key, sizeof key, "%ssasl.jaas.config", prefix);
    const char *jaas = kc_config_get(cfg, key);
    *username = u ? strdup(u) : jaas ? jaas_option(jaas, "username") : NULL;
    *password = pw ? strdup(pw) : jaas ? jaas_option(jaas, "password") : NULL;
}

/* The worker's own Kafka security settings, Connect's top-level security.protocol, ssl.* and
 * sasl.* keys, under librdkafka's names: for the clients the worker makes for itself (internal
 * topics, topic creation); task clients take producer.* / consumer.* as Connect's do. */
static int worker_security(rd_kafka_conf_t *conf, const kc_config *cfg, kc_error *err) {
    static const char *const keys[] = {"security.protocol", "sasl.mechanism", "ssl.ca.location",
                                       "ssl.certificate.location", "ssl.key.location", "ssl.key.password", NULL};
    int rc = KC_OK;
    for (const char *const *k = keys; *k && !rc; k++)
        if (kc_config_get(cfg, *k)) rc = conf_set(conf, *k, kc_config_get(cfg, *k), err);
    const char *ident = kc_config_get(cfg, "ssl.endpoint.identification.algorithm");
    if (!rc && ident) rc = conf_set(conf, "ssl.endpoint.identification.algorithm", *ident ? ident : "none", err);
    char *user = NULL, *password = NULL;
    kc_worker_sasl_credentials(cfg, "", &user, &password);
    const char *mech = kc_config_get(cfg, "sasl.mechanism");
    static int warned;
    if (mech && !strncmp(mech, "SCRAM", 5) && rd_kafka_version() < 0x020601ff &&
        !__atomic_exchange_n(&warned, 1, __ATOMIC_ACQ_REL))
        KC_WARN("Worker", "librdkafka %s cannot authenticate with %s to Kafka 4.x brokers (its client-final "
                          "message repeats the nonce, librdkafka#4895, fixed in 2.6.1); Kafka 3.x brokers accept it",
                rd_kafka_version_str(), mech);
    if (!rc && user) rc = conf_set(conf, "sasl.username", user, err);
    if (!rc && password) rc = conf_set(conf, "sasl.password", password, err);
    free(user);
    free(password);
    return rc;
}

/* A task's share of tasks.buffer.max.bytes: half of what is left, so tasks started one after the
 * other still find some, within [BUFFER_SHARE_MIN, BUFFER_SHARE_MAX]; the floor lets every task
 * run, and is where many tasks can go over the budget (a quarter MiB each). */
#define BUFFER_SHARE_MIN (256 * 1024LL)
#define BUFFER_SHARE_MAX (8 * 1024 * 1024LL)

/* What a record costs a librdkafka client beyond its bytes (its message and queue entry). */
#define BUFFER_RECORD_OVERHEAD 256

/* 1 when the worker's prefix+key or the connector's override_prefix+key is set. */
static int client_key_set(kc_worker *w, const kc_config *conn_cfg, const char *worker_prefix,
                          const char *override_prefix, const char *key) {
    char name[128];
    snprintf(name, sizeof name, "%s%s", worker_prefix, key);
    if (kc_config_get(&w->config, name)) return 1;
    snprintf(name, sizeof name, "%s%s", override_prefix, key);
    return conn_cfg && kc_config_get(conn_cfg, name);
}

int64_t kc_worker_buffer_take(kc_worker *w, rd_kafka_conf_t *conf, const kc_config *conn_cfg, int consumer) {
    const char *wp = consumer ? "consumer." : "producer.", *op = consumer ? "consumer.override." : "producer.override.";
    const char *bytes_key = consumer ? "queued.max.messages.kbytes" : "queue.buffering.max.kbytes";
    if (client_key_set(w, conn_cfg, wp, op, bytes_key)) return 0;
    int64_t reserved = __atomic_load_n(&w->buffer_reserved, __ATOMIC_ACQUIRE), share;
    do {
        share = (w->buffer_budget - reserved) / 2;
        if (share > BUFFER_SHARE_MAX) share = BUFFER_SHARE_MAX;
        if (share < BUFFER_SHARE_MIN) share = BUFFER_SHARE_MIN;
    } while (!__atomic_compare_exchange_n(&w->buffer_reserved, &reserved, reserved + share, 0, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    /* librdkafka counts a record's bytes only, and each costs it ~256 more (massif: 20,000
     * records of 200 bytes queued took 10 MB): half the share for the bytes and half for the
     * records' overhead, so a queue of small records stays within it too; and, for a consumer,
     * what one fetch may bring per partition (it lands whole beyond the queue's limit: a
     * megabyte of 20-byte records is 50,000 messages) */
    int64_t bytes = share / 2;
    /* a producer refuses for good a record larger than its whole buffer: room for the largest */
    int64_t max_message = consumer ? 0 : kc_kafka_conf_long(conf, "message.max.bytes", 0);
    if (max_message > bytes) bytes = max_message;
    struct { const char *key; int64_t value; } sizes[] = {
        {bytes_key, (bytes + 1023) / 1024},
        {consumer ? "queued.min.messages" : "queue.buffering.max.messages", share / 2 / BUFFER_RECORD_OVERHEAD},
        {consumer ? "max.partition.fetch.bytes" : NULL, share / 16 > 65536 ? share / 16 : 65536},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char value[32], errstr[256];
        if (!sizes[i].key || (i && client_key_set(w, conn_cfg, wp, op, sizes[i].key))) continue;
        snprintf(value, sizeof value, "%lld", (long long)sizes[i].value);
        if (rd_kafka_conf_set(conf, sizes[i].key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
            KC_WARN("Worker", "Cannot set %s=%s: %s", sizes[i].key, value, errstr);
    }
    return share;
}

void kc_worker_buffer_return(kc_worker *w, int64_t bytes) {
    if (bytes) __atomic_sub_fetch(&w->buffer_reserved, bytes, __ATOMIC_ACQ_REL);
}

int64_t kc_kafka_conf_long(rd_kafka_conf_t *conf, const char *key, int64_t fallback) {
    char value[32];
    size_t len = sizeof value;
    return rd_kafka_conf_get(conf, key, value, &len) == RD_KAFKA_CONF_OK ? atoll(value) : fallback;
}

rd_kafka_conf_t *kc_kafka_conf(kc_worker *w, const kc_config *conn_cfg, const char *worker_prefix,
                               const char *override_prefix, const char *client_id, kc_error *err) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int producer = strcmp(worker_prefix, "producer.") == 0;
    int rc = conf_set(conf, "bootstrap.servers", w->bootstrap, err);
    if (!rc) rc = conf_set(conf, "client.id", client_id, err);
    if (!rc && !conn_cfg) rc = worker_security(conf, &w->config, err);
    if (producer) {
        /* Connect's defaults for source task producers: nothing lost, order kept */
        if (!rc) rc = conf_set(conf, "acks", "all", err);
        if (!rc) rc = conf_set(conf, "max.in.flight.requests.per.connection", "1", err);
        if (!rc) rc = conf_set(conf, "message.timeout.ms", "0", err); /* delivery.timeout.ms = MAX */
        if (!rc) rc = conf_set(conf, "linger.ms", "5", err);
        /* Java's buffer.memory is 32 MB; librdkafka's default (1 GB) is no size for a Pi (a source
         * task's producer takes its share of tasks.buffer.max.bytes instead) */
        if (!rc) rc = conf_set(conf, "queue.buffering.max.kbytes", "32768", err);
        /* Java's partitioner for keyed records, murmur2 of the key bytes: a key lands where
         * Connect would put it (co-partitioned joins downstream, and the internal topics' keys
         * in one partition whoever wrote them); librdkafka's own default hashes with CRC32 */
        if (!rc) rc = conf_set(conf, "partitioner", "murmur2_random", err);
    } else {
        if (!rc) rc = conf_set(conf, "enable.auto.commit", "false", err);
        if (!rc) rc = conf_set(conf, "enable.auto.offset.store", "false", err);
        if (!rc) rc = conf_set(conf, "auto.offset.reset", "earliest", err);
        if (!rc) rc = conf_set(conf, "enable.partition.eof", "false", err);
        /* the internal topics' readers; a sink task's consumer takes its share of
         * tasks.buffer.max.bytes instead (kc_worker_buffer_take) */
        if (!rc) rc = conf_set(conf, "queued.max.messages.kbytes", "65536", err);
        if (!rc) rc = conf_set(conf, "queued.min.messages", "500000", err);
    }
    /* worker-level producer.* / consumer.*, then the connector's *.override.* */
    const kc_config *layers[2] = {&w->config, conn_cfg};
    const char *prefixes[2] = {worker_prefix, override_prefix};
    for (int l = 0; l < 2 && !rc; l++) {
        if (!layers[l]) continue;
        size_t pl = strlen(prefixes[l]);
        for (size_t i = 0; i < layers[l]->len && !rc; i++) {
            const char *k = layers[l]->items[i].key;
            if (strncmp(k, prefixes[l], pl) != 0 || !k[pl]) continue;
            if (java_only(k + pl)) {
                KC_DEBUG("Worker", "ignoring Java client setting %s", k);
                continue;
            }
            if (!strcmp(k + pl, "sasl.jaas.config")) { /* Java's credentials line: librdkafka's two keys */
                char *user = jaas_option(layers[l]->items[i].value, "username");
                char *password = jaas_option(layers[l]->items[i].value, "password");
                if (user) rc = conf_set(conf, "sasl.username", user, err);
                if (!rc && password) rc = conf_set(conf, "sasl.password", password, err);
                free(user);
                free(password);
                continue;
            }
            rc = conf_set(conf, k + pl, layers[l]->items[i].value, err);
        }
    }
    if (rc) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, rdkafka_log);
    /* a fresh conf: the name cannot clash, and without it only the caches stay as they were */
    (void)rd_kafka_conf_interceptor_add_on_new(conf, "kcd-thread-cache", on_client_new, NULL);
    return conf;
}

int kc_kafka_create_topic(rd_kafka_t *rk, const char *topic, int partitions, int replication_factor,
                          const char *cleanup_policy, kc_error *err) {
    char errstr[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, replication_factor, errstr, sizeof errstr);
    if (!nt) return kc_error_set(err, KC_EINVAL, "topic %s: %s", topic, errstr);
    if (cleanup_policy) rd_kafka_NewTopic_set_config(nt, "cleanup.policy", cleanup_policy);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    int rc = KC_OK;
    if (!ev) {
        rc = kc_error_set(err, KC_ERETRY, "topic %s: no answer to CreateTopics within 15 s", topic);
    } else if (rd_kafka_event_error(ev)) {
        rc = kc_error_set(err, KC_ERETRY, "topic %s: %s", topic, rd_kafka_event_error_string(ev));
    } else {
        size_t n = 0;
        const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rd_kafka_resp_err_t e = n == 1 ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR_NO_ERROR;
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            rc = kc_error_set(err, KC_EFATAL, "topic %s: %s", topic, rd_kafka_topic_result_error_string(res[0]));
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

/* ---- converters --------------------------------------------------------------------------- */

int kc_converter_to_connect(const kc_converter *c, const kc_retry_policy *retry, const char *topic,
                           const uint8_t *data, size_t len, kc_schema **schema, kc_value *v, kc_error *err) {
    const kc_converter_ops *ops = c->plugin->desc->converter;
    int64_t started = 0;
    for (int attempt = 0;; attempt++) {
        *schema = NULL;
        int rc = ops->to_connect(c->state, topic, data, len, schema, v, err);
        if (rc != KC_ERETRY || kc_retry_wait(retry, attempt, &started)) return rc;
        kc_schema_release(*schema); /* whatever a failed attempt left */
        kc_value_clear(v);
    }
}

int kc_converter_from_connect(const kc_converter *c, const kc_retry_policy *retry, const char *topic,
                              const kc_schema *schema, const kc_value *v, uint8_t **out, size_t *len, kc_error *err) {
    const kc_converter_ops *ops = c->plugin->desc->converter;
    int64_t started = 0;
    for (int attempt = 0;; attempt++) {
        *out = NULL;
        *len = 0;
        int rc = ops->from_connect(c->state, topic, schema, v, out, len, err);
        if (rc != KC_ERETRY || kc_retry_wait(retry, attempt, &started)) return rc;
        free(*out);
    }
}

const kc_plugin *kc_find_converter(kc_worker *w, const char *cls, int for_headers) {
    const kc_plugin *p = for_headers ? kc_registry_find(&w->registry, cls, KC_PLUGIN_HEADER_CONVERTER) : NULL;
    return p ? p : kc_registry_find(&w->registry, cls, KC_PLUGIN_CONVERTER);
}

const kc_plugin *kc_connector_converter(kc_worker *w, const kc_config *conn_cfg, const char *key) {
    const char *cls = conn_cfg ? kc_config_get(conn_cfg, key) : NULL;
    if (!cls) cls = kc_config_get(&w->config, key);
    return cls ? kc_find_converter(w, cls, !strcmp(key, "header.converter")) : NULL;
}

const char *const kc_converter_keys[KC_CONVERTER_ROLES] = {"key.converter", "value.converter", "header.converter"};

int kc_converter_open(kc_converter *c, kc_worker *w, const kc_config *conn_cfg, kc_converter_role role,
                      kc_error *err) {
    static const char *const names[KC_CONVERTER_ROLES] = {"key", "value", "header"};
    const char *k = kc_converter_keys[role];
    char prefix[40];
    snprintf(prefix, sizeof prefix, "%s.", k);
    const char *cls = kc_config_get(conn_cfg, k);
    const kc_config *sub_src = conn_cfg;
    if (!cls) {
        cls = kc_config_get(&w->config, k);
        sub_src = &w->config;
    }
    c->plugin = cls ? kc_find_converter(w, cls, role == KC_CONVERTER_HEADER) : NULL;
    if (!c->plugin)
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration %s: Class %s could not be found.",
                            cls ? cls : "null", k, cls ? cls : "null");
    kc_config sub = {0};
    /* a converter serving headers is configured as a value one, converter.type telling it apart */
    int rc = kc_config_subset(sub_src, prefix, &sub) || kc_config_set(&sub, "converter.type", names[role])
                 ? kc_error_set(err, KC_ENOMEM, "out of memory")
             : c->plugin->desc->converter->configure
                 ? c->plugin->desc->converter->configure(&sub, role == KC_CONVERTER_KEY, &c->state, err)
                 : KC_OK;
    kc_config_free(&sub);
    return rc;
}

void kc_converter_close(kc_converter *c) {
    if (c->plugin && c->plugin->desc->converter->close) c->plugin->desc->converter->close(c->state);
    memset(c, 0, sizeof *c);
}

/* ---- connector configs -------------------------------------------------------------------- */

static void check_plugin_sub(kc_worker *w, kc_config *cfg, const char *list_key, const char *prefix_fmt,
                             int kind, kc_strlist *problems, kc_strlist *warnings) {
    kc_strlist aliases = {0};
    if (kc_list_split(kc_config_get(cfg, list_key), &aliases)) kc_note(problems, "out of memory");
    for (size_t i = 0; i < aliases.len; i++) {
        char prefix[512], key[600];
        snprintf(prefix, sizeof prefix, prefix_fmt, aliases.items[i]);
        snprintf(key, sizeof key, "%stype", prefix);
        const char *cls = kc_config_get(cfg, key);
        if (!cls) {
            kc_note(problems, "Missing required configuration \"%s\" which has no default value.", key);
            continue;
        }
        const kc_plugin *p = kc_registry_find(&w->registry, cls, kind);
        if (!p) {
            kc_note(problems, "Invalid value %s for configuration %s: Class %s could not be found.", cls, key,
                            cls);
            continue;
        }
        kc_config_validate(p->desc->config, prefix, cfg, problems, warnings);
    }
    kc_strlist_free(&aliases);
}

int kc_transforms_config_check(kc_worker *w, kc_config *cfg, kc_strlist *problems, kc_strlist *warnings) {
    size_t before = problems->len;
    check_plugin_sub(w, cfg, "predicates", "predicates.%s.", KC_PLUGIN_PREDICATE, problems, warnings);
    check_plugin_sub(w, cfg, "transforms", "transforms.%s.", KC_PLUGIN_TRANSFORM, problems, warnings);
    return (int)(problems->len - before);
}

static int known_sub_key(kc_worker *w, const kc_config *cfg, const char *key) {
    /* transforms.<alias>.<k> and predicates.<alias>.<k>: known when the plugin declares k */
    const char *kinds[2] = {"transforms.", "predicates."};
    for (int i = 0; i < 2; i++) {
        size_t pl = strlen(kinds[i]);
        if (strncmp(key, kinds[i], pl) != 0) continue;
        const char *dot = strchr(key + pl, '.');
        if (!dot) return 0;
        const char *sub = dot + 1;
        if (!strcmp(sub, "type") || (i == 0 && (!strcmp(sub, "predicate") || !strcmp(sub, "negate")))) return 1;
        char typekey[512];
        snprintf(typekey, sizeof typekey, "%.*stype", (int)(dot + 1 - key), key);
        const kc_plugin *p = kc_registry_find(&w->registry, kc_config_get(cfg, typekey), i ? KC_PLUGIN_PREDICATE : KC_PLUGIN_TRANSFORM);
        return p && kc_config_def_find(p->desc->config, sub);
    }
    return has_prefix(key, connector_prefixes);
}

int kc_worker_exactly_once(const kc_config *worker_cfg) {
    const char *support = kc_config_get(worker_cfg, "exactly.once.source.support");
    return support && !strcasecmp(support, "enabled");
}

/* With exactly-once source support on, what the connector asks of it must be what its plugin
 * declares (Connect asks exactlyOnceSupport() and canDefineTransactionBoundaries()). */
static void check_exactly_once(kc_worker *w, const kc_plugin *p, const kc_config *cfg, kc_strlist *problems) {
    if (!kc_worker_exactly_once(&w->config)) return;
    uint32_t flags = kc_plugin_flags(p);
    const char *eos = kc_config_get(cfg, "exactly.once.support");
    if (eos && !strcasecmp(eos, "required") && !(flags & KC_PLUGIN_EXACTLY_ONCE))
        kc_note(problems, "Invalid value required for configuration exactly.once.support: The connector %s "
                                  "does not support exactly-once semantics with the provided configuration.",
                        kc_plugin_class(p));
    const char *boundary = kc_config_get(cfg, "transaction.boundary");
    if (boundary && !strcasecmp(boundary, "connector") && !(flags & KC_PLUGIN_TRANSACTION_BOUNDARIES))
        kc_note(problems, "Invalid value connector for configuration transaction.boundary: The connector %s "
                                  "does not support connector-defined transaction boundaries with the given "
                                  "configuration.",
                        kc_plugin_class(p));
}

/* Connector names travel in URLs (/connectors/NAME/...), group ids and logs: refuse what a URL
 * cannot carry back or a terminal would act on. */
static void check_name(const char *name, kc_strlist *problems) {
    size_t len = strlen(name);
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            kc_note(problems, "%s", "Invalid value for configuration name: Connector name contains control characters");
            return;
        }
    if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
        kc_note(problems, "Invalid value %s for configuration name: a connector name cannot contain '/' or be "
                                  "'.' or '..' (it could never be addressed in a REST URL)", name);
    else if (len > KC_CONNECTOR_NAME_MAX)
        kc_note(problems, "Invalid value for configuration name: a connector name has at most %d bytes (this "
                                  "one has %zu)", KC_CONNECTOR_NAME_MAX, len);
}

/* connector.allowed.paths and connector.allowed.interfaces against the plugin's settings that
 * name host files (KC_CFG_F_HOST_PATH) and network interfaces (KC_CFG_F_INTERFACE). */
static void check_host_access(kc_worker *w, const kc_config_def *defs, const kc_config *cfg, kc_strlist *problems) {
    for (const kc_config_def *d = defs; d && d->name; d++) {
        const char *v = kc_config_get(cfg, d->name);
        if (!v || !(d->flags & (KC_CFG_F_HOST_PATH | KC_CFG_F_INTERFACE))) continue;
        kc_strlist items = {0};
        if (d->type == KC_CFG_LIST ? kc_list_split(v, &items) : kc_strlist_add(&items, v)) {
            kc_note(problems, "out of memory");
            continue;
        }
        for (size_t i = 0; i < items.len; i++) {
            const char *item = items.items[i];
            if ((d->flags & KC_CFG_F_HOST_PATH) && w->restrict_paths && !kc_host_path_allowed(&w->allowed_paths, item))
                kc_note(problems, "Invalid value %s for configuration %s: not within the worker's "
                                          "connector.allowed.paths", item, d->name);
            if ((d->flags & KC_CFG_F_INTERFACE) && w->restrict_interfaces && !kc_strlist_has(&w->allowed_interfaces, item))
                kc_note(problems, "Invalid value %s for configuration %s: not one of the worker's "
                                          "connector.allowed.interfaces", item, d->name);
        }
        kc_strlist_free(&items);
    }
}

/* connector.plugin.version and the converters' *.plugin.version (KIP-891): kcd has one version of
 * each plugin, so a value names it or is refused, saying which there is. */
static void check_plugin_versions(kc_worker *w, const kc_plugin *p, const kc_config *cfg, kc_strlist *problems) {
    const char *want = kc_config_get(cfg, "connector.plugin.version");
    if (want && *want && strcmp(want, p->desc->version ? p->desc->version : ""))
        kc_note(problems, "Invalid value %s for configuration connector.plugin.version: %s is installed in version %s "
                "only", want, kc_plugin_class(p), p->desc->version ? p->desc->version : "(none)");
    for (int i = 0; i < KC_CONVERTER_ROLES; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s.plugin.version", kc_converter_keys[i]);
        want = kc_config_get(cfg, key);
        if (!want || !*want) continue;
        const kc_plugin *c = kc_connector_converter(w, cfg, kc_converter_keys[i]);
        if (c && strcmp(want, c->desc->version ? c->desc->version : ""))
            kc_note(problems, "Invalid value %s for configuration %s: %s is installed in version %s only", want, key,
                    kc_plugin_class(c), c->desc->version ? c->desc->version : "(none)");
    }
}

int kc_connector_config_check(kc_worker *w, kc_config *cfg, const kc_plugin **plugin_out, kc_resolved *resolved,
                              kc_strlist *problems, kc_strlist *warnings) {
    size_t before = problems->len;
    *plugin_out = NULL;
    kc_error err;
    kc_resolved local = {0};
    kc_resolved *res = resolved ? resolved : &local;
    if (kc_config_resolve(&w->providers, cfg, res, &err)) kc_note(problems, "%s", err.msg);
    for (size_t i = 0; i < res->keys.len; i++)
        if (!strcmp(res->keys.items[i], "name") || !strcmp(res->keys.items[i], "connector.class"))
            kc_note(problems, "Invalid value for configuration %s: it cannot come from a config provider",
                            res->keys.items[i]);
    kc_config_validate_hiding(kc_connector_common_defs, "", cfg, &res->keys, problems, warnings);
    const char *name = kc_config_get(cfg, "name");
    if (name && !kc_strlist_has(&res->keys, "name")) check_name(name, problems);
    int64_t tasks = 1, tasks_limit = 256;
    kc_config_get_long(&w->config, "max.tasks.per.connector", &tasks_limit);
    if (!kc_config_get_long(cfg, "tasks.max", &tasks) && tasks > tasks_limit)
        kc_note(problems, "Invalid value %s for configuration tasks.max: Value must be no more than %lld (the "
                                  "worker's max.tasks.per.connector)",
                        kc_strlist_has(&res->keys, "tasks.max") ? "[hidden]" : kc_config_get(cfg, "tasks.max"),
                        (long long)tasks_limit);
    const char *cls = kc_config_get(cfg, "connector.class");
    const kc_plugin *p = NULL;
    if (cls) {
        p = kc_registry_find(&w->registry, cls, KC_PLUGIN_SOURCE);
        if (!p) p = kc_registry_find(&w->registry, cls, KC_PLUGIN_SINK);
        if (!p) {
            kc_buf searched = KC_BUF_INIT;
            for (size_t i = 0; i < w->registry.searched.len; i++) {
                if (i) kc_buf_puts(&searched, ", ");
                kc_buf_puts(&searched, w->registry.searched.items[i]);
            }
            kc_note(problems,
                            "Failed to find any class that implements Connector and which name matches %s "
                            "(plugin.path searched: %s)",
                            cls, searched.data ? searched.data : "(none)");
            kc_buf_free(&searched);
        }
    }
    if (p) {
        check_plugin_versions(w, p, cfg, problems);
        kc_config_validate_hiding(p->desc->kind == KC_PLUGIN_SINK ? kc_sink_common_defs : kc_source_common_defs, "",
                                  cfg, &res->keys, problems, warnings);
        kc_config_validate_hiding(p->desc->config, "", cfg, &res->keys, problems, warnings);
        check_host_access(w, p->desc->config, cfg, problems);
        if (p->desc->kind == KC_PLUGIN_SINK) {
            const char *topics = kc_config_get(cfg, "topics"), *regex = kc_config_get(cfg, "topics.regex");
            int has_t = topics && *topics, has_r = regex && *regex;
            if (has_t && has_r)
                kc_note(problems, "%s", "Invalid value for configuration topics.regex: topics and topics.regex are "
                                         "mutually exclusive.");
            else if (!has_t && !has_r) /* on both keys, as Connect's validate says it */
                for (int k = 0; k < 2; k++)
                    kc_note(problems, "Invalid value for configuration %s: Must configure one of topics or topics.regex",
                            k ? "topics.regex" : "topics");
            const char *dlq = kc_config_get(cfg, "errors.deadletterqueue.topic.name");
            kc_strlist tl = {0};
            if (kc_list_split(topics, &tl)) kc_note(problems, "out of memory");
            for (size_t i = 0; dlq && *dlq && i < tl.len; i++)
                if (!strcmp(tl.items[i], dlq))
                    kc_note(problems, "The DLQ topic '%s' may not be included in the list of topics "
                                              "('topics=%s') consumed by the connector", dlq, topics);
            kc_strlist_free(&tl);
        }
        if (p->desc->kind == KC_PLUGIN_SOURCE) check_exactly_once(w, p, cfg, problems);
        if (p->desc->connector->validate && problems->len == before && p->desc->connector->validate(cfg, &err))
            kc_note(problems, "%s", err.msg);
    }
    for (int i = 0; i < KC_CONVERTER_ROLES; i++) {
        const char *c = kc_config_get(cfg, kc_converter_keys[i]);
        if (c && !kc_find_converter(w, c, i == KC_CONVERTER_HEADER))
            kc_note(problems, "Invalid value %s for configuration %s: Class %s could not be found.", c,
                    kc_converter_keys[i], c);
    }
    check_plugin_sub(w, cfg, "predicates", "predicates.%s.", KC_PLUGIN_PREDICATE, problems, warnings);
    check_plugin_sub(w, cfg, "transforms", "transforms.%s.", KC_PLUGIN_TRANSFORM, problems, warnings);
    /* unknown keys: warned about, never silently dropped */
    for (size_t i = 0; i < cfg->len; i++) {
        const char *k = cfg->items[i].key;
        if (kc_config_def_find(kc_connector_common_defs, k) || known_sub_key(w, cfg, k)) continue;
        if (p && (kc_config_def_find(p->desc->config, k) ||
                  kc_config_def_find(p->desc->kind == KC_PLUGIN_SINK ? kc_sink_common_defs : kc_source_common_defs, k)))
            continue;
        if (p) kc_note(warnings, "The configuration '%s' was supplied but isn't a known config of %s.", k,
                               kc_plugin_class(p));
    }
    /* whatever a message quotes (a plugin's validate, a class name), no provider's value leaves */
    if (kc_strlist_redact(problems, before, &res->secrets) || (warnings && kc_strlist_redact(warnings, 0, &res->secrets)))
        kc_note(problems, "out of memory");
    kc_resolved_free(&local);
    *plugin_out = p;
    return (int)(problems->len - before);
}

int kc_config_from_json(const json_t *obj, kc_config *out, int allow_null, kc_error *err) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        char buf[64];
        const char *s = NULL;
        if (json_is_string(v)) s = json_string_value(v);
        else if (json_is_integer(v)) snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v)), s = buf;
        else if (json_is_real(v)) snprintf(buf, sizeof buf, "%.17g", json_real_value(v)), s = buf;
        else if (json_is_boolean(v)) s = json_is_true(v) ? "true" : "false";
        else if (!json_is_null(v) || !allow_null)
            return kc_error_set(err, KC_EINVAL, "Configuration value of %s must be a string, not %s", k,
                                json_is_null(v) ? "null" : "a JSON structure");
        if (kc_config_set(out, k, s)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    return KC_OK;
}

int kc_connector_file_load(const char *path, kc_config *out, kc_error *err) {
    size_t n = strlen(path);
    if (n < 5 || strcmp(path + n - 5, ".json") != 0) return kc_props_load(path, out, err);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root && jerr.line < 0) /* not read at all: jansson's text names the file and why */
        return kc_error_set(err, KC_EINVAL, "%s: %s", path, jerr.text);
    if (!root) return kc_error_set(err, KC_EINVAL, "%s: invalid JSON: %s at line %d column %d", path, jerr.text,
                                   jerr.line, jerr.column);
    int rc;
    json_t *config = json_object_get(root, "config");
    if (json_is_object(config)) { /* {"name": ..., "config": {...}} as POST /connectors takes */
        rc = kc_config_from_json(config, out, 0, err);
        const char *name = json_string_value(json_object_get(root, "name"));
        if (!rc && name && !kc_config_get(out, "name")) rc = kc_config_set(out, "name", name);
        if (!rc && name && strcmp(name, kc_config_get(out, "name")) != 0)
            rc = kc_error_set(err, KC_EINVAL, "%s: Connector name configuration (%s) doesn't match connector name "
                              "(%s)", path, kc_config_get(out, "name"), name);
    } else if (json_is_object(root)) {
        rc = kc_config_from_json(root, out, 0, err);
    } else {
        rc = kc_error_set(err, KC_EINVAL, "%s: expected a JSON object", path);
    }
    if (rc && err && !strstr(err->msg, path)) {
        char msg[KC_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        kc_error_set(err, rc, "%s: %s", path, msg);
    }
    json_decref(root);
    return rc;
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

int kc_host_path_allowed(const kc_strlist *allowed, const char *path) {
    if (path[0] != '/') return 0;
    for (const char *p = path; (p = strstr(p, "..")); p += 2) /* a ".." part, wherever */
        if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/')) return 0;
    /* the part before any glob character; what exists of it is resolved (symlinks followed) */
    size_t lit = strcspn(path, "*?[");
    char *probe = strndup(path, lit);
    if (!probe) return 0;
    if (path[lit]) { /* a glob: its folder */
        char *slash = strrchr(probe, '/');
        slash[slash == probe ? 1 : 0] = '\0';
    }
    int ok = 0;
    for (;;) {
        char *real = realpath(probe, NULL);
        if (real) { /* the longest existing part, resolved, then the rest as written */
            kc_buf full = KC_BUF_INIT;
            kc_buf_puts(&full, real);
            kc_buf_puts(&full, path + strlen(probe));
            ok = !full.failed && kc_path_in(allowed, full.data);
            kc_buf_free(&full);
            free(real);
            break;
        }
        char *slash = strrchr(probe, '/');
        if (!slash || slash == probe) { /* nothing of it exists: as written */
            ok = kc_path_in(allowed, path);
            break;
        }
        *slash = '\0';
    }
    free(probe);
    return ok;
}

/* connector.allowed.paths (folders that must exist; kept resolved) and connector.allowed.interfaces. */
static void host_access_init(kc_worker *w, const kc_config *cfg, kc_strlist *problems) {
    const char *paths = kc_config_get(cfg, "connector.allowed.paths");
    if (paths) { /* set, even empty: restricted (empty allows nothing) */
        w->restrict_paths = 1;
        kc_allowed_paths_parse(paths, "connector.allowed.paths", &w->allowed_paths, problems);
    }
    const char *ifaces = kc_config_get(cfg, "connector.allowed.interfaces");
    if (ifaces) {
        w->restrict_interfaces = 1;
        if (kc_list_split(ifaces, &w->allowed_interfaces)) kc_note(problems, "out of memory");
    }
}

int kc_worker_init(kc_worker *w, const kc_config *cfg, kc_strlist *problems) {
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->problems_lock, NULL);
    if (kc_config_copy(&w->config, cfg) || !(w->metrics = kc_metrics_new()))
        return kc_note(problems, "out of memory"), KC_ENOMEM;
    kc_log_level lvl;
    if (kc_log_parse_level(kc_config_get(cfg, "log.level"), &lvl) == 0) kc_log_set_level(lvl);
    const char *format = kc_config_get(cfg, "log.format");
    kc_log_set_json(format && !strcasecmp(format, "json"));
    kc_config_providers_init(&w->providers, cfg, problems);
    host_access_init(w, cfg, problems);
    kc_config_get_long(cfg, "offset.flush.interval.ms", &w->flush_interval_ms);
    kc_config_get_long(cfg, "task.shutdown.graceful.timeout.ms", &w->shutdown_timeout_ms);
    kc_config_get_long(cfg, "tasks.buffer.max.bytes", &w->buffer_budget);
    kc_registry_init(&w->registry);
    kc_error err;
    const kc_plugin_desc *builtins[] = {&kc_json_converter_desc,    &kc_string_converter_desc,
                                        &kc_bytearray_converter_desc, &kc_short_converter_desc,
                                        &kc_integer_converter_desc,   &kc_long_converter_desc,
                                        &kc_float_converter_desc,     &kc_double_converter_desc,
                                        &kc_boolean_converter_desc,   &kc_simple_header_converter_desc};
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (kc_registry_add_builtin(&w->registry, builtins[i], &err)) kc_note(problems, "%s", err.msg);
    const char *pp = kc_config_get(cfg, "plugin.path");
    char *def = pp ? NULL : kc_default_plugin_path();
    kc_strlist load_errors = {0};
    kc_registry_load_path(&w->registry, pp ? pp : def, &load_errors);
    kc_strlist_free(&load_errors); /* already logged: a refused plugin does not stop the others */
    free(def);
    return kc_problems_found(problems) ? KC_EINVAL : KC_OK;
}

int kc_worker_connect_kafka(kc_worker *w, kc_error *err) {
    const char *bs = kc_config_get(&w->config, "bootstrap.servers");
    if (bs && *bs) {
        w->bootstrap = strdup(bs);
        return w->bootstrap ? KC_OK : KC_ENOMEM;
    }
    /* The embedded default: librdkafka's in-process mock cluster. */
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, rdkafka_log);
    w->mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!w->mock_rk) {
        rd_kafka_conf_destroy(conf);
        return kc_error_set(err, KC_EFATAL, "cannot start the embedded broker: %s", errstr);
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(w->mock_rk, 1);
    if (!mc) return kc_error_set(err, KC_EFATAL, "cannot start the embedded broker");
    w->mock_cluster = mc;
    pthread_mutex_init(&w->embedded_lock, NULL);
    w->bootstrap = strdup(rd_kafka_mock_cluster_bootstraps(mc));
    KC_WARN("Worker", "*****************************************************************************");
    KC_WARN("Worker", "No bootstrap.servers configured: using an EMBEDDED IN-MEMORY broker at %s.", w->bootstrap);
    KC_WARN("Worker", "Its data is NOT KEPT: every topic is lost when kcd exits. Set bootstrap.servers");
    KC_WARN("Worker", "to a real Kafka cluster for anything but a demo.");
    KC_WARN("Worker", "*****************************************************************************");
    return KC_OK;
}

void kc_worker_embedded_topic(kc_worker *w, const char *topic) {
    if (!w->mock_cluster) return;
    pthread_mutex_lock(&w->embedded_lock);
    int known = 0;
    for (size_t i = 0; i < w->embedded_topics.len && !known; i++) known = !strcmp(w->embedded_topics.items[i], topic);
    if (!known) {
        rd_kafka_mock_topic_create(w->mock_cluster, topic, 1, 1); /* fails harmlessly if it exists */
        /* not remembered: the next call creates it again, which fails harmlessly */
        if (kc_strlist_add(&w->embedded_topics, topic)) w->embedded_topics.failed = 0;
    }
    pthread_mutex_unlock(&w->embedded_lock);
}

void kc_worker_free(kc_worker *w) {
    if (w->offsets) kc_offset_store_close(w->offsets);
    if (w->mock_cluster) {
        rd_kafka_mock_cluster_destroy(w->mock_cluster);
        pthread_mutex_destroy(&w->embedded_lock);
    }
    kc_strlist_free(&w->embedded_topics);
    if (w->mock_rk) rd_kafka_destroy(w->mock_rk);
    free(w->bootstrap);
    kc_registry_free(&w->registry);
    kc_config_providers_free(&w->providers);
    kc_strlist_free(&w->allowed_paths);
    kc_strlist_free(&w->allowed_interfaces);
    kc_config_free(&w->config);
    kc_metrics_free(w->metrics);
    pthread_mutex_destroy(&w->problems_lock);
    memset(w, 0, sizeof *w);
}
