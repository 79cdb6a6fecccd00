/* mongodb_source.c - "mongodb-source": Debezium's MongoDB connector on mongo-c-driver, for the
 * pipeline's SOURCE_MONGODB_UNIFI_01 config. A task first copies every matching collection
 * (snapshot.mode=initial: op=r events), then follows the deployment's change stream from the
 * cluster time the copy started at (op c, u with the full document, d and a tombstone). Offsets
 * are Debezium's ({rs, server_id} -> {sec, ord, resume_token}); the worker stores them only after
 * Kafka acknowledged the records, and a restart resumes the stream after the last stored token
 * (or copies again when the copy had not finished). */

#include <mongoc/mongoc.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dbz_event.h"

static const kc_host_api *host;
#include "../common/config_connector.h"
#include "../common/config_lists.h"
#include "../common/monotonic.h"

static const char *const snapshot_modes[] = {"initial", "never", NULL};
static const char *const capture_modes[] = {"change_streams_update_full", "change_streams", NULL};
enum { SNAPSHOT_INITIAL, SNAPSHOT_NEVER };
enum { CAPTURE_UPDATE_FULL, CAPTURE_CHANGE_STREAMS };

static int validate_regex_list(const char *key, const char *value, char *msg, size_t msg_size);

static const kc_config_def config[] = {
    {"mongodb.hosts", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "MongoDB",
     "replicaSetName/host:port[,host:port...] (Debezium 1.x); mongodb.connection.string wins when given", NULL,
     NULL},
    {"mongodb.connection.string", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "MongoDB",
     "A mongodb:// connection string (Debezium 2.x)", NULL, NULL},
    {"topic.prefix", KC_CFG_STRING, NULL, KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, "MongoDB",
     "Logical name: topics are <topic.prefix>.<database>.<collection>", NULL, NULL},
    {"mongodb.name", KC_CFG_STRING, NULL, KC_CFG_F_DEPRECATED, 0, 0, NULL, KC_IMPORTANCE_HIGH, "MongoDB",
     "Debezium 1.x name of topic.prefix", "topic.prefix", NULL},
    {"mongodb.user", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "MongoDB", "User", NULL, NULL},
    {"mongodb.password", KC_CFG_PASSWORD, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "MongoDB", "Password", NULL,
     NULL},
    {"mongodb.authsource", KC_CFG_STRING, "admin", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "MongoDB",
     "Database the credentials are checked against", NULL, NULL},
    {"mongodb.ssl.enabled", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "MongoDB",
     "Connect with TLS (the system's CA certificates)", NULL, NULL},
    {"mongodb.ssl.invalid.hostname.allowed", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "MongoDB",
     "Accept a server certificate for another host name", NULL, NULL},
    {"mongodb.server.selection.timeout.ms", KC_CFG_INT, "30000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW,
     "MongoDB", "Wait for a suitable server before an operation fails", NULL, NULL},
    {"mongodb.connect.timeout.ms", KC_CFG_INT, "10000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "MongoDB",
     "Wait for a TCP connection", NULL, NULL},
    {"collection.include.list", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Filters",
     "Regular expressions matching whole <database>.<collection> names to capture (empty: all)", NULL,
     validate_regex_list},
    {"collection.whitelist", KC_CFG_LIST, NULL, KC_CFG_F_DEPRECATED, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Filters",
     "Debezium 1.x name of collection.include.list", "collection.include.list", NULL},
    {"collection.exclude.list", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Filters",
     "Regular expressions matching whole <database>.<collection> names to leave out", NULL, validate_regex_list},
    {"collection.blacklist", KC_CFG_LIST, NULL, KC_CFG_F_DEPRECATED, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Filters",
     "Debezium 1.x name of collection.exclude.list", "collection.exclude.list", NULL},
    {"database.include.list", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Filters",
     "Regular expressions matching whole database names to capture (empty: all but admin, config, local)", NULL,
     validate_regex_list},
    {"database.whitelist", KC_CFG_LIST, NULL, KC_CFG_F_DEPRECATED, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Filters",
     "Debezium 1.x name of database.include.list", "database.include.list", NULL},
    {"database.exclude.list", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Filters",
     "Regular expressions matching whole database names to leave out", NULL, validate_regex_list},
    {"database.blacklist", KC_CFG_LIST, NULL, KC_CFG_F_DEPRECATED, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Filters",
     "Debezium 1.x name of database.exclude.list", "database.exclude.list", NULL},
    {"snapshot.mode", KC_CFG_ENUM, "initial", 0, 0, 0, snapshot_modes, KC_IMPORTANCE_MEDIUM, "Snapshot",
     "initial: copy the matching collections (op=r) before following changes, unless the offsets show a "
     "finished copy; never: follow changes only", NULL, NULL},
    {"capture.mode", KC_CFG_ENUM, "change_streams_update_full", 0, 0, 0, capture_modes, KC_IMPORTANCE_MEDIUM,
     "Capture", "change_streams_update_full: updates carry the whole document in after; change_streams: only "
     "updateDescription (after null)", NULL, NULL},
    {"max.batch.size", KC_CFG_INT, "2048", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Capture",
     "Most events one poll() returns", NULL, NULL},
    {"tombstones.on.delete", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Capture",
     "Follow each delete event with a tombstone (the key, a null value) for log compaction", NULL, NULL},
    KC_CONFIG_END,
};

