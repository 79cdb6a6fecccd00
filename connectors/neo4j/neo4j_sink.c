/* neo4j_sink.c - "neo4j-sink": the Neo4j Streams Kafka Connect sink's configuration and its
 * Cypher template strategy, over our own Bolt client (bolt.c). For each topic the records of a
 * put() are bound, as a list of maps, to `events` and run in transactions of neo4j.batch.size as
 *   UNWIND $events AS event <neo4j.topic.cypher.<topic>>
 * Every transaction commits before put() returns, so the worker commits consumer offsets only
 * for records Neo4j already holds. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bolt.h"

static const kc_host_api *host;
#include "../common/config_connector.h"
#include "../common/config_lists.h"
#include "../common/errant.h"
#include "../common/monotonic.h"

#define CYPHER_PREFIX "neo4j.topic.cypher."

static const char *const auth_types[] = {"NONE", "BASIC", "KERBEROS", NULL};
enum { AUTH_NONE, AUTH_BASIC, AUTH_KERBEROS };

static int validate_uri(const char *key, const char *value, char *msg, size_t msg_size);

static const kc_config_def config[] = {
    {"neo4j.server.uri", KC_CFG_STRING, "bolt://localhost:7687", KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH,
     "Connection", "bolt://host[:port] (or neo4j://, connecting to that server directly); plain TCP", NULL,
     validate_uri},
    {"neo4j.authentication.type", KC_CFG_ENUM, "BASIC", 0, 0, 0, auth_types, KC_IMPORTANCE_HIGH, "Authentication",
     "NONE or BASIC (KERBEROS is refused: not supported)", NULL, NULL},
    {"neo4j.authentication.basic.username", KC_CFG_STRING, "neo4j", 0, 0, 0, NULL, KC_IMPORTANCE_HIGH,
     "Authentication", "User", NULL, NULL},
    {"neo4j.authentication.basic.password", KC_CFG_PASSWORD, "", 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Authentication",
     "Password", NULL, NULL},
    {"neo4j.authentication.basic.realm", KC_CFG_STRING, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Authentication",
     "Realm (empty: none)", NULL, NULL},
    {"neo4j.database", KC_CFG_STRING, "", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Connection",
     "Database to write to (empty: the server's default)", NULL, NULL},
    {"neo4j.encryption.enabled", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Connection",
     "true is refused: this sink speaks Bolt over plain TCP only", NULL, NULL},
    {"neo4j.connection.acquisition.timeout.msecs", KC_CFG_LONG, "60000", KC_CFG_F_HAS_MIN, 1, 0, NULL,
     KC_IMPORTANCE_LOW, "Connection", "Wait for a TCP connection before the attempt counts as failed", NULL, NULL},
    {"neo4j.connection.max.lifetime.msecs", KC_CFG_LONG, "3600000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW,
     "Connection", "A connection older than this is closed and opened again before the next transaction", NULL,
     NULL},
    {"neo4j.batch.size", KC_CFG_INT, "1000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_MEDIUM, "Writes",
     "Most events per transaction", NULL, NULL},
    {"neo4j.batch.timeout.msecs", KC_CFG_LONG, "0", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, "Writes",
     "Transaction timeout sent to the server (0: the server's)", NULL, NULL},
    {"neo4j.retry.backoff.msecs", KC_CFG_LONG, "30000", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, "Retries",
     "Wait before a transaction that failed for now (connection lost, Neo.TransientError) runs again", NULL, NULL},
    {"neo4j.retry.max.attemps", KC_CFG_INT, "5", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Retries",
     "Attempts of such a transaction before the task fails (the key's spelling is the Neo4j sink's)", NULL, NULL},
    {CYPHER_PREFIX, KC_CFG_STRING, NULL, KC_CFG_F_PREFIX, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Writes",
     "neo4j.topic.cypher.<topic>: the Cypher run for that topic's records, each bound to `event` (UNWIND $events "
     "AS event <statement>); every topic needs one", NULL, NULL},
    KC_CONFIG_END,
};

/* ---- config checks ------------------------------------------------------------------------ */

