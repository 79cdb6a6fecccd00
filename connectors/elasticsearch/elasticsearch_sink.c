/* elasticsearch_sink.c - "elasticsearch-sink": the Confluent Elasticsearch sink's configuration
 * and behaviour on libcurl, for Elasticsearch 6/7/8 and OpenSearch. put() turns its records into
 * _bulk actions (index, update with doc_as_upsert, or delete) queued in batches of at most
 * batch.size actions and bulk.size.bytes, sent up to max.in.flight.requests at once; flush()
 * waits until every action was acknowledged, so the worker commits consumer offsets only for
 * documents the cluster holds. Actions the cluster rejects for now (429, 5xx, a connection lost)
 * are sent again with backoff; documents it refuses go through behavior.on.malformed.documents
 * and errors.tolerance. */

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "es_doc.h"

static const kc_host_api *host;
#include "../common/config_connector.h"
#include "../common/config_lists.h"
#include "../common/errant.h"
#include "../common/monotonic.h"

static const char *const null_behaviors[] = {"ignore", "delete", "fail", NULL};
static const char *const malformed_behaviors[] = {"fail", "warn", "ignore", NULL};
static const char *const write_methods[] = {"insert", "upsert", NULL};

enum { NULL_IGNORE, NULL_DELETE, NULL_FAIL };
enum { MALFORMED_FAIL, MALFORMED_WARN, MALFORMED_IGNORE };
enum { WRITE_INSERT, WRITE_UPSERT };

static int validate_urls(const char *key, const char *value, char *msg, size_t msg_size);
static int validate_index_map(const char *key, const char *value, char *msg, size_t msg_size);

static const kc_config_def config[] = {
    {"connection.url", KC_CFG_LIST, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH,
     "Connector", "Elasticsearch or OpenSearch URLs (http:// or https://), comma-separated; the next one is tried "
     "when one cannot be reached", NULL, validate_urls},
    {"connection.username", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Connector",
     "User for HTTP basic authentication", NULL, NULL},
    {"connection.password", KC_CFG_PASSWORD, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Connector",
     "Password for HTTP basic authentication", NULL, NULL},
    {"connection.timeout.ms", KC_CFG_INT, "1000", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, "Connector",
     "Wait for a TCP connection (and TLS handshake) before the attempt counts as failed", NULL, NULL},
    {"read.timeout.ms", KC_CFG_INT, "3000", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, "Connector",
     "Wait for the server to send anything (whole seconds; 0: forever) before the request counts as failed",
     NULL, NULL},
    {"type.name", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Connector",
     "Mapping type: sent to Elasticsearch 6 only (required there); 7+ and OpenSearch have one type and "
     "are written without it", NULL, NULL},
    {"key.ignore", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Data Conversion",
     "true: the document id is topic+partition+offset; false: the record key (string or integer), "
     "with the offset as external version so an older record cannot overwrite a newer one", NULL, NULL},
    {"topic.key.ignore", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Data Conversion",
     "Topics written as if key.ignore=true", NULL, NULL},
    {"schema.ignore", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Data Conversion",
     "true: leave mappings to the index (templates, dynamic mapping); false: before the first write to an "
     "index without a mapping, put one made from the record's struct schema", NULL, NULL},
    {"topic.schema.ignore", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Data Conversion",
     "Topics written as if schema.ignore=true", NULL, NULL},
    {"compact.map.entries", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Data Conversion",
     "Maps with string keys as JSON objects; false: as arrays of {\"key\",\"value\"} (maps with other keys "
     "always are)", NULL, NULL},
    {"topic.index.map", KC_CFG_LIST, "", KC_CFG_F_DEPRECATED, 0, 0, NULL, KC_IMPORTANCE_LOW, "Data Conversion",
     "topic:index pairs; other topics go to the index named as the topic, lowercased (use RegexRouter instead)",
     NULL, validate_index_map},
    {"drop.invalid.message", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Data Conversion",
     "Skip, with a warning, records that cannot be documents (bad key for an id, a value that is not an "
     "object); false: they go through errors.tolerance", NULL, NULL},
    {"behavior.on.null.values", KC_CFG_ENUM, "ignore", 0, 0, 0, null_behaviors, KC_IMPORTANCE_LOW,
     "Data Conversion", "Records with a null value (tombstones): ignore them, delete the document with their id, "
     "or fail", NULL, NULL},
    {"behavior.on.malformed.documents", KC_CFG_ENUM, "fail", 0, 0, 0, malformed_behaviors, KC_IMPORTANCE_LOW,
     "Data Conversion", "Documents the cluster refuses (HTTP 400, e.g. mapper_parsing_exception): fail (through "
     "errors.tolerance and the dead letter queue), warn and skip, or skip", NULL, NULL},
    {"write.method", KC_CFG_ENUM, "insert", 0, 0, 0, write_methods, KC_IMPORTANCE_LOW, "Data Conversion",
     "insert: index the whole document; upsert: update with doc_as_upsert (fields merged into the stored "
     "document)", NULL, NULL},
    {"auto.create.indices.at.start", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Connector",
     "Create the indices of the listed topics when the task starts (others are created by the first write)",
     NULL, NULL},
    {"batch.size", KC_CFG_INT, "2000", KC_CFG_F_HAS_MIN | KC_CFG_F_HAS_MAX, 1, 1000000, NULL, KC_IMPORTANCE_MEDIUM,
     "Connector", "Most actions per _bulk request", NULL, NULL},
    {"bulk.size.bytes", KC_CFG_LONG, "5242880", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Connector",
     "Most bytes per _bulk request (one document larger than this goes alone)", NULL, NULL},
    {"max.in.flight.requests", KC_CFG_INT, "5", KC_CFG_F_HAS_MIN | KC_CFG_F_HAS_MAX, 1, 64, NULL,
     KC_IMPORTANCE_MEDIUM, "Connector", "_bulk requests sent at once", NULL, NULL},
    {"linger.ms", KC_CFG_LONG, "1", KC_CFG_F_HAS_MIN, 0, 604800000, NULL, KC_IMPORTANCE_LOW, "Connector",
     "Wait this long after a batch's first action for more before sending it unfull (while every request is "
     "in flight, actions gather into fuller batches anyway)", NULL, NULL},
    {"max.buffered.records", KC_CFG_LONG, "20000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Connector",
     "Most actions held (queued or in flight): put() waits for room, up to flush.timeout.ms", NULL, NULL},
    {"flush.timeout.ms", KC_CFG_LONG, "10000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Connector",
     "Longest flush() waits for every held action to be acknowledged (and put() for room); then the worker "
     "reads the records again from the committed offsets", NULL, NULL},
    {"max.retries", KC_CFG_INT, "5", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, "Connector",
     "Retries of actions rejected for now (429, 5xx, connection lost) before the task fails", NULL, NULL},
    {"retry.backoff.ms", KC_CFG_LONG, "100", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, "Connector",
     "Wait before the first retry; each next one waits up to twice as long (with jitter)", NULL, NULL},
    {"proxy.host", KC_CFG_STRING, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Proxy", "HTTP proxy host (empty: none)",
     NULL, NULL},
    {"proxy.port", KC_CFG_INT, "8080", KC_CFG_F_HAS_MIN | KC_CFG_F_HAS_MAX, 1, 65535, NULL, KC_IMPORTANCE_LOW,
     "Proxy", "HTTP proxy port", NULL, NULL},
    {"proxy.username", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Proxy", "HTTP proxy user", NULL,
     NULL},
    {"proxy.password", KC_CFG_PASSWORD, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Proxy", "HTTP proxy password",
     NULL, NULL},
    KC_CONFIG_END,
};

