/* distributed_herder.c - the distributed herder (kc_distributed.h). */
#define _GNU_SOURCE
#include "kc_distributed.h"
#include "kc_sink_offsets.h"
#include "kc_group_security.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kc_buf.h"
#include "kc_config_store.h"
#include "kc_converter_int.h"
#include "kc_value_int.h"
#include "kc_lifecycle.h"
#include "kc_log.h"
#include "kc_member.h"
#include "kc_offset_topic.h"
#include "kc_request_signature.h"
#include "kc_status_store.h"
#include "kc_topic_log.h"

#define LOGGER "DistributedHerder"
/* How often what runs is compared with what should (task states become statuses this often). */
#define RECONCILE_MS 500
/* How long a task-config publish or a fencing request that failed waits before it is tried again. */
#define LEADER_RETRY_MS 2000

/* What this worker runs of one connector: the instance, some task slots, or both. */
/* The last status record written for a task slot: its state (kc_state; -1 none) and the
 * problem_seq of the trace a RUNNING task carried. */
typedef struct slot_status {
    int state;
    int problem_seq;
} slot_status;

typedef struct local_conn {
    char *name;
    json_t *props;         /* the connector config it was built from (the config topic's) */
    kc_connector *c;       /* NULL when props did not check: problem says why */
    char problem[1024];
    int instance_running;
    int publish;           /* the instance must (re)publish its task configs */
    int64_t publish_after; /* kc_now_ms: a failed publish waits this long before it is tried again */
    int64_t fence_after;   /* kc_now_ms: the same for a failed fencing request */
    int nslots;
    json_t *slot_cfgs;     /* array: the config each running slot started with, null when idle */
    int inst_written;      /* last status written for the instance (kc_state), -1 none */
    slot_status *slot_written;
} local_conn;

/* A copy of one connector's entry of the config topic. */
typedef struct conn_view {
    json_t *props;  /* NULL: deleted or never configured */
    json_t *tasks;  /* committed task configs */
    kc_target_state target;
    int inconsistent;
    int pending_fencing;       /* exactly-once: task configs committed since the last tasks-fencing record */
    int64_t fenced_task_count; /* -1: no tasks-fencing record */
    int64_t task_generation;
} conn_view;

typedef struct dherder {
    kc_worker *w;
    kc_herder *h;
    char url[320];
    const char *worker_id;
    kc_config_store *cs;
    kc_status_store *ss;
    kc_member *m;
    pthread_mutex_t lock; /* locals, assigned, leader_url, generation, version */
    local_conn **locals;
    size_t nlocals, cap;
    kc_work_list assigned;
    char *leader_url;
    int32_t generation;
    int16_t version;
    int joined; /* an assignment was applied once (atomics): startup is done */
    int64_t key_ttl_ms, sync_timeout_ms;
    int eos;            /* exactly.once.source.support=enabled: source tasks start after zombie fencing */
    /* the leader's snapshot (member thread only) */
    kc_assignor_connector *snap;
    char **snap_names;
    size_t nsnap;
    /* the reconcile thread */
    pthread_t thread;
    int thread_started;
    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    int woken, stopping;
    kc_status_put *puts; /* statuses to write this round */
    size_t nputs, puts_cap;
    char **put_strings;  /* what puts point to, freed after the round */
    size_t nstrings, strings_cap;
    kc_strlist configured; /* connectors with a config, as the config store's thread last saw them */
} dherder;

static void wake(dherder *d) {
    pthread_mutex_lock(&d->wake_lock);
    d->woken = 1;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->wake_lock);
}

static int is_leader_locked(dherder *d) { return d->leader_url && !strcmp(d->leader_url, d->url); }

/* ---- the config topic, read ---------------------------------------------------------------- */

typedef struct view_call {
    const char *name;
    conn_view *out;
} view_call;

static void view_fn(void *opaque, const kc_config_log *state) {
    view_call *v = opaque;
    const kc_cfg_connector *c = kc_config_log_find(state, v->name);
    memset(v->out, 0, sizeof *v->out);
    if (!c) return;
    v->out->props = c->config ? json_deep_copy(c->config) : NULL;
    v->out->tasks = json_deep_copy(c->tasks ? c->tasks : json_array());
    kc_target_parse(kc_config_log_target(c), &v->out->target);
    v->out->inconsistent = c->inconsistent;
    v->out->pending_fencing = c->pending_fencing;
    v->out->fenced_task_count = c->fenced_task_count;
    v->out->task_generation = c->task_generation;
}

static void view_get(dherder *d, const char *name, conn_view *out) {
    view_call v = {name, out};
    kc_config_store_read(d->cs, view_fn, &v);
    if (!out->tasks) out->tasks = json_array();
}

static void view_clear(conn_view *v) {
    json_decref(v->props);
    json_decref(v->tasks);
    memset(v, 0, sizeof *v);
}

static void names_fn(void *opaque, const kc_config_log *state) {
    json_t *a = opaque;
    for (size_t i = 0; i < state->len; i++)
        if (state->items[i].config) json_array_append_new(a, json_string(state->items[i].name));
}

/* Names of the configured connectors (a new reference). */
static json_t *configured(dherder *d) {
    json_t *a = json_array();
    if (a) kc_config_store_read(d->cs, names_fn, a);
    return a;
}

typedef struct key_call {
    uint8_t *key;
    size_t len;
    int64_t created_ms;
} key_call;

static void key_fn(void *opaque, const kc_config_log *state) {
    key_call *k = opaque;
    if (!state->session_key) return;
    k->created_ms = state->session_created_ms;
    if (kc_base64_decode(state->session_key, strlen(state->session_key), &k->key, &k->len)) k->key = NULL;
}

static int64_t config_offset_fn(void *opaque);

/* ---- statuses ------------------------------------------------------------------------------ */

static const char *keep_string(dherder *d, const char *s) {
    if (!s) return NULL;
    if (d->nstrings == d->strings_cap) {
        size_t cap = d->strings_cap ? d->strings_cap * 2 : 16;
        char **n = realloc(d->put_strings, cap * sizeof *n);
        if (!n) return NULL;
        d->put_strings = n, d->strings_cap = cap;
    }
    char *copy = strdup(s);
    if (copy) d->put_strings[d->nstrings++] = copy;
    return copy;
}

/* Queues a status for this round (state NULL: a tombstone). */
static void status_queue(dherder *d, const char *conn, int32_t task, const char *state, const char *trace, int safe) {
    if (d->nputs == d->puts_cap) {
        size_t cap = d->puts_cap ? d->puts_cap * 2 : 16;
        kc_status_put *n = realloc(d->puts, cap * sizeof *n);
        if (!n) return; /* written the next round: the last-written marks stay behind */
        d->puts = n, d->puts_cap = cap;
    }
    const char *c = keep_string(d, conn), *t = trace && *trace ? keep_string(d, trace) : NULL;
    if (c) d->puts[d->nputs++] = (kc_status_put){c, task, state, t, safe};
}

static void status_flush(dherder *d) {
    kc_error err;
    if (d->nputs && kc_status_store_put_many(d->ss, d->puts, d->nputs, d->worker_id, d->generation, &err))
        KC_WARN(LOGGER, "Writing %zu status(es) to the status topic: %s", d->nputs, err.msg);
    for (size_t i = 0; i < d->nstrings; i++) free(d->put_strings[i]);
    d->nstrings = d->nputs = 0;
}

/* ---- local connectors ---------------------------------------------------------------------- */

static local_conn *local_find(dherder *d, const char *name) {
    for (size_t i = 0; i < d->nlocals; i++)
        if (!strcmp(d->locals[i]->name, name)) return d->locals[i];
    return NULL;
}

/* A connector's shell from its config on the topic: checked as a PUT checks it, providers resolved. */
static local_conn *local_new(dherder *d, const char *name, const json_t *props, kc_target_state target) {
    if (d->nlocals == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        local_conn **n = realloc(d->locals, cap * sizeof *n);
        if (!n) return NULL;
        d->locals = n, d->cap = cap;
    }
    local_conn *lc = calloc(1, sizeof *lc);
    if (!lc || !(lc->name = strdup(name)) || !(lc->slot_cfgs = json_array())) {
        if (lc) free(lc->name);
        free(lc);
        return NULL;
    }
    lc->props = json_deep_copy(props);
    lc->inst_written = -1;
    kc_config raw = {0}, cfg = {0};
    kc_resolved resolved = {0};
    kc_strlist problems = {0}, warnings = {0};
    const kc_plugin *plugin = NULL;
    kc_error err;
    if (kc_config_from_json(props, &raw, 0, &err) || kc_config_copy(&cfg, &raw)) {
        snprintf(lc->problem, sizeof lc->problem, "%s", err.code ? err.msg : "out of memory");
    } else {
        kc_connector_config_check(d->w, &cfg, &plugin, &resolved, &problems, &warnings);
        if (kc_problems_found(&problems))
            snprintf(lc->problem, sizeof lc->problem, "Connector configuration is invalid: %s",
                     problems.len ? problems.items[0] : "out of memory");
        else if (kc_log_secrets_add(&resolved.secrets))
            snprintf(lc->problem, sizeof lc->problem, "out of memory");
        else if (!(lc->c = kc_connector_new(d->w, name, plugin, target)))
            kc_log_secrets_remove(&resolved.secrets), snprintf(lc->problem, sizeof lc->problem, "out of memory");
    }
    if (lc->c) {
        lc->c->raw = raw, lc->c->config = cfg, lc->c->resolved = resolved;
    } else {
        kc_config_free(&raw);
        kc_config_free(&cfg);
        kc_resolved_free(&resolved);
    }
    kc_strlist_free(&problems);
    kc_strlist_free(&warnings);
    d->locals[d->nlocals++] = lc;
    return lc;
}