/* host and port of a bolt:// or neo4j:// URI; KC_EINVAL with a message otherwise. */
static int parse_uri(const char *uri, char *host_out, size_t host_size, char *port_out, size_t port_size, char *msg,
                     size_t msg_size) {
    const char *rest = NULL;
    if (!strncasecmp(uri, "bolt://", 7)) rest = uri + 7;
    else if (!strncasecmp(uri, "neo4j://", 8)) rest = uri + 8;
    if (!rest) {
        int tls = !strncasecmp(uri, "bolt+s", 6) || !strncasecmp(uri, "neo4j+s", 7);
        snprintf(msg, msg_size, "Invalid value %s for configuration neo4j.server.uri: %s", uri,
                 tls ? "TLS (+s, +ssc) is not supported: use bolt:// on a trusted network"
                     : "the URI must start with bolt:// or neo4j://");
        return KC_EINVAL;
    }
    size_t len = strcspn(rest, "/?");
    const char *host_start = rest, *host_end = rest + len, *port = NULL;
    if (*rest == '[') { /* [v6 address]:port */
        const char *close = memchr(rest, ']', len);
        if (!close) {
            snprintf(msg, msg_size, "Invalid value %s for configuration neo4j.server.uri: unclosed [", uri);
            return KC_EINVAL;
        }
        host_start = rest + 1, host_end = close;
        if (close + 1 < rest + len && close[1] == ':') port = close + 2;
    } else {
        const char *colon = memchr(rest, ':', len);
        if (colon) host_end = colon, port = colon + 1;
    }
    size_t hl = (size_t)(host_end - host_start), pl = port ? (size_t)(rest + len - port) : 0;
    if (!hl || hl >= host_size || pl >= port_size || (port && !pl)) {
        snprintf(msg, msg_size, "Invalid value %s for configuration neo4j.server.uri: no host", uri);
        return KC_EINVAL;
    }
    for (size_t i = 0; i < pl; i++)
        if (port[i] < '0' || port[i] > '9') {
            snprintf(msg, msg_size, "Invalid value %s for configuration neo4j.server.uri: the port is not a number",
                     uri);
            return KC_EINVAL;
        }
    memcpy(host_out, host_start, hl);
    host_out[hl] = '\0';
    if (pl) memcpy(port_out, port, pl), port_out[pl] = '\0';
    else snprintf(port_out, port_size, "7687");
    return KC_OK;
}

static int validate_uri(const char *key, const char *value, char *msg, size_t msg_size) {
    (void)key;
    char h[256], p[16];
    return parse_uri(value, h, sizeof h, p, sizeof p, msg, msg_size) ? -1 : 0;
}

/* The Neo4j sink's other strategies: refused by name rather than ignored. */
static const char *const unsupported_prefixes[] = {"neo4j.topic.pattern.node.", "neo4j.topic.pattern.relationship.",
                                                   "neo4j.topic.cdc.sourceId", "neo4j.topic.cdc.schema",
                                                   "neo4j.topic.cud", NULL};

static int validate(const kc_config *cfg, kc_error *err) {
    for (size_t i = 0; i < cfg->len; i++)
        for (const char *const *p = unsupported_prefixes; *p; p++)
            if (!strncmp(cfg->items[i].key, *p, strlen(*p)))
                return kc_error_set(err, KC_EINVAL, "Invalid configuration %s: kcd's Neo4j sink runs Cypher "
                                    "templates only (neo4j.topic.cypher.<topic>); the pattern, CDC and CUD "
                                    "strategies are not supported", cfg->items[i].key);
    int type = enum_index(host->config_get(cfg, "neo4j.authentication.type"), auth_types);
    if (type == AUTH_KERBEROS)
        return kc_error_set(err, KC_EINVAL, "Invalid value KERBEROS for configuration neo4j.authentication.type: "
                            "only NONE and BASIC are supported");
    int tls = 0;
    host->config_get_bool(cfg, "neo4j.encryption.enabled", &tls);
    if (tls)
        return kc_error_set(err, KC_EINVAL, "Invalid value true for configuration neo4j.encryption.enabled: this "
                            "sink speaks Bolt over plain TCP only");
    /* every listed topic needs its statement (with topics.regex, a topic without one fails at put()) */
    char **topics = NULL;
    size_t ntopics = 0;
    int rc = split_list(host->config_get(cfg, "topics"), &topics, &ntopics);
    for (size_t i = 0; !rc && i < ntopics; i++) {
        char key[512];
        snprintf(key, sizeof key, CYPHER_PREFIX "%s", topics[i]);
        const char *q = host->config_get(cfg, key);
        if (!q || !*q)
            rc = kc_error_set(err, KC_EINVAL, "Missing required configuration \"%s\": topic %s has no Cypher "
                              "statement", key, topics[i]);
    }
    if (rc == KC_ENOMEM) kc_error_set(err, KC_ENOMEM, "out of memory");
    free_list(topics, ntopics);
    return rc;
}