/* ---- config checks ------------------------------------------------------------------------ */

/* Checks each item of a LIST value with ok(); the first that fails is named in msg. */
static int validate_items(const char *key, const char *value, int (*ok)(const char *item), const char *rule,
                          char *msg, size_t msg_size) {
    char **items;
    size_t n;
    int rc = 0;
    if (split_list(value, &items, &n)) {
        snprintf(msg, msg_size, "out of memory");
        rc = -1;
    }
    for (size_t i = 0; i < n && !rc; i++)
        if (!ok(items[i])) {
            snprintf(msg, msg_size, "Invalid value %s for configuration %s: %s", items[i], key, rule);
            rc = -1;
        }
    free_list(items, n);
    return rc;
}

static int is_http_url(const char *s) { return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8); }

static int is_topic_index_pair(const char *s) {
    const char *colon = strchr(s, ':');
    return colon && colon != s && colon[1];
}

static int validate_urls(const char *key, const char *value, char *msg, size_t msg_size) {
    return validate_items(key, value, is_http_url, "URLs start with http:// or https://", msg, msg_size);
}

static int validate_index_map(const char *key, const char *value, char *msg, size_t msg_size) {
    return validate_items(key, value, is_topic_index_pair, "entries are topic:index", msg, msg_size);
}

/* ---- task state --------------------------------------------------------------------------- */

/* One action: where its lines are in its batch and which record it came from. */
typedef struct doc_meta {
    size_t off, len;
    uint32_t topic; /* index in task::topics */
    int32_t partition;
    int64_t offset;
    uint64_t put_seq; /* the put() that made it: its record is reportable while that put() runs */
    size_t put_index; /* the record's index in that put()'s array */
} doc_meta;

/* Actions sent together in one _bulk request (or waiting to be). */
typedef struct batch {
    struct batch *next;
    strbuf body;
    doc_meta *docs;
    size_t ndocs, cap;
    int closed;          /* full, or a retry: takes no more actions */
    int64_t created_ms;  /* its first action's time: linger.ms counts from it */
    int64_t not_before;  /* a retry's backoff */
    int64_t attempts;    /* retries so far */
} batch;

/* One _bulk request slot: its easy handle (kept: connections are reused) and reply. */
typedef struct request {
    CURL *easy;
    batch *b; /* in flight; NULL when idle */
    strbuf reply;
    char curl_err[CURL_ERROR_SIZE];
} request;

/* An index this task has prepared (created, mapping put) or found ready. */
typedef struct index_seen {
    struct index_seen *next;
    char *name;
} index_seen;

typedef struct task {
    kc_task_ctx *ctx;
    kc_config cfg;
    char **urls;
    size_t nurls, url; /* the one in use */
    const char *username, *password, *type_name;
    const char *send_type; /* type_name for Elasticsearch 6, else NULL */
    const char *index_map;
    int key_ignore, schema_ignore, compact, drop_invalid, null_behavior, malformed, write_method;
    int ordered; /* upserts: one request at a time, retries first, so updates of a key keep their order */
    char **topic_key_ignore, **topic_schema_ignore;
    size_t ntopic_key_ignore, ntopic_schema_ignore;
    int64_t batch_size, bulk_bytes, max_in_flight, connect_ms, read_ms, flush_timeout_ms, max_retries, backoff_ms;
    int64_t linger_ms, max_buffered;
    const char *proxy_host, *proxy_user, *proxy_password;
    int64_t proxy_port;
    CURLM *multi;
    request *reqs;
    CURL *control; /* index and mapping requests, the version check */
    strbuf control_reply;
    struct curl_slist *ndjson_headers, *json_headers;
    /* actions not yet acknowledged: queued (oldest first; retries at the head) or in flight */
    batch *queue, *queue_tail;
    size_t held_docs;
    char **topics; /* topic names of held actions, for messages */
    size_t ntopics;
    /* the put() running: its records can go to the errant-record reporter */
    uint64_t put_seq;
    kc_record *const *put_records;
    int isolate; /* after refused documents: each put() written before it returns, until a flush succeeds */
    int unflushed; /* documents were put since the last flush() */
    int refused; /* a document was refused after its put() returned */
    char refused_msg[KC_ERROR_MSG_MAX];
    int failed;  /* the task cannot go on: failure says why */
    kc_error failure;
    char last_error[KC_ERROR_MSG_MAX]; /* the newest retriable failure */
    index_seen *indices;
    char *last_topic, *last_index; /* topic -> index of the previous record */
    unsigned rand_state;
    int warned_null;
} task;

static size_t on_reply(char *data, size_t size, size_t n, void *arg) {
    strbuf *b = arg;
    strbuf_append(b, data, size * n);
    return b->failed ? 0 : size * n;
}