/* Stops slot i, queueing its status (UNASSIGNED unless `state` says otherwise). */
static void slot_halt(dherder *d, local_conn *lc, int i, const char *state) {
    if (!lc->c || i >= lc->nslots || !kc_task_running(lc->c, i)) return;
    if (kc_task_halt(lc->c, i)) KC_ERROR(LOGGER, "Task %s-%d did not stop in time", lc->name, i);
    json_array_set_new(lc->slot_cfgs, (size_t)i, json_null());
    status_queue(d, lc->name, i, state, NULL, 1);
    lc->slot_written[i].state = -1;
}

static void instance_halt(dherder *d, local_conn *lc, const char *state) {
    if (lc->c && lc->instance_running) {
        kc_connector_stop_instance(lc->c);
        lc->instance_running = 0;
        status_queue(d, lc->name, -1, state, NULL, 1);
    }
    lc->inst_written = -1;
}

/* Stops everything of lc and frees it (removed from the table). */
static void local_drop(dherder *d, local_conn *lc, const char *state) {
    int stuck = 0;
    for (int i = 0; i < lc->nslots; i++) {
        if (lc->c && kc_task_running(lc->c, i) && kc_task_halt(lc->c, i)) stuck = 1;
        else if (lc->c && lc->slot_written[i].state >= 0) status_queue(d, lc->name, i, state, NULL, 1);
    }
    if (lc->c && lc->instance_running) {
        kc_connector_stop_instance(lc->c);
        status_queue(d, lc->name, -1, state, NULL, 1);
    }
    for (size_t i = 0; i < d->nlocals; i++)
        if (d->locals[i] == lc) d->locals[i] = d->locals[--d->nlocals];
    if (lc->c && !stuck) {
        free(lc->c->tasks);
        lc->c->tasks = NULL;
        lc->c->ntasks = 0;
        kc_connector_free(lc->c);
    } else if (lc->c) {
        KC_ERROR(LOGGER, "A task of %s would not stop: its memory is kept", lc->name);
    }
    json_decref(lc->props);
    json_decref(lc->slot_cfgs);
    free(lc->slot_written);
    free(lc->name);
    free(lc);
}

/* Gives lc n idle slots; the running ones stop first. */
static int local_slots(dherder *d, local_conn *lc, int n) {
    for (int i = 0; i < lc->nslots; i++) slot_halt(d, lc, i, "UNASSIGNED");
    kc_error err;
    slot_status *written = calloc(n > 0 ? (size_t)n : 1, sizeof *written);
    if (!written || kc_connector_task_slots(lc->c, n, &err)) {
        free(written);
        return -1;
    }
    free(lc->slot_written);
    lc->slot_written = written;
    for (int i = 0; i < n; i++) written[i].state = -1;
    json_array_clear(lc->slot_cfgs);
    for (int i = 0; i < n; i++) json_array_append_new(lc->slot_cfgs, json_null());
    lc->nslots = n;
    return 0;
}

/* ---- task configs, published ----------------------------------------------------------------- */

/* The task configs the instance generates, as the config topic keeps them: a value a provider
 * filled in goes back to the reference the user wrote (Connect's reverse transform), so no
 * secret reaches the topic. NULL on failure (err filled). */
static json_t *generated_task_configs(local_conn *lc, kc_error *err) {
    kc_config *cfgs = NULL;
    int n = 0;
    if (kc_connector_task_configs(lc->c, &cfgs, &n, err)) return NULL;
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++) {
        json_t *o = json_object();
        for (size_t k = 0; o && k < cfgs[i].len; k++) {
            const char *key = cfgs[i].items[k].key, *v = cfgs[i].items[k].value;
            if (kc_strlist_has(&lc->c->resolved.keys, key)) v = kc_config_get(&lc->c->raw, key);
            json_object_set_new(o, key, v ? json_string(v) : json_null());
        }
        json_array_append_new(a, o);
    }
    for (int i = 0; i < n; i++) kc_config_free(&cfgs[i]);
    free(cfgs);
    /* Connect's worker adds the task's class to every task config and a Java worker taking
     * over starts the task from it */
    char task_class[512];
    kc_plugin_task_class(lc->c->plugin, task_class, sizeof task_class);
    size_t i;
    json_t *o;
    json_array_foreach(a, i, o) if (!json_object_get(o, "task.class"))
        json_object_set_new(o, "task.class", json_string(task_class));
    if (!a) kc_error_set(err, KC_ENOMEM, "out of memory");
    return a;
}

/* The leader writes a connector's task configs: task-NAME-N records, then the commit. */
static int write_task_configs(dherder *d, const char *name, const json_t *configs, kc_error *err) {
    size_t n = json_array_size(configs);
    char **keys = calloc(n + 1, sizeof *keys), **values = calloc(n + 1, sizeof *values);
    int rc = keys && values ? KC_OK : kc_error_set(err, KC_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        if (asprintf(&keys[i], "task-%s-%zu", name, i) < 0) keys[i] = NULL;
        values[i] = kc_config_log_properties_value(json_array_get(configs, i));
        if (!keys[i] || !values[i]) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    if (!rc && (asprintf(&keys[n], "commit-%s", name) < 0 || !(values[n] = kc_config_log_commit_value((int)n))))
        rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    if (!rc)
        rc = kc_config_store_write_privileged(d->cs, (const char *const *)keys, (const char *const *)values, n + 1, err);
    for (size_t i = 0; keys && values && i <= n; i++) {
        free(keys[i]);
        free(values[i]);
    }
    free(keys);
    free(values);
    if (!rc) KC_INFO(LOGGER, "Wrote %zu task config(s) of connector %s", n, name);
    return rc;
}

typedef struct http_answer {
    kc_buf body;
} http_answer;

static size_t collect(char *p, size_t size, size_t n, void *opaque) {
    http_answer *a = opaque;
    if (a->body.len < 65536) kc_buf_append(&a->body, p, size * n);
    return size * n;
}

/* One request to another worker; *status its HTTP status (0 when none came). The body is
 * signed with the session key when key is given. */
static int http_request(const char *method, const char *url, const char *body, const uint8_t *key, size_t key_len,
                        long *status, kc_buf *answer) {
    CURL *curl = curl_easy_init();
    if (!curl) return -1;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    char *sig = key ? kc_request_sign(key, key_len, body, body ? strlen(body) : 0) : NULL;
    char line[512];
    if (sig) {
        snprintf(line, sizeof line, "%s: %s", KC_SIGNATURE_HEADER, sig);
        headers = curl_slist_append(headers, line);
        snprintf(line, sizeof line, "%s: %s", KC_SIGNATURE_ALGORITHM_HEADER, KC_SIGNATURE_ALGORITHM);
        headers = curl_slist_append(headers, line);
    }
    http_answer a = {KC_BUF_INIT};
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
    CURLcode cc = curl_easy_perform(curl);
    *status = 0;
    if (cc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    free(sig);
    kc_buf_putc(&a.body, '\0');
    if (answer) *answer = a.body;
    else kc_buf_free(&a.body);
    return cc == CURLE_OK ? 0 : -1;
}

/* A worker's URL without its trailing slashes (Connect advertises "http://host:port/"). */
static int base_len(const char *url) {
    size_t n = strlen(url);
    while (n && url[n - 1] == '/') n--;
    return (int)n;
}

/* A path segment percent-encoded (connector names may hold anything). */
static void put_segment(kc_buf *b, const char *s) {
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch))
            kc_buf_putc(b, (char)ch);
        else
            kc_buf_printf(b, "%%%02X", ch);
    }
}

/* A follower's internal request to the leader, signed with the session key under the sessioned
 * protocol: METHOD <leader>/connectors/NAME/ROUTE?forward=true. `what` names it in the warning. */
static int leader_request(dherder *d, const char *leader, int16_t version, const char *method, const char *name,
                          const char *route, const char *body, const char *what) {
    key_call k = {0};
    if (version >= 2) kc_config_store_read(d->cs, key_fn, &k);
    kc_buf url = KC_BUF_INIT;
    kc_buf_printf(&url, "%.*s/connectors/", base_len(leader), leader);
    put_segment(&url, name);
    kc_buf_printf(&url, "/%s?forward=true", route);
    long status = 0;
    kc_buf answer = KC_BUF_INIT;
    int rc = !url.failed && (version < 2 || k.key) ? http_request(method, url.data, body, k.key, k.len, &status, &answer)
                                                   : -1;
    if (rc || status / 100 != 2)
        KC_WARN(LOGGER, "%s %s, asking the leader %s: %s%.300s", what, name, leader,
                rc ? (version >= 2 && !k.key ? "no session key read yet" : "no answer") : "refused: ",
                rc ? "" : answer.data ? answer.data : "");
    kc_buf_free(&answer);
    kc_buf_free(&url);
    free(k.key);
    return rc || status / 100 != 2 ? -1 : 0;
}

