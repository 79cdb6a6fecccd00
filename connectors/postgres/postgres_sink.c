/* postgres_sink.c - "postgres-sink": the Confluent JDBC sink's configuration and behaviour on
 * libpq, for PostgreSQL. Each put() is one transaction: records are grouped into runs of the
 * same columns; each run is COPied into a temporary staging table and moved into the target
 * with one INSERT ... ON CONFLICT (pk) DO UPDATE (or plain INSERT, or UPDATE ... FROM), keys
 * repeated inside a run collapsed so the last record wins. Tables are created and widened
 * from the records (auto.create, auto.evolve). The transaction commits before put() returns,
 * so the worker commits consumer offsets only for rows PostgreSQL already committed.
 * With buffer.max.ms (a kcd extension) rows are held across put() calls instead, one per key,
 * and flush() writes them in one transaction before the worker commits the offsets. */

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <stdint.h>
#include <sys/types.h>

#include "pg_sql.h"

static const kc_host_api *host;
#include "../common/config_connector.h"
#include "../common/config_lists.h"
#include "../common/errant.h"
#include "../common/monotonic.h"

static const char *const insert_modes[] = {"insert", "upsert", "update", NULL};
static const char *const pk_modes[] = {"none", "kafka", "record_key", "record_value", NULL};
static const char *const quote_modes[] = {"always", "never", NULL};

static const kc_config_def config[] = {
    {"connection.url", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH,
     "Connection", "jdbc:postgresql://host:port/database[?...], a postgresql:// URL or a libpq conninfo string", NULL,
     NULL},
    {"connection.user", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Connection", "Database user", NULL,
     NULL},
    {"connection.password", KC_CFG_PASSWORD, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Connection",
     "Database password", NULL, NULL},
    {"connection.attempts", KC_CFG_INT, "3", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Connection",
     "Attempts to connect before a connection error counts as a failure", NULL, NULL},
    {"connection.backoff.ms", KC_CFG_LONG, "10000", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, "Connection",
     "Wait between connection attempts", NULL, NULL},
    {"dialect.name", KC_CFG_STRING, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Connection",
     "Empty or PostgreSqlDatabaseDialect: this sink speaks PostgreSQL only", NULL, NULL},
    {"insert.mode", KC_CFG_ENUM, "insert", 0, 0, 0, insert_modes, KC_IMPORTANCE_HIGH, "Writes",
     "insert: INSERT; upsert: INSERT ... ON CONFLICT (pk) DO UPDATE; update: UPDATE by primary key", NULL, NULL},
    {"batch.size", KC_CFG_INT, "3000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_MEDIUM, "Writes",
     "Most records per COPY into the staging table", NULL, NULL},
    {"delete.enabled", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Writes",
     "Tombstones (null values) delete the row with the record key (needs pk.mode=record_key)", NULL, NULL},
    {"table.name.format", KC_CFG_STRING, "${topic}", KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_MEDIUM,
     "Data Mapping", "Target table; ${topic} is replaced by the record's topic", NULL, NULL},
    {"pk.mode", KC_CFG_ENUM, "none", 0, 0, 0, pk_modes, KC_IMPORTANCE_HIGH, "Data Mapping",
     "Where the primary key comes from", NULL, NULL},
    {"pk.fields", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Data Mapping",
     "Primary key columns (kafka: 3 names; record_key primitive: 1 name; struct or value: fields, empty = all)",
     NULL, NULL},
    {"fields.whitelist", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Data Mapping",
     "Value fields to write (empty: all)", NULL, NULL},
    {"db.timezone", KC_CFG_STRING, "UTC", KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Data Mapping",
     "Time zone TIMESTAMP columns are written in", NULL, NULL},
    {"auto.create", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "DDL Support",
     "CREATE TABLE from the records, with the primary key", NULL, NULL},
    {"auto.evolve", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "DDL Support",
     "ALTER TABLE ADD COLUMN (nullable) for fields the table lacks; never drops or retypes", NULL, NULL},
    {"quote.sql.identifiers", KC_CFG_ENUM, "always", 0, 0, 0, quote_modes, KC_IMPORTANCE_MEDIUM, "DDL Support",
     "Quote table and column names (keeps their case)", NULL, NULL},
    {"table.types", KC_CFG_LIST, "TABLE", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "DDL Support",
     "Accepted for compatibility: rows are written to tables", NULL, NULL},
    {"buffer.max.ms", KC_CFG_LONG, NULL, KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Writes",
     "kcd: hold rows across put() calls for up to this long, one per key (the last record's), and write them in "
     "one transaction when offsets are committed (the sink asks for a commit when this time or buffer.max.rows "
     "is reached, or when a poll brings no records); needs insert.mode upsert or update. Unset: 5000 in upsert and "
     "update modes, 0 in insert mode. 0: each put() is written before it returns, as the JDBC sink does", NULL,
     NULL},
    {"buffer.max.rows", KC_CFG_INT, "200000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Writes",
     "kcd: with buffer.max.ms, distinct keys held before they are written", NULL, NULL},
    {"max.retries", KC_CFG_INT, "10", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Retries",
     "Retriable failures (lost connection, server restart) in a row before the task fails", NULL, NULL},
    {"retry.backoff.ms", KC_CFG_INT, "3000", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Retries",
     "Wait before a failed batch is written again", NULL, NULL},
    KC_CONFIG_END,
};

enum { MODE_INSERT, MODE_UPSERT, MODE_UPDATE };
enum { BUFFER_MS_DEFAULT = 5000 }; /* buffer.max.ms when unset, in upsert and update modes */
enum { MAX_HELD_SEGMENTS = 256 }; /* segments held before a flush is asked for (see segment_for) */
enum { PK_NONE, PK_KAFKA, PK_RECORD_KEY, PK_RECORD_VALUE };

/* ---- connector ---------------------------------------------------------------------------- */

static int validate(const kc_config *cfg, kc_error *err) {
    int mode = enum_index(host->config_get(cfg, "insert.mode"), insert_modes);
    int pk = enum_index(host->config_get(cfg, "pk.mode"), pk_modes);
    int del = 0;
    host->config_get_bool(cfg, "delete.enabled", &del);
    if (mode != MODE_INSERT && pk == PK_NONE)
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration insert.mode: upsert and update need "
                            "a primary key (pk.mode kafka, record_key or record_value)",
                            insert_modes[mode]);
    if (del && pk != PK_RECORD_KEY)
        return kc_error_set(err, KC_EINVAL, "Invalid value true for configuration delete.enabled: deletes need "
                            "pk.mode=record_key");
    int64_t buffer_ms = 0; /* unset: the mode's own default (BUFFER_MS_DEFAULT, or 0 in insert mode) */
    host->config_get_long(cfg, "buffer.max.ms", &buffer_ms);
    if (buffer_ms > 0 && mode == MODE_INSERT)
        return kc_error_set(err, KC_EINVAL, "Invalid value %lld for configuration buffer.max.ms: holding rows keeps "
                            "one per key, so it needs insert.mode upsert or update", (long long)buffer_ms);
    const char *dialect = host->config_get(cfg, "dialect.name");
    if (dialect && *dialect && strcmp(dialect, "PostgreSqlDatabaseDialect"))
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration dialect.name: this sink writes to "
                            "PostgreSQL only (PostgreSqlDatabaseDialect)", dialect);
    char **pkf;
    size_t npk;
    if (split_list(host->config_get(cfg, "pk.fields"), &pkf, &npk)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    free_list(pkf, npk);
    if (pk == PK_KAFKA && npk && npk != 3)
        return kc_error_set(err, KC_EINVAL, "Invalid value for configuration pk.fields: pk.mode=kafka takes exactly 3 "
                            "names (topic, partition and offset columns), got %zu", npk);
    char *libpq = NULL, *dropped = NULL;
    int rc = pg_url_from_jdbc(host->config_get(cfg, "connection.url"), &libpq, &dropped, err);
    free(libpq);
    free(dropped);
    return rc;
}


/* ---- task state --------------------------------------------------------------------------- */

typedef struct column {
    char *name;
    pg_coltype type;    /* how values are encoded for it */
    char *sql_type;     /* the database's spelling, e.g. "timestamp without time zone" */
} column;

typedef struct table {
    struct table *next;
    char *name;   /* after table.name.format */
    char *qname;  /* quoted for SQL */
    column *cols; /* as the database has them */
    size_t ncols;
    struct stage *stages; /* temporary staging tables, one per column list written */
} table;