/* ---- task --------------------------------------------------------------------------------- */

typedef struct statement {
    char *topic;
    char *query; /* "UNWIND $events AS event " + the template */
} statement;

typedef struct task {
    kc_task_ctx *ctx;
    kc_config cfg;
    char host_name[256], port[16];
    bolt_options opt;
    bolt_conn *conn;
    int64_t connected_at;
    int64_t batch_size, lifetime_ms, backoff_ms, max_attempts;
    statement *statements;
    size_t nstatements;
    int warned_tombstone;
    int bolt_major;
} task;

static int task_should_stop(void *arg) { return host->should_stop(((task *)arg)->ctx); }

static const char *query_for(task *t, const char *topic, kc_error *err) {
    for (size_t i = 0; i < t->nstatements; i++)
        if (!strcmp(t->statements[i].topic, topic)) return t->statements[i].query;
    char key[512];
    snprintf(key, sizeof key, CYPHER_PREFIX "%s", topic);
    const char *tmpl = host->config_get(&t->cfg, key);
    if (!tmpl || !*tmpl) {
        kc_error_set(err, KC_EFATAL, "Missing configuration \"%s\": topic %s has no Cypher statement", key, topic);
        return NULL;
    }
    statement *grown = realloc(t->statements, (t->nstatements + 1) * sizeof *grown);
    if (!grown) goto oom;
    t->statements = grown;
    statement *s = &t->statements[t->nstatements];
    size_t n = strlen(tmpl) + 32;
    s->topic = strdup(topic);
    s->query = malloc(n);
    if (!s->topic || !s->query) {
        free(s->topic), free(s->query);
        goto oom;
    }
    snprintf(s->query, n, "UNWIND $events AS event %s", tmpl);
    t->nstatements++;
    return s->query;
oom:
    kc_error_set(err, KC_ENOMEM, "out of memory");
    return NULL;
}

static void disconnect(task *t) {
    bolt_close(t->conn);
    t->conn = NULL;
}

static int connect_neo4j(task *t, kc_error *err) {
    if (t->conn && bolt_usable(t->conn) && monotonic_ms() - t->connected_at < t->lifetime_ms) return KC_OK;
    disconnect(t);
    int rc = bolt_connect(&t->conn, &t->opt, err);
    if (rc) return rc;
    t->connected_at = monotonic_ms();
    t->bolt_major = bolt_version(t->conn) >> 8;
    return KC_OK;
}

static void task_stop(void *state);

static int task_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    task *t = calloc(1, sizeof *t);
    if (!t || host->config_copy(&t->cfg, cfg)) {
        free(t);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    t->ctx = ctx;
    cfg = &t->cfg;
    char msg[KC_ERROR_MSG_MAX];
    const char *uri = host->config_get(cfg, "neo4j.server.uri");
    if (parse_uri(uri ? uri : "bolt://localhost:7687", t->host_name, sizeof t->host_name, t->port, sizeof t->port,
                  msg, sizeof msg)) {
        task_stop(t);
        return kc_error_set(err, KC_EINVAL, "%s", msg);
    }
    int64_t acquisition_ms = 60000, batch_timeout_ms = 0;
    t->batch_size = 1000, t->lifetime_ms = 3600000, t->backoff_ms = 30000, t->max_attempts = 5;
    host->config_get_long(cfg, "neo4j.connection.acquisition.timeout.msecs", &acquisition_ms);
    host->config_get_long(cfg, "neo4j.connection.max.lifetime.msecs", &t->lifetime_ms);
    host->config_get_long(cfg, "neo4j.batch.size", &t->batch_size);
    host->config_get_long(cfg, "neo4j.batch.timeout.msecs", &batch_timeout_ms);
    host->config_get_long(cfg, "neo4j.retry.backoff.msecs", &t->backoff_ms);
    host->config_get_long(cfg, "neo4j.retry.max.attemps", &t->max_attempts);
    int auth = enum_index(host->config_get(cfg, "neo4j.authentication.type"), auth_types);
    t->opt = (bolt_options){
        .host = t->host_name,
        .port = t->port,
        .user = auth == AUTH_BASIC ? host->config_get(cfg, "neo4j.authentication.basic.username") : NULL,
        .password = host->config_get(cfg, "neo4j.authentication.basic.password"),
        .realm = host->config_get(cfg, "neo4j.authentication.basic.realm"),
        .database = host->config_get(cfg, "neo4j.database"),
        .connect_timeout_ms = acquisition_ms,
        /* a transaction may run as long as the server lets it; a silent server this long is gone */
        .io_timeout_ms = batch_timeout_ms > 0 ? batch_timeout_ms + 30000 : 600000,
        .tx_timeout_ms = batch_timeout_ms,
        .user_agent = "kcd-neo4j-sink/1.0",
        .should_stop = task_should_stop,
        .stop_arg = t,
    };
    if (auth == AUTH_BASIC && !t->opt.user) t->opt.user = "neo4j";
    /* connect now: a wrong address or password fails the task at once, with the server's words */
    int rc = connect_neo4j(t, err);
    if (rc) {
        task_stop(t);
        return rc;
    }
    host->log(ctx, KC_LOG_INFO, "Connected to Neo4j at %s:%s (Bolt %d.%d)", t->host_name, t->port,
              bolt_version(t->conn) >> 8, bolt_version(t->conn) & 0xFF);
    *state = t;
    return KC_OK;
}