/* ---- filters ------------------------------------------------------------------------------ */

typedef struct pattern_list {
    regex_t *re;
    size_t n;
} pattern_list;

/* Debezium's filters: whole-name, case-insensitive regular expressions (POSIX extended here). */
static int compile_list(const char *value, pattern_list *out, char *msg, size_t msg_size, const char *key) {
    char **items = NULL;
    size_t n = 0;
    out->re = NULL;
    out->n = 0;
    if (split_list(value, &items, &n)) {
        free_list(items, n);
        snprintf(msg, msg_size, "out of memory");
        return KC_ENOMEM;
    }
    out->re = calloc(n ? n : 1, sizeof *out->re);
    int rc = out->re ? KC_OK : KC_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t len = strlen(items[i]) + 5;
        char *anchored = malloc(len);
        if (!anchored) {
            rc = KC_ENOMEM;
            break;
        }
        snprintf(anchored, len, "^(%s)$", items[i]);
        int e = regcomp(&out->re[i], anchored, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        free(anchored);
        if (e) {
            char why[128];
            regerror(e, &out->re[i], why, sizeof why);
            snprintf(msg, msg_size, "Invalid value %s for configuration %s: %s", items[i], key, why);
            rc = KC_EINVAL;
            break;
        }
        out->n++;
    }
    if (rc == KC_ENOMEM) snprintf(msg, msg_size, "out of memory");
    free_list(items, n);
    return rc;
}

static void free_patterns(pattern_list *l) {
    for (size_t i = 0; i < l->n; i++) regfree(&l->re[i]);
    free(l->re);
    l->re = NULL;
    l->n = 0;
}

static int matches(const pattern_list *l, const char *s) {
    for (size_t i = 0; i < l->n; i++)
        if (regexec(&l->re[i], s, 0, NULL, 0) == 0) return 1;
    return 0;
}

static int validate_regex_list(const char *key, const char *value, char *msg, size_t msg_size) {
    pattern_list l;
    int rc = compile_list(value, &l, msg, msg_size, key);
    free_patterns(&l);
    return rc ? -1 : 0;
}

typedef struct filters {
    pattern_list coll_in, coll_out, db_in, db_out;
} filters;

static int captured(const filters *f, const char *db, const char *coll) {
    if (!db || !coll) return 0;
    if (f->db_in.n ? !matches(&f->db_in, db)
                   : !strcmp(db, "admin") || !strcmp(db, "config") || !strcmp(db, "local"))
        return 0;
    if (matches(&f->db_out, db)) return 0;
    if (!strncmp(coll, "system.", 7)) return 0;
    char ns[512];
    snprintf(ns, sizeof ns, "%s.%s", db, coll);
    if (f->coll_in.n && !matches(&f->coll_in, ns)) return 0;
    return !matches(&f->coll_out, ns);
}

/* ---- connection string -------------------------------------------------------------------- */

/* mongodb.hosts "rs0/h1:27017,h2:27017" as a mongodb:// URI (with replicaSet), or
 * mongodb.connection.string as given. Handed over; *rs gets the replica set name ("" without). */
static char *uri_from_config(const kc_config *cfg, char *rs, size_t rs_size, char *msg, size_t msg_size) {
    const char *conn = host->config_get(cfg, "mongodb.connection.string");
    const char *hosts = host->config_get(cfg, "mongodb.hosts");
    rs[0] = '\0';
    if (conn && *conn) return strdup(conn);
    if (!hosts || !*hosts) {
        snprintf(msg, msg_size, "Missing required configuration \"mongodb.hosts\" (or mongodb.connection.string)");
        return NULL;
    }
    const char *slash = strchr(hosts, '/');
    const char *list = slash ? slash + 1 : hosts;
    if (slash) snprintf(rs, rs_size, "%.*s", (int)(slash - hosts), hosts);
    size_t n = strlen(list) + strlen(rs) + 64;
    char *uri = malloc(n);
    if (!uri) return NULL;
    if (rs[0]) snprintf(uri, n, "mongodb://%s/?replicaSet=%s", list, rs);
    else snprintf(uri, n, "mongodb://%s/", list);
    for (char *p = uri + 10; *p && *p != '/'; p++)
        if (*p == ' ') *p = ','; /* "h1:1, h2:2" -> no spaces in the host list */
    return uri;
}