static void set_common(task *t, CURL *e, char *errbuf, strbuf *reply) {
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(t->connect_ms ? t->connect_ms : 1));
    if (t->read_ms > 0) { /* Java's socket read timeout: nothing received for that long */
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)((t->read_ms + 999) / 1000));
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_reply);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (t->username) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, t->username);
        curl_easy_setopt(e, CURLOPT_PASSWORD, t->password ? t->password : "");
    }
    if (t->proxy_host && *t->proxy_host) {
        curl_easy_setopt(e, CURLOPT_PROXY, t->proxy_host);
        curl_easy_setopt(e, CURLOPT_PROXYPORT, (long)t->proxy_port);
        if (t->proxy_user) {
            curl_easy_setopt(e, CURLOPT_PROXYUSERNAME, t->proxy_user);
            curl_easy_setopt(e, CURLOPT_PROXYPASSWORD, t->proxy_password ? t->proxy_password : "");
        }
    }
}

static const char *base_url(task *t) { return t->urls[t->url]; }

/* url + path, without doubling the slash; handed over. */
static char *url_for(task *t, const char *path) {
    const char *base = base_url(t);
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/') bl--;
    size_t pl = strlen(path);
    char *u = malloc(bl + pl + 1);
    if (!u) return NULL;
    memcpy(u, base, bl);
    memcpy(u + bl, path, pl + 1);
    return u;
}

/* One control request (GET/HEAD/PUT path [body]) on the current URL. Returns the HTTP status,
 * or -1 with a message when the server could not be reached. The reply is in control_reply. */