/* A follower sends the task configs to the leader (POST /connectors/NAME/tasks). */
static int send_task_configs(dherder *d, const char *leader, int16_t version, const char *name, const json_t *configs) {
    char *body = json_dumps(configs, JSON_COMPACT);
    int rc = body ? leader_request(d, leader, version, "POST", name, "tasks", body, "Sending the task configs of") : -1;
    free(body);
    return rc;
}

/* ---- exactly-once sources: zombie fencing (KIP-618) ------------------------------------------ */

/* The leader fences the producers of a connector's earlier task generation, then writes
 * tasks-fencing-NAME with the new task count (DistributedHerder.fenceZombieSourceTasks). Until
 * that record follows the last commit, no task of the connector starts with exactly-once. */
static int fence_zombies(dherder *d, const char *name, kc_error *err) {
    if (kc_config_store_sync(d->cs, 30000, err)) return err->code;
    conn_view v;
    view_get(d, name, &v);
    int exists = v.props != NULL, pending = v.pending_fencing;
    int64_t before = v.fenced_task_count, now = (int64_t)json_array_size(v.tasks), generation = v.task_generation;
    view_clear(&v);
    if (!exists) return kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    if (!pending) return KC_OK;
    /* as Java: with no record no task ran transactionally; from one task to one, the new task's own
     * transactional id (the same) fences the old one as it starts */
    if (before > 0 && !(before == 1 && now == 1)) {
        for (int64_t i = 0; i < before; i++) {
            char txid[600];
            kc_task_transactional_id(d->w, name, (int)i, txid, sizeof txid);
            if (kc_topic_log_fence(d->w, txid, 60000, err)) return err->code;
        }
        KC_INFO(LOGGER, "Fenced the producers of %lld earlier task(s) of %s", (long long)before, name);
    }
    if (kc_config_store_sync(d->cs, 30000, err)) return err->code;
    view_get(d, name, &v);
    int moved = v.task_generation != generation;
    view_clear(&v);
    if (moved)
        return kc_error_set(err, KC_ECONFLICT, "Failed to fence out zombie tasks for connector %s; task configs have "
                                               "been updated concurrently", name);
    char *key = NULL, *value = kc_config_log_fencing_value((int)now);
    if (asprintf(&key, "tasks-fencing-%s", name) < 0) key = NULL;
    const char *keys[] = {key}, *values[] = {value};
    int rc = key && value ? kc_config_store_write_privileged(d->cs, keys, values, 1, err)
                          : kc_error_set(err, KC_ENOMEM, "out of memory");
    if (!rc) rc = kc_config_store_sync(d->cs, 30000, err);
    if (!rc) KC_INFO(LOGGER, "Wrote the task count %lld of %s after fencing", (long long)now, name);
    free(key);
    free(value);
    return rc;
}

/* ---- reconcile ------------------------------------------------------------------------------- */

/* What a reconcile round asks of the leader, done after the round lets go of the lock. */
typedef struct publish_job {
    char *name;      /* publish these task configs of connector `name` */
    json_t *configs;
    char *fence;     /* fence the zombies of this connector, whose exactly-once tasks wait for it */
} publish_job;

static int assigned_any(dherder *d, const char *name) {
    for (size_t i = 0; i < d->assigned.len; i++)
        if (!strcmp(d->assigned.items[i].connector, name)) return 1;
    return 0;
}

static const char *type_of(dherder *d, const json_t *props);

/* Reads a source connector's committed offsets from the offsets topic before its tasks start
 * here: another worker may have run them until now. */
static void read_offsets(dherder *d, const char *name) {
    kc_error err;
    if (kc_offset_topic_read(d->w, name, 1, 30000, d->w->offsets, &err))
        KC_WARN(LOGGER, "Reading the offsets of %s: %s", name, err.msg);
}

/* The source connectors that have tasks assigned here and not running yet (a new reference). */
static json_t *offsets_to_read(dherder *d) {
    json_t *names = json_array();
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; names && i < d->assigned.len; i++) {
        const kc_work_item *it = &d->assigned.items[i];
        local_conn *lc = local_find(d, it->connector);
        if (it->task == KC_CONNECTOR_TASK || (lc && lc->c && kc_task_running(lc->c, it->task))) continue;
        int seen = 0;
        size_t k;
        json_t *n;
        json_array_foreach(names, k, n) seen |= !strcmp(json_string_value(n), it->connector);
        if (!seen) json_array_append_new(names, json_string(it->connector));
    }
    pthread_mutex_unlock(&d->lock);
    size_t k = 0;
    while (names && k < json_array_size(names)) { /* keep the sources only */
        conn_view v;
        view_get(d, json_string_value(json_array_get(names, k)), &v);
        int source = v.props && !strcmp(type_of(d, v.props), "source");
        view_clear(&v);
        if (source) k++;
        else json_array_remove(names, k);
    }
    return names;
}

static kc_state instance_state(local_conn *lc, kc_target_state target) {
    if (!lc->c) return KC_STATE_FAILED;
    if (target == KC_TARGET_STOPPED) return KC_STATE_STOPPED;
    return lc->c->status;
}

/* Makes one connector's local part match the topic and the assignment (under d->lock). */
static void reconcile_one(dherder *d, const char *name, publish_job *job, int offsets_read) {
    conn_view v;
    view_get(d, name, &v);
    local_conn *lc = local_find(d, name);
    int own_instance = kc_work_has(&d->assigned, name, KC_CONNECTOR_TASK);
    if (!v.props || !assigned_any(d, name)) {
        if (lc) local_drop(d, lc, v.props ? "UNASSIGNED" : NULL); /* deleted: Connect's DESTROYED */
        view_clear(&v);
        return;
    }
    if (lc && !json_equal(lc->props, v.props)) { /* reconfigured: restart with the new config */
        KC_INFO(LOGGER, "Connector %s was reconfigured: restarting what runs of it here", name);
        local_drop(d, lc, "UNASSIGNED");
        lc = NULL;
    }
    if (!lc && !(lc = local_new(d, name, v.props, v.target))) {
        view_clear(&v);
        return;
    }
    if (!lc->c) { /* a config this worker cannot run: the instance's owner says so */
        if (own_instance && lc->inst_written != KC_STATE_FAILED) {
            status_queue(d, name, -1, "FAILED", lc->problem, 0);
            lc->inst_written = KC_STATE_FAILED;
        }
        view_clear(&v);
        return;
    }
    kc_connector *c = lc->c;
    c->target = v.target;
    /* made PAUSED (initial_state): as in Connect, the instance starts, and makes its tasks, at the
     * first resume */
    int paused_unstarted = v.target == KC_TARGET_PAUSED && !json_array_size(v.tasks) && !lc->instance_running;
    if (own_instance && paused_unstarted && c->status != KC_STATE_FAILED) kc_connector_set_status(c, KC_STATE_PAUSED);
    /* the instance */
    if (own_instance && v.target != KC_TARGET_STOPPED && !paused_unstarted) {
        if (!lc->instance_running && c->status != KC_STATE_FAILED) { /* a failed one waits for a restart */
            kc_error err;
            c->trace[0] = '\0';
            if (kc_connector_start_instance(c, &err) == KC_OK) {
                lc->instance_running = 1;
                lc->publish = 1;
            }
        }
        if (lc->instance_running) {
            if (c->status != KC_STATE_FAILED)
                kc_connector_set_status(c, v.target == KC_TARGET_PAUSED ? KC_STATE_PAUSED : KC_STATE_RUNNING);
            if (__atomic_exchange_n(&c->ctx.reconfigure, 0, __ATOMIC_ACQ_REL)) lc->publish = 1;
            if ((lc->publish || v.inconsistent) && !job->name && kc_now_ms() >= lc->publish_after) {
                kc_error err;
                json_t *gen = generated_task_configs(lc, &err);
                if (!gen) {
                    kc_connector_fail(c, "Connector failed to generate task configs", err.msg);
                } else if (!v.inconsistent && json_equal(gen, v.tasks)) {
                    json_decref(gen);
                    lc->publish = 0;
                } else {
                    job->name = strdup(name);
                    job->configs = gen;
                    lc->publish = 0; /* set again when publishing fails */
                }
            }
        }
    } else if (lc->instance_running) {
        kc_connector_stop_instance(c);
        lc->instance_running = 0;
        if (!own_instance) status_queue(d, name, -1, "UNASSIGNED", NULL, 1), lc->inst_written = -1;
    }
    if (own_instance) {
        kc_state st = instance_state(lc, v.target);
        if ((int)st != lc->inst_written) {
            status_queue(d, name, -1, kc_state_name(st), st == KC_STATE_FAILED ? c->trace : NULL, 0);
            lc->inst_written = (int)st;
        }
    }
    /* the tasks */
    int n = (int)json_array_size(v.tasks);
    if (n != lc->nslots && local_slots(d, lc, n)) {
        view_clear(&v);
        return;
    }
    for (int i = 0; i < n; i++) {
        int mine = kc_work_has(&d->assigned, name, i) && v.target != KC_TARGET_STOPPED;
        json_t *want = json_array_get(v.tasks, (size_t)i);
        if (kc_task_running(c, i) && (!mine || !json_equal(json_array_get(lc->slot_cfgs, (size_t)i), want)))
            slot_halt(d, lc, i, mine ? "RESTARTING" : "UNASSIGNED");
        int fence_first = d->eos && v.pending_fencing && c->plugin->desc->kind == KC_PLUGIN_SOURCE;
        if (mine && fence_first && !kc_task_running(c, i) && !job->fence && kc_now_ms() >= lc->fence_after)
            job->fence = strdup(name);
        if (mine && !fence_first && !kc_task_running(c, i) && c->tasks[i].state != KC_STATE_FAILED) {
            kc_config cfg = {0};
            kc_error err;
            if (!offsets_read && c->plugin->desc->kind == KC_PLUGIN_SOURCE) read_offsets(d, name), offsets_read = 1;
            if (kc_config_from_json(want, &cfg, 0, &err) || kc_config_resolve(&d->w->providers, &cfg, NULL, &err)) {
                kc_task_fail(&c->tasks[i], "Invalid task config: %s", err.msg);
                kc_config_free(&cfg);
            } else {
                json_array_set(lc->slot_cfgs, (size_t)i, want);
                kc_task_launch(c, i, &cfg);
            }
        }
        if (i < c->ntasks) __atomic_store_n(&c->tasks[i].ctx.paused, v.target == KC_TARGET_PAUSED, __ATOMIC_RELEASE);
        if (mine) {
            kc_state st = __atomic_load_n(&c->tasks[i].state, __ATOMIC_ACQUIRE);
            char problem[sizeof c->tasks[i].problem];
            int seq = kc_task_problem(&c->tasks[i], problem, sizeof problem);
            slot_status *w = &lc->slot_written[i];
            if (st != KC_STATE_UNASSIGNED && ((int)st != w->state || (st == KC_STATE_RUNNING && seq != w->problem_seq))) {
                /* a running task's trace says what needs attention (task_problem), as in standalone mode */
                const char *trace = st == KC_STATE_FAILED ? c->tasks[i].trace
                                    : st == KC_STATE_RUNNING && problem[0] ? problem : NULL;
                status_queue(d, name, i, kc_state_name(st), trace, 0);
                w->state = (int)st;
                w->problem_seq = seq;
            }
        }
    }
    view_clear(&v);
}