static int validate(const kc_config *cfg, kc_error *err) {
    const char *prefix = host->config_get(cfg, "topic.prefix");
    if (!prefix || !*prefix)
        return kc_error_set(err, KC_EINVAL, "Missing required configuration \"topic.prefix\" (Debezium 1.x: "
                            "mongodb.name): the logical name that starts every topic");
    char rs[128], msg[KC_ERROR_MSG_MAX];
    char *uri = uri_from_config(cfg, rs, sizeof rs, msg, sizeof msg);
    if (!uri) return kc_error_set(err, KC_EINVAL, "%s", msg);
    bson_error_t e;
    mongoc_uri_t *u = mongoc_uri_new_with_error(uri, &e);
    free(uri);
    if (!u) return kc_error_set(err, KC_EINVAL, "Invalid MongoDB address (mongodb.hosts / mongodb.connection.string): %s",
                                e.message);
    mongoc_uri_destroy(u);
    return KC_OK;
}

/* ---- task --------------------------------------------------------------------------------- */

typedef struct topic_schemas {
    char *ns; /* db.coll */
    dbz_schemas s;
} topic_schemas;

typedef enum phase { PHASE_SNAPSHOT, PHASE_STREAM } phase;

/* The copy's reader: a thread of its own reads the cursors ahead while the task thread turns
 * documents into records and the worker sends them, so the server does not wait for kcd
 * between batches (FerretDB's reads were most of a copy's time, kcd's work the rest). While it
 * runs it alone uses the task's client. It holds at most READ_AHEAD documents and, past the
 * first, READ_AHEAD_BYTES of them (a document may be 16 MB). */
enum { READ_AHEAD = 4096, READ_AHEAD_BYTES = 8 << 20 };

typedef struct snapshot_reader {
    pthread_t thread;
    int running;           /* started and not joined */
    pthread_mutex_t lock;  /* the fields below */
    pthread_cond_t changed; /* a document queued or taken, the end, a failure, stop */
    bson_t *docs[READ_AHEAD]; /* a ring, owned; ns[k]: docs[k]'s namespace (index in snap_ns) */
    size_t ns[READ_AHEAD];
    size_t head, len, bytes;
    size_t reading;         /* the namespace being read */
    int done, failed, stop;
    bson_error_t error;     /* when failed */
} snapshot_reader;

typedef struct task {
    kc_task_ctx *ctx;
    kc_config cfg;
    mongoc_client_t *client;
    char *uri;
    char rs[128];
    const char *prefix;
    dbz_origin origin;
    filters f;
    int snapshot_mode, capture_mode, tombstones;
    int64_t max_batch;
    topic_schemas *schemas;
    size_t nschemas;
    phase phase;
    /* snapshot: the namespaces to copy, the one being read, the document held back until the
     * next shows whether it is the copy's last */
    char **snap_ns;
    size_t snap_n, snap_i;
    snapshot_reader reader;
    bson_t *held;
    char held_db[256], held_coll[256];
    size_t snapshot_docs;
    /* where the stream starts: after a resume token, or at a cluster time */
    char *resume_token;
    uint32_t start_sec, start_ord;
    mongoc_change_stream_t *stream;
} task;

static const dbz_schemas *schemas_for(task *t, const char *db, const char *coll) {
    char ns[512];
    snprintf(ns, sizeof ns, "%s.%s", db, coll);
    for (size_t i = 0; i < t->nschemas; i++)
        if (!strcmp(t->schemas[i].ns, ns)) return &t->schemas[i].s;
    topic_schemas *grown = realloc(t->schemas, (t->nschemas + 1) * sizeof *grown);
    if (!grown) return NULL;
    t->schemas = grown;
    topic_schemas *ts = &t->schemas[t->nschemas];
    if (!(ts->ns = strdup(ns))) return NULL;
    if (dbz_schemas_build(host, t->prefix, db, coll, &ts->s)) {
        free(ts->ns);
        return NULL;
    }
    t->nschemas++;
    return &ts->s;
}

/* A mongo-c-driver error as our outcome: lost servers and timeouts are retriable, the rest not. */
static int mongo_error(const bson_error_t *e, const char *what, kc_error *err) {
    int retriable = e->domain == MONGOC_ERROR_STREAM || e->domain == MONGOC_ERROR_SERVER_SELECTION ||
                    (e->domain == MONGOC_ERROR_SERVER && (e->code == 91 || e->code == 189 || e->code == 10107 ||
                                                          e->code == 11600 || e->code == 13435 || e->code == 13436));
    return kc_error_set(err, retriable ? KC_ERETRY : KC_EFATAL, "%s: %s (error %u.%u)", what, e->message,
                        e->domain, e->code);
}

/* The deployment's current cluster time (operationTime of a ping), where the stream starts after
 * a copy; 0/0 when the server does not say (a standalone server: no change streams either). */