static long control_request(task *t, const char *method, const char *path, const char *body, char *msg,
                            size_t msg_size) {
    char errbuf[CURL_ERROR_SIZE] = "";
    char *url = url_for(t, path);
    if (!url) {
        snprintf(msg, msg_size, "out of memory");
        return -1;
    }
    CURL *e = t->control;
    curl_easy_reset(e);
    strbuf_free(&t->control_reply);
    set_common(t, e, errbuf, &t->control_reply);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->json_headers);
    if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (body) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    }
    CURLcode rc = curl_easy_perform(e);
    free(url);
    if (rc != CURLE_OK) {
        snprintf(msg, msg_size, "cannot reach %s: %s", base_url(t), errbuf[0] ? errbuf : curl_easy_strerror(rc));
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static void task_stop(void *state);

/* Finds a URL that answers GET / and learns the server's version from it. KC_ERETRY when none
 * could be reached (a server not up yet: the worker starts the task again later). */
static int check_server(task *t, kc_error *err) {
    char msg[KC_ERROR_MSG_MAX] = "";
    int reached = 0;
    for (size_t i = 0; i < t->nurls; i++) {
        t->url = i;
        long status = control_request(t, "GET", "/", NULL, msg, sizeof msg);
        if (status < 0) continue;
        reached = 1;
        if (status == 401 || status == 403)
            return kc_error_set(err, KC_EFATAL, "%s refused the credentials (HTTP %ld): check connection.username and "
                                "connection.password", base_url(t), status);
        int major = 0, opensearch = 0;
        char why[256];
        if (status != 200 || es_root_parse(t->control_reply.data ? t->control_reply.data : "", t->control_reply.len,
                                           &major, &opensearch, why, sizeof why)) {
            snprintf(msg, sizeof msg, "%s answered GET / with HTTP %ld: not Elasticsearch or OpenSearch", base_url(t),
                     status);
            continue;
        }
        if (!opensearch && major < 7) {
            if (!t->type_name || !*t->type_name)
                return kc_error_set(err, KC_EFATAL, "Missing required configuration \"type.name\": Elasticsearch %d "
                                    "needs a mapping type", major);
            t->send_type = t->type_name;
        } else if (t->type_name && *t->type_name && strcmp(t->type_name, "_doc")) {
            host->log(t->ctx, KC_LOG_WARN, "type.name=%s is not sent: %s %d has no mapping types", t->type_name,
                      opensearch ? "OpenSearch" : "Elasticsearch", major);
        }
        host->log(t->ctx, KC_LOG_INFO, "Writing to %s (%s %d)", base_url(t),
                  opensearch ? "OpenSearch" : "Elasticsearch", major);
        return KC_OK;
    }
    return kc_error_set(err, reached ? KC_EFATAL : KC_ERETRY, "%s", msg);
}

static int index_known(task *t, const char *name) {
    for (index_seen *s = t->indices; s; s = s->next)
        if (!strcmp(s->name, name)) return 1;
    return 0;
}

static int remember_index(task *t, const char *name) {
    index_seen *s = calloc(1, sizeof *s);
    if (!s || !(s->name = strdup(name))) {
        free(s);
        return KC_ENOMEM;
    }
    s->next = t->indices;
    t->indices = s;
    return KC_OK;
}

/* Status class of a control request: KC_OK for 2xx, KC_ERETRY when the server could not be
 * reached or is busy, KC_EFATAL otherwise, with the server's words. */
static int control_failed(task *t, long status, const char *what, const char *msg, kc_error *err) {
    if (status < 0) return kc_error_set(err, KC_ERETRY, "%s: %s", what, msg);
    char text[300];
    es_error_text(t->control_reply.data ? t->control_reply.data : "", t->control_reply.len, text, sizeof text);
    return kc_error_set(err, status == 429 || status >= 500 ? KC_ERETRY : KC_EFATAL, "%s: HTTP %ld: %s", what,
                        status, text);
}

/* Creates index `name` unless it exists (another task may create it at the same moment). */
static int create_index(task *t, const char *name, kc_error *err) {
    char msg[KC_ERROR_MSG_MAX], path[600];
    char *esc = curl_easy_escape(t->control, name, 0);
    if (!esc) return kc_error_set(err, KC_ENOMEM, "out of memory");
    snprintf(path, sizeof path, "/%s", esc);
    long status = control_request(t, "HEAD", path, NULL, msg, sizeof msg);
    if (status == 404) {
        status = control_request(t, "PUT", path, "{}", msg, sizeof msg);
        const char *reply = t->control_reply.data;
        if (status == 400 && reply && strstr(reply, "resource_already_exists_exception")) status = 200;
    }
    curl_free(esc);
    if (status >= 200 && status < 300) return KC_OK;
    char what[300];
    snprintf(what, sizeof what, "creating index %s", name);
    return control_failed(t, status, what, msg, err);
}

/* schema.ignore=false: an index without a mapping gets one from the value schema before its
 * first document (as the Confluent sink does); an existing mapping is left as it is. */
static int prepare_index(task *t, const char *index, const kc_record *r, kc_error *err) {
    if (index_known(t, index)) return KC_OK;
    int ignore = t->schema_ignore || in_list(t->topic_schema_ignore, t->ntopic_schema_ignore, r->topic);
    if (!ignore && r->value_schema && r->value_schema->type == KC_SCHEMA_STRUCT) {
        int rc = create_index(t, index, err);
        if (rc) return rc;
        char msg[KC_ERROR_MSG_MAX], path[700];
        char *esc = curl_easy_escape(t->control, index, 0);
        if (!esc) return kc_error_set(err, KC_ENOMEM, "out of memory");
        if (t->send_type) snprintf(path, sizeof path, "/%s/_mapping/%s", esc, t->send_type);
        else snprintf(path, sizeof path, "/%s/_mapping", esc);
        long status = control_request(t, "GET", path, NULL, msg, sizeof msg);
        int has_mapping = status == 200 && t->control_reply.data && strstr(t->control_reply.data, "\"properties\"");
        if (status == 200 && !has_mapping) {
            strbuf body = STRBUF_INIT;
            if ((rc = es_mapping_encode(&body, r->value_schema, msg, sizeof msg))) {
                strbuf_free(&body);
                curl_free(esc);
                return kc_error_set(err, rc, "%s", msg);
            }
            status = control_request(t, "PUT", path, body.data, msg, sizeof msg);
            strbuf_free(&body);
            if (status >= 200 && status < 300)
                host->log(t->ctx, KC_LOG_INFO, "Put the mapping of index %s from the schema of topic %s", index,
                          r->topic);
        }
        curl_free(esc);
        if (status < 200 || status >= 300) {
            char what[300];
            snprintf(what, sizeof what, "putting the mapping of index %s", index);
            return control_failed(t, status, what, msg, err);
        }
    }
    return remember_index(t, index) ? kc_error_set(err, KC_ENOMEM, "out of memory") : KC_OK;
}

static int task_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    task *t = calloc(1, sizeof *t);
    if (!t || host->config_copy(&t->cfg, cfg)) {
        free(t);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    t->ctx = ctx;
    cfg = &t->cfg;
    t->rand_state = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)t;
    if (split_list(host->config_get(cfg, "connection.url"), &t->urls, &t->nurls) ||
        split_list(host->config_get(cfg, "topic.key.ignore"), &t->topic_key_ignore, &t->ntopic_key_ignore) ||
        split_list(host->config_get(cfg, "topic.schema.ignore"), &t->topic_schema_ignore, &t->ntopic_schema_ignore)) {
        task_stop(t);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    if (!t->nurls) {
        task_stop(t);
        return kc_error_set(err, KC_EINVAL, "Missing required configuration \"connection.url\"");
    }
    t->username = host->config_get(cfg, "connection.username");
    t->password = host->config_get(cfg, "connection.password");
    t->type_name = host->config_get(cfg, "type.name");
    t->index_map = host->config_get(cfg, "topic.index.map");
    t->proxy_host = host->config_get(cfg, "proxy.host");
    t->proxy_user = host->config_get(cfg, "proxy.username");
    t->proxy_password = host->config_get(cfg, "proxy.password");
    t->compact = 1;
    host->config_get_bool(cfg, "key.ignore", &t->key_ignore);
    host->config_get_bool(cfg, "schema.ignore", &t->schema_ignore);
    host->config_get_bool(cfg, "compact.map.entries", &t->compact);
    host->config_get_bool(cfg, "drop.invalid.message", &t->drop_invalid);
    t->null_behavior = enum_index(host->config_get(cfg, "behavior.on.null.values"), null_behaviors);
    t->malformed = enum_index(host->config_get(cfg, "behavior.on.malformed.documents"), malformed_behaviors);
    t->write_method = enum_index(host->config_get(cfg, "write.method"), write_methods);
    t->batch_size = 2000, t->bulk_bytes = 5242880, t->max_in_flight = 5, t->connect_ms = 1000, t->read_ms = 3000;
    t->flush_timeout_ms = 10000, t->max_retries = 5, t->backoff_ms = 100, t->proxy_port = 8080;
    t->linger_ms = 1, t->max_buffered = 20000;
    host->config_get_long(cfg, "linger.ms", &t->linger_ms);
    host->config_get_long(cfg, "max.buffered.records", &t->max_buffered);
    t->ordered = t->write_method == WRITE_UPSERT;
    host->config_get_long(cfg, "batch.size", &t->batch_size);
    host->config_get_long(cfg, "bulk.size.bytes", &t->bulk_bytes);
    host->config_get_long(cfg, "max.in.flight.requests", &t->max_in_flight);
    host->config_get_long(cfg, "connection.timeout.ms", &t->connect_ms);
    host->config_get_long(cfg, "read.timeout.ms", &t->read_ms);
    host->config_get_long(cfg, "flush.timeout.ms", &t->flush_timeout_ms);
    host->config_get_long(cfg, "max.retries", &t->max_retries);
    host->config_get_long(cfg, "retry.backoff.ms", &t->backoff_ms);
    host->config_get_long(cfg, "proxy.port", &t->proxy_port);
    if (t->max_in_flight < 1) t->max_in_flight = 1;
    t->multi = curl_multi_init();
    t->control = curl_easy_init();
    t->reqs = calloc((size_t)t->max_in_flight, sizeof *t->reqs);
    t->ndjson_headers = curl_slist_append(NULL, "Content-Type: application/x-ndjson");
    t->json_headers = curl_slist_append(NULL, "Content-Type: application/json");
    int ok = t->multi && t->control && t->reqs && t->ndjson_headers && t->json_headers;
    for (int64_t i = 0; ok && i < t->max_in_flight; i++) {
        if (!(t->reqs[i].easy = curl_easy_init())) ok = 0;
    }
    /* a large body would otherwise wait for "100 Continue" */
    struct curl_slist *h = ok ? curl_slist_append(t->ndjson_headers, "Expect:") : NULL;
    if (!h) {
        task_stop(t);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)t->max_in_flight);
    int rc = check_server(t, err);
    int create = 1;
    host->config_get_bool(cfg, "auto.create.indices.at.start", &create);
    size_t ntopics = 0;
    char **topics = NULL;
    if (!rc && create && split_list(host->config_get(cfg, "topics"), &topics, &ntopics))
        rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < ntopics; i++) {
        char *index = es_index_name(topics[i], t->index_map);
        rc = index ? create_index(t, index, err) : kc_error_set(err, KC_ENOMEM, "out of memory");
        free(index);
    }
    free_list(topics, ntopics);
    if (rc) {
        task_stop(t);
        return rc;
    }
    *state = t;
    return KC_OK;
}