/* Wall-clock milliseconds: the session key's creation-timestamp, as Java's currentTimeMillis. */
static int64_t epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The leader keeps a session key in the config topic, made anew every inter.worker.key.ttl.ms. */
static void leader_session_key(dherder *d) {
    key_call k = {0};
    kc_config_store_read(d->cs, key_fn, &k);
    int fresh = k.key && k.created_ms + d->key_ttl_ms > epoch_ms();
    free(k.key);
    if (fresh) return;
    uint8_t key[KC_SESSION_KEY_BYTES];
    if (kc_session_key_new(key)) return;
    kc_buf b64 = KC_BUF_INIT, value = KC_BUF_INIT;
    kc_buf_base64(&b64, key, sizeof key);
    kc_buf_putc(&b64, '\0');
    kc_buf_printf(&value, "{\"key\":\"%s\",\"algorithm\":\"%s\",\"creation-timestamp\":%lld}", b64.data ? b64.data : "",
                  KC_SIGNATURE_ALGORITHM, (long long)epoch_ms());
    const char *keys[] = {"session-key"}, *values[] = {value.data};
    kc_error err;
    if (!b64.failed && !value.failed && kc_config_store_write_privileged(d->cs, keys, values, 1, &err))
        KC_WARN(LOGGER, "Writing a new session key: %s", err.msg);
    else if (!b64.failed && !value.failed)
        KC_INFO(LOGGER, "Wrote a new session key");
    kc_buf_free(&b64);
    kc_buf_free(&value);
}

static void reconcile(dherder *d) {
    publish_job job = {0};
    /* offsets first, outside the lock: a revocation (and with it the heartbeat) need not wait */
    json_t *read = offsets_to_read(d);
    size_t r;
    json_t *rn;
    json_array_foreach(read, r, rn) read_offsets(d, json_string_value(rn));
    pthread_mutex_lock(&d->lock);
    int leader = is_leader_locked(d);
    /* every connector this worker runs something of, or is assigned something of */
    json_t *todo = json_array();
    for (size_t i = 0; i < d->nlocals; i++) json_array_append_new(todo, json_string(d->locals[i]->name));
    for (size_t i = 0; i < d->assigned.len; i++) json_array_append_new(todo, json_string(d->assigned.items[i].connector));
    size_t i;
    json_t *n;
    json_array_foreach(todo, i, n) {
        const char *name = json_string_value(n);
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++) seen = !strcmp(json_string_value(json_array_get(todo, j)), name);
        int offsets_read = 0;
        json_array_foreach(read, r, rn) offsets_read |= !strcmp(json_string_value(rn), name);
        if (!seen) reconcile_one(d, name, &job, offsets_read);
    }
    json_decref(todo);
    json_decref(read);
    char *leader_url = d->leader_url ? strdup(d->leader_url) : NULL;
    int16_t version = d->version;
    status_flush(d);
    pthread_mutex_unlock(&d->lock);
    if (leader) leader_session_key(d);
    if (job.name) {
        kc_error err;
        int rc = leader ? write_task_configs(d, job.name, job.configs, &err)
                        : leader_url ? send_task_configs(d, leader_url, version, job.name, job.configs) : -1;
        if (rc) { /* try again next round */
            if (leader) KC_WARN(LOGGER, "Writing the task configs of %s: %s", job.name, err.msg);
            pthread_mutex_lock(&d->lock);
            local_conn *lc = local_find(d, job.name);
            if (lc) lc->publish = 1, lc->publish_after = kc_now_ms() + LEADER_RETRY_MS; /* the leader may be changing */
            pthread_mutex_unlock(&d->lock);
        }
        free(job.name);
        json_decref(job.configs);
    }
    if (job.fence) {
        kc_error err;
        int rc = leader ? fence_zombies(d, job.fence, &err)
                        : leader_url ? leader_request(d, leader_url, version, "PUT", job.fence, "fence", NULL,
                                                      "Fencing the earlier task producers of")
                                     : -1;
        if (rc && leader) KC_WARN(LOGGER, "Fencing the earlier task producers of %s: %s", job.fence, err.msg);
        pthread_mutex_lock(&d->lock);
        local_conn *lc = local_find(d, job.fence);
        if (lc && rc) lc->fence_after = kc_now_ms() + LEADER_RETRY_MS;
        pthread_mutex_unlock(&d->lock);
        if (!rc) wake(d); /* the tasks start once the tasks-fencing record is read */
        free(job.fence);
    }
    free(leader_url);
}

static void *reconcile_main(void *arg) {
    dherder *d = arg;
    pthread_mutex_lock(&d->wake_lock);
    while (!d->stopping) {
        if (!d->woken) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += RECONCILE_MS * 1000000L;
            if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
            pthread_cond_timedwait(&d->wake, &d->wake_lock, &ts);
        }
        d->woken = 0;
        if (d->stopping) break;
        pthread_mutex_unlock(&d->wake_lock);
        reconcile(d);
        pthread_mutex_lock(&d->wake_lock);
    }
    pthread_mutex_unlock(&d->wake_lock);
    return NULL;
}

/* ---- membership callbacks (the member's thread) ---------------------------------------------- */

static void snapshot_fn_read(void *opaque, const kc_config_log *state) {
    dherder *d = opaque;
    for (size_t i = 0; i < d->nsnap; i++) free(d->snap_names[i]);
    d->nsnap = 0;
    kc_assignor_connector *snap = realloc(d->snap, (state->len ? state->len : 1) * sizeof *snap);
    char **names = realloc(d->snap_names, (state->len ? state->len : 1) * sizeof *names);
    if (snap) d->snap = snap;
    if (names) d->snap_names = names;
    if (!snap || !names) return;
    for (size_t i = 0; i < state->len; i++) {
        if (!state->items[i].config) continue;
        char *name = strdup(state->items[i].name);
        if (!name) continue;
        d->snap_names[d->nsnap] = name;
        d->snap[d->nsnap++] = (kc_assignor_connector){name, (int32_t)json_array_size(state->items[i].tasks)};
    }
}

static int snapshot_fn(void *opaque, const kc_assignor_connector **conns, size_t *n, int64_t *offset) {
    dherder *d = opaque;
    kc_error err;
    /* the leader assigns from the config as it is now, read to the end */
    if (kc_config_store_sync(d->cs, d->sync_timeout_ms, &err)) {
        KC_WARN(LOGGER, "Reading the config topic before assigning: %s", err.msg);
        return -1;
    }
    *offset = config_offset_fn(d);
    kc_config_store_read(d->cs, snapshot_fn_read, d);
    *conns = d->snap;
    *n = d->nsnap;
    return 0;
}

static void offset_fn(void *opaque, const kc_config_log *state) { *(int64_t *)opaque = state->next_offset; }

static int64_t config_offset_fn(void *opaque) {
    dherder *d = opaque;
    int64_t off = -1;
    kc_config_store_read(d->cs, offset_fn, &off);
    return off;
}

static int catch_up_fn(void *opaque, int64_t offset) {
    dherder *d = opaque;
    kc_error err;
    if (kc_config_store_sync(d->cs, d->sync_timeout_ms, &err)) {
        KC_WARN(LOGGER, "Reading the config topic: %s", err.msg);
        return -1;
    }
    return config_offset_fn(d) >= offset ? 0 : -1;
}