/* A temporary staging table (created outside the data's transactions, so rollbacks keep it). */
typedef struct stage {
    struct stage *next;
    char *name;
    char *cols;   /* the quoted column list it has */
    int used;     /* holds rows of the open transaction (emptied at its end: ON COMMIT DELETE ROWS) */
} stage;

typedef struct task {
    kc_task_ctx *ctx;
    char *conninfo, *user, *password, *tz;
    PGconn *conn;
    int mode, pk_mode, delete_enabled, auto_create, auto_evolve, quote;
    int64_t batch_size, attempts, backoff_ms, max_retries, retry_backoff_ms;
    char **pk_fields, **whitelist;
    size_t npk_fields, nwhitelist;
    const char *table_format;
    kc_config cfg;
    table *tables;
    int64_t retries; /* retriable failures in a row */
    int stage_seq;
    int warned_tombstone;
    /* buffer.max.ms > 0: rows held across put() calls, written by flush() */
    int64_t buffer_ms, buffer_rows;
    struct segment *held, *held_tail;
    size_t held_rows, held_segments;
    int64_t held_since; /* when the first held row (or the first put() of an isolating window) came */
    int isolate;        /* a held batch was refused: write put() by put() until the next flush() */
    char *last_topic;   /* the topic of the last record and its table (NULL: none cached) */
    table *last_table;
} task;

/* One column value of a row being written. */
typedef struct cell {
    const char *name;
    const kc_value *value;
    const kc_schema *schema; /* NULL when schemaless */
    int pk;                  /* a primary key column (these come first in a row) */
    int not_null;            /* key column or non-optional schema field */
} cell;

typedef struct row {
    kc_record *rec;
    table *tab;
    cell *cells;
    size_t ncells;
    int tombstone;
    kc_value kafka_vals[3]; /* pk.mode=kafka */
    uint64_t sig;           /* a cheap digest of the column names, to tell column lists apart quickly */
    char *key;              /* primary key text, for collapsing duplicates */
    uint64_t key_hash;      /* str_hash(key) */
    int skip;               /* superseded by a later record with the same key in its run */
} row;

static void drop_stages(table *tb) {
    for (stage *st = tb->stages, *n; st; st = n) {
        n = st->next;
        free(st->name);
        free(st->cols);
        free(st);
    }
    tb->stages = NULL;
}

static void free_tables(task *t) {
    for (table *tb = t->tables, *n; tb; tb = n) {
        n = tb->next;
        for (size_t i = 0; i < tb->ncols; i++) {
            free(tb->cols[i].name);
            free(tb->cols[i].sql_type);
        }
        free(tb->cols);
        free(tb->name);
        free(tb->qname);
        drop_stages(tb);
        free(tb);
    }
    t->tables = NULL;
    t->last_table = NULL;
}

static void disconnect(task *t) {
    if (t->conn) PQfinish(t->conn);
    t->conn = NULL;
    free_tables(t); /* staging tables die with the session; the catalog is read again */
}

/* SQLSTATEs worth retrying: connection failures, server shutting down or starting, too many
 * connections, serialization failures and deadlocks. */
static int retriable_state(const char *state) {
    if (!state) return 1; /* no result at all: the connection is gone */
    return !strncmp(state, "08", 2) || !strncmp(state, "57P", 3) || !strcmp(state, "53300") ||
           !strcmp(state, "40001") || !strcmp(state, "40P01");
}

/* Errors a single record can cause (bad data, constraints): isolate the record. */
static int record_state(const char *state) {
    return state && (!strncmp(state, "22", 2) || !strncmp(state, "23", 2) || !strcmp(state, "42804"));
}

/* Server notices go to the task's log (debug), not to stderr. */
static void on_notice(void *arg, const char *message) {
    task *t = arg;
    host->log(t->ctx, KC_LOG_DEBUG, "PostgreSQL: %.*s", (int)strcspn(message, "\n"), message);
}


/* Waits ms milliseconds unless the task is told to stop (SIGTERM, a reconfiguration): 1 then, at
 * once, so a backoff never holds a stop past the worker's graceful timeout. */
static int backoff_or_stop(task *t, int64_t ms) {
    int64_t until = monotonic_ms() + ms;
    for (int64_t left = ms; left > 0; left = until - monotonic_ms()) {
        if (host->should_stop(t->ctx)) return 1;
        sleep_ms(left < 100 ? left : 100);
    }
    return host->should_stop(t->ctx);
}

static int connect_db(task *t, kc_error *err) {
    if (t->conn && PQstatus(t->conn) == CONNECTION_OK) return KC_OK;
    disconnect(t);
    const char *keys[4] = {"dbname", NULL, NULL, NULL}, *vals[4] = {t->conninfo, NULL, NULL, NULL};
    int k = 1;
    if (t->user) keys[k] = "user", vals[k++] = t->user;
    if (t->password) keys[k] = "password", vals[k++] = t->password;
    for (int64_t attempt = 1;; attempt++) {
        t->conn = PQconnectdbParams(keys, vals, 1);
        if (t->conn && PQstatus(t->conn) == CONNECTION_OK) break;
        char msg[512];
        snprintf(msg, sizeof msg, "%s", t->conn ? PQerrorMessage(t->conn) : "out of memory");
        msg[strcspn(msg, "\n")] = '\0';
        disconnect(t);
        if (attempt >= t->attempts || host->should_stop(t->ctx))
            return kc_error_set(err, KC_ERETRY, "cannot connect to PostgreSQL (%lld attempts): %s",
                                (long long)attempt, msg);
        host->log(t->ctx, KC_LOG_WARN, "Connecting to PostgreSQL failed (attempt %lld of %lld): %s",
                  (long long)attempt, (long long)t->attempts, msg);
        if (backoff_or_stop(t, t->backoff_ms))
            return kc_error_set(err, KC_ERETRY, "stopping while connecting to PostgreSQL: %s", msg);
    }
    PQsetNoticeProcessor(t->conn, on_notice, t);
    char *tz = PQescapeLiteral(t->conn, t->tz, strlen(t->tz));
    char sql[256];
    snprintf(sql, sizeof sql, "SET TIME ZONE %s", tz ? tz : "'UTC'");
    PQfreemem(tz);
    PGresult *r = PQexec(t->conn, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) kc_error_set(err, KC_EINVAL, "db.timezone %s: %s", t->tz, PQresultErrorMessage(r));
    PQclear(r);
    if (!ok) {
        disconnect(t);
        return KC_EINVAL;
    }
    host->log(t->ctx, KC_LOG_INFO, "Connected to PostgreSQL %d", PQserverVersion(t->conn));
    return KC_OK;
}

/* The server's error as one line: its message, its detail, its SQLSTATE. The code says what
 * to do: KC_ERETRY (connection, server state), KC_EINVAL (this data), KC_EFATAL (the rest). */
static int result_error(task *t, const PGresult *r, kc_error *err) {
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    char msg[KC_ERROR_MSG_MAX];
    const char *text = primary ? primary : PQerrorMessage(t->conn);
    if (!strncmp(text, "FATAL:  ", 8) || !strncmp(text, "ERROR:  ", 8)) text += 8; /* libpq's own prefix */
    snprintf(msg, sizeof msg, "%s", text);
    msg[strcspn(msg, "\n")] = '\0';
    return kc_error_set(err, retriable_state(st) ? KC_ERETRY : record_state(st) ? KC_EINVAL : KC_EFATAL,
                        "%s%s%.*s (SQLSTATE %s)", msg, detail ? ": " : "", detail ? (int)strcspn(detail, "\n") : 0,
                        detail ? detail : "", st ? st : "none");
}

/* Runs one statement; KC_OK, or the server's error. */
static int exec(task *t, const char *sql, ExecStatusType want, char *state, kc_error *err) {
    PGresult *r = PQexec(t->conn, sql);
    int rc = KC_OK;
    if (PQresultStatus(r) != want) {
        const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        if (state) snprintf(state, 6, "%s", st ? st : "");
        rc = result_error(t, r, err);
    }
    PQclear(r);
    return rc;
}

/* ---- tables ------------------------------------------------------------------------------- */

static void ident(task *t, strbuf *b, const char *name) { pg_ident(b, name, t->quote, 0); }