/* ---- put() -------------------------------------------------------------------------------- */

static const char *index_for(task *t, const char *topic) {
    if (t->last_topic && !strcmp(t->last_topic, topic)) return t->last_index;
    char *topic_copy = strdup(topic), *index = es_index_name(topic, t->index_map);
    if (!topic_copy || !index) {
        free(topic_copy), free(index);
        return NULL;
    }
    free(t->last_topic), free(t->last_index);
    t->last_topic = topic_copy;
    t->last_index = index;
    return index;
}

/* A record that cannot become an action: skipped with drop.invalid.message, else through
 * errors.tolerance (the dead letter queue), else the task fails with it. */
static int invalid_record(task *t, const kc_record *r, const char *why, kc_error *err) {
    if (t->drop_invalid) {
        host->log(t->ctx, KC_LOG_WARN, "Skipping record topic=%s partition=%d offset=%lld (drop.invalid.message): %s",
                  r->topic, (int)r->partition, (long long)r->offset, why);
        return KC_OK;
    }
    return report_or_fail(t->ctx, r, why, err);
}

/* ---- the queue of actions ------------------------------------------------------------------
 * put() appends actions to the newest batch; a batch is sent when it is full (batch.size,
 * bulk.size.bytes), when linger.ms passed since its first action, or at flush(), on whichever
 * request slot is free. The slots are driven from put() and flush() (no thread of our own):
 * while they are all busy, actions gather into bigger batches, as in the Confluent sink. */

static void batch_free(batch *b) {
    if (!b) return;
    strbuf_free(&b->body);
    free(b->docs);
    free(b);
}

static batch *batch_new(void) {
    batch *b = calloc(1, sizeof *b);
    if (b) b->created_ms = monotonic_ms();
    return b;
}

static int batch_push(batch *b, const doc_meta *m) {
    if (b->ndocs == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        doc_meta *d = realloc(b->docs, cap * sizeof *d);
        if (!d) return KC_ENOMEM;
        b->docs = d, b->cap = cap;
    }
    b->docs[b->ndocs++] = *m;
    return KC_OK;
}

static void queue_push_front(task *t, batch *b) {
    b->next = t->queue;
    t->queue = b;
    if (!t->queue_tail) t->queue_tail = b;
}

static void queue_push_back(task *t, batch *b) {
    b->next = NULL;
    if (t->queue_tail) t->queue_tail->next = b;
    else t->queue = b;
    t->queue_tail = b;
}

static void queue_remove(task *t, batch *b, batch *prev) {
    if (prev) prev->next = b->next;
    else t->queue = b->next;
    if (t->queue_tail == b) t->queue_tail = prev;
    b->next = NULL;
}

static int in_flight(const task *t) {
    int n = 0;
    for (int64_t i = 0; i < t->max_in_flight; i++) n += t->reqs[i].b != NULL;
    return n;
}

/* Everything held goes: the worker rewinds to the committed offsets and the records come again. */
static void drop_held(task *t) {
    for (int64_t i = 0; i < t->max_in_flight; i++) {
        request *q = &t->reqs[i];
        if (!q->b) continue;
        curl_multi_remove_handle(t->multi, q->easy);
        batch_free(q->b);
        q->b = NULL;
    }
    while (t->queue) {
        batch *b = t->queue;
        t->queue = b->next;
        batch_free(b);
    }
    t->queue_tail = NULL;
    t->held_docs = 0;
}

static void set_failure(task *t, const kc_error *e) {
    if (t->failed) return;
    t->failed = 1;
    t->failure = *e;
    if (t->failure.code != KC_EOUTAGE) t->failure.code = KC_EFATAL; /* an outage: the worker starts it again */
}

static int topic_id(task *t, const char *topic, uint32_t *id) {
    for (size_t i = t->ntopics; i-- > 0;)
        if (!strcmp(t->topics[i], topic)) {
            *id = (uint32_t)i;
            return KC_OK;
        }
    char **grown = realloc(t->topics, (t->ntopics + 1) * sizeof *grown);
    if (!grown) return KC_ENOMEM;
    t->topics = grown;
    if (!(t->topics[t->ntopics] = strdup(topic))) return KC_ENOMEM;
    *id = (uint32_t)t->ntopics++;
    return KC_OK;
}

static int batch_full(const task *t, const batch *b) {
    return (int64_t)b->ndocs >= t->batch_size || (int64_t)b->body.len >= t->bulk_bytes;
}

/* The action lines of record i of the current put() appended to the newest batch (or nothing,
 * when it is skipped). */