static void stop_fn(void *opaque, const kc_work_list *items) {
    dherder *d = opaque;
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < items->len; i++) {
        const kc_work_item *it = &items->items[i];
        local_conn *lc = local_find(d, it->connector);
        if (lc && it->task == KC_CONNECTOR_TASK) instance_halt(d, lc, "UNASSIGNED");
        else if (lc) slot_halt(d, lc, it->task, "UNASSIGNED");
        kc_work_list keep = {0};
        for (size_t j = 0; j < d->assigned.len; j++)
            if (strcmp(d->assigned.items[j].connector, it->connector) || d->assigned.items[j].task != it->task)
                kc_work_add(&keep, d->assigned.items[j].connector, d->assigned.items[j].task);
        kc_work_free(&d->assigned);
        d->assigned = keep;
    }
    KC_INFO(LOGGER, "Stopped %zu revoked connector(s) and task(s)", items->len);
    status_flush(d);
    pthread_mutex_unlock(&d->lock);
}

static void start_fn(void *opaque, const kc_work_list *items, const char *leader_url, int32_t generation,
                     int16_t version) {
    dherder *d = opaque;
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < items->len; i++)
        if (!kc_work_has(&d->assigned, items->items[i].connector, items->items[i].task))
            kc_work_add(&d->assigned, items->items[i].connector, items->items[i].task);
    free(d->leader_url);
    d->leader_url = leader_url && *leader_url ? strdup(leader_url) : NULL;
    d->generation = generation, d->version = version;
    KC_INFO(LOGGER, "Joined generation %d (leader %s): %zu new, %zu assigned in all", generation,
            leader_url ? leader_url : "-", items->len, d->assigned.len);
    __atomic_store_n(&d->joined, 1, __ATOMIC_RELEASE);
    kc_metrics_rebalance_end(d->w->metrics, generation, d->leader_url,
                             version >= 2 ? "sessioned" : version == 1 ? "compatible" : "eager");
    int leader = is_leader_locked(d);
    pthread_mutex_unlock(&d->lock);
    if (leader) kc_config_store_claim(d->cs); /* exactly-once: its first write fences an older leader */
    else kc_config_store_release(d->cs);
    wake(d);
}

static void joining_fn(void *opaque) { kc_metrics_rebalance_begin(((dherder *)opaque)->w->metrics); }

static void session_fn(void *opaque, int64_t valid_until_ms) {
    dherder *d = opaque;
    __atomic_store_n(&d->w->lease_until_ms, valid_until_ms, __ATOMIC_RELEASE);
}

/* Whether a connector-NAME record made or removed a connector (what the group assigns changes),
 * rather than changed one (d->configured follows; the config store's thread only). */
static int connector_made_or_removed(dherder *d, const kc_config_log *state, const char *name) {
    const kc_cfg_connector *c = kc_config_log_find(state, name);
    int exists = c && c->config;
    size_t i = 0;
    while (i < d->configured.len && strcmp(d->configured.items[i], name)) i++;
    if (exists == (i < d->configured.len)) return 0;
    if (exists) {
        if (kc_strlist_add(&d->configured, name)) d->configured.failed = 1; /* then it looks made again: a rebalance */
    } else {
        free(d->configured.items[i]);
        d->configured.items[i] = d->configured.items[--d->configured.len];
    }
    return 1;
}

/* On the config store's thread, the state locked: a new or deleted connector, or new task
 * configs, need a rebalance; anything else only a look at what runs. A changed config (the
 * same one PUT again too) is no rebalance, as in Connect: the worker running the connector
 * restarts it (reconcile_one), and task configs that change come with a commit- record. */
static void config_changed(void *opaque, const kc_config_log *state, const char *key) {
    dherder *d = opaque;
    kc_member *m = __atomic_load_n(&d->m, __ATOMIC_ACQUIRE); /* NULL until membership starts */
    int made_or_removed = !strncmp(key, "connector-", 10) && connector_made_or_removed(d, state, key + 10);
    if (m && (!strncmp(key, "commit-", 7) || made_or_removed)) kc_member_request_rejoin(m);
    wake(d);
}

/* ---- REST calls ------------------------------------------------------------------------------ */

/* KC_EFORWARD to the leader unless this worker leads (then 0). */
static int need_leader(dherder *d, kc_error *err) {
    pthread_mutex_lock(&d->lock);
    int rc = is_leader_locked(d) ? 0 : kc_error_set(err, KC_EFORWARD, "%s", d->leader_url ? d->leader_url : "");
    pthread_mutex_unlock(&d->lock);
    return rc;
}

static int exists_fn(void *self, const char *name) {
    conn_view v;
    view_get(self, name, &v);
    int e = v.props != NULL;
    view_clear(&v);
    return e;
}

static int write_one(dherder *d, const char *key, const char *value, kc_error *err) {
    const char *keys[] = {key}, *values[] = {value};
    int rc = kc_config_store_write(d->cs, keys, values, 1, err);
    if (!rc) rc = kc_config_store_sync(d->cs, 30000, err);
    return rc;
}