static int cluster_time(task *t, uint32_t *sec, uint32_t *ord, kc_error *err) {
    bson_t *cmd = BCON_NEW("ping", BCON_INT32(1));
    bson_t reply;
    bson_error_t e;
    int ok = mongoc_client_command_simple(t->client, "admin", cmd, NULL, &reply, &e);
    bson_destroy(cmd);
    *sec = *ord = 0;
    if (!ok) {
        bson_destroy(&reply);
        char what[300];
        const char *hosts = host->config_get(&t->cfg, "mongodb.hosts");
        snprintf(what, sizeof what, "cannot reach MongoDB at %s", hosts && *hosts ? hosts : "mongodb.connection.string");
        return mongo_error(&e, what, err);
    }
    bson_iter_t it;
    if (bson_iter_init_find(&it, &reply, "operationTime") && BSON_ITER_HOLDS_TIMESTAMP(&it))
        bson_iter_timestamp(&it, sec, ord);
    bson_destroy(&reply);
    return KC_OK;
}

static void task_stop(void *state);

/* Where to begin: the stored offset decides between a new copy and the stream's resume point. */
static int read_position(task *t, int *need_snapshot, kc_error *err) {
    kc_value partition = KC_VALUE_NULL_INIT, offset = KC_VALUE_NULL_INIT;
    if (dbz_source_partition(host, &t->origin, &partition)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    int rc = host->offset_read(t->ctx, &partition, &offset);
    host->value_clear(&partition);
    *need_snapshot = t->snapshot_mode == SNAPSHOT_INITIAL;
    if (rc == KC_OK && offset.type == KC_VAL_MAP) {
        const kc_value *sec = host->map_get_str(&offset, "sec"), *ord = host->map_get_str(&offset, "ord");
        const kc_value *token = host->map_get_str(&offset, "resume_token");
        const kc_value *initsync = host->map_get_str(&offset, "initsync");
        int copying = initsync && initsync->type == KC_VAL_BOOL && initsync->u.b;
        if (sec && sec->type == KC_VAL_INT) t->start_sec = (uint32_t)sec->u.i;
        if (ord && ord->type == KC_VAL_INT) t->start_ord = (uint32_t)ord->u.i;
        if (token && token->type == KC_VAL_STRING && !(t->resume_token = strdup(token->u.str.ptr))) rc = KC_ENOMEM;
        if (copying)
            host->log(t->ctx, KC_LOG_INFO, "The last copy of the collections did not finish: copying them again");
        else
            *need_snapshot = 0;
    }
    host->value_clear(&offset);
    return rc == KC_ENOMEM ? kc_error_set(err, KC_ENOMEM, "out of memory") : KC_OK;
}

/* The namespaces a copy reads: every captured collection of every database. */
static int list_namespaces(task *t, kc_error *err) {
    bson_error_t e;
    char **dbs = mongoc_client_get_database_names_with_opts(t->client, NULL, &e);
    if (!dbs) return mongo_error(&e, "listing databases", err);
    int rc = KC_OK;
    for (size_t i = 0; dbs[i] && !rc; i++) {
        mongoc_database_t *db = mongoc_client_get_database(t->client, dbs[i]);
        char **colls = mongoc_database_get_collection_names_with_opts(db, NULL, &e);
        if (!colls) rc = mongo_error(&e, "listing collections", err);
        for (size_t j = 0; colls && colls[j] && !rc; j++) {
            if (!captured(&t->f, dbs[i], colls[j])) continue;
            char **grown = realloc(t->snap_ns, (t->snap_n + 1) * sizeof *grown);
            size_t n = strlen(dbs[i]) + strlen(colls[j]) + 2;
            char *ns = grown ? malloc(n) : NULL;
            if (grown) t->snap_ns = grown;
            if (!ns) {
                rc = kc_error_set(err, KC_ENOMEM, "out of memory");
                break;
            }
            snprintf(ns, n, "%s.%s", dbs[i], colls[j]);
            t->snap_ns[t->snap_n++] = ns;
        }
        bson_strfreev(colls);
        mongoc_database_destroy(db);
    }
    bson_strfreev(dbs);
    return rc;
}

static int task_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    task *t = calloc(1, sizeof *t);
    if (!t || host->config_copy(&t->cfg, cfg)) {
        free(t);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    t->ctx = ctx;
    cfg = &t->cfg;
    char msg[KC_ERROR_MSG_MAX];
    int rc = KC_OK;
    t->prefix = host->config_get(cfg, "topic.prefix");
    t->snapshot_mode = enum_index(host->config_get(cfg, "snapshot.mode"), snapshot_modes);
    t->capture_mode = enum_index(host->config_get(cfg, "capture.mode"), capture_modes);
    t->tombstones = 1, t->max_batch = 2048;
    host->config_get_bool(cfg, "tombstones.on.delete", &t->tombstones);
    host->config_get_long(cfg, "max.batch.size", &t->max_batch);
    if (!t->prefix || !*t->prefix) rc = kc_error_set(err, KC_EINVAL, "Missing required configuration \"topic.prefix\"");
    struct { const char *key; pattern_list *l; } lists[] = {
        {"collection.include.list", &t->f.coll_in}, {"collection.exclude.list", &t->f.coll_out},
        {"database.include.list", &t->f.db_in}, {"database.exclude.list", &t->f.db_out}};
    for (size_t i = 0; i < 4 && !rc; i++)
        if (compile_list(host->config_get(cfg, lists[i].key), lists[i].l, msg, sizeof msg, lists[i].key))
            rc = kc_error_set(err, KC_EINVAL, "%s", msg);
    if (!rc && !(t->uri = uri_from_config(cfg, t->rs, sizeof t->rs, msg, sizeof msg)))
        rc = kc_error_set(err, KC_EINVAL, "%s", msg);
    bson_error_t e;
    mongoc_uri_t *uri = rc ? NULL : mongoc_uri_new_with_error(t->uri, &e);
    if (!rc && !uri) rc = kc_error_set(err, KC_EINVAL, "Invalid MongoDB address: %s", e.message);
    if (uri) {
        int64_t selection = 30000, connect = 10000;
        int tls = 0, any_host = 0;
        host->config_get_long(cfg, "mongodb.server.selection.timeout.ms", &selection);
        host->config_get_long(cfg, "mongodb.connect.timeout.ms", &connect);
        host->config_get_bool(cfg, "mongodb.ssl.enabled", &tls);
        host->config_get_bool(cfg, "mongodb.ssl.invalid.hostname.allowed", &any_host);
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, (int32_t)selection);
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, (int32_t)connect);
        if (tls) mongoc_uri_set_option_as_bool(uri, MONGOC_URI_TLS, true);
        if (any_host) mongoc_uri_set_option_as_bool(uri, MONGOC_URI_TLSALLOWINVALIDHOSTNAMES, true);
        const char *user = host->config_get(cfg, "mongodb.user");
        if (user && *user) {
            const char *password = host->config_get(cfg, "mongodb.password");
            mongoc_uri_set_username(uri, user);
            mongoc_uri_set_password(uri, password ? password : "");
            mongoc_uri_set_auth_source(uri, host->config_get(cfg, "mongodb.authsource"));
        }
        if (!(t->client = mongoc_client_new_from_uri_with_error(uri, &e)))
            rc = kc_error_set(err, KC_EINVAL, "Invalid MongoDB address: %s", e.message);
        mongoc_uri_destroy(uri);
    }
    if (t->client) {
        mongoc_client_set_error_api(t->client, MONGOC_ERROR_API_VERSION_2);
        mongoc_client_set_appname(t->client, "kcd-mongodb-source");
        if (!t->rs[0]) { /* a connection string: the replica set name the server reports */
            bson_t *cmd = BCON_NEW("hello", BCON_INT32(1));
            bson_t reply;
            bson_iter_t it;
            if (mongoc_client_command_simple(t->client, "admin", cmd, NULL, &reply, &e) &&
                bson_iter_init_find(&it, &reply, "setName") && BSON_ITER_HOLDS_UTF8(&it))
                snprintf(t->rs, sizeof t->rs, "%s", bson_iter_utf8(&it, NULL));
            bson_destroy(cmd);
            bson_destroy(&reply);
        }
    }
    t->origin = (dbz_origin){t->prefix, t->rs[0] ? t->rs : t->prefix};
    int need_snapshot = 0;
    /* reach the server now: a wrong address fails the task at once, with the driver's words */
    uint32_t sec = 0, ord = 0;
    if (!rc) rc = cluster_time(t, &sec, &ord, err);
    if (!rc) rc = read_position(t, &need_snapshot, err);
    if (!rc && need_snapshot) {
        /* the stream begins where the copy begins: changes made during it are not lost */
        free(t->resume_token);
        t->resume_token = NULL;
        t->start_sec = sec, t->start_ord = ord;
        rc = list_namespaces(t, err);
        t->phase = PHASE_SNAPSHOT;
        if (!rc)
            host->log(ctx, KC_LOG_INFO, "Copying %zu collections from %s before following changes", t->snap_n,
                      t->rs[0] ? t->rs : "the server");
    } else {
        t->phase = PHASE_STREAM;
    }
    if (rc) {
        task_stop(t);
        return rc;
    }
    *state = t;
    return KC_OK;
}