static int encode_record(task *t, kc_record *const *records, size_t i, kc_error *err) {
    const kc_record *r = records[i];
    char msg[KC_ERROR_MSG_MAX];
    const char *index = index_for(t, r->topic ? r->topic : "");
    if (!index) return kc_error_set(err, KC_ENOMEM, "out of memory");
    int is_null = r->value.type == KC_VAL_NULL;
    if (is_null && t->null_behavior == NULL_IGNORE) {
        if (!t->warned_null++)
            host->log(t->ctx, KC_LOG_INFO, "Records with null values are skipped (behavior.on.null.values=ignore), "
                      "first at topic=%s partition=%d offset=%lld", r->topic, (int)r->partition, (long long)r->offset);
        return KC_OK;
    }
    if (is_null && t->null_behavior == NULL_FAIL)
        return invalid_record(t, r, "the value is null (behavior.on.null.values=fail)", err);
    int rc = prepare_index(t, index, r, err);
    if (rc) return rc;
    int key_ignore = t->key_ignore || in_list(t->topic_key_ignore, t->ntopic_key_ignore, r->topic);
    strbuf id = STRBUF_INIT;
    if ((rc = es_doc_id(&id, r, key_ignore, msg, sizeof msg))) {
        strbuf_free(&id);
        return rc == KC_EINVAL ? invalid_record(t, r, msg, err) : kc_error_set(err, rc, "%s", msg);
    }
    batch *b = t->queue_tail;
    if (!b || b->closed) {
        if (!(b = batch_new())) {
            strbuf_free(&id);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
        queue_push_back(t, b);
    }
    size_t off = b->body.len;
    /* keyed documents carry the offset as external version: a replayed older record loses */
    int64_t version = key_ignore ? -1 : r->offset;
    es_action action = is_null                            ? ES_ACTION_DELETE
                       : t->write_method == WRITE_UPSERT ? ES_ACTION_UPSERT
                                                         : ES_ACTION_INDEX;
    es_action_line(&b->body, action, index, t->send_type, id.data ? id.data : "", id.len, version);
    strbuf_free(&id);
    if (!is_null) {
        if (action == ES_ACTION_UPSERT) strbuf_puts(&b->body, "{\"doc\":");
        rc = es_doc_encode(&b->body, &r->value, t->compact, msg, sizeof msg);
        if (rc) {
            b->body.len = off; /* take the action line back */
            if (b->body.data) b->body.data[off] = '\0';
            return rc == KC_EINVAL ? invalid_record(t, r, msg, err) : kc_error_set(err, rc, "%s", msg);
        }
        if (action == ES_ACTION_UPSERT) strbuf_puts(&b->body, ",\"doc_as_upsert\":true}");
        strbuf_puts(&b->body, "\n");
    }
    doc_meta m = {off, b->body.len - off, 0, r->partition, r->offset, t->put_seq, i};
    if (b->body.failed || topic_id(t, r->topic ? r->topic : "", &m.topic) || batch_push(b, &m))
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    t->held_docs++;
    if (batch_full(t, b)) b->closed = 1;
    return KC_OK;
}

static int start_request(task *t, request *q, batch *b) {
    char *url = url_for(t, "/_bulk?filter_path=errors,items.*.status,items.*.error,items.*.result");
    if (!url) return KC_ENOMEM;
    strbuf_free(&q->reply);
    CURL *e = q->easy;
    curl_easy_reset(e);
    q->curl_err[0] = '\0';
    set_common(t, e, q->curl_err, &q->reply);
    curl_easy_setopt(e, CURLOPT_URL, url);
    free(url); /* libcurl copies string options */
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->ndjson_headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->body.len);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, b->body.data);
    curl_easy_setopt(e, CURLOPT_PRIVATE, q);
    if (curl_multi_add_handle(t->multi, e) != CURLM_OK) return KC_ENOMEM;
    b->closed = 1;
    q->b = b;
    return KC_OK;
}

static int64_t backoff_for(task *t, int64_t attempt) {
    /* retry.backoff.ms doubled each retry, jittered to between half and all of it */
    int64_t ms = t->backoff_ms;
    for (int64_t i = 1; i < attempt && ms < 3600000; i++) ms *= 2;
    if (ms <= 1) return ms;
    return ms / 2 + (int64_t)(rand_r(&t->rand_state) % (unsigned)(ms / 2 + 1));
}

/* Queues r (actions of a batch that failed for now) for another attempt after a backoff, ahead
 * of newer batches; after max.retries the task fails. */
static void retry_later(task *t, batch *r, int64_t attempts) {
    if (attempts > t->max_retries) {
        kc_error e;
        kc_error_set(&e, KC_EOUTAGE, "giving up after %lld retries (max.retries) with %zu documents not acknowledged: "
                     "%s", (long long)t->max_retries, r->ndocs, t->last_error);
        set_failure(t, &e);
        t->held_docs -= r->ndocs;
        batch_free(r);
        return;
    }
    int64_t wait = backoff_for(t, attempts);
    host->log(t->ctx, KC_LOG_WARN, "%zu documents not acknowledged, retry %lld of %lld in %lld ms: %s", r->ndocs,
              (long long)attempts, (long long)t->max_retries, (long long)wait, t->last_error);
    r->attempts = attempts;
    r->closed = 1;
    r->not_before = monotonic_ms() + wait;
    queue_push_front(t, r);
}

/* A document the cluster refused: behavior.on.malformed.documents. While the put() that made it
 * runs, its record goes to the errant-record reporter; later it cannot, so the records come
 * again from the committed offsets and are written put() by put() (see task_flush). */
static void refused_document(task *t, const doc_meta *m, const es_item *it) {
    const char *topic = t->topics[m->topic];
    if (t->malformed == MALFORMED_IGNORE) {
        host->log(t->ctx, KC_LOG_DEBUG, "Skipping record topic=%s partition=%d offset=%lld: %s", topic,
                  (int)m->partition, (long long)m->offset, it->error);
        return;
    }
    if (t->malformed == MALFORMED_WARN) {
        host->log(t->ctx, KC_LOG_WARN, "Skipping record topic=%s partition=%d offset=%lld "
                  "(behavior.on.malformed.documents=warn): %s", topic, (int)m->partition, (long long)m->offset,
                  it->error);
        return;
    }
    char msg[KC_ERROR_MSG_MAX];
    snprintf(msg, sizeof msg, "the document was refused: %s", it->error);
    if (t->put_records && m->put_seq == t->put_seq) {
        kc_error e;
        if (report_or_fail(t->ctx, t->put_records[m->put_index], msg, &e)) set_failure(t, &e);
        return;
    }
    if (!t->refused) {
        t->refused = 1;
        snprintf(t->refused_msg, sizeof t->refused_msg, "record topic=%.200s partition=%d offset=%lld: %.250s",
                 topic, (int)m->partition, (long long)m->offset, msg);
    }
}

/* The outcome of a finished request: acknowledged actions are done, those rejected for now go
 * back to the queue, refused documents through refused_document(); other failures fail the task. */