static int put_fn(void *self, const kc_config *raw, kc_target_state initial, int allow_replace, int *created,
                  kc_strlist *problems, kc_error *err) {
    dherder *d = self;
    kc_config cfg = {0};
    kc_strlist warnings = {0};
    const kc_plugin *plugin;
    if (kc_config_copy(&cfg, raw)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    kc_connector_config_check(d->w, &cfg, &plugin, NULL, problems, &warnings); /* on every worker, as Connect */
    kc_config_free(&cfg);
    kc_strlist_free(&warnings);
    if (kc_problems_found(problems))
        return problems->len ? kc_error_set(err, KC_EINVAL, "Connector configuration is invalid")
                             : kc_error_set(err, KC_ENOMEM, "out of memory while checking the configuration");
    if (need_leader(d, err)) return err->code;
    const char *name = kc_config_get(raw, "name");
    int existed = exists_fn(d, name);
    if (existed && !allow_replace) return kc_error_set(err, KC_EEXIST, "Connector %s already exists", name);
    json_t *props = json_object();
    for (size_t i = 0; props && i < raw->len; i++)
        if (raw->items[i].value) json_object_set_new(props, raw->items[i].key, json_string(raw->items[i].value));
    if (props && !json_object_get(props, "name")) json_object_set_new(props, "name", json_string(name));
    char *value = props ? kc_config_log_properties_value(props) : NULL;
    json_decref(props);
    if (!value) return kc_error_set(err, KC_ENOMEM, "out of memory");
    char *ckey = NULL, *tkey = NULL, *tval = NULL;
    int rc = asprintf(&ckey, "connector-%s", name) < 0 ? (ckey = NULL, kc_error_set(err, KC_ENOMEM, "out of memory")) : 0;
    const char *keys[2], *values[2];
    size_t n = 0;
    if (!rc && !existed && initial != KC_TARGET_STARTED) { /* the target state first, as Connect writes it */
        if (asprintf(&tkey, "target-state-%s", name) < 0) tkey = NULL;
        tval = kc_config_log_target_value(kc_target_name(initial));
        if (!tkey || !tval) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
        keys[n] = tkey, values[n++] = tval;
    }
    keys[n] = ckey, values[n++] = value;
    if (!rc) rc = kc_config_store_write_privileged(d->cs, keys, values, n, err);
    if (!rc) rc = kc_config_store_sync(d->cs, 30000, err);
    if (!rc) {
        *created = !existed;
        KC_INFO(LOGGER, "%s connector %s", existed ? "Reconfigured" : "Created", name);
    }
    free(ckey);
    free(tkey);
    free(tval);
    free(value);
    return rc;
}

static int remove_fn(void *self, const char *name, kc_error *err) {
    dherder *d = self;
    if (!exists_fn(d, name)) return kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    if (need_leader(d, err)) return err->code;
    char *k1 = NULL, *k2 = NULL;
    if (asprintf(&k1, "connector-%s", name) < 0) k1 = NULL;
    if (asprintf(&k2, "target-state-%s", name) < 0) k2 = NULL;
    const char *keys[] = {k1, k2}, *values[] = {NULL, NULL};
    int rc = k1 && k2 ? kc_config_store_write_privileged(d->cs, keys, values, 2, err)
                      : kc_error_set(err, KC_ENOMEM, "out of memory");
    if (!rc) rc = kc_config_store_sync(d->cs, 30000, err);
    free(k1);
    free(k2);
    if (!rc) KC_INFO(LOGGER, "Deleted connector %s", name);
    return rc;
}

static int set_target_fn(void *self, const char *name, kc_target_state target, kc_error *err) {
    dherder *d = self;
    if (!exists_fn(d, name)) return kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    /* pause and resume: any worker writes the target state; stop: the leader, tasks first */
    if (target == KC_TARGET_STOPPED) {
        if (need_leader(d, err)) return err->code;
        json_t *none = json_array();
        int rc = none ? write_task_configs(d, name, none, err) : kc_error_set(err, KC_ENOMEM, "out of memory");
        json_decref(none);
        if (rc) return rc;
    }
    char *key = NULL, *value = kc_config_log_target_value(kc_target_name(target));
    if (asprintf(&key, "target-state-%s", name) < 0) key = NULL;
    int rc = key && value ? write_one(d, key, value, err) : kc_error_set(err, KC_ENOMEM, "out of memory");
    free(key);
    free(value);
    return rc;
}

typedef struct status_call {
    dherder *d;
    const char *name;
    int32_t task; /* -2: the connector and all tasks below ntasks */
    int ntasks;
    json_t *out;
} status_call;

static json_t *entry_json(const kc_status_entry *e, int with_id) {
    json_t *j = json_pack("{s:s, s:s}", "state", e->state, "worker_id", e->worker_id);
    if (j && with_id) json_object_set_new(j, "id", json_integer(e->task));
    if (j && e->trace) json_object_set_new(j, "trace", json_string(e->trace));
    return j;
}

static void status_fn(void *opaque, const kc_status_log *state) {
    status_call *s = opaque;
    if (s->task >= 0) {
        const kc_status_entry *e = kc_status_log_find(state, s->name, s->task);
        s->out = e ? entry_json(e, 1) : NULL;
        return;
    }
    const kc_status_entry *c = kc_status_log_find(state, s->name, -1);
    if (!c) return;
    json_t *tasks = json_array();
    for (int i = 0; i < s->ntasks; i++) {
        const kc_status_entry *e = kc_status_log_find(state, s->name, i);
        if (e) json_array_append_new(tasks, entry_json(e, 1));
    }
    s->out = json_pack("{s:s, s:o, s:o}", "name", s->name, "connector", entry_json(c, 0), "tasks", tasks);
}

static const char *type_of(dherder *d, const json_t *props) {
    const kc_plugin *p = kc_herder_find_connector_plugin(d->h, json_string_value(json_object_get(props, "connector.class")));
    return !p ? "unknown" : p->desc->kind == KC_PLUGIN_SOURCE ? "source" : "sink";
}

static json_t *status_fn_rest(void *self, const char *name) {
    dherder *d = self;
    conn_view v;
    view_get(d, name, &v);
    json_t *j = NULL;
    if (v.props) {
        status_call s = {d, name, -2, (int)json_array_size(v.tasks), NULL};
        kc_status_store_read(d->ss, status_fn, &s);
        j = s.out;
        if (!j) /* not written yet (just created): Connect answers 404 until it is; kcd says UNASSIGNED */
            j = json_pack("{s:s, s:{s:s, s:s}, s:[]}", "name", name, "connector", "state", "UNASSIGNED", "worker_id",
                          d->worker_id, "tasks");
        if (j) json_object_set_new(j, "type", json_string(type_of(d, v.props)));
    }
    view_clear(&v);
    return j;
}

static json_t *task_status_fn(void *self, const char *name, int task) {
    dherder *d = self;
    status_call s = {d, name, task, 0, NULL};
    kc_status_store_read(d->ss, status_fn, &s);
    return s.out;
}

static json_t *list_fn(void *self) { return configured(self); }

static int ready_fn(void *self) { return __atomic_load_n(&((dherder *)self)->joined, __ATOMIC_ACQUIRE); }

static json_t *config_fn(void *self, const char *name) {
    conn_view v;
    view_get(self, name, &v);
    json_t *j = v.props ? json_incref(v.props) : NULL;
    view_clear(&v);
    return j;
}

static json_t *info_fn(void *self, const char *name) {
    dherder *d = self;
    conn_view v;
    view_get(d, name, &v);
    json_t *j = NULL;
    if (v.props) {
        json_t *tasks = json_array();
        for (size_t i = 0; i < json_array_size(v.tasks); i++)
            json_array_append_new(tasks, json_pack("{s:s, s:i}", "connector", name, "task", (int)i));
        j = json_pack("{s:s, s:O, s:o, s:s}", "name", name, "config", v.props, "tasks", tasks, "type", type_of(d, v.props));
    }
    view_clear(&v);
    return j;
}

/* Whether key=value in a task config is a default kcd filled in: a connector setting the user did
 * not write, with its default. The tasks view leaves those out, as standalone's does, so it shows
 * what Connect's would; the config topic keeps them, for the worker that starts the task. */
static int filled_default(const kc_plugin *p, const json_t *props, const char *key, const char *value) {
    if (!p || !value || json_object_get(props, key)) return 0;
    const kc_config_def *tables[] = {kc_connector_common_defs,
                                     p->desc->kind == KC_PLUGIN_SINK ? kc_sink_common_defs : kc_source_common_defs,
                                     p->desc->config};
    for (int i = 0; i < 3; i++) {
        const kc_config_def *def = kc_config_def_find(tables[i], key);
        if (def) return def->default_value && !strcmp(def->default_value, value);
    }
    return 0;
}

static json_t *tasks_fn(void *self, const char *name) {
    dherder *d = self;
    conn_view v;
    view_get(d, name, &v);
    json_t *j = NULL;
    if (v.props) {
        const kc_plugin *p =
            kc_herder_find_connector_plugin(d->h, json_string_value(json_object_get(v.props, "connector.class")));
        j = json_array();
        size_t i;
        json_t *t;
        json_array_foreach(v.tasks, i, t) {
            json_t *shown = json_object();
            const char *key;
            json_t *val;
            json_object_foreach(t, key, val) if (!filled_default(p, v.props, key, json_string_value(val)))
                json_object_set(shown, key, val);
            json_array_append_new(j, json_pack("{s:{s:s, s:i}, s:o}", "id", "connector", name, "task", (int)i,
                                               "config", shown));
        }
    }
    view_clear(&v);
    return j;
}

static void topics_read(void *opaque, const kc_status_log *state) {
    status_call *s = opaque;
    for (size_t i = 0; i < state->ntopics; i++) {
        if (strcmp(state->topics[i].connector, s->name)) continue;
        int seen = 0;
        size_t k;
        json_t *t;
        json_array_foreach(s->out, k, t) seen |= !strcmp(json_string_value(t), state->topics[i].topic);
        if (!seen) json_array_append_new(s->out, json_string(state->topics[i].topic));
    }
}

static json_t *topics_fn(void *self, const char *name) {
    dherder *d = self;
    if (!exists_fn(d, name)) return NULL;
    status_call s = {d, name, -1, 0, json_array()};
    kc_status_store_read(d->ss, topics_read, &s);
    pthread_mutex_lock(&d->lock); /* and what the tasks here used since they started */
    local_conn *lc = local_find(d, name);
    if (lc && lc->c) {
        pthread_mutex_lock(&lc->c->topics_lock);
        for (size_t i = 0; i < lc->c->topics.len; i++) {
            int seen = 0;
            size_t k;
            json_t *t;
            json_array_foreach(s.out, k, t) seen |= !strcmp(json_string_value(t), lc->c->topics.items[i]);
            if (!seen) json_array_append_new(s.out, json_string(lc->c->topics.items[i]));
        }
        pthread_mutex_unlock(&lc->c->topics_lock);
    }
    pthread_mutex_unlock(&d->lock);
    return json_pack("{s:{s:o}}", name, "topics", s.out);
}

static int reset_topics_fn(void *self, const char *name, kc_error *err) {
    dherder *d = self;
    if (!exists_fn(d, name)) return kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    pthread_mutex_lock(&d->lock);
    local_conn *lc = local_find(d, name);
    if (lc && lc->c) kc_connector_reset_topics(lc->c);
    pthread_mutex_unlock(&d->lock);
    return KC_OK;
}

/* The offsets of a source connector, read from the offsets topic (another worker may run it). */
static json_t *offsets_fn(void *self, const char *name) {
    dherder *d = self;
    conn_view v;
    view_get(d, name, &v);
    if (!v.props) {
        view_clear(&v);
        return NULL;
    }
    int source = !strcmp(type_of(d, v.props), "source");
    view_clear(&v);
    if (!source) return kc_sink_offsets_answer(d->w, name); /* the consumer group's, on the broker */
    kc_error err;
    json_t *list = json_array();
    if (kc_offset_topic_read(d->w, name, 1, 30000, d->w->offsets, &err) == KC_OK) {
        kc_strlist keys = {0}, values = {0};
        kc_offset_store_list(d->w->offsets, name, &keys, &values);
        for (size_t i = 0; i < keys.len; i++) {
            json_t *p = json_loads(keys.items[i], JSON_DECODE_ANY, NULL);
            json_t *o = json_loads(values.items[i], JSON_DECODE_ANY, NULL);
            json_array_append_new(list, json_pack("{s:O, s:o}", "partition", json_array_get(p, 1), "offset",
                                                  o ? o : json_null()));
            json_decref(p);
        }
        kc_strlist_free(&keys);
        kc_strlist_free(&values);
    }
    return json_pack("{s:o}", "offsets", list);
}

static int alter_offsets_fn(void *self, const char *name, const json_t *body, kc_error *err) {
    dherder *d = self;
    conn_view v;
    view_get(d, name, &v);
    int exists = v.props != NULL, stopped = v.target == KC_TARGET_STOPPED && json_array_size(v.tasks) == 0;
    int source = exists && !strcmp(type_of(d, v.props), "source");
    view_clear(&v);
    if (!exists) return kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    if (need_leader(d, err)) return err->code;
    if (!stopped)
        return kc_error_set(err, KC_ESTATE, "Connectors must be in the STOPPED state before their offsets can be "
                                            "modified. This can be done for the specified connector by issuing a "
                                            "'PUT' request to the '/connectors/%s/stop' endpoint", name);
    json_t *list = body ? json_object_get(body, "offsets") : NULL;
    if (body && (!json_is_array(list) || json_array_size(list) == 0))
        return kc_error_set(err, KC_EINVAL, "The 'offsets' field must be a non-empty list of partition/offset pairs");
    if (!source) /* the consumer group's, on the broker */
        return body ? kc_sink_offsets_alter(d->w, name, list, err) : kc_sink_offsets_reset(d->w, name, err);
    int rc = kc_offset_topic_read(d->w, name, 1, 30000, d->w->offsets, err);
    if (rc) return rc;
    if (!body) {
        kc_strlist keys = {0}, values = {0};
        kc_offset_store_list(d->w->offsets, name, &keys, &values);
        for (size_t i = 0; i < keys.len; i++) {
            json_t *k = json_loads(keys.items[i], JSON_DECODE_ANY, NULL);
            kc_value p = KC_VALUE_NULL_INIT;
            if (k && kc_json_to_value(json_array_get(k, 1), &p, NULL) == KC_OK)
                kc_offset_store_put(d->w->offsets, name, &p, NULL);
            kc_value_clear(&p);
            json_decref(k);
        }
        kc_strlist_free(&keys);
        kc_strlist_free(&values);
    } else {
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item) {
            json_t *pj = json_object_get(item, "partition"), *oj = json_object_get(item, "offset");
            if (!json_is_object(pj) || (oj && !json_is_object(oj) && !json_is_null(oj)))
                return kc_error_set(err, KC_EINVAL, "offsets[%zu]: 'partition' must be an object and 'offset' an "
                                                    "object or null", i);
        }
        json_array_foreach(list, i, item) {
            kc_value p = KC_VALUE_NULL_INIT, o = KC_VALUE_NULL_INIT;
            json_t *oj = json_object_get(item, "offset");
            kc_json_to_value(json_object_get(item, "partition"), &p, NULL);
            if (oj && !json_is_null(oj)) kc_json_to_value(oj, &o, NULL);
            kc_offset_store_put(d->w->offsets, name, &p, o.type == KC_VAL_NULL ? NULL : &o);
            kc_value_clear(&p);
            kc_value_clear(&o);
        }
    }
    return kc_offset_store_flush(d->w->offsets, err);
}