/* ---- snapshot ----------------------------------------------------------------------------- */

static int emit_held(task *t, kc_records *out, int last, kc_error *err) {
    if (!t->held) return KC_OK;
    const dbz_schemas *s = schemas_for(t, t->held_db, t->held_coll);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    dbz_position at = {t->start_sec, t->start_ord, NULL};
    kc_record *r;
    char msg[KC_ERROR_MSG_MAX];
    int rc = dbz_snapshot_record(host, &t->origin, s, t->held_db, t->held_coll, t->held, &at, last,
                                 (int64_t)time(NULL) * 1000, &r, msg, sizeof msg);
    bson_destroy(t->held);
    t->held = NULL;
    if (rc == KC_EINVAL) {
        host->log(t->ctx, KC_LOG_WARN, "Skipping a document: %s", msg);
        return KC_OK;
    }
    if (rc) return kc_error_set(err, rc, "%s", msg);
    if (host->records_push(out, r)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    return KC_OK;
}

static void *reader_main(void *arg) {
    task *t = arg;
    snapshot_reader *r = &t->reader;
    bson_error_t e;
    int failed = 0;
    for (size_t i = r->reading; i < t->snap_n && !failed; i++) {
        const char *ns = t->snap_ns[i], *dot = strchr(ns, '.');
        char db[256];
        snprintf(db, sizeof db, "%.*s", (int)(dot - ns), ns);
        mongoc_collection_t *c = mongoc_client_get_collection(t->client, db, dot + 1);
        bson_t filter = BSON_INITIALIZER;
        bson_t *opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}");
        mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(c, &filter, opts, NULL);
        bson_destroy(opts);
        mongoc_collection_destroy(c);
        pthread_mutex_lock(&r->lock);
        r->reading = i;
        pthread_mutex_unlock(&r->lock);
        const bson_t *doc;
        while (mongoc_cursor_next(cursor, &doc)) {
            bson_t *copy = bson_copy(doc);
            pthread_mutex_lock(&r->lock);
            while ((r->len == READ_AHEAD || (r->len && r->bytes >= READ_AHEAD_BYTES)) && !r->stop)
                pthread_cond_wait(&r->changed, &r->lock);
            int stop = r->stop;
            if (!stop && copy) {
                size_t k = (r->head + r->len++) % READ_AHEAD;
                r->docs[k] = copy, r->ns[k] = i;
                r->bytes += copy->len;
                pthread_cond_signal(&r->changed);
            }
            pthread_mutex_unlock(&r->lock);
            if (stop) {
                if (copy) bson_destroy(copy);
                mongoc_cursor_destroy(cursor);
                return NULL;
            }
            if (!copy) {
                bson_set_error(&e, MONGOC_ERROR_CLIENT, MONGOC_ERROR_CLIENT_NO_ACCEPTABLE_PEER, "out of memory");
                failed = 1;
                break;
            }
        }
        if (!failed && mongoc_cursor_error(cursor, &e)) failed = 1;
        mongoc_cursor_destroy(cursor);
    }
    pthread_mutex_lock(&r->lock);
    if (failed) r->failed = 1, r->error = e;
    else r->done = 1;
    pthread_cond_signal(&r->changed);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* Starts the reader at namespace `from`. */
static int reader_start(task *t, size_t from, kc_error *err) {
    snapshot_reader *r = &t->reader;
    r->head = r->len = r->bytes = 0, r->reading = from;
    r->done = r->failed = r->stop = 0;
    if (pthread_mutex_init(&r->lock, NULL)) return kc_error_set(err, KC_ENOMEM, "cannot make the copy's reader");
    if (pthread_cond_init(&r->changed, NULL)) {
        pthread_mutex_destroy(&r->lock);
        return kc_error_set(err, KC_ENOMEM, "cannot make the copy's reader");
    }
    if (pthread_create(&r->thread, NULL, reader_main, t)) {
        pthread_cond_destroy(&r->changed);
        pthread_mutex_destroy(&r->lock);
        return kc_error_set(err, KC_ERETRY, "cannot start the copy's reader thread");
    }
    r->running = 1;
    return KC_OK;
}

/* Stops the reader (it leaves at its next document; a read in progress ends first) and drops
 * what it read ahead. */
static void reader_join(task *t) {
    snapshot_reader *r = &t->reader;
    if (!r->running) return;
    pthread_mutex_lock(&r->lock);
    r->stop = 1;
    pthread_cond_signal(&r->changed);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    for (; r->len; r->len--, r->head = (r->head + 1) % READ_AHEAD) bson_destroy(r->docs[r->head]);
    pthread_cond_destroy(&r->changed);
    pthread_mutex_destroy(&r->lock);
    r->running = 0;
}

static int snapshot_poll(task *t, kc_records *out, int timeout_ms, kc_error *err) {
    snapshot_reader *r = &t->reader;
    if (!r->running) {
        int rc = reader_start(t, t->snap_i, err);
        if (rc) return rc;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000, until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;
    int done = 0, failed = 0;
    bson_error_t e;
    while ((int64_t)out->len < t->max_batch) {
        pthread_mutex_lock(&r->lock);
        while (!r->len && !r->done && !r->failed && !out->len)
            if (pthread_cond_timedwait(&r->changed, &r->lock, &until)) break; /* the timeout: come back later */
        bson_t *doc = NULL;
        size_t ns = 0;
        if (r->len) {
            doc = r->docs[r->head], ns = r->ns[r->head];
            r->head = (r->head + 1) % READ_AHEAD, r->len--, r->bytes -= doc->len;
            pthread_cond_signal(&r->changed);
        } else {
            done = r->done, failed = r->failed, e = r->error, t->snap_i = r->reading;
        }
        pthread_mutex_unlock(&r->lock);
        if (!doc) break;
        int rc = emit_held(t, out, 0, err);
        if (rc) {
            bson_destroy(doc);
            return rc;
        }
        const char *name = t->snap_ns[ns], *dot = strchr(name, '.');
        snprintf(t->held_db, sizeof t->held_db, "%.*s", (int)(dot - name), name);
        snprintf(t->held_coll, sizeof t->held_coll, "%s", dot + 1);
        t->held = doc; /* handed over by the reader */
        t->snap_i = ns;
        t->snapshot_docs++;
    }
    if (out->len || (!done && !failed)) return KC_OK; /* an end or a failure is told once it is all that is left */
    reader_join(t);
    if (failed) /* the next poll reads the collection the failure stopped again from its start */
        return mongo_error(&e, "copying a collection", err);
    int rc = emit_held(t, out, 1, err); /* copied everything: the held document is the last */
    if (rc) return rc;
    host->log(t->ctx, KC_LOG_INFO, "Copied %zu documents; following changes", t->snapshot_docs);
    t->phase = PHASE_STREAM;
    return KC_OK;
}

/* ---- stream ------------------------------------------------------------------------------- */

static int open_stream(task *t, int wait_ms, kc_error *err) {
    /* the whole deployment, filtered here: Debezium's filters are regular expressions */
    bson_t pipeline = BSON_INITIALIZER, opts = BSON_INITIALIZER;
    if (t->capture_mode == CAPTURE_UPDATE_FULL) BSON_APPEND_UTF8(&opts, "fullDocument", "updateLookup");
    if (t->resume_token) {
        bson_t token;
        BSON_APPEND_DOCUMENT_BEGIN(&opts, "resumeAfter", &token);
        BSON_APPEND_UTF8(&token, "_data", t->resume_token);
        bson_append_document_end(&opts, &token);
    } else if (t->start_sec) {
        BSON_APPEND_TIMESTAMP(&opts, "startAtOperationTime", t->start_sec, t->start_ord);
    }
    BSON_APPEND_INT64(&opts, "maxAwaitTimeMS", wait_ms > 0 ? wait_ms : 100);
    BSON_APPEND_INT32(&opts, "batchSize", (int32_t)(t->max_batch < 10000 ? t->max_batch : 10000));
    t->stream = mongoc_client_watch(t->client, &pipeline, &opts);
    bson_destroy(&pipeline);
    bson_destroy(&opts);
    bson_error_t e;
    const bson_t *reply = NULL;
    if (mongoc_change_stream_error_document(t->stream, &e, &reply)) {
        mongoc_change_stream_destroy(t->stream);
        t->stream = NULL;
        if (e.code == 286 || e.code == 280)
            return kc_error_set(err, KC_EFATAL, "the stored resume token is no longer in the server's oplog (%s): "
                                "changes were lost while the connector was away; delete the connector's offsets "
                                "to copy the collections again", e.message);
        int rc = mongo_error(&e, "opening the change stream", err);
        if (rc == KC_EFATAL) /* the server refused the $changeStream aggregate itself */
            return kc_error_set(err, KC_EFATAL, "the server cannot follow changes: %s (error %u.%u). kcd's MongoDB "
                                "source needs change streams ($changeStream over the whole deployment): a replica "
                                "set or sharded cluster of MongoDB 4.0 or newer", e.message, e.domain, e.code);
        return rc;
    }
    return KC_OK;
}

static int stream_poll(task *t, kc_records *out, int timeout_ms, kc_error *err) {
    if (!t->stream) {
        int rc = open_stream(t, timeout_ms, err);
        if (rc) return rc;
    }
    const bson_t *change;
    int64_t deadline = monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 100);
    while ((int64_t)out->len < t->max_batch && mongoc_change_stream_next(t->stream, &change)) {
        const char *db, *coll;
        dbz_change_ns(change, &db, &coll);
        /* the stream goes on after this change, filtered out or not */
        bson_iter_t it, tok;
        if (bson_iter_init_find(&it, change, "_id") && BSON_ITER_HOLDS_DOCUMENT(&it) && bson_iter_recurse(&it, &tok) &&
            bson_iter_find(&tok, "_data") && BSON_ITER_HOLDS_UTF8(&tok)) {
            free(t->resume_token);
            if (!(t->resume_token = strdup(bson_iter_utf8(&tok, NULL)))) return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
        if (!captured(&t->f, db, coll)) continue;
        const dbz_schemas *s = schemas_for(t, db, coll);
        if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
        dbz_change_kind kind;
        kc_record *r = NULL;
        char msg[KC_ERROR_MSG_MAX];
        int rc = dbz_change_record(host, &t->origin, s, change, (int64_t)time(NULL) * 1000, &kind, &r, msg, sizeof msg);
        if (rc == KC_EINVAL) {
            host->log(t->ctx, KC_LOG_WARN, "Skipping a change event of %s.%s: %s", db, coll, msg);
            continue;
        }
        if (rc) return kc_error_set(err, rc, "%s", msg);
        if (kind != DBZ_CHANGE_RECORD) continue;
        kc_record *tomb = NULL;
        int is_delete = r->value.type == KC_VAL_STRUCT && host->map_get_str(&r->value, "op") &&
                        !strcmp(host->map_get_str(&r->value, "op")->u.str.ptr, "d");
        if (is_delete && t->tombstones && dbz_tombstone(host, r, &tomb)) {
            host->record_release(r);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
        if (host->records_push(out, r) || (tomb && host->records_push(out, tomb)))
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        if (monotonic_ms() > deadline) break;
    }
    bson_error_t e;
    const bson_t *reply;
    if (mongoc_change_stream_error_document(t->stream, &e, &reply)) {
        mongoc_change_stream_destroy(t->stream);
        t->stream = NULL; /* the next poll opens it again after the last change read */
        int rc = mongo_error(&e, "following the change stream", err);
        if (rc == KC_EFATAL && (e.code == 238 || strstr(e.message, "$changeStream")))
            return kc_error_set(err, KC_EFATAL, "the server cannot follow changes: %s", e.message);
        return rc;
    }
    return KC_OK;
}

static int task_poll(void *state, kc_records *out, int timeout_ms, kc_error *err) {
    task *t = state;
    if (t->phase == PHASE_SNAPSHOT) return snapshot_poll(t, out, timeout_ms, err);
    return stream_poll(t, out, timeout_ms, err);
}

static void task_stop(void *state) {
    task *t = state;
    if (!t) return;
    reader_join(t); /* before the client it reads with goes */
    if (t->stream) mongoc_change_stream_destroy(t->stream);
    if (t->held) bson_destroy(t->held);
    if (t->client) mongoc_client_destroy(t->client);
    for (size_t i = 0; i < t->nschemas; i++) {
        free(t->schemas[i].ns);
        dbz_schemas_release(host, &t->schemas[i].s);
    }
    free(t->schemas);
    free_list(t->snap_ns, t->snap_n);
    free_patterns(&t->f.coll_in);
    free_patterns(&t->f.coll_out);
    free_patterns(&t->f.db_in);
    free_patterns(&t->f.db_out);
    free(t->resume_token);
    free(t->uri);
    host->config_free(&t->cfg);
    free(t);
}

/* mongo-c-driver's own messages go to the worker's log, not to stderr. */
static void driver_log(mongoc_log_level_t level, const char *domain, const char *message, void *arg) {
    (void)arg;
    if (level >= MONGOC_LOG_LEVEL_DEBUG) return;
    kc_log_level l = level <= MONGOC_LOG_LEVEL_CRITICAL ? KC_LOG_ERROR
                     : level == MONGOC_LOG_LEVEL_WARNING ? KC_LOG_WARN
                                                         : KC_LOG_INFO;
    host->log(NULL, l, "mongo-c-driver %s: %s", domain, message);
}

static int plugin_init(const kc_host_api *h, kc_error *err) {
    (void)err;
    host = h;
    /* MONGOC_DISABLE_SHM is set by kcd's main: the driver's constructor reads it at dlopen */
    mongoc_log_set_handler(driver_log, NULL); /* before init: what it says goes to kcd's log */
    mongoc_init();
    return KC_OK;
}

static const kc_connector_ops connector_ops = {validate, config_connector_start, config_connector_one_task,
                                               config_connector_stop};
static const kc_source_task_ops task_ops = {task_start, task_poll, NULL, NULL, task_stop};

static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER,
    KC_PLUGIN_SOURCE,
    "mongodb-source",
    "1.0.0",
    "Debezium-style change events of MongoDB collections: a copy (op=r), then the change stream (c, u with the "
    "full document, d and a tombstone)",
    (const char *const[]){"io.debezium.connector.mongodb.MongoDbConnector", "io.kcd.connect.mongodb.MongoDbConnector",
                          NULL},
    config,
    plugin_init,
    &connector_ops,
    &task_ops,
    NULL,
    NULL, NULL, NULL,
    0, /* flags */
};

KC_PLUGIN_DEFINE(desc)