static void finish_request(task *t, request *q, CURLcode result) {
    batch *b = q->b;
    q->b = NULL;
    long status = 0;
    curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
    const char *reply = q->reply.data ? q->reply.data : "";
    kc_error e;
    if (result != CURLE_OK) {
        snprintf(t->last_error, sizeof t->last_error, "_bulk request to %s failed: %s", base_url(t),
                 q->curl_err[0] ? q->curl_err : curl_easy_strerror(result));
        if (t->nurls > 1 && (result == CURLE_COULDNT_CONNECT || result == CURLE_COULDNT_RESOLVE_HOST))
            t->url = (t->url + 1) % t->nurls;
        retry_later(t, b, b->attempts + 1);
        return;
    }
    if (status != 200) {
        char text[300];
        es_error_text(reply, q->reply.len, text, sizeof text);
        if (status == 429 || status >= 500) {
            snprintf(t->last_error, sizeof t->last_error, "_bulk request: HTTP %ld: %s", status, text);
            retry_later(t, b, b->attempts + 1);
            return;
        }
        if (status == 401 || status == 403)
            kc_error_set(&e, KC_EFATAL, "%s refused the _bulk request (HTTP %ld): %s; check connection.username and "
                         "connection.password", base_url(t), status, text);
        else if (status == 413)
            kc_error_set(&e, KC_EFATAL, "%s refused a _bulk request of %zu actions as too large (HTTP 413): lower "
                         "bulk.size.bytes or batch.size", base_url(t), b->ndocs);
        else
            kc_error_set(&e, KC_EFATAL, "_bulk request refused: HTTP %ld: %s", status, text);
        set_failure(t, &e);
        t->held_docs -= b->ndocs;
        batch_free(b);
        return;
    }
    es_item *items = calloc(b->ndocs ? b->ndocs : 1, sizeof *items);
    int errors = 0;
    char msg[KC_ERROR_MSG_MAX];
    if (!items) {
        kc_error_set(&e, KC_EFATAL, "out of memory reading a _bulk reply");
        set_failure(t, &e);
    } else if (es_bulk_parse(reply, q->reply.len, items, b->ndocs, &errors, msg, sizeof msg)) {
        kc_error_set(&e, KC_EFATAL, "%s: %s", base_url(t), msg);
        set_failure(t, &e);
    }
    batch *again = NULL;
    for (size_t i = 0; items && errors && !t->failed && i < b->ndocs; i++) {
        const es_item *it = &items[i];
        const doc_meta *m = &b->docs[i];
        const char *topic = t->topics[m->topic];
        switch (it->cls) {
        case ES_ITEM_OK: break;
        case ES_ITEM_CONFLICT:
            host->log(t->ctx, KC_LOG_DEBUG, "Version conflict for record topic=%s partition=%d offset=%lld (a newer "
                      "record is indexed): %s", topic, (int)m->partition, (long long)m->offset, it->error);
            break;
        case ES_ITEM_RETRY: {
            snprintf(t->last_error, sizeof t->last_error, "record topic=%s partition=%d offset=%lld: HTTP %d: %s",
                     topic, (int)m->partition, (long long)m->offset, it->status, it->error);
            doc_meta copy = *m;
            if (!again) again = batch_new();
            if (again) {
                copy.off = again->body.len;
                strbuf_append(&again->body, b->body.data + m->off, m->len);
            }
            if (!again || again->body.failed || batch_push(again, &copy)) {
                kc_error_set(&e, KC_EFATAL, "out of memory");
                set_failure(t, &e);
            }
            break;
        }
        case ES_ITEM_MALFORMED: refused_document(t, m, it); break;
        case ES_ITEM_FATAL:
            kc_error_set(&e, KC_EFATAL, "record topic=%s partition=%d offset=%lld: HTTP %d: %s", topic,
                         (int)m->partition, (long long)m->offset, it->status, it->error);
            set_failure(t, &e);
            break;
        }
    }
    free(items);
    t->held_docs -= b->ndocs;
    if (again && !t->failed) {
        t->held_docs += again->ndocs;
        retry_later(t, again, b->attempts + 1);
    } else {
        batch_free(again);
    }
    batch_free(b);
}

/* Starts every batch that is due on the free slots (all of them when `all`: flush()), then lets
 * libcurl move data and reads what finished. Never waits. */
static void pump(task *t, int all) {
    int64_t now = monotonic_ms();
    int64_t limit = t->ordered ? 1 : t->max_in_flight;
    for (int64_t i = 0; i < t->max_in_flight && !t->failed && in_flight(t) < limit; i++) {
        request *q = &t->reqs[i];
        if (q->b) continue;
        batch *prev = NULL, *b = t->queue;
        while (b) {
            int due = b->not_before <= now && b->ndocs &&
                      (b->closed || all || now - b->created_ms >= t->linger_ms || b->next);
            if (due) break;
            if (t->ordered) { b = NULL; break; } /* nothing may overtake the oldest */
            prev = b, b = b->next;
        }
        if (!b) break;
        queue_remove(t, b, prev);
        if (start_request(t, q, b)) {
            kc_error e;
            kc_error_set(&e, KC_EFATAL, "out of memory starting a _bulk request");
            set_failure(t, &e);
            batch_free(b);
        }
    }
    int running = 0;
    curl_multi_perform(t->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(t->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        request *q = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&q);
        CURLcode result = m->data.result;
        curl_multi_remove_handle(t->multi, m->easy_handle);
        finish_request(t, q, result);
    }
}

/* Waits (serving the requests) until done(t) or a failure; KC_ERETRY when flush.timeout.ms
 * passes, or the task is stopping and `stop_early` (put() waiting for room gives up; the final
 * flush() of a stopping task still finishes its documents, within flush.timeout.ms). */
static int pump_until(task *t, int all, int stop_early, int (*done)(const task *, size_t), size_t arg,
                      kc_error *err) {
    int64_t deadline = monotonic_ms() + t->flush_timeout_ms;
    for (;;) {
        pump(t, all);
        if (t->failed || done(t, arg)) return KC_OK;
        int stopping = stop_early && host->should_stop(t->ctx);
        if (stopping || monotonic_ms() > deadline)
            return kc_error_set(err, KC_ERETRY, stopping ? "stopping with %zu documents not acknowledged"
                                : "%zu documents not acknowledged within flush.timeout.ms=%lld",
                                t->held_docs, (long long)t->flush_timeout_ms);
        /* wake for replies, or when the oldest retry is due */
        int64_t wait = 100;
        for (batch *b = t->queue; b; b = b->next) {
            int64_t until = b->not_before - monotonic_ms();
            if (until < wait) wait = until < 1 ? 1 : until;
        }
        if (in_flight(t)) curl_multi_poll(t->multi, NULL, 0, (int)wait, NULL);
        else sleep_ms(wait);
    }
}

static int nothing_held(const task *t, size_t unused) {
    (void)unused;
    return t->held_docs == 0;
}

static int room_for(const task *t, size_t n) {
    return t->held_docs == 0 || (int64_t)(t->held_docs + n) <= t->max_buffered;
}