typedef struct owner_call {
    const char *name;
    int32_t task;
    char *worker_id;
} owner_call;

static void owner_read(void *opaque, const kc_status_log *state) {
    owner_call *o = opaque;
    const kc_status_entry *e = kc_status_log_find(state, o->name, o->task);
    o->worker_id = e && e->worker_id ? strdup(e->worker_id) : NULL;
}

/* Restarts go to the worker running the connector (task -1) or task. 0 when it is this one;
 * else KC_EFORWARD to the worker the status topic names, or to the leader while none is known. */
static int need_owner(dherder *d, const char *name, int32_t task, kc_error *err) {
    pthread_mutex_lock(&d->lock);
    int mine = kc_work_has(&d->assigned, name, task);
    pthread_mutex_unlock(&d->lock);
    if (mine) return 0;
    owner_call o = {name, task, NULL};
    kc_status_store_read(d->ss, owner_read, &o);
    int rc;
    if (o.worker_id && strcmp(o.worker_id, d->worker_id))
        rc = kc_error_set(err, KC_EFORWARD, "http://%s/", o.worker_id);
    else if (need_leader(d, err))
        rc = err->code;
    else
        rc = kc_error_set(err, KC_ECONFLICT, "Cannot complete request because of a conflicting operation (e.g. "
                                             "worker rebalance)");
    free(o.worker_id);
    return rc;
}

static int restart_task_fn(void *self, const char *name, int task, kc_error *err) {
    dherder *d = self;
    conn_view v;
    view_get(d, name, &v);
    int exists = v.props != NULL, n = (int)json_array_size(v.tasks);
    view_clear(&v);
    if (!exists) return kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    if (task < 0 || task >= n) return kc_error_set(err, KC_ENOTFOUND, "Task %s-%d not found", name, task);
    if (need_owner(d, name, task, err)) return err->code;
    pthread_mutex_lock(&d->lock);
    local_conn *lc = local_find(d, name);
    int rc = KC_OK;
    if (lc && lc->c && task < lc->nslots) {
        /* stopped here; the next round starts it again from the config topic's config */
        slot_halt(d, lc, task, "RESTARTING");
        lc->c->tasks[task].state = KC_STATE_UNASSIGNED;
        status_flush(d);
    } else {
        rc = kc_error_set(err, KC_ECONFLICT, "Cannot complete request because of a conflicting operation (e.g. "
                                             "worker rebalance)");
    }
    pthread_mutex_unlock(&d->lock);
    wake(d);
    return rc;
}

static int restart_fn(void *self, const char *name, int include_tasks, int only_failed, kc_error *err) {
    dherder *d = self;
    conn_view v;
    view_get(d, name, &v);
    int exists = v.props != NULL, n = (int)json_array_size(v.tasks);
    view_clear(&v);
    if (!exists) return kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    if (need_owner(d, name, KC_CONNECTOR_TASK, err)) return err->code;
    pthread_mutex_lock(&d->lock);
    local_conn *lc = local_find(d, name);
    if (lc && lc->c && (!only_failed || lc->c->status == KC_STATE_FAILED)) {
        if (lc->instance_running) kc_connector_stop_instance(lc->c);
        lc->instance_running = 0;
        kc_connector_set_status(lc->c, KC_STATE_UNASSIGNED); /* started again next round */
        lc->inst_written = -1;
    } else if (lc && !lc->c && (!only_failed || lc->inst_written == KC_STATE_FAILED)) {
        local_drop(d, lc, "RESTARTING"); /* built again from the topic next round */
    }
    pthread_mutex_unlock(&d->lock);
    wake(d);
    /* tasks: each on the worker that runs it, through its own restart route */
    for (int i = 0; include_tasks && i < n; i++) {
        json_t *st = task_status_fn(d, name, i);
        const char *state = json_string_value(json_object_get(st, "state"));
        int want = !only_failed || (state && !strcmp(state, "FAILED"));
        json_decref(st);
        if (!want) continue;
        kc_error terr;
        int rc = restart_task_fn(d, name, i, &terr);
        if (rc == KC_EFORWARD && *terr.msg) {
            kc_buf url = KC_BUF_INIT;
            kc_buf_printf(&url, "%.*s/connectors/", base_len(terr.msg), terr.msg);
            put_segment(&url, name);
            kc_buf_printf(&url, "/tasks/%d/restart?forward=false", i);
            long status = 0;
            if (url.failed || http_request("POST", url.data, NULL, NULL, 0, &status, NULL) || status / 100 != 2)
                KC_WARN(LOGGER, "Restarting task %s-%d on %s: %s", name, i, terr.msg,
                        status ? "refused" : "no answer");
            kc_buf_free(&url);
        } else if (rc) {
            KC_WARN(LOGGER, "Restarting task %s-%d: %s", name, i, terr.msg);
        }
    }
    return KC_OK;
}

/* An internal request's signature checked (sessioned protocol) as Connect checks it. */
static int check_signature(dherder *d, const char *body, size_t body_len, const char *algorithm,
                           const char *signature, kc_error *err) {
    pthread_mutex_lock(&d->lock);
    int16_t version = d->version;
    pthread_mutex_unlock(&d->lock);
    if (version >= 2) { /* sessioned: only a worker holding the session key may write task configs */
        key_call k = {0};
        kc_config_store_read(d->cs, key_fn, &k);
        kc_signature_check check = kc_request_verify(k.key, k.len, body, body_len, algorithm, signature);
        free(k.key);
        switch (check) {
        case KC_SIGNATURE_VALID: break;
        case KC_SIGNATURE_MISSING:
            return kc_error_set(err, KC_EINVAL, "Internal request missing required signature");
        case KC_SIGNATURE_BAD_ALGORITHM:
            return kc_error_set(err, KC_EINVAL, "This worker does not support the signature algorithm %s",
                                algorithm ? algorithm : "");
        case KC_SIGNATURE_NO_KEY:
            return kc_error_set(err, KC_EUNAVAILABLE, "This worker is still starting up and has not been able to "
                                                      "read a session key from the config topic yet");
        case KC_SIGNATURE_INVALID:
            return kc_error_set(err, KC_EFORBIDDEN, "Internal request contained invalid signature.");
        }
    }
    return KC_OK;
}

static int fence_fn(void *self, const char *name, const char *body, size_t body_len, const char *algorithm,
                    const char *signature, kc_error *err) {
    dherder *d = self;
    if (check_signature(d, body, body_len, algorithm, signature, err)) return err->code;
    if (!exists_fn(d, name)) return kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    if (need_leader(d, err)) return err->code;
    return fence_zombies(d, name, err);
}

static int put_task_configs_fn(void *self, const char *name, const char *body, size_t body_len, const char *algorithm,
                               const char *signature, kc_error *err) {
    dherder *d = self;
    if (check_signature(d, body, body_len, algorithm, signature, err)) return err->code;
    json_error_t jerr;
    json_t *configs = json_loadb(body ? body : "", body_len, 0, &jerr);
    int rc = KC_OK;
    if (!json_is_array(configs)) {
        rc = kc_error_set(err, KC_EINVAL, "The task configs must be a JSON array of objects");
    } else {
        size_t i;
        json_t *t;
        json_array_foreach(configs, i, t) if (!json_is_object(t) && !rc)
            rc = kc_error_set(err, KC_EINVAL, "Task config %zu is not a JSON object", i);
    }
    if (!rc && !exists_fn(d, name)) rc = kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    if (!rc && need_leader(d, err)) rc = err->code;
    if (!rc) rc = write_task_configs(d, name, configs, err);
    json_decref(configs);
    return rc;
}