/* Reads the table's columns from the catalog (none: the table does not exist). */
static int load_columns(task *t, table *tb, kc_error *err) {
    for (size_t i = 0; i < tb->ncols; i++) {
        free(tb->cols[i].name);
        free(tb->cols[i].sql_type);
    }
    free(tb->cols);
    tb->cols = NULL;
    tb->ncols = 0;
    const char *params[1] = {tb->qname};
    PGresult *r = PQexecParams(t->conn,
                               "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                               "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped "
                               "ORDER BY a.attnum",
                               1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        kc_error_set(err, retriable_state(st) ? KC_ERETRY : KC_EFATAL, "reading the columns of %s: %s", tb->qname,
                     PQresultErrorMessage(r));
        PQclear(r);
        return err->code;
    }
    int n = PQntuples(r);
    tb->cols = calloc(n ? (size_t)n : 1, sizeof *tb->cols);
    if (!tb->cols) {
        PQclear(r);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        tb->cols[i].name = strdup(PQgetvalue(r, i, 0));
        tb->cols[i].sql_type = strdup(PQgetvalue(r, i, 1));
        tb->cols[i].type = pg_type_of_sql(PQgetvalue(r, i, 1));
        tb->ncols++;
    }
    PQclear(r);
    return KC_OK;
}