static int failure(task *t, kc_error *err) {
    *err = t->failure;
    return t->failure.code;
}

static int task_put(void *state, kc_record *const *records, size_t n, kc_error *err) {
    task *t = state;
    if (t->failed) return failure(t, err);
    /* max.buffered.records: wait for room before taking the records (a KC_ERETRY then
     * redelivers exactly these) */
    int rc = pump_until(t, 0, 1, room_for, n, err);
    if (rc) return rc;
    if (t->failed) return failure(t, err);
    t->put_seq++;
    t->put_records = records;
    for (size_t i = 0; i < n && !rc; i++) rc = encode_record(t, records, i, err);
    if (rc) {
        t->put_records = NULL;
        if (rc == KC_ENOMEM) return kc_error_set(err, KC_ERETRY, "out of memory");
        return rc;
    }
    /* after refused documents, a put() is written before it returns: its records are the ones
     * the errant-record reporter can take */
    if (n) t->unflushed = 1;
    if (t->isolate) {
        rc = pump_until(t, 1, 1, nothing_held, 0, err);
    } else if (n == 0 && t->unflushed) {
        /* the topics went quiet (a read that waited brought nothing): holding documents back
         * gains nothing, and once they are acknowledged their offsets can be committed now
         * rather than at the next offset.flush.interval.ms. Not acknowledged in time (or the
         * task stopping): they stay held for flush() to finish. */
        kc_error later;
        if (pump_until(t, 1, 1, nothing_held, 0, &later) == KC_OK && !t->failed && !t->refused)
            host->request_commit(t->ctx);
    } else {
        pump(t, 0);
    }
    t->put_records = NULL;
    if (t->failed) return failure(t, err);
    if (rc == KC_ERETRY) { /* isolating and not done: the records come again from the commit */
        drop_held(t);
        return rc;
    }
    if (t->refused) host->request_commit(t->ctx); /* its flush() starts the records over */
    return rc;
}

/* Sends whatever is held and waits for every acknowledgement: only then may the worker commit
 * the offsets. */
static int task_flush(void *state, const kc_topic_partition_offset *offsets, size_t n, kc_error *err) {
    task *t = state;
    (void)offsets, (void)n;
    int rc = t->failed ? KC_OK : pump_until(t, 1, 0, nothing_held, 0, err);
    if (t->failed) return failure(t, err);
    if (rc) { /* not acknowledged in time: the worker rewinds to the committed offsets */
        drop_held(t);
        return rc;
    }
    if (t->refused) {
        host->log(t->ctx, KC_LOG_WARN, "A document was refused after its put() returned (%s); writing the records "
                  "again put() by put() to hand it to the errant-record reporter", t->refused_msg);
        t->refused = 0;
        t->isolate = 1;
        return kc_error_set(err, KC_ERETRY, "%s", t->refused_msg);
    }
    t->isolate = 0;
    t->unflushed = 0;
    return KC_OK;
}

/* Partitions taken away: a normal revocation came after flush(), so nothing is held; after lost
 * ones, their next owner reads from the committed offsets, so what is held is dropped rather
 * than written late over newer documents. */
static int task_close(void *state, const kc_topic_partition *tps, size_t n, kc_error *err) {
    (void)tps, (void)n, (void)err;
    task *t = state;
    if (t->held_docs)
        host->log(t->ctx, KC_LOG_INFO, "Dropping %zu documents of partitions no longer assigned", t->held_docs);
    drop_held(t);
    return KC_OK;
}

static void task_stop(void *state) {
    task *t = state;
    if (!t) return;
    if (t->reqs && t->multi) drop_held(t);
    for (int64_t i = 0; t->reqs && i < t->max_in_flight; i++) {
        request *q = &t->reqs[i];
        if (q->easy) curl_easy_cleanup(q->easy);
        strbuf_free(&q->reply);
    }
    free(t->reqs);
    if (t->multi) curl_multi_cleanup(t->multi);
    if (t->control) curl_easy_cleanup(t->control);
    curl_slist_free_all(t->ndjson_headers);
    curl_slist_free_all(t->json_headers);
    strbuf_free(&t->control_reply);
    free_list(t->topics, t->ntopics);
    while (t->indices) {
        index_seen *s = t->indices;
        t->indices = s->next;
        free(s->name);
        free(s);
    }
    free(t->last_topic);
    free(t->last_index);
    free_list(t->urls, t->nurls);
    free_list(t->topic_key_ignore, t->ntopic_key_ignore);
    free_list(t->topic_schema_ignore, t->ntopic_schema_ignore);
    host->config_free(&t->cfg);
    free(t);
}

/* ---- connector ---------------------------------------------------------------------------- */

static int validate(const kc_config *cfg, kc_error *err) {
    int key_ignore = 0;
    host->config_get_bool(cfg, "key.ignore", &key_ignore);
    int nulls = enum_index(host->config_get(cfg, "behavior.on.null.values"), null_behaviors);
    if (nulls == NULL_DELETE && key_ignore)
        return kc_error_set(err, KC_EINVAL, "Invalid value delete for configuration behavior.on.null.values: deletes "
                            "find the document by the record key, so they need key.ignore=false");
    return KC_OK;
}

static int plugin_init(const kc_host_api *h, kc_error *err) {
    if (errant_host_check(h, "elasticsearch-sink", err)) return err->code;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return kc_error_set(err, KC_EFATAL, "libcurl could not be initialised");
    host = h;
    return KC_OK;
}

static const kc_connector_ops connector_ops = {validate, config_connector_start, config_connector_task_configs,
                                               config_connector_stop};
static const kc_sink_task_ops task_ops = {task_start, NULL, task_close, task_put, task_flush, task_stop};

static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER,
    KC_PLUGIN_SINK,
    "elasticsearch-sink",
    "1.0.0",
    "Writes records to Elasticsearch or OpenSearch indices through _bulk with the Confluent Elasticsearch "
    "sink's settings: documents by topic+partition+offset or by key, upserts, deletes",
    (const char *const[]){"io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
                          "io.aiven.connect.elasticsearch.ElasticsearchSinkConnector",
                          "io.kcd.connect.elasticsearch.ElasticsearchSinkConnector", NULL},
    config,
    plugin_init,
    &connector_ops,
    NULL,
    &task_ops,
    NULL, NULL, NULL,
    0, /* flags */
};

KC_PLUGIN_DEFINE(desc)