static void free_fn(void *self) {
    dherder *d = self;
    kc_member_stop(d->m); /* leaves the group: the stop callback stops what runs here */
    pthread_mutex_lock(&d->wake_lock);
    d->stopping = 1;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->wake_lock);
    if (d->thread_started) pthread_join(d->thread, NULL);
    pthread_mutex_lock(&d->lock);
    while (d->nlocals) local_drop(d, d->locals[0], "UNASSIGNED");
    status_flush(d);
    pthread_mutex_unlock(&d->lock);
    kc_config_store_close(d->cs);
    kc_status_store_close(d->ss);
    kc_work_free(&d->assigned);
    kc_strlist_free(&d->configured);
    for (size_t i = 0; i < d->nsnap; i++) free(d->snap_names[i]);
    free(d->snap_names);
    free(d->snap);
    free(d->locals);
    free(d->puts);
    free(d->put_strings);
    free(d->leader_url);
    pthread_mutex_destroy(&d->lock);
    pthread_mutex_destroy(&d->wake_lock);
    pthread_cond_destroy(&d->wake);
    free(d);
}

/* ---- set up -------------------------------------------------------------------------------- */

static int64_t setting(const kc_config *cfg, const char *key, int64_t dflt) {
    int64_t v = dflt;
    if (kc_config_get(cfg, key)) kc_config_get_long(cfg, key, &v);
    return v;
}

void kc_distributed_config_check(const kc_config *cfg, kc_strlist *problems) {
    static const char *const required[] = {"bootstrap.servers", "group.id", "config.storage.topic",
                                           "offset.storage.topic", "status.storage.topic", NULL};
    for (const char *const *k = required; *k; k++)
        if (!kc_config_get(cfg, *k) || !*kc_config_get(cfg, *k))
            kc_note(problems, "Missing required configuration \"%s\" which has no default value.", *k);
    /* what the group client speaks (kc_group.h); the librdkafka clients take the same keys */
    const char *sp = kc_config_get(cfg, "security.protocol");
    if (sp && strcasecmp(sp, "PLAINTEXT") && strcasecmp(sp, "SSL") && strcasecmp(sp, "SASL_PLAINTEXT") &&
        strcasecmp(sp, "SASL_SSL"))
        kc_note(problems, "Invalid value %s for configuration security.protocol: String must be one of: PLAINTEXT, "
                          "SSL, SASL_PLAINTEXT, SASL_SSL", sp);
    if (sp && !strncasecmp(sp, "SASL_", 5)) {
        const char *mech = kc_config_get(cfg, "sasl.mechanism");
        if (!mech) mech = "GSSAPI"; /* Connect's default */
        if (strcmp(mech, "PLAIN") && strcmp(mech, "SCRAM-SHA-256") && strcmp(mech, "SCRAM-SHA-512"))
            kc_note(problems, "Invalid value %s for configuration sasl.mechanism: kcd's group client speaks PLAIN, "
                              "SCRAM-SHA-256 and SCRAM-SHA-512", mech);
        char *user = NULL, *password = NULL;
        kc_worker_sasl_credentials(cfg, "", &user, &password);
        if (!user || !password)
            kc_note(problems, "Missing SASL credentials for security.protocol %s: set sasl.jaas.config (a "
                              "PlainLoginModule or ScramLoginModule line with username and password) or "
                              "sasl.username and sasl.password", sp);
        free(user);
        free(password);
    }
    static const char *const java_stores[] = {"ssl.truststore.location", "ssl.keystore.location", NULL};
    for (const char *const *k = java_stores; *k; k++)
        if (kc_config_get(cfg, *k))
            kc_note(problems, "Invalid value %s for configuration %s: kcd reads PEM files, not Java key stores: give "
                              "the CA certificates in ssl.ca.location and a client certificate in "
                              "ssl.certificate.location and ssl.key.location", kc_config_get(cfg, *k), *k);
    const char *proto = kc_config_get(cfg, "connect.protocol");
    if (proto && strcmp(proto, "sessioned") && strcmp(proto, "compatible") && strcmp(proto, "eager"))
        kc_note(problems, "Invalid value %s for configuration connect.protocol: String must be one of: eager, "
                          "compatible, sessioned", proto);
    const char *alg = kc_config_get(cfg, "inter.worker.key.generation.algorithm");
    if (alg && strcmp(alg, KC_SIGNATURE_ALGORITHM))
        kc_note(problems, "Invalid value %s for configuration inter.worker.key.generation.algorithm: kcd makes "
                          "HmacSHA256 keys only", alg);
}

kc_herder *kc_distributed_herder_new(kc_worker *w, kc_error *err) {
    dherder *d = calloc(1, sizeof *d);
    if (!d) {
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    const kc_config *cfg = &w->config;
    d->w = w;
    pthread_mutex_init(&d->lock, NULL);
    pthread_mutex_init(&d->wake_lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    d->key_ttl_ms = setting(cfg, "inter.worker.key.ttl.ms", 3600000);
    d->sync_timeout_ms = setting(cfg, "worker.sync.timeout.ms", 3000);
    if (!(d->h = kc_herder_new(w, NULL, err))) {
        free(d);
        return NULL;
    }
    d->worker_id = kc_herder_worker_id(d->h);
    kc_worker_set_static_member_key(w, d->worker_id); /* before any task starts */
    /* as Connect advertises it (RestServer.advertisedUrl), trailing slash included */
    snprintf(d->url, sizeof d->url, "http://%s/", d->worker_id);
    kc_herder_impl impl = {d,          free_fn,   put_fn,          remove_fn,         set_target_fn, restart_fn,
                           restart_task_fn, reset_topics_fn, alter_offsets_fn, put_task_configs_fn, list_fn, info_fn,
                           status_fn_rest, config_fn, tasks_fn, task_status_fn, topics_fn, offsets_fn, exists_fn,
                           ready_fn, fence_fn};
    d->ss = kc_status_store_open(w, kc_config_get(cfg, "status.storage.topic"),
                                 (int)setting(cfg, "status.storage.partitions", 5),
                                 (int)setting(cfg, "status.storage.replication.factor", 3), err);
    if (d->ss)
        d->cs = kc_config_store_open(w, kc_config_get(cfg, "config.storage.topic"),
                                     (int)setting(cfg, "config.storage.replication.factor", 3), config_changed, d, err);
    d->eos = kc_worker_exactly_once(cfg);
    const char *support = kc_config_get(cfg, "exactly.once.source.support");
    if (d->cs && support && (!strcasecmp(support, "enabled") || !strcasecmp(support, "preparing"))) {
        /* KIP-618: the leader writes its records in transactions of this id */
        char txid[400];
        snprintf(txid, sizeof txid, "connect-cluster-%s", kc_config_get(cfg, "group.id"));
        if (kc_config_store_set_privileged_id(d->cs, txid)) {
            kc_error_set(err, KC_ENOMEM, "out of memory");
            kc_config_store_close(d->cs);
            d->cs = NULL;
        }
    }
    if (!d->ss || !d->cs) {
        kc_status_store_close(d->ss);
        kc_herder_free(d->h);
        free(d);
        return NULL;
    }
    const char *client_id = kc_config_get(cfg, "client.id");
    char cid[400];
    snprintf(cid, sizeof cid, "%s", client_id ? client_id : "kcd-worker");
    kc_group_conf gc = {
        .bootstrap = w->bootstrap,
        .group_id = kc_config_get(cfg, "group.id"),
        .client_id = cid,
        .protocol_type = KC_CONNECT_PROTOCOL_TYPE,
        .session_timeout_ms = (int32_t)setting(cfg, "session.timeout.ms", 10000),
        .rebalance_timeout_ms = (int32_t)setting(cfg, "rebalance.timeout.ms", 60000),
        .request_timeout_ms = (int32_t)setting(cfg, "request.timeout.ms", 40000),
    };
    char *sasl_user = NULL, *sasl_password = NULL;
    kc_group_security_from_config(cfg, &gc.security, &sasl_user, &sasl_password);
    const char *proto = kc_config_get(cfg, "connect.protocol");
    kc_member_callbacks cb = {snapshot_fn, config_offset_fn, catch_up_fn, stop_fn, start_fn, session_fn, joining_fn};
    __atomic_store_n(&w->lease_until_ms, 1, __ATOMIC_RELEASE); /* nothing is written before the first join */
    if (pthread_create(&d->thread, NULL, reconcile_main, d) == 0) d->thread_started = 1;
    /* the herder answers from here on; membership starts last, so its callbacks find it whole */
    kc_herder_set_impl(d->h, &impl);
    kc_member *m = kc_member_start(&gc, proto ? proto : "sessioned", d->url,
                                   (int32_t)setting(cfg, "heartbeat.interval.ms", 3000), &cb, d, err);
    __atomic_store_n(&d->m, m, __ATOMIC_RELEASE);
    kc_group_security_free(sasl_user, sasl_password); /* copied by the group client */
    if (!m || !d->thread_started) {
        if (!d->thread_started) kc_error_set(err, KC_EFATAL, "cannot start the herder's thread");
        kc_herder_free(d->h); /* frees d through free_fn */
        return NULL;
    }
    KC_INFO(LOGGER, "Worker %s joining group %s", d->url, gc.group_id);
    return d->h;
}