static table *table_for(task *t, const char *name, kc_error *err) {
    for (table *tb = t->tables; tb; tb = tb->next)
        if (!strcmp(tb->name, name)) return tb;
    char why[512];
    if (pg_ident_check(name, t->quote, 1, why, sizeof why)) {
        kc_error_set(err, KC_EINVAL, "table %s", why);
        return NULL;
    }
    table *tb = calloc(1, sizeof *tb);
    strbuf q = {0};
    pg_ident(&q, name, t->quote, 1);
    if (!tb || q.failed || !(tb->name = strdup(name))) {
        free(tb);
        strbuf_free(&q);
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    tb->qname = q.data;
    if (load_columns(t, tb, err)) {
        free(tb->name);
        free(tb->qname);
        free(tb);
        return NULL;
    }
    tb->next = t->tables;
    t->tables = tb;
    return tb;
}

static column *find_column(table *tb, const char *name, int quote) {
    for (size_t i = 0; i < tb->ncols; i++)
        if (quote ? !strcmp(tb->cols[i].name, name) : !strcasecmp(tb->cols[i].name, name)) return &tb->cols[i];
    return NULL;
}

/* ---- rows --------------------------------------------------------------------------------- */

/* FNV-1a */
static uint64_t str_hash(const char *k) {
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++) h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* The same column list (names in order), both tombstones or neither. */
static int same_columns(const row *a, const row *b) {
    if (a->sig != b->sig || a->ncells != b->ncells || a->tombstone != b->tombstone) return 0;
    for (size_t c = 0; c < a->ncells; c++)
        if (a->cells[c].name != b->cells[c].name && strcmp(a->cells[c].name, b->cells[c].name)) return 0;
    return 1;
}

static void row_free(row *r) {
    free(r->cells);
    free(r->key);
    memset(r, 0, sizeof *r);
}

/* Adds a cell unless one of the first `known` cells has its name (a key column wins over a
 * value field of its name; the fields of one map have distinct names already). */
static int push_cell(row *r, size_t *cap, size_t known, const char *name, const kc_value *v, const kc_schema *s,
                     int pk) {
    for (size_t i = 0; i < known; i++)
        if (!strcmp(r->cells[i].name, name)) return KC_OK;
    if (r->ncells == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        cell *c = realloc(r->cells, ncap * sizeof *c);
        if (!c) return KC_ENOMEM;
        r->cells = c;
        *cap = ncap;
    }
    r->cells[r->ncells++] = (cell){name, v, s, pk, pk || (s && !s->optional)};
    return KC_OK;
}

/* The cells of a struct or map value (fields with string names), filtered by `keep`. */
static int push_fields(row *r, size_t *cap, const kc_value *v, const kc_schema *s, char **keep, size_t nkeep, int pk,
                       kc_error *err) {
    size_t known = r->ncells;
    for (size_t i = 0; i < v->u.map.len; i++) {
        const kc_entry *e = &v->u.map.items[i];
        if (e->key.type != KC_VAL_STRING)
            return kc_error_set(err, KC_EINVAL, "a map with non-string keys cannot be written as columns");
        const char *name = e->key.u.str.ptr;
        if (nkeep && !in_list(keep, nkeep, name)) continue;
        const kc_schema *fs = NULL;
        /* the cell is named by the schema's field: records sharing a schema then share the
         * names, and same_columns() compares pointers instead of strings */
        if (s && s->type == KC_SCHEMA_STRUCT && i < s->nfields && !strcmp(s->fields[i].name, name))
            fs = s->fields[i].schema, name = s->fields[i].name; /* a struct's fields come in schema order */
        for (size_t f = 0; !fs && s && s->type == KC_SCHEMA_STRUCT && f < s->nfields; f++)
            if (!strcmp(s->fields[f].name, name)) fs = s->fields[f].schema, name = s->fields[f].name;
        if (push_cell(r, cap, known, name, &e->val, fs, pk)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    return KC_OK;
}

static int is_fields(const kc_value *v) { return v->type == KC_VAL_STRUCT || v->type == KC_VAL_MAP; }

static char *table_name(task *t, const char *topic) {
    strbuf b = {0};
    for (const char *p = t->table_format; *p;) {
        if (!strncmp(p, "${topic}", 8)) {
            strbuf_puts(&b, topic);
            p += 8;
        } else {
            strbuf_append(&b, p++, 1);
        }
    }
    if (b.failed) strbuf_free(&b);
    return b.data;
}

/* Builds the row of one record. KC_EINVAL (with the reason) for a record that cannot be a row;
 * KC_DROP for a tombstone that is not a delete. */
static int build_row(task *t, kc_record *rec, row *r, kc_error *err) {
    memset(r, 0, sizeof *r);
    r->rec = rec;
    size_t cap = 0;
    int rc = KC_OK;
    const char *topic = rec->topic ? rec->topic : "";
    if (t->last_table && !strcmp(t->last_topic, topic)) { /* records mostly come topic by topic */
        r->tab = t->last_table;
    } else {
        char *tname = table_name(t, topic);
        if (!tname) return kc_error_set(err, KC_ENOMEM, "out of memory");
        r->tab = table_for(t, tname, err);
        free(tname);
        if (!r->tab) return err->code;
        char *copy = strdup(topic);
        if (copy) {
            free(t->last_topic);
            t->last_topic = copy;
            t->last_table = r->tab;
        }
    }
    if (rec->value.type == KC_VAL_NULL) {
        if (!t->delete_enabled) return KC_DROP;
        r->tombstone = 1;
    } else if (!is_fields(&rec->value)) {
        return kc_error_set(err, KC_EINVAL, "the record value is not a struct or a map, so it has no columns");
    }
    const kc_schema *vs = rec->value_schema;
    switch (t->pk_mode) {
    case PK_KAFKA: {
        static const char *const defaults[3] = {"__connect_topic", "__connect_partition", "__connect_offset"};
        r->kafka_vals[0] = (kc_value){.type = KC_VAL_STRING};
        r->kafka_vals[0].u.str.ptr = rec->topic;
        r->kafka_vals[0].u.str.len = rec->topic ? strlen(rec->topic) : 0;
        r->kafka_vals[1] = (kc_value){.type = KC_VAL_INT, .u.i = rec->partition};
        r->kafka_vals[2] = (kc_value){.type = KC_VAL_INT, .u.i = rec->offset};
        for (int i = 0; i < 3 && !rc; i++)
            rc = push_cell(r, &cap, r->ncells, t->npk_fields == 3 ? t->pk_fields[i] : defaults[i], &r->kafka_vals[i],
                           NULL, 1);
        break;
    }
    case PK_RECORD_KEY:
        if (rec->key.type == KC_VAL_NULL)
            return kc_error_set(err, KC_EINVAL, "the record key is null, but pk.mode=record_key");
        if (is_fields(&rec->key))
            rc = push_fields(r, &cap, &rec->key, rec->key_schema, t->pk_fields, t->npk_fields, 1, err);
        else
            rc = push_cell(r, &cap, r->ncells, t->npk_fields ? t->pk_fields[0] : "__connect_key", &rec->key,
                           rec->key_schema, 1);
        break;
    default: break;
    }
    if (rc) return rc == KC_ENOMEM ? kc_error_set(err, rc, "out of memory") : rc;
    size_t nkeys = r->ncells;
    if (!r->tombstone) {
        rc = push_fields(r, &cap, &rec->value, vs, t->whitelist, t->nwhitelist, 0, err);
        if (!rc && t->pk_mode == PK_RECORD_VALUE && t->npk_fields && t->nwhitelist) /* keys survive the whitelist */
            rc = push_fields(r, &cap, &rec->value, vs, t->pk_fields, t->npk_fields, 1, err);
        if (rc) return rc;
        if (t->pk_mode == PK_RECORD_VALUE) { /* key columns first, in pk.fields order */
            for (size_t i = 0; i < t->npk_fields; i++) {
                size_t c = 0;
                while (c < r->ncells && strcmp(r->cells[c].name, t->pk_fields[i])) c++;
                if (c == r->ncells)
                    return kc_error_set(err, KC_EINVAL, "the value has no field %s named in pk.fields", t->pk_fields[i]);
                cell k = r->cells[c];
                k.pk = k.not_null = 1;
                memmove(r->cells + nkeys + 1, r->cells + nkeys, (c - nkeys) * sizeof k);
                r->cells[nkeys++] = k;
            }
            if (!t->npk_fields) /* every field is the key */
                for (; nkeys < r->ncells; nkeys++) r->cells[nkeys].pk = r->cells[nkeys].not_null = 1;
        }
    }
    if (!r->ncells) return kc_error_set(err, KC_EINVAL, "the record has no fields to write");
    for (size_t i = 0; i < r->ncells; i++) { /* names from the data: never cut, never SQL */
        char why[512];
        if (pg_ident_check(r->cells[i].name, t->quote, 0, why, sizeof why))
            return kc_error_set(err, KC_EINVAL, "column %s", why);
    }
    /* the signature groups rows into runs; the key text collapses repeated keys */
    r->sig = r->ncells * 2 + (uint64_t)r->tombstone; /* equal digests are compared name by name */
    for (size_t i = 0; i < r->ncells; i++) {
        const unsigned char *nm = (const unsigned char *)r->cells[i].name;
        r->sig = r->sig * 31 + (uint64_t)nm[0] * 257 + (nm[0] ? nm[1] : 0);
    }
    strbuf key = {0};
    for (size_t i = 0; i < nkeys; i++) {
        strbuf_puts(&key, "\x1f");
        pg_copy_field(&key, r->cells[i].value, pg_type_of_value(r->cells[i].value), host);
    }
    if (key.failed) {
        strbuf_free(&key);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    r->key = key.data;
    r->key_hash = key.data ? str_hash(key.data) : 0; /* no key columns: pk.mode=none */
    return KC_OK;
}

static size_t key_count(const row *r) {
    size_t n = 0;
    while (n < r->ncells && r->cells[n].pk) n++;
    return n;
}

/* ---- DDL ---------------------------------------------------------------------------------- */

/* The type a new column gets: its schema's, else the first non-null value's in the run. */
static pg_coltype new_column_type(row *rows, size_t n, size_t c) {
    if (rows[0].cells[c].schema) return pg_type_of_schema(rows[0].cells[c].schema);
    for (size_t i = 0; i < n; i++)
        if (rows[i].cells[c].value && rows[i].cells[c].value->type != KC_VAL_NULL)
            return pg_type_of_value(rows[i].cells[c].value);
    return (pg_coltype){PG_TEXT, 0};
}

/* Creates the table, or adds the columns it lacks; in autocommit, before the data's
 * transaction, as the JDBC sink does. */
static int ensure_columns(task *t, table *tb, row *rows, size_t n, kc_error *err) {
    row *r0 = &rows[0];
    strbuf sql = {0};
    int rc = KC_OK;
    if (!tb->ncols) {
        if (!t->auto_create) {
            kc_error_set(err, KC_EFATAL, "Table %s is missing and auto.create is disabled", tb->qname);
            return KC_EFATAL;
        }
        strbuf_printf(&sql, "CREATE TABLE IF NOT EXISTS %s (", tb->qname);
        for (size_t c = 0; c < r0->ncells; c++) {
            if (c) strbuf_puts(&sql, ", ");
            ident(t, &sql, r0->cells[c].name);
            strbuf_printf(&sql, " %s%s", pg_type_sql(new_column_type(rows, n, c)), r0->cells[c].not_null ? " NOT NULL" : "");
        }
        size_t nk = key_count(r0);
        if (nk) {
            strbuf_puts(&sql, ", PRIMARY KEY (");
            for (size_t c = 0; c < nk; c++) {
                if (c) strbuf_puts(&sql, ", ");
                ident(t, &sql, r0->cells[c].name);
            }
            strbuf_puts(&sql, ")");
        }
        strbuf_puts(&sql, ")");
        host->log(t->ctx, KC_LOG_INFO, "Creating table: %s", sql.data ? sql.data : "");
    } else {
        for (size_t c = 0; c < r0->ncells; c++) {
            if (find_column(tb, r0->cells[c].name, t->quote)) continue;
            if (!t->auto_evolve) {
                strbuf_free(&sql);
                return kc_error_set(err, KC_EFATAL, "Table %s has no column %s and auto.evolve is disabled", tb->qname,
                                    r0->cells[c].name);
            }
            strbuf_printf(&sql, "%sALTER TABLE %s ADD COLUMN IF NOT EXISTS ", sql.len ? "; " : "", tb->qname);
            ident(t, &sql, r0->cells[c].name);
            strbuf_printf(&sql, " %s", pg_type_sql(new_column_type(rows, n, c)));
        }
        if (sql.len) host->log(t->ctx, KC_LOG_INFO, "Evolving table: %s", sql.data);
    }
    size_t ddl = sql.len;
    char state[6] = "";
    if (sql.failed) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    else if (ddl) rc = exec(t, sql.data, PGRES_COMMAND_OK, state, err);
    strbuf_free(&sql);
    /* another task (tasks.max > 1) made the same table or column a moment ago: IF NOT EXISTS
     * does not guard the catalog against that race, the catalog's unique index does */
    if (rc && (!strcmp(state, "23505") || !strcmp(state, "42P07") || !strcmp(state, "42701"))) {
        host->log(t->ctx, KC_LOG_INFO, "%s was changed by someone else meanwhile: %s", tb->qname, err->msg);
        rc = KC_OK;
    }
    if (rc || !ddl) return rc;
    drop_stages(tb); /* new column types: staging tables are made again (old ones die with the session) */
    return load_columns(t, tb, err);
}

/* ---- writing ------------------------------------------------------------------------------ */

/* The staging table for a run's columns, created on first use (in autocommit): the target's
 * column types, with timestamptz for timestamp columns so values written with +00 land in
 * db.timezone. */
static stage *stage_for(task *t, table *tb, const row *r0, kc_error *err) {
    strbuf list = {0};
    for (size_t c = 0; c < r0->ncells; c++) {
        strbuf_puts(&list, c ? "," : "");
        ident(t, &list, r0->cells[c].name);
    }
    if (list.failed) {
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    for (stage *st = tb->stages; st; st = st->next)
        if (!strcmp(st->cols, list.data)) {
            strbuf_free(&list);
            return st;
        }
    stage *st = calloc(1, sizeof *st);
    char name[64];
    snprintf(name, sizeof name, "kcd_stage_%d", ++t->stage_seq);
    strbuf sql = {0};
    strbuf_printf(&sql, "CREATE TEMP TABLE %s (", name);
    int rc = KC_OK;
    for (size_t c = 0; c < r0->ncells && !rc; c++) {
        column *col = find_column(tb, r0->cells[c].name, t->quote);
        if (!col) {
            rc = kc_error_set(err, KC_EFATAL, "Table %s has no column %s", tb->qname, r0->cells[c].name);
            break;
        }
        if (c) strbuf_puts(&sql, ", ");
        ident(t, &sql, r0->cells[c].name);
        const char *type = col->sql_type;
        if (!strncmp(type, "timestamp without time zone", 28)) type = col->type.array ? "timestamptz[]" : "timestamptz";
        strbuf_printf(&sql, " %s", type);
    }
    strbuf_puts(&sql, ") ON COMMIT DELETE ROWS");
    if (!rc && (!st || sql.failed || !(st->name = strdup(name)))) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    if (!rc) rc = exec(t, sql.data, PGRES_COMMAND_OK, NULL, err);
    strbuf_free(&sql);
    if (rc) {
        if (st) free(st->name);
        free(st);
        strbuf_free(&list);
        return NULL;
    }
    st->cols = list.data;
    st->next = tb->stages;
    tb->stages = st;
    return st;
}

/* Columns [from, to) of a row as `<lhs>c<op>c` joined by sep: "c = EXCLUDED.c, ...",
 * "t.k = s.k AND ...". */
static void pairs(task *t, strbuf *b, const row *r0, size_t from, size_t to, const char *sep, const char *lhs,
                  const char *op) {
    for (size_t c = from; c < to; c++) {
        if (c > from) strbuf_puts(b, sep);
        strbuf_puts(b, lhs);
        ident(t, b, r0->cells[c].name);
        strbuf_puts(b, op);
        ident(t, b, r0->cells[c].name);
    }
}

/* The target's column of each cell of r0 (the run's column list); NULL with err set when the
 * table lacks one. Handed over. */
static column **run_columns(task *t, table *tb, const row *r0, kc_error *err) {
    column **cols = calloc(r0->ncells ? r0->ncells : 1, sizeof *cols);
    if (!cols) {
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t c = 0; c < r0->ncells; c++)
        if (!(cols[c] = find_column(tb, r0->cells[c].name, t->quote))) {
            kc_error_set(err, KC_EFATAL, "Table %s has no column %s", tb->qname, r0->cells[c].name);
            free(cols);
            return NULL;
        }
    return cols;
}

/* Starts a COPY into the staging table of r0's columns (emptied first when the open
 * transaction used it already). */
static stage *stage_begin(task *t, table *tb, const row *r0, kc_error *err) {
    stage *st = stage_for(t, tb, r0, err);
    if (!st) return NULL;
    strbuf sql = {0};
    int rc = KC_OK;
    if (st->used) { /* a second use inside one transaction */
        strbuf_printf(&sql, "DELETE FROM pg_temp.%s", st->name);
        rc = sql.failed ? kc_error_set(err, KC_ENOMEM, "out of memory") : exec(t, sql.data, PGRES_COMMAND_OK, NULL, err);
        sql.len = 0;
    }
    st->used = 1;
    if (!rc) {
        strbuf_printf(&sql, "COPY pg_temp.%s (%s) FROM STDIN", st->name, st->cols);
        rc = sql.failed ? kc_error_set(err, KC_ENOMEM, "out of memory") : exec(t, sql.data, PGRES_COPY_IN, NULL, err);
    }
    strbuf_free(&sql);
    return rc ? NULL : st;
}

/* Sends the COPY data gathered in `data` and empties it. */
static int stage_send(task *t, strbuf *data, kc_error *err) {
    int rc = KC_OK;
    if (data->failed) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    else if (data->len && PQputCopyData(t->conn, data->data, (int)data->len) != 1)
        rc = kc_error_set(err, KC_ERETRY, "COPY: %s", PQerrorMessage(t->conn));
    data->len = 0;
    return rc;
}

/* Ends the COPY (aborting it when rc is an error already) and reads its result. */
static int stage_end(task *t, int rc, kc_error *err) {
    if (PQputCopyEnd(t->conn, rc ? "kcd: encoding failed" : NULL) != 1 && !rc)
        rc = kc_error_set(err, KC_ERETRY, "COPY: %s", PQerrorMessage(t->conn));
    PGresult *res;
    while ((res = PQgetResult(t->conn))) {
        if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK) rc = result_error(t, res, err);
        PQclear(res);
    }
    return rc;
}

/* Moves the staged rows into the table: INSERT (ON CONFLICT for upserts), UPDATE ... FROM,
 * or, for tombstones (r0 holds the key columns only), DELETE ... USING. */
static int stage_merge(task *t, table *tb, stage *st, const row *r0, kc_error *err) {
    size_t nc = r0->ncells, nk = key_count(r0);
    strbuf sql = {0};
    if (r0->tombstone) {
        strbuf_printf(&sql, "DELETE FROM %s AS t USING pg_temp.%s AS s WHERE ", tb->qname, st->name);
        pairs(t, &sql, r0, 0, nk, " AND ", "t.", " = s.");
    } else if (t->mode == MODE_UPDATE) {
        if (nk < nc) { /* else nothing to update but the key itself */
            strbuf_printf(&sql, "UPDATE %s AS t SET ", tb->qname);
            pairs(t, &sql, r0, nk, nc, ", ", "", " = s.");
            strbuf_printf(&sql, " FROM pg_temp.%s AS s WHERE ", st->name);
            pairs(t, &sql, r0, 0, nk, " AND ", "t.", " = s.");
        }
    } else {
        strbuf_printf(&sql, "INSERT INTO %s (%s) SELECT %s FROM pg_temp.%s", tb->qname, st->cols, st->cols, st->name);
        /* pk.mode=kafka: a row with the same topic, partition and offset is this very record,
         * written before a crash or a retry: replaying it changes nothing */
        if (t->mode == MODE_INSERT && t->pk_mode == PK_KAFKA) strbuf_puts(&sql, " ON CONFLICT DO NOTHING");
        if (t->mode == MODE_UPSERT) {
            strbuf_puts(&sql, " ON CONFLICT (");
            for (size_t c = 0; c < nk; c++) {
                if (c) strbuf_puts(&sql, ",");
                ident(t, &sql, r0->cells[c].name);
            }
            strbuf_puts(&sql, nk == nc ? ") DO NOTHING" : ") DO UPDATE SET ");
            pairs(t, &sql, r0, nk, nc, ", ", "", " = EXCLUDED.");
        }
    }
    int rc = KC_OK;
    if (sql.failed) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    else if (sql.len) rc = exec(t, sql.data, PGRES_COMMAND_OK, NULL, err);
    strbuf_free(&sql);
    return rc;
}

/* Appends a row's cells as one line of COPY text. */
static int encode_row(strbuf *b, const row *r, column *const *cols) {
    for (size_t c = 0; c < r->ncells; c++) {
        if (c) strbuf_append(b, "\t", 1);
        int rc = pg_copy_field(b, r->cells[c].value, cols[c]->type, host);
        if (rc) return rc;
    }
    strbuf_append(b, "\n", 1);
    return b->failed ? KC_ENOMEM : KC_OK;
}

/* Writes rows[0..n) (all of one table and one column list) inside the open transaction. */
static int write_run(task *t, row *rows, size_t n, kc_error *err) {
    table *tb = rows[0].tab;
    column **cols = run_columns(t, tb, &rows[0], err);
    if (!cols) return err->code;
    stage *st = stage_begin(t, tb, &rows[0], err);
    int rc = st ? KC_OK : err->code;
    if (st) {
        strbuf data = {0};
        for (size_t i = 0; i < n && !rc; i++) { /* sent to the server about every 256 kB */
            if (rows[i].skip) continue;
            if ((rc = encode_row(&data, &rows[i], cols)) == KC_ENOMEM) kc_error_set(err, rc, "out of memory");
            else if (rc) kc_error_set(err, rc, "%s", "a value cannot be encoded for COPY");
            if (!rc && data.len >= 256 * 1024) rc = stage_send(t, &data, err);
        }
        if (!rc) rc = stage_send(t, &data, err);
        strbuf_free(&data);
        rc = stage_end(t, rc, err);
        if (!rc) rc = stage_merge(t, tb, st, &rows[0], err);
    }
    free(cols);
    return rc;
}

/* DELETE of one tombstone's key. */
static int write_delete(task *t, row *r, kc_error *err) {
    table *tb = r->tab;
    if (!tb->ncols) return KC_OK; /* no table: nothing to delete */
    strbuf sql = {0};
    strbuf_printf(&sql, "DELETE FROM %s WHERE ", tb->qname);
    int rc = KC_OK;
    for (size_t c = 0; c < r->ncells && !rc; c++) {
        column *col = find_column(tb, r->cells[c].name, t->quote);
        if (!col) return kc_error_set(err, KC_EFATAL, "Table %s has no key column %s", tb->qname, r->cells[c].name);
        strbuf text = {0};
        rc = pg_value_text(&text, r->cells[c].value, col->type, host);
        char *lit = rc || text.failed ? NULL : PQescapeLiteral(t->conn, text.data ? text.data : "", text.len);
        if (!lit && !rc) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
        if (c) strbuf_puts(&sql, " AND ");
        ident(t, &sql, r->cells[c].name);
        strbuf_printf(&sql, " = %s", lit ? lit : "NULL");
        PQfreemem(lit);
        strbuf_free(&text);
    }
    if (!rc) rc = sql.failed ? kc_error_set(err, KC_ENOMEM, "out of memory") : exec(t, sql.data, PGRES_COMMAND_OK, NULL, err);
    strbuf_free(&sql);
    return rc;
}

/* ---- rows held across put() calls (buffer.max.ms > 0) ---------------------------------------- */

/* Held rows are kept per table in segments, each of one column list (or of tombstones), with one
 * COPY line per key: the last record's. A row joins the newest segment of its table with its
 * column list unless a later segment holds its key, so the order in which a key was written,
 * widened or deleted is kept while most rows fall into one segment. */
typedef struct held_row {
    char *text;        /* the key text, NUL, then the COPY line */
    uint32_t key_len, line_len;
    uint64_t hash;
} held_row;

typedef struct segment {
    struct segment *next;
    char *table_name;
    row tmpl;           /* the column list: cells named (names owned), without values */
    char **names;
    held_row *rows;
    size_t nrows, cap;
    uint64_t *index;    /* open addressing over rows: hash's top 32 bits << 32 | position + 1; 0 empty */
    size_t index_cap;
} segment;

static void segment_free(segment *sg) {
    for (size_t i = 0; i < sg->nrows; i++) free(sg->rows[i].text);
    for (size_t c = 0; c < sg->tmpl.ncells; c++) free(sg->names[c]);
    free(sg->names);
    free(sg->tmpl.cells);
    free(sg->rows);
    free(sg->index);
    free(sg->table_name);
    free(sg);
}

static void held_clear(task *t) {
    for (segment *sg = t->held, *n; sg; sg = n) {
        n = sg->next;
        segment_free(sg);
    }
    t->held = t->held_tail = NULL;
    t->held_rows = t->held_segments = 0;
    t->held_since = 0;
}

static segment *segment_new(task *t, const row *r0) {
    segment *sg = calloc(1, sizeof *sg);
    if (!sg) return NULL;
    sg->table_name = strdup(r0->tab->name);
    sg->tmpl.sig = r0->sig;
    sg->names = calloc(r0->ncells, sizeof *sg->names);
    sg->tmpl.cells = calloc(r0->ncells, sizeof *sg->tmpl.cells);
    int ok = sg->table_name && sg->names && sg->tmpl.cells;
    for (size_t c = 0; ok && c < r0->ncells; c++) {
        if (!(sg->names[c] = strdup(r0->cells[c].name))) ok = 0;
        else sg->tmpl.ncells++;
        sg->tmpl.cells[c] = r0->cells[c];
        sg->tmpl.cells[c].name = sg->names[c];
        sg->tmpl.cells[c].value = NULL;
        sg->tmpl.cells[c].schema = NULL;
    }
    sg->tmpl.tombstone = r0->tombstone;
    if (!ok) {
        segment_free(sg);
        return NULL;
    }
    if (t->held_tail) t->held_tail->next = sg;
    else t->held = sg;
    t->held_tail = sg;
    t->held_segments++;
    return sg;
}

/* The position of key in sg, or -1. */
static ssize_t segment_find(const segment *sg, const char *key, uint64_t h) {
    if (!sg->index_cap) return -1;
    for (size_t j = h & (sg->index_cap - 1);; j = (j + 1) & (sg->index_cap - 1)) {
        uint64_t e = sg->index[j];
        if (!e) return -1;
        if (e >> 32 != h >> 32) continue; /* most misses end here, without touching the row */
        size_t p = (uint32_t)e - 1;
        if (!strcmp(sg->rows[p].text, key)) return (ssize_t)p;
    }
}

static int segment_grow(segment *sg) {
    if (sg->nrows == sg->cap) {
        size_t ncap = sg->cap ? sg->cap * 2 : 256;
        held_row *r = realloc(sg->rows, ncap * sizeof *r);
        if (!r) return KC_ENOMEM;
        sg->rows = r;
        sg->cap = ncap;
    }
    if ((sg->nrows + 1) * 2 > sg->index_cap) { /* keep the index at most half full */
        size_t ncap = sg->index_cap ? sg->index_cap * 2 : 512;
        uint64_t *idx = calloc(ncap, sizeof *idx);
        if (!idx) return KC_ENOMEM;
        for (size_t i = 0; i < sg->nrows; i++) {
            uint64_t h = sg->rows[i].hash;
            size_t j = h & (ncap - 1);
            while (idx[j]) j = (j + 1) & (ncap - 1);
            idx[j] = (h >> 32 << 32) | (i + 1);
        }
        free(sg->index);
        sg->index = idx;
        sg->index_cap = ncap;
    }
    return KC_OK;
}

/* Holds one row's COPY line under its key, replacing the key's earlier line in sg. */
static int segment_put(task *t, segment *sg, const char *key, uint64_t h, const char *line, size_t len) {
    size_t klen = strlen(key);
    ssize_t at = segment_find(sg, key, h);
    held_row *hr;
    if (at >= 0) {
        hr = &sg->rows[at];
        if (hr->line_len < len) {
            char *grown = realloc(hr->text, klen + 1 + len);
            if (!grown) return KC_ENOMEM;
            hr->text = grown;
        }
    } else {
        if (segment_grow(sg)) return KC_ENOMEM;
        hr = &sg->rows[sg->nrows];
        if (!(hr->text = malloc(klen + 1 + len))) return KC_ENOMEM;
        memcpy(hr->text, key, klen + 1);
        hr->key_len = (uint32_t)klen;
        hr->hash = h;
        size_t j = h & (sg->index_cap - 1);
        while (sg->index[j]) j = (j + 1) & (sg->index_cap - 1);
        sg->index[j] = (h >> 32 << 32) | ++sg->nrows;
        t->held_rows++;
    }
    memcpy(hr->text + klen + 1, line, len);
    hr->line_len = (uint32_t)len;
    return KC_OK;
}

/* The segment a row goes into: the newest of its table with its column list, unless a later
 * segment of the table holds the key (then a new one at the end). */
static segment *segment_for(task *t, const row *r, uint64_t h) {
    segment *fit = NULL, *later_has_key = NULL;
    for (segment *sg = t->held; sg; sg = sg->next) {
        if (strcmp(sg->table_name, r->tab->name)) continue;
        if (same_columns(&sg->tmpl, r)) {
            fit = sg;
            later_has_key = NULL;
        } else if (fit && !later_has_key && segment_find(sg, r->key, h) >= 0) {
            later_has_key = sg;
        }
    }
    if (fit && !later_has_key) return fit;
    return segment_new(t, r);
}

/* Holds rows[0..n) (one table, one column list) until flush(). */
static int hold_run(task *t, row *rows, size_t n, kc_error *err) {
    table *tb = rows[0].tab;
    if (rows[0].tombstone && !tb->ncols) return KC_OK; /* no table: nothing to delete */
    column **cols = run_columns(t, tb, &rows[0], err);
    if (!cols) return err->code;
    strbuf line = {0};
    int rc = KC_OK;
    segment *sg = NULL;
    for (size_t i = 0; i < n && !rc; i++) {
        line.len = 0;
        if ((rc = encode_row(&line, &rows[i], cols))) {
            rc = rc == KC_ENOMEM ? kc_error_set(err, rc, "out of memory")
                                 : kc_error_set(err, rc, "%s", "a value cannot be encoded for COPY");
            break;
        }
        uint64_t h = rows[i].key_hash;
        if (sg && sg->index_cap && i + 4 < n) /* the index is a cache miss per row: ask for it early */
            __builtin_prefetch(&sg->index[rows[i + 4].key_hash & (sg->index_cap - 1)]);
        /* the newest segment of all stays right for the rest of its run; another is looked up */
        if (!sg || sg != t->held_tail) sg = segment_for(t, &rows[i], h);
        if (!sg || segment_put(t, sg, rows[i].key, h, line.data, line.len))
            rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    strbuf_free(&line);
    free(cols);
    return rc;
}

/* Writes every held row in one transaction, segment after segment. */
static int write_held(task *t, kc_error *err) {
    int rc = KC_OK;
    /* tables and staging tables exist before the transaction, so a rollback keeps them */
    for (segment *sg = t->held; sg && !rc; sg = sg->next) {
        table *tb = table_for(t, sg->table_name, err);
        if (!tb) return err->code;
        if (tb->ncols && !stage_for(t, tb, &sg->tmpl, err)) rc = err->code;
    }
    if (rc || exec(t, "BEGIN", PGRES_COMMAND_OK, NULL, err)) return rc ? rc : err->code;
    strbuf data = {0};
    for (segment *sg = t->held; sg && !rc; sg = sg->next) {
        table *tb = table_for(t, sg->table_name, err);
        if (!tb) {
            rc = err->code;
            break;
        }
        if (!tb->ncols) {
            if (sg->tmpl.tombstone) continue; /* the table is gone: nothing to delete */
            rc = kc_error_set(err, KC_EFATAL, "Table %s is missing", tb->qname);
            break;
        }
        stage *st = stage_begin(t, tb, &sg->tmpl, err);
        if (!st) {
            rc = err->code;
            break;
        }
        for (size_t i = 0; i < sg->nrows && !rc; i++) {
            const held_row *hr = &sg->rows[i];
            strbuf_append(&data, hr->text + hr->key_len + 1, hr->line_len);
            if (data.len >= 256 * 1024) rc = stage_send(t, &data, err);
        }
        if (!rc) rc = stage_send(t, &data, err);
        rc = stage_end(t, rc, err);
        if (!rc) rc = stage_merge(t, tb, st, &sg->tmpl, err);
    }
    strbuf_free(&data);
    if (!rc) rc = exec(t, "COMMIT", PGRES_COMMAND_OK, NULL, err);
    for (table *tb = t->tables; tb; tb = tb->next)
        for (stage *st = tb->stages; st; st = st->next) st->used = 0;
    if (rc) {
        kc_error ignored;
        if (PQstatus(t->conn) == CONNECTION_OK) exec(t, "ROLLBACK", PGRES_COMMAND_OK, NULL, &ignored);
    }
    return rc;
}

/* Marks all but the last row of each key in rows[0..n) as skipped (the last record wins). */
static void collapse_keys(row *rows, size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap *= 2;
    const char **seen = calloc(cap, sizeof *seen);
    if (!seen) return; /* then duplicates go to the server, which refuses them: retried */
    for (size_t i = n; i-- > 0;) {
        const char *k = rows[i].key;
        size_t h = (size_t)rows[i].key_hash;
        for (size_t j = h & (cap - 1);; j = (j + 1) & (cap - 1)) {
            if (!seen[j]) {
                seen[j] = k;
                break;
            }
            if (!strcmp(seen[j], k)) {
                rows[i].skip = 1;
                break;
            }
        }
    }
    free(seen);
}

/* Runs the statements of one run under a savepoint; a data error isolates its bad records,
 * which go to report_errant (the DLQ with errors.tolerance=all) while the others are written. */
static int write_run_isolating(task *t, row *rows, size_t n, kc_error *err) {
    if (exec(t, "SAVEPOINT kcd_run", PGRES_COMMAND_OK, NULL, err)) return err->code;
    int rc = rows[0].tombstone ? write_delete(t, &rows[0], err) : write_run(t, rows, n, err);
    if (rc != KC_EINVAL) return rc;
    if (exec(t, "ROLLBACK TO SAVEPOINT kcd_run", PGRES_COMMAND_OK, NULL, err)) return err->code;
    host->log(t->ctx, KC_LOG_WARN, "A batch of %zu rows for %s failed (%s); writing them one by one", n,
              rows[0].tab->qname, err->msg);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].skip) continue;
        if (exec(t, "SAVEPOINT kcd_row", PGRES_COMMAND_OK, NULL, err)) return err->code;
        rc = rows[i].tombstone ? write_delete(t, &rows[i], err) : write_run(t, &rows[i], 1, err);
        if (rc != KC_EINVAL) {
            if (rc) return rc;
            continue;
        }
        char msg[KC_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        if (exec(t, "ROLLBACK TO SAVEPOINT kcd_row", PGRES_COMMAND_OK, NULL, err)) return err->code;
        kc_record *rec = rows[i].rec;
        if (host->report_errant(t->ctx, rec, msg) != KC_OK)
            return kc_error_set(err, KC_EFATAL, "record topic=%s partition=%d offset=%lld cannot be written to %s: %s",
                                rec->topic, (int)rec->partition, (long long)rec->offset, rows[i].tab->qname, msg);
    }
    return KC_OK;
}

static int same_run(const row *a, const row *b) {
    return a->tab == b->tab && !a->tombstone && !b->tombstone && same_columns(a, b);
}

/* The end of the run that starts at rows[i]: rows of one table and column list, at most max. */
static size_t run_end(const row *rows, size_t i, size_t n, size_t max) {
    size_t j = i + 1;
    while (j < n && j - i < max && same_run(&rows[i], &rows[j])) j++;
    return j;
}

/* DDL first, in autocommit: tables, columns and staging tables exist before the data's
 * transaction, so its rollbacks never take them away. */
static int prepare_runs(task *t, row *rows, size_t n, kc_error *err) {
    int rc = KC_OK;
    for (size_t i = 0; i < n && !rc;) {
        size_t j = run_end(rows, i, n, SIZE_MAX);
        if (!rows[i].tombstone) {
            rc = ensure_columns(t, rows[i].tab, rows + i, j - i, err);
            if (!rc && !stage_for(t, rows[i].tab, &rows[i], err)) rc = err->code;
        }
        i = j;
    }
    return rc;
}

/* buffer.max.ms: the rows of a put() join the held ones; flush() writes them. */
static int hold_rows(task *t, row *rows, size_t n, kc_error *err) {
    int rc = prepare_runs(t, rows, n, err);
    for (size_t i = 0; i < n && !rc;) {
        size_t j = run_end(rows, i, n, SIZE_MAX);
        rc = hold_run(t, rows + i, j - i, err);
        i = j;
    }
    return rc;
}

enum { MAX_ROW_KINDS = 64 }; /* more column lists than this in one put(): its rows keep their order */

/* Groups rows[0..n) by table and column list when no key repeats in them (pg_group_by_kind). */
static void group_rows(row *rows, size_t n) {
    unsigned *kind = malloc(n * sizeof *kind);
    const char **keys = malloc(n * sizeof *keys);
    size_t *order = malloc(n * sizeof *order);
    row *moved = malloc(n * sizeof *moved);
    const row *first[MAX_ROW_KINDS];
    unsigned nkinds = 0;
    int ok = kind && keys && order && moved; /* out of memory: the order stays, only slower */
    for (size_t i = 0; i < n && ok; i++) {
        unsigned k = 0;
        while (k < nkinds && !(first[k]->tab == rows[i].tab && same_columns(first[k], &rows[i]))) k++;
        if (k == nkinds) {
            if (nkinds == MAX_ROW_KINDS) ok = 0;
            else first[nkinds++] = &rows[i];
        }
        kind[i] = k;
        keys[i] = rows[i].key;
    }
    if (ok && pg_group_by_kind(n, kind, nkinds, keys, order) == 1) {
        for (size_t i = 0; i < n; i++) moved[i] = rows[order[i]];
        memcpy(rows, moved, n * sizeof *rows);
    }
    free(kind);
    free(keys);
    free(order);
    free(moved);
}

/* One transaction for the whole put(). */
static int write_rows(task *t, row *rows, size_t n, kc_error *err) {
    group_rows(rows, n);
    int rc = prepare_runs(t, rows, n, err);
    if (rc) return rc;
    if (exec(t, "BEGIN", PGRES_COMMAND_OK, NULL, err)) return err->code;
    for (size_t i = 0; i < n && !rc;) {
        size_t j = run_end(rows, i, n, (size_t)t->batch_size);
        if (t->mode != MODE_INSERT && !rows[i].tombstone) collapse_keys(rows + i, j - i);
        rc = write_run_isolating(t, rows + i, j - i, err);
        i = j;
    }
    if (!rc) rc = exec(t, "COMMIT", PGRES_COMMAND_OK, NULL, err);
    for (table *tb = t->tables; tb; tb = tb->next) /* committed or rolled back: the stages are empty */
        for (stage *st = tb->stages; st; st = st->next) st->used = 0;
    if (rc) {
        kc_error ignored;
        if (PQstatus(t->conn) == CONNECTION_OK) exec(t, "ROLLBACK", PGRES_COMMAND_OK, NULL, &ignored);
    }
    return rc;
}

/* ---- task --------------------------------------------------------------------------------- */

static void task_stop(void *state);

static int task_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    task *t = calloc(1, sizeof *t);
    if (!t || host->config_copy(&t->cfg, cfg)) {
        free(t);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    t->ctx = ctx;
    cfg = &t->cfg;
    char *dropped = NULL;
    int rc = pg_url_from_jdbc(host->config_get(cfg, "connection.url"), &t->conninfo, &dropped, err);
    if (rc) {
        task_stop(t);
        return rc;
    }
    if (dropped && *dropped)
        host->log(ctx, KC_LOG_WARN, "connection.url parameters libpq does not know were left out: %s", dropped);
    free(dropped);
    t->user = (char *)host->config_get(cfg, "connection.user");
    t->password = (char *)host->config_get(cfg, "connection.password");
    t->tz = (char *)host->config_get(cfg, "db.timezone");
    t->mode = enum_index(host->config_get(cfg, "insert.mode"), insert_modes);
    t->pk_mode = enum_index(host->config_get(cfg, "pk.mode"), pk_modes);
    t->quote = enum_index(host->config_get(cfg, "quote.sql.identifiers"), quote_modes) == 0;
    t->table_format = host->config_get(cfg, "table.name.format");
    host->config_get_bool(cfg, "delete.enabled", &t->delete_enabled);
    host->config_get_bool(cfg, "auto.create", &t->auto_create);
    host->config_get_bool(cfg, "auto.evolve", &t->auto_evolve);
    t->batch_size = 3000, t->attempts = 3, t->backoff_ms = 10000, t->max_retries = 10, t->retry_backoff_ms = 3000;
    host->config_get_long(cfg, "batch.size", &t->batch_size);
    host->config_get_long(cfg, "connection.attempts", &t->attempts);
    host->config_get_long(cfg, "connection.backoff.ms", &t->backoff_ms);
    host->config_get_long(cfg, "max.retries", &t->max_retries);
    host->config_get_long(cfg, "retry.backoff.ms", &t->retry_backoff_ms);
    t->buffer_rows = 200000;
    /* holding is safe (offsets move only past rows flush() committed) and several times faster,
     * so it is the default wherever rows have a key to be held by */
    t->buffer_ms = t->mode == MODE_INSERT ? 0 : BUFFER_MS_DEFAULT;
    host->config_get_long(cfg, "buffer.max.ms", &t->buffer_ms);
    host->config_get_long(cfg, "buffer.max.rows", &t->buffer_rows);
    if (t->buffer_ms > 0 && host->size < offsetof(kc_host_api, request_commit) + sizeof host->request_commit) {
        task_stop(t);
        return kc_error_set(err, KC_EFATAL, "buffer.max.ms needs a worker with ABI 1.3 (request_commit)");
    }
    if (!t->tz) t->tz = "UTC";
    if (!t->table_format) t->table_format = "${topic}";
    if (split_list(host->config_get(cfg, "pk.fields"), &t->pk_fields, &t->npk_fields) ||
        split_list(host->config_get(cfg, "fields.whitelist"), &t->whitelist, &t->nwhitelist)) {
        task_stop(t);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    /* connect now so a wrong URL or password fails the task at once, with the server's words */
    if ((rc = connect_db(t, err))) {
        task_stop(t);
        return rc;
    }
    *state = t;
    return KC_OK;
}

/* KC_ERETRY after a backoff (the connection dropped when it broke), until max.retries
 * failures in a row make it fatal; KC_OK resets the count. */
static int retry_or_fail(task *t, int rc, kc_error *err) {
    if (rc == KC_OK) t->retries = 0;
    if (rc != KC_ERETRY) return rc;
    if (t->conn && PQstatus(t->conn) != CONNECTION_OK) disconnect(t);
    if (++t->retries > t->max_retries) {
        char msg[KC_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return kc_error_set(err, KC_EOUTAGE, "giving up after %lld retries (max.retries): %s", (long long)t->max_retries,
                            msg);
    }
    host->log(t->ctx, KC_LOG_WARN, "Write failed, retry %lld of %lld in %lld ms: %s", (long long)t->retries,
              (long long)t->max_retries, (long long)t->retry_backoff_ms, err->msg);
    backoff_or_stop(t, t->retry_backoff_ms); /* stopping: the batch is not committed, so not lost */
    return KC_ERETRY;
}

static int task_put(void *state, kc_record *const *records, size_t n, kc_error *err) {
    task *t = state;
    row *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows) return kc_error_set(err, KC_ERETRY, "out of memory");
    int rc = n ? connect_db(t, err) : KC_OK;
    size_t nrows = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        kc_error rerr;
        int brc = build_row(t, records[i], &rows[nrows], &rerr);
        if (brc == KC_OK) {
            nrows++;
        } else if (brc == KC_DROP) {
            row_free(&rows[nrows]);
            if (!t->warned_tombstone++)
                host->log(t->ctx, KC_LOG_INFO, "Tombstones are skipped (delete.enabled=false), first at topic=%s "
                          "partition=%d offset=%lld", records[i]->topic, (int)records[i]->partition,
                          (long long)records[i]->offset);
        } else if (brc == KC_EINVAL) { /* this record cannot be a row: errors.tolerance decides */
            row_free(&rows[nrows]);
            rc = report_or_fail(t->ctx, records[i], rerr.msg, err);
        } else {
            row_free(&rows[nrows]);
            rc = kc_error_set(err, brc, "%s", rerr.msg);
        }
    }
    int hold = t->buffer_ms > 0 && !t->isolate;
    if (!rc && nrows) rc = hold ? hold_rows(t, rows, nrows, err) : write_rows(t, rows, nrows, err);
    for (size_t i = 0; i < nrows; i++) row_free(&rows[i]);
    free(rows);
    if (rc == KC_OK && t->buffer_ms > 0) { /* bound what is held: ask the worker to flush() soon */
        int64_t now = monotonic_ms();
        if (!t->held_since && (t->held_rows || t->isolate)) t->held_since = now;
        /* n == 0: the topics went quiet, nothing more to collapse: write now rather than late */
        if (t->held_since && (n == 0 || now - t->held_since >= t->buffer_ms ||
                              t->held_rows >= (size_t)t->buffer_rows || t->held_segments >= MAX_HELD_SEGMENTS))
            host->request_commit(t->ctx);
    }
    return retry_or_fail(t, rc, err);
}

/* Writes the held rows (buffer.max.ms); put() wrote everything else before returning. */
static int task_flush(void *state, const kc_topic_partition_offset *offsets, size_t n, kc_error *err) {
    task *t = state;
    (void)offsets, (void)n;
    if (!t->held) {
        t->isolate = 0; /* the window written put() by put() is committed: hold again */
        t->held_since = 0;
        return KC_OK;
    }
    size_t rows = t->held_rows, segments = t->held_segments;
    int64_t started = monotonic_ms();
    int rc = connect_db(t, err);
    if (!rc) rc = write_held(t, err);
    /* written or not, the held rows go: on failure the worker rewinds to the committed offsets
     * and put() sees the records again */
    held_clear(t);
    if (rc == KC_OK) {
        host->log(t->ctx, KC_LOG_DEBUG, "Wrote %zu held rows in %zu segments in %lld ms", rows, segments,
                  (long long)(monotonic_ms() - started));
        t->isolate = 0;
    } else if (rc == KC_EINVAL) {
        /* a row was refused: the records come again and are written put() by put(), where the
         * bad one goes through errors.tolerance with the database's message */
        host->log(t->ctx, KC_LOG_WARN, "%zu held rows were refused (%s); writing the records again put() by put() "
                  "to find the bad one", rows, err->msg);
        t->isolate = 1;
        char msg[KC_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return kc_error_set(err, KC_ERETRY, "held rows refused: %s", msg);
    }
    return retry_or_fail(t, rc, err);
}

/* Partitions taken away: after a normal revocation flush() has written everything already; after
 * lost ones it has not, and their next owner reads from the committed offsets, so rows still
 * held (from records whose offsets were never committed) are dropped rather than written late
 * over newer ones. */
static int task_close(void *state, const kc_topic_partition *tps, size_t n, kc_error *err) {
    (void)tps, (void)n, (void)err;
    task *t = state;
    if (t->held)
        host->log(t->ctx, KC_LOG_INFO, "Dropping %zu held rows of partitions no longer assigned", t->held_rows);
    held_clear(t);
    return KC_OK;
}

static void task_stop(void *state) {
    task *t = state;
    if (!t) return;
    held_clear(t); /* not flushed: their offsets were not committed either */
    disconnect(t);
    free(t->last_topic);
    free(t->conninfo);
    free_list(t->pk_fields, t->npk_fields);
    free_list(t->whitelist, t->nwhitelist);
    host->config_free(&t->cfg);
    free(t);
}

static int plugin_init(const kc_host_api *h, kc_error *err) {
    if (errant_host_check(h, "postgres-sink", err)) return err->code;
    host = h;
    return KC_OK;
}

static const kc_connector_ops connector_ops = {validate, config_connector_start, config_connector_task_configs, config_connector_stop};
static const kc_sink_task_ops task_ops = {task_start, NULL, task_close, task_put, task_flush, task_stop};

static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER,
    KC_PLUGIN_SINK,
    "postgres-sink",
    "1.0.0",
    "Writes records to PostgreSQL tables with the JDBC sink's settings: insert, upsert or update, "
    "tables created and widened from the records",
    (const char *const[]){"io.confluent.connect.jdbc.JdbcSinkConnector", "io.kcd.connect.postgres.PostgresSinkConnector",
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