/* {events: [value, ...]} for records[idx[0..n)]. */
static int encode_events(task *t, kc_record *const *records, const size_t *idx, size_t n, strbuf *params,
                         size_t *bad, char *msg, size_t msg_size) {
    params->len = 0;
    ps_map_header(params, 1);
    ps_string(params, "events", 6);
    ps_list_header(params, n);
    for (size_t i = 0; i < n; i++) {
        int rc = ps_value(params, &records[idx[i]]->value, t->bolt_major, msg, msg_size);
        if (rc) {
            *bad = i;
            return rc;
        }
    }
    if (params->failed) {
        snprintf(msg, msg_size, "out of memory");
        return KC_ENOMEM;
    }
    return KC_OK;
}

/* Runs one transaction, retrying what fails for now (after neo4j.retry.backoff.msecs, on a new
 * connection when the old one broke) up to neo4j.retry.max.attemps times. */
static int run_with_retries(task *t, const char *query, const strbuf *params, kc_error *err) {
    for (int64_t attempt = 1;; attempt++) {
        char code[128] = "";
        int rc = connect_neo4j(t, err);
        if (!rc) rc = bolt_run_tx(t->conn, query, params, code, sizeof code, err);
        if (rc != KC_ERETRY) return rc;
        if (!bolt_usable(t->conn)) disconnect(t);
        if (attempt >= t->max_attempts || host->should_stop(t->ctx)) {
            char m[KC_ERROR_MSG_MAX];
            snprintf(m, sizeof m, "%s", err->msg);
            return kc_error_set(err, host->should_stop(t->ctx) ? KC_ERETRY : KC_EOUTAGE,
                                "giving up after %lld attempts (neo4j.retry.max.attemps): %s", (long long)attempt, m);
        }
        host->log(t->ctx, KC_LOG_WARN, "Transaction failed, attempt %lld of %lld, again in %lld ms: %s",
                  (long long)attempt, (long long)t->max_attempts, (long long)t->backoff_ms, err->msg);
        for (int64_t waited = 0; waited < t->backoff_ms && !host->should_stop(t->ctx); waited += 100)
            sleep_ms(t->backoff_ms - waited < 100 ? t->backoff_ms - waited : 100);
    }
}

/* Writes records[idx[0..n)] (one topic): transactions of neo4j.batch.size events. A transaction
 * Neo4j refuses for its data runs again record by record, so only the records it refuses go
 * through errors.tolerance (the dead letter queue) with the server's message. */
static int write_topic(task *t, kc_record *const *records, const size_t *idx, size_t n, const char *query,
                       kc_error *err) {
    strbuf params = STRBUF_INIT;
    int rc = KC_OK;
    char msg[KC_ERROR_MSG_MAX];
    for (size_t from = 0; from < n && !rc; from += (size_t)t->batch_size) {
        size_t count = n - from < (size_t)t->batch_size ? n - from : (size_t)t->batch_size;
        size_t bad = 0;
        int erc = encode_events(t, records, idx + from, count, &params, &bad, msg, sizeof msg);
        if (erc == KC_EINVAL) { /* a value Bolt cannot carry: that record alone */
            rc = report_or_fail(t->ctx, records[idx[from + bad]], msg, err);
            if (!rc) rc = write_topic(t, records, idx + from, bad, query, err);
            if (!rc) rc = write_topic(t, records, idx + from + bad + 1, n - from - bad - 1, query, err);
            strbuf_free(&params);
            return rc;
        }
        if (erc) {
            rc = kc_error_set(err, KC_ERETRY, "%s", msg);
            break;
        }
        rc = run_with_retries(t, query, &params, err);
        if (rc == KC_EINVAL && count > 1) {
            host->log(t->ctx, KC_LOG_WARN, "Neo4j refused a transaction of %zu events (%s); running them one by one",
                      count, err->msg);
            rc = KC_OK;
            for (size_t i = 0; i < count && !rc; i++) rc = write_topic(t, records, idx + from + i, 1, query, err);
        } else if (rc == KC_EINVAL) {
            snprintf(msg, sizeof msg, "%s", err->msg);
            rc = report_or_fail(t->ctx, records[idx[from]], msg, err);
        }
    }
    strbuf_free(&params);
    return rc;
}

static int task_put(void *state, kc_record *const *records, size_t n, kc_error *err) {
    task *t = state;
    if (!n) return KC_OK;
    size_t *idx = malloc(n * sizeof *idx);
    char *done = calloc(n, 1);
    if (!idx || !done) {
        free(idx), free(done);
        return kc_error_set(err, KC_ERETRY, "out of memory");
    }
    int rc = KC_OK;
    /* one topic at a time, each in record order */
    for (size_t first = 0; first < n && !rc; first++) {
        if (done[first]) continue;
        const char *topic = records[first]->topic ? records[first]->topic : "";
        size_t m = 0;
        for (size_t i = first; i < n; i++) {
            if (done[i] || strcmp(records[i]->topic ? records[i]->topic : "", topic)) continue;
            done[i] = 1;
            if (records[i]->value.type == KC_VAL_NULL) { /* a tombstone binds no event */
                if (!t->warned_tombstone++)
                    host->log(t->ctx, KC_LOG_INFO, "Tombstones are skipped (no event to bind), first at topic=%s "
                              "partition=%d offset=%lld", topic, (int)records[i]->partition,
                              (long long)records[i]->offset);
                continue;
            }
            idx[m++] = i;
        }
        const char *query = m ? query_for(t, topic, err) : NULL;
        if (m && !query) rc = err->code;
        else if (m) rc = write_topic(t, records, idx, m, query, err);
        if (rc == KC_EFATAL && strncmp(err->msg, "record ", 7)) { /* about the statement: name its key */
            char m2[KC_ERROR_MSG_MAX];
            snprintf(m2, sizeof m2, "%s", err->msg);
            kc_error_set(err, KC_EFATAL, CYPHER_PREFIX "%.200s: %.400s", topic, m2);
        }
    }
    free(idx);
    free(done);
    return rc;
}

/* put() committed everything before returning. */
static int task_flush(void *state, const kc_topic_partition_offset *offsets, size_t n, kc_error *err) {
    (void)state, (void)offsets, (void)n, (void)err;
    return KC_OK;
}

static void task_stop(void *state) {
    task *t = state;
    if (!t) return;
    disconnect(t);
    for (size_t i = 0; i < t->nstatements; i++) {
        free(t->statements[i].topic);
        free(t->statements[i].query);
    }
    free(t->statements);
    host->config_free(&t->cfg);
    free(t);
}

static int plugin_init(const kc_host_api *h, kc_error *err) {
    if (errant_host_check(h, "neo4j-sink", err)) return err->code;
    host = h;
    return KC_OK;
}

static const kc_connector_ops connector_ops = {validate, config_connector_start, config_connector_task_configs,
                                               config_connector_stop};
static const kc_sink_task_ops task_ops = {task_start, NULL, NULL, task_put, task_flush, task_stop};

static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER,
    KC_PLUGIN_SINK,
    "neo4j-sink",
    "1.0.0",
    "Runs a Cypher statement per topic over Bolt with each batch of record values bound to `event` "
    "(the Neo4j Streams sink's Cypher template strategy)",
    (const char *const[]){"streams.kafka.connect.sink.Neo4jSinkConnector", "io.kcd.connect.neo4j.Neo4jSinkConnector",
                          NULL},
    config,
    plugin_init,
    &connector_ops,
    NULL,
    &task_ops,
    NULL, NULL, NULL,
    0, /* flags */
};

KC_PLUGIN_DEFINE(desc)
