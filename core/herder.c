/* herder.c - what runs on a standalone worker (StandaloneHerder): create, reconfigure, pause,
 * resume, stop, restart, delete; status in Connect's shapes; the store that keeps connectors
 * created at run time across restarts. Starting and stopping what runs is kc_lifecycle.h's. */
#define _GNU_SOURCE
#include "kc_herder.h"
#include "kc_sink_offsets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_converter_int.h"
#include "kc_lifecycle.h"
#include "kc_log.h"
#include "kc_value_int.h"

/* Two locks, so that no REST call waits on Kafka, a plugin or the disk behind another:
 * op_lock is held by each call that changes connectors, for all of it (they run one at a time,
 * and stopping, starting, plugin code and the store's fsync happen under it alone); lock guards
 * what the readers see and is held only while that changes, by the herder and by lifecycle.c
 * (each connector's view_lock). Under op_lock the table and the connectors' configs and targets
 * are stable: only calls holding it change them. */
struct kc_herder {
    kc_worker *w;
    pthread_mutex_t op_lock;
    pthread_mutex_t lock;
    kc_connector **items;
    size_t len, cap;
    char *store_path;
    char worker_id[300];
    char *cluster_id;           /* set once, under lock */
    int cluster_id_asking;      /* a caller is asking Kafka for it */
    int64_t cluster_id_retry_at; /* kc_now_ms: not asked again before this after a failure */
    kc_herder_impl impl; /* distributed mode: every connector call goes there */
};

void kc_herder_set_impl(kc_herder *h, const kc_herder_impl *impl) { h->impl = *impl; }

int kc_herder_ready(kc_herder *h) { return !h->impl.self || h->impl.ready(h->impl.self); }

int kc_herder_put_task_configs(kc_herder *h, const char *name, const char *body, size_t body_len,
                               const char *algorithm, const char *signature, kc_error *err) {
    if (h->impl.self)
        return h->impl.put_task_configs(h->impl.self, name, body, body_len, algorithm, signature, err);
    /* a standalone worker has no internal routes, as Connect's has none */
    return kc_error_set(err, KC_ENOTFOUND, "HTTP 404 Not Found");
}

int kc_herder_fence(kc_herder *h, const char *name, const char *body, size_t body_len, const char *algorithm,
                    const char *signature, kc_error *err) {
    if (h->impl.self) return h->impl.fence(h->impl.self, name, body, body_len, algorithm, signature, err);
    return kc_error_set(err, KC_ENOTFOUND, "HTTP 404 Not Found");
}

void kc_herder_metrics(kc_herder *h, kc_buf *out) { kc_metrics_render(h->w->metrics, out); }

const char *kc_herder_worker_id(kc_herder *h) { return h->worker_id; }

/* How long after a failed lookup GET / answers kafka_cluster_id null without asking again. */
#define CLUSTER_ID_RETRY_MS 10000

const char *kc_herder_cluster_id(kc_herder *h) {
    /* asked of Kafka outside the herder's lock (it may take seconds while Kafka is away), by one
     * caller at a time, and not again within CLUSTER_ID_RETRY_MS of a failure: the others get
     * NULL (kafka_cluster_id null) at once */
    pthread_mutex_lock(&h->lock);
    const char *id = h->cluster_id;
    int ask = !id && !h->cluster_id_asking && kc_now_ms() >= h->cluster_id_retry_at;
    if (ask) h->cluster_id_asking = 1;
    pthread_mutex_unlock(&h->lock);
    if (!ask) return id;
    char errstr[256], *found = NULL;
    kc_error err;
    rd_kafka_conf_t *conf = kc_kafka_conf(h->w, NULL, "producer.", "", "kcd-cluster-id", &err);
    rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr) : NULL;
    if (conf && !rk) rd_kafka_conf_destroy(conf);
    char *got = rk ? rd_kafka_clusterid(rk, 5000) : NULL;
    if (got) {
        found = strdup(got);
        rd_kafka_mem_free(rk, got);
    }
    if (rk) rd_kafka_destroy(rk);
    pthread_mutex_lock(&h->lock);
    h->cluster_id_asking = 0;
    if (found) h->cluster_id = found; /* set once, then never changed: callers keep the pointer */
    else h->cluster_id_retry_at = kc_now_ms() + CLUSTER_ID_RETRY_MS;
    id = h->cluster_id;
    pthread_mutex_unlock(&h->lock);
    return id;
}

static kc_connector *find(kc_herder *h, const char *name) {
    for (size_t i = 0; i < h->len; i++)
        if (strcmp(h->items[i]->name, name) == 0) return h->items[i];
    return NULL;
}

/* ---- the store ---------------------------------------------------------------------------- */

static json_t *config_json(const kc_config *cfg) {
    json_t *o = json_object();
    for (size_t i = 0; i < cfg->len; i++)
        json_object_set_new(o, cfg->items[i].key, cfg->items[i].value ? json_string(cfg->items[i].value) : json_null());
    return o;
}

/* Under op_lock: the table is stable, so it is read without lock, and written and fsynced
 * without keeping readers waiting. */
static void store_save(kc_herder *h) {
    if (!h->store_path) return;
    json_t *arr = json_array();
    for (size_t i = 0; i < h->len; i++)
        json_array_append_new(arr, json_pack("{s:s, s:o, s:s}", "name", h->items[i]->name, "config",
                                             config_json(&h->items[i]->raw), "target_state",
                                             kc_target_name(h->items[i]->target)));
    json_t *root = json_pack("{s:i, s:o}", "version", 1, "connectors", arr);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", h->store_path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600); /* configs may hold secrets */
    int ok = fd >= 0 && json_dumpfd(root, fd, JSON_INDENT(1)) == 0 && fsync(fd) == 0;
    if (fd >= 0) close(fd);
    if (!ok || rename(tmp, h->store_path) != 0)
        KC_ERROR("Herder", "Cannot write the connector store %s: %s", h->store_path, strerror(errno));
    json_decref(root);
}

int kc_herder_load_store(kc_herder *h, const kc_config *given, int ngiven, char *given_used, kc_strlist *problems) {
    if (!h->store_path) return KC_OK;
    json_error_t jerr;
    json_t *root = json_load_file(h->store_path, 0, &jerr);
    if (!root) {
        if (access(h->store_path, F_OK) == 0)
            kc_note(problems, "connector store %s: %s at line %d", h->store_path, jerr.text, jerr.line);
        return KC_OK;
    }
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(root, "connectors"), i, item) {
        kc_config raw = {0};
        const char *k;
        json_t *v;
        int failed = 0;
        json_object_foreach(json_object_get(item, "config"), k, v)
            if (json_is_string(v) && kc_config_set(&raw, k, json_string_value(v))) failed = 1;
        if (failed) {
            kc_note(problems, "kept connector %s: out of memory", json_string_value(json_object_get(item, "name")));
            kc_config_free(&raw);
            continue;
        }
        kc_target_state target = KC_TARGET_STARTED;
        kc_target_parse(json_string_value(json_object_get(item, "target_state")), &target);
        const kc_config *use = &raw;
        const char *name = kc_config_get(&raw, "name");
        for (int g = 0; name && g < ngiven; g++) {
            const char *gname = kc_config_get(&given[g], "name");
            if (gname && !strcmp(gname, name)) {
                use = &given[g]; /* the command line's config, the kept target state */
                if (given_used) given_used[g] = 1;
            }
        }
        int created;
        kc_error err;
        kc_strlist p = {0};
        if (kc_herder_put(h, use, target, 1, &created, &p, &err))
            kc_note(problems, "kept connector %s: %s", json_string_value(json_object_get(item, "name")),
                            p.len ? p.items[0] : err.msg);
        kc_strlist_free(&p);
        kc_config_free(&raw);
    }
    json_decref(root);
    return KC_OK;
}

/* ---- herder ------------------------------------------------------------------------------- */

kc_herder *kc_herder_new(kc_worker *w, const char *store_path, kc_error *err) {
    kc_herder *h = calloc(1, sizeof *h);
    if (!h || (store_path && !(h->store_path = strdup(store_path)))) {
        free(h);
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    h->w = w;
    pthread_mutex_init(&h->op_lock, NULL);
    pthread_mutex_init(&h->lock, NULL);
    /* worker_id = advertised host:port, else the first listener's */
    const char *host = kc_config_get(&w->config, "rest.advertised.host.name");
    const char *port = kc_config_get(&w->config, "rest.advertised.port");
    kc_strlist listeners = {0};
    if (kc_list_split(kc_config_get(&w->config, "listeners"), &listeners)) {
        kc_strlist_free(&listeners);
        pthread_mutex_destroy(&h->op_lock);
        pthread_mutex_destroy(&h->lock);
        free(h->store_path);
        free(h);
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    char lhost[256] = "127.0.0.1", lport[16] = "8083";
    if (listeners.len) {
        const char *l = strstr(listeners.items[0], "://");
        l = l ? l + 3 : listeners.items[0];
        const char *colon = strrchr(l, ':');
        if (colon) {
            if (colon > l) snprintf(lhost, sizeof lhost, "%.*s", (int)(colon - l), l);
            snprintf(lport, sizeof lport, "%s", colon + 1);
        }
    }
    kc_strlist_free(&listeners);
    snprintf(h->worker_id, sizeof h->worker_id, "%s:%s", host ? host : lhost, port ? port : lport);
    return h;
}

void kc_herder_free(kc_herder *h) {
    if (!h) return;
    if (h->impl.self) h->impl.free(h->impl.self);
    __atomic_store_n(&h->w->stopping, 1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&h->op_lock);
    size_t n = h->len;
    for (size_t i = 0; i < n; i++) kc_connector_halt(h->items[i]);
    pthread_mutex_lock(&h->lock); /* no reader finds them from here on */
    h->len = 0;
    pthread_mutex_unlock(&h->lock);
    for (size_t i = 0; i < n; i++) /* halted: no task left; one that would not stop keeps its memory */
        if (!h->items[i]->ntasks) kc_connector_free(h->items[i]);
    free(h->items);
    h->items = NULL;
    pthread_mutex_unlock(&h->op_lock);
    pthread_mutex_destroy(&h->op_lock);
    pthread_mutex_destroy(&h->lock);
    free(h->cluster_id);
    free(h->store_path);
    free(h);
}

int kc_herder_exists(kc_herder *h, const char *name) {
    if (h->impl.self) return h->impl.exists(h->impl.self, name);
    pthread_mutex_lock(&h->lock);
    int e = find(h, name) != NULL;
    pthread_mutex_unlock(&h->lock);
    return e;
}

/* Room in h's table for one more connector (under op_lock); -1 when out of memory. */
static int table_reserve(kc_herder *h) {
    if (h->len < h->cap) return 0;
    size_t cap = h->cap ? h->cap * 2 : 8;
    pthread_mutex_lock(&h->lock); /* realloc moves the table readers walk */
    kc_connector **items = realloc(h->items, cap * sizeof *items);
    if (items) {
        h->items = items;
        h->cap = cap;
    }
    pthread_mutex_unlock(&h->lock);
    return items ? 0 : -1;
}

int kc_herder_put(kc_herder *h, const kc_config *raw, kc_target_state initial, int allow_replace, int *created,
                  kc_strlist *problems, kc_error *err) {
    if (h->impl.self) return h->impl.put(h->impl.self, raw, initial, allow_replace, created, problems, err);
    kc_config cfg = {0}, shown = {0};
    kc_resolved resolved = {0};
    const kc_plugin *plugin = NULL;
    kc_strlist warnings = {0};
    int rc = KC_OK;
    /* everything that can fail for want of memory happens before the old connector stops, so a
     * failed request leaves it as it was */
    if (kc_config_copy(&cfg, raw) || kc_config_copy(&shown, raw)) {
        rc = kc_error_set(err, KC_ENOMEM, "out of memory");
        goto out;
    }
    kc_connector_config_check(h->w, &cfg, &plugin, &resolved, problems, &warnings);
    for (size_t i = 0; i < warnings.len; i++) KC_WARN("Herder", "%s", warnings.items[i]);
    if (kc_problems_found(problems)) {
        rc = problems->len ? kc_error_set(err, KC_EINVAL, "Connector configuration is invalid")
                           : kc_error_set(err, KC_ENOMEM, "out of memory while checking the configuration");
        goto out;
    }
    const char *name = kc_config_get(&cfg, "name");
    if (!kc_config_get(&shown, "name") && kc_config_set(&shown, "name", name)) {
        rc = kc_error_set(err, KC_ENOMEM, "out of memory");
        goto out;
    }
    int64_t max_connectors = 1000;
    kc_config_get_long(&h->w->config, "max.connectors", &max_connectors);
    pthread_mutex_lock(&h->op_lock);
    kc_connector *c = find(h, name), *fresh = NULL;
    if (c && !allow_replace) {
        rc = kc_error_set(err, KC_EEXIST, "Connector %s already exists", name);
    } else if (!c && (int64_t)h->len >= max_connectors) {
        rc = kc_error_set(err, KC_EINVAL, "This worker runs %zu connectors, its max.connectors: delete one before "
                                          "creating %s", h->len, name);
    } else if (!c && (table_reserve(h) || !(fresh = kc_connector_new(h->w, name, plugin, initial)))) {
        rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    } else if (kc_log_secrets_add(&resolved.secrets)) {
        kc_log_secrets_remove(&resolved.secrets);
        rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    } else if (c && kc_connector_halt(c)) { /* reconfigure: stop with the old config, start with the new */
        kc_log_secrets_remove(&resolved.secrets);
        rc = kc_error_set(err, KC_EFATAL, "Connector %s did not stop in time to be reconfigured", name);
    } else {
        *created = !c;
        kc_config old_raw = {0}, old_config = {0};
        kc_resolved old_resolved = {0};
        if (c) {
            KC_INFO(c->ctx.logger, "Reconfiguring connector %s", name);
            old_raw = c->raw, old_config = c->config, old_resolved = c->resolved;
        } else {
            c = fresh;
            fresh = NULL;
            c->view_lock = &h->lock;
        }
        pthread_mutex_lock(&h->lock); /* readers see the new config at once, and a new connector whole */
        c->plugin = plugin;
        c->raw = shown;
        c->config = cfg;
        c->resolved = resolved;
        if (*created) h->items[h->len++] = c;
        pthread_mutex_unlock(&h->lock);
        memset(&shown, 0, sizeof shown);
        memset(&cfg, 0, sizeof cfg);
        memset(&resolved, 0, sizeof resolved);
        kc_log_secrets_remove(&old_resolved.secrets);
        kc_resolved_free(&old_resolved);
        kc_config_free(&old_raw);
        kc_config_free(&old_config);
        kc_connector_run(c);
        store_save(h);
    }
    if (fresh) kc_connector_free(fresh);
    pthread_mutex_unlock(&h->op_lock);
out:
    kc_strlist_free(&warnings);
    kc_resolved_free(&resolved);
    kc_config_free(&shown);
    kc_config_free(&cfg);
    return rc;
}

int kc_herder_delete(kc_herder *h, const char *name, kc_error *err) {
    if (h->impl.self) return h->impl.remove(h->impl.self, name, err);
    pthread_mutex_lock(&h->op_lock);
    kc_connector *c = find(h, name);
    int rc = KC_OK;
    if (!c) {
        rc = kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    } else if (kc_connector_halt(c)) {
        rc = kc_error_set(err, KC_EFATAL, "Connector %s did not stop in time", name);
    } else {
        pthread_mutex_lock(&h->lock);
        for (size_t i = 0; i < h->len; i++)
            if (h->items[i] == c) h->items[i] = h->items[--h->len];
        pthread_mutex_unlock(&h->lock);
        KC_INFO("Herder", "Deleted connector %s", name);
        kc_connector_free(c);
        store_save(h);
    }
    pthread_mutex_unlock(&h->op_lock);
    return rc;
}

int kc_herder_set_target(kc_herder *h, const char *name, kc_target_state target, kc_error *err) {
    if (h->impl.self) return h->impl.set_target(h->impl.self, name, target, err);
    pthread_mutex_lock(&h->op_lock);
    kc_connector *c = find(h, name);
    int rc = KC_OK;
    if (!c) {
        rc = kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    } else if (c->target != target) {
        kc_target_state old = c->target;
        pthread_mutex_lock(&h->lock);
        c->target = target;
        pthread_mutex_unlock(&h->lock);
        if (target == KC_TARGET_STOPPED) {
            if (kc_connector_halt(c)) rc = kc_error_set(err, KC_EFATAL, "Connector %s did not stop in time", name);
            else kc_connector_set_status(c, KC_STATE_STOPPED);
        } else if (old == KC_TARGET_STOPPED || (target == KC_TARGET_STARTED && !c->tasks_generated)) {
            kc_connector_run(c); /* from STOPPED, or the first resume of a connector created PAUSED */
        } else { /* STARTED <-> PAUSED: the tasks keep running and stop or start moving records */
            for (int i = 0; i < c->ntasks; i++) {
                __atomic_store_n(&c->tasks[i].ctx.paused, target == KC_TARGET_PAUSED, __ATOMIC_RELEASE);
                kc_task_wake(&c->tasks[i]);
            }
            if (c->status != KC_STATE_FAILED)
                kc_connector_set_status(c, target == KC_TARGET_PAUSED ? KC_STATE_PAUSED : KC_STATE_RUNNING);
        }
        KC_INFO(c->ctx.logger, "Connector %s target state %s", name, kc_target_name(target));
        store_save(h);
    }
    pthread_mutex_unlock(&h->op_lock);
    return rc;
}

int kc_herder_restart(kc_herder *h, const char *name, int include_tasks, int only_failed, kc_error *err) {
    if (h->impl.self) return h->impl.restart(h->impl.self, name, include_tasks, only_failed, err);
    pthread_mutex_lock(&h->op_lock);
    kc_connector *c = find(h, name);
    int rc = KC_OK;
    if (!c) {
        rc = kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    } else if (!include_tasks) {
        if (!only_failed || c->status == KC_STATE_FAILED) { /* the connector instance only */
            kc_connector_stop_instance(c);
            if (c->target != KC_TARGET_STOPPED && !c->ntasks) {
                kc_connector_run(c);
            } else if (c->target != KC_TARGET_STOPPED && kc_connector_start_instance(c, err)) {
                /* failed: kc_connector_start_instance said why */
            } else {
                kc_connector_set_status(c, c->target == KC_TARGET_STOPPED  ? KC_STATE_STOPPED
                                           : c->target == KC_TARGET_PAUSED ? KC_STATE_PAUSED
                                                                           : KC_STATE_RUNNING);
            }
        }
    } else if (!only_failed || c->status == KC_STATE_FAILED) {
        if (kc_connector_halt(c)) rc = kc_error_set(err, KC_EFATAL, "Connector %s did not stop in time", name);
        else kc_connector_run(c);
    } else {
        for (int i = 0; i < c->ntasks && !rc; i++)
            if (c->tasks[i].state == KC_STATE_FAILED) rc = kc_task_restart(c, i, err);
    }
    pthread_mutex_unlock(&h->op_lock);
    return rc;
}

int kc_herder_restart_task(kc_herder *h, const char *name, int task, kc_error *err) {
    if (h->impl.self) return h->impl.restart_task(h->impl.self, name, task, err);
    pthread_mutex_lock(&h->op_lock);
    kc_connector *c = find(h, name);
    int rc;
    if (!c) rc = kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    else if (task < 0 || task >= c->ntasks) rc = kc_error_set(err, KC_ENOTFOUND, "Task %s-%d not found", name, task);
    else rc = kc_task_restart(c, task, err);
    pthread_mutex_unlock(&h->op_lock);
    return rc;
}

int kc_herder_reset_topics(kc_herder *h, const char *name, kc_error *err) {
    if (h->impl.self) return h->impl.reset_topics(h->impl.self, name, err);
    pthread_mutex_lock(&h->op_lock);
    kc_connector *c = find(h, name);
    int rc = KC_OK;
    if (!c) {
        rc = kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    } else {
        kc_connector_reset_topics(c);
    }
    pthread_mutex_unlock(&h->op_lock);
    return rc;
}

/* ---- readers ------------------------------------------------------------------------------ */

static const char *type_name(const kc_connector *c) {
    return c->plugin->desc->kind == KC_PLUGIN_SOURCE ? "source" : c->plugin->desc->kind == KC_PLUGIN_SINK ? "sink"
                                                                                                        : "unknown";
}

json_t *kc_herder_list(kc_herder *h) {
    if (h->impl.self) return h->impl.list(h->impl.self);
    pthread_mutex_lock(&h->lock);
    json_t *a = json_array();
    for (size_t i = 0; i < h->len; i++) json_array_append_new(a, json_string(h->items[i]->name));
    pthread_mutex_unlock(&h->lock);
    return a;
}

static json_t *info_locked(kc_connector *c) {
    json_t *tasks = json_array();
    for (int i = 0; i < c->ntasks; i++) json_array_append_new(tasks, json_pack("{s:s, s:i}", "connector", c->name, "task", i));
    return json_pack("{s:s, s:o, s:o, s:s}", "name", c->name, "config", config_json(&c->raw), "tasks", tasks, "type",
                     type_name(c));
}

json_t *kc_herder_info(kc_herder *h, const char *name) {
    if (h->impl.self) return h->impl.info(h->impl.self, name);
    pthread_mutex_lock(&h->lock);
    kc_connector *c = find(h, name);
    json_t *j = c ? info_locked(c) : NULL;
    pthread_mutex_unlock(&h->lock);
    return j;
}

static json_t *task_state_json(kc_herder *h, kc_task *t) {
    kc_state s = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
    json_t *j = json_pack("{s:i, s:s, s:s}", "id", t->id, "state", kc_state_name(s), "worker_id", h->worker_id);
    if (s == KC_STATE_FAILED && t->trace[0]) json_object_set_new(j, "trace", json_string(t->trace));
    char problem[sizeof t->problem];
    if (s == KC_STATE_RUNNING && (kc_task_problem(t, problem, sizeof problem), problem[0]))
        json_object_set_new(j, "trace", json_string(problem)); /* running, with something to look at */
    return j;
}

json_t *kc_herder_status(kc_herder *h, const char *name) {
    if (h->impl.self) return h->impl.status(h->impl.self, name);
    pthread_mutex_lock(&h->lock);
    kc_connector *c = find(h, name);
    json_t *j = NULL;
    if (c) {
        json_t *conn = json_pack("{s:s, s:s}", "state", kc_state_name(c->status), "worker_id", h->worker_id);
        if (c->status == KC_STATE_FAILED && c->trace[0]) json_object_set_new(conn, "trace", json_string(c->trace));
        json_t *tasks = json_array();
        for (int i = 0; i < c->ntasks; i++) json_array_append_new(tasks, task_state_json(h, &c->tasks[i]));
        j = json_pack("{s:s, s:o, s:o, s:s}", "name", c->name, "connector", conn, "tasks", tasks, "type", type_name(c));
    }
    pthread_mutex_unlock(&h->lock);
    return j;
}

json_t *kc_herder_config(kc_herder *h, const char *name) {
    if (h->impl.self) return h->impl.config(h->impl.self, name);
    pthread_mutex_lock(&h->lock);
    kc_connector *c = find(h, name);
    json_t *j = c ? config_json(&c->raw) : NULL;
    pthread_mutex_unlock(&h->lock);
    return j;
}

/* A task's config as REST shows it, as Connect's: what the connector gave the task, with the
 * task.class Connect's worker adds, and without the defaults kcd filled in for the connector
 * (a key the user did not write, with the connector's value). A key the user filled from a
 * config provider shows the reference as written (Connect's reverse transform); any other value
 * that carries what a provider gave is masked. */
static json_t *task_config_json(const kc_connector *c, const kc_config *cfg) {
    json_t *o = json_object();
    for (size_t i = 0; o && i < cfg->len; i++) {
        const char *k = cfg->items[i].key, *v = cfg->items[i].value;
        const char *filled = kc_config_get(&c->config, k);
        if (!kc_config_get(&c->raw, k) && v && filled && !strcmp(v, filled)) continue;
        const char *as_written = kc_strlist_has(&c->resolved.keys, k) ? kc_config_get(&c->raw, k) : NULL;
        char *masked = v && !as_written ? kc_redacted(v, &c->resolved.secrets) : NULL;
        json_t *jv = as_written ? json_string(as_written) : masked ? json_string(masked) : v ? NULL : json_null();
        free(masked);
        if (!jv || json_object_set_new(o, k, jv)) {
            json_decref(o);
            return NULL;
        }
    }
    char task_class[512];
    kc_plugin_task_class(c->plugin, task_class, sizeof task_class);
    if (o && !json_object_get(o, "task.class") && json_object_set_new(o, "task.class", json_string(task_class))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *kc_herder_tasks(kc_herder *h, const char *name) {
    if (h->impl.self) return h->impl.tasks(h->impl.self, name);
    pthread_mutex_lock(&h->lock);
    kc_connector *c = find(h, name);
    json_t *j = NULL;
    if (c) {
        j = json_array();
        for (int i = 0; j && i < c->ntasks; i++) {
            json_t *t = json_pack("{s:{s:s, s:i}, s:o}", "id", "connector", c->name, "task", i, "config",
                                  task_config_json(c, &c->tasks[i].config));
            if (!t || json_array_append_new(j, t)) {
                json_decref(j);
                j = NULL;
            }
        }
    }
    pthread_mutex_unlock(&h->lock);
    return j;
}

json_t *kc_herder_task_status(kc_herder *h, const char *name, int task) {
    if (h->impl.self) return h->impl.task_status(h->impl.self, name, task);
    pthread_mutex_lock(&h->lock);
    kc_connector *c = find(h, name);
    json_t *j = c && task >= 0 && task < c->ntasks ? task_state_json(h, &c->tasks[task]) : NULL;
    pthread_mutex_unlock(&h->lock);
    return j;
}

json_t *kc_herder_topics(kc_herder *h, const char *name) {
    if (h->impl.self) return h->impl.topics(h->impl.self, name);
    pthread_mutex_lock(&h->lock);
    kc_connector *c = find(h, name);
    json_t *j = NULL;
    if (c) {
        json_t *topics = json_array();
        pthread_mutex_lock(&c->topics_lock);
        for (size_t i = 0; i < c->topics.len; i++) json_array_append_new(topics, json_string(c->topics.items[i]));
        pthread_mutex_unlock(&c->topics_lock);
        j = json_pack("{s:{s:o}}", c->name, "topics", topics);
    }
    pthread_mutex_unlock(&h->lock);
    return j;
}

/* ---- offsets (source connectors: the offset store) ---------------------------------------- */

/* Masks what providers gave in every string of j: a plugin may key its offsets by a value from
 * its config (the file source by its file name). Returns -1 when out of memory. */
static int json_redact(json_t *j, const kc_strlist *secrets) {
    if (!secrets->len) return 0;
    if (json_is_string(j)) {
        char *masked = kc_redacted(json_string_value(j), secrets);
        int rc = masked ? json_string_set(j, masked) : -1;
        free(masked);
        return rc;
    }
    size_t i;
    const char *k;
    json_t *v;
    if (json_is_array(j)) json_array_foreach(j, i, v) if (json_redact(v, secrets)) return -1;
    if (json_is_object(j)) json_object_foreach(j, k, v) if (json_redact(v, secrets)) return -1;
    return 0;
}

/* A sink's offsets, from its consumer group: under op_lock, which keeps the connector, and not
 * the view's lock, which a broker round trip must not hold. NULL: no such sink; an array, or
 * the error's JSON when the broker did not answer. */
static json_t *sink_offsets(kc_herder *h, const char *name, int *is_sink) {
    pthread_mutex_lock(&h->op_lock);
    kc_connector *c = find(h, name);
    *is_sink = c && c->plugin->desc->kind == KC_PLUGIN_SINK;
    json_t *j = NULL;
    if (*is_sink) j = kc_sink_offsets_answer(h->w, name);
    pthread_mutex_unlock(&h->op_lock);
    return j;
}

json_t *kc_herder_offsets(kc_herder *h, const char *name) {
    if (h->impl.self) return h->impl.offsets(h->impl.self, name);
    int is_sink = 0;
    json_t *sink = sink_offsets(h, name, &is_sink);
    if (is_sink) return sink;
    pthread_mutex_lock(&h->lock);
    kc_connector *c = find(h, name);
    json_t *j = NULL;
    if (c) {
        j = json_array();
        kc_offset_store *store = h->w->offsets;
        if (store && c->plugin->desc->kind == KC_PLUGIN_SOURCE) {
            /* the store is keyed by connector; walk it through its JSON file form */
            kc_strlist keys = {0}, values = {0};
            if (kc_offset_store_list(store, c->name, &keys, &values)) { /* a partial list would be a wrong one */
                json_decref(j);
                j = NULL;
            }
            for (size_t i = 0; i < keys.len; i++) {
                json_t *p = json_loads(keys.items[i], JSON_DECODE_ANY, NULL);
                json_t *o = json_loads(values.items[i], JSON_DECODE_ANY, NULL);
                json_array_append_new(j, json_pack("{s:O, s:o}", "partition", json_array_get(p, 1), "offset",
                                                   o ? o : json_null()));
                json_decref(p);
            }
            kc_strlist_free(&keys);
            kc_strlist_free(&values);
        }
        j = json_pack("{s:o}", "offsets", j);
        if (json_redact(j, &c->resolved.secrets)) {
            json_decref(j);
            j = NULL;
        }
    }
    pthread_mutex_unlock(&h->lock);
    return j;
}

int kc_herder_alter_offsets(kc_herder *h, const char *name, const json_t *body, kc_error *err) {
    if (h->impl.self) return h->impl.alter_offsets(h->impl.self, name, body, err);
    pthread_mutex_lock(&h->op_lock); /* the offsets file's fsync keeps no reader waiting */
    kc_connector *c = find(h, name);
    int rc = KC_OK;
    json_t *list = body ? json_object_get(body, "offsets") : NULL;
    if (!c) {
        rc = kc_error_set(err, KC_ENOTFOUND, "Connector %s not found", name);
    } else if (c->target != KC_TARGET_STOPPED || c->ntasks) {
        rc = kc_error_set(err, KC_ESTATE, "Connectors must be in the STOPPED state before their offsets can be "
                                          "modified. This can be done for the specified connector by issuing a "
                                          "'PUT' request to the '/connectors/%s/stop' endpoint", name);
    } else if (body && (!json_is_array(list) || json_array_size(list) == 0)) {
        rc = kc_error_set(err, KC_EINVAL, "The 'offsets' field must be a non-empty list of partition/offset pairs");
    } else if (c->plugin->desc->kind == KC_PLUGIN_SINK) { /* the consumer group's, on the broker */
        rc = body ? kc_sink_offsets_alter(h->w, name, list, err) : kc_sink_offsets_reset(h->w, name, err);
    } else if (!h->w->offsets) {
        rc = kc_error_set(err, KC_EINVAL, "No offset store is configured");
    } else if (!body) {
        kc_strlist keys = {0}, values = {0};
        if (kc_offset_store_list(h->w->offsets, c->name, &keys, &values))
            rc = kc_error_set(err, KC_ENOMEM, "out of memory: no offset was reset");
        for (size_t i = 0; !rc && i < keys.len; i++) {
            json_t *k = json_loads(keys.items[i], JSON_DECODE_ANY, NULL);
            kc_value p = KC_VALUE_NULL_INIT;
            if (k && kc_json_to_value(json_array_get(k, 1), &p, NULL) == KC_OK)
                kc_offset_store_put(h->w->offsets, c->name, &p, NULL);
            kc_value_clear(&p);
            json_decref(k);
        }
        kc_strlist_free(&keys);
        kc_strlist_free(&values);
        if (!rc) rc = kc_offset_store_flush(h->w->offsets, err);
    } else {
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item) {
            json_t *pj = json_object_get(item, "partition"), *oj = json_object_get(item, "offset");
            if (!json_is_object(pj) || (oj && !json_is_object(oj) && !json_is_null(oj))) {
                rc = kc_error_set(err, KC_EINVAL, "offsets[%zu]: 'partition' must be an object and 'offset' an "
                                                  "object or null", i);
                break;
            }
        }
        json_array_foreach(list, i, item) {
            if (rc) break;
            kc_value p = KC_VALUE_NULL_INIT, o = KC_VALUE_NULL_INIT;
            json_t *oj = json_object_get(item, "offset");
            kc_json_to_value(json_object_get(item, "partition"), &p, NULL);
            if (oj && !json_is_null(oj)) kc_json_to_value(oj, &o, NULL);
            kc_offset_store_put(h->w->offsets, c->name, &p, o.type == KC_VAL_NULL ? NULL : &o);
            kc_value_clear(&p);
            kc_value_clear(&o);
        }
        if (!rc) rc = kc_offset_store_flush(h->w->offsets, err);
    }
    pthread_mutex_unlock(&h->op_lock);
    return rc;
}

/* ---- plugins and validation --------------------------------------------------------------- */

json_t *kc_herder_plugins(kc_herder *h, int connectors_only) {
    json_t *a = json_array();
    const kc_registry *r = &h->w->registry;
    for (size_t i = 0; i < r->len; i++) {
        const kc_plugin_desc *d = r->items[i].desc;
        if (connectors_only && d->kind != KC_PLUGIN_SOURCE && d->kind != KC_PLUGIN_SINK) continue;
        /* a transformation's $Key and $Value variants are two classes to Connect, listed apart */
        int variants = 0;
        for (size_t k = 0; d->kind == KC_PLUGIN_TRANSFORM && d->aliases && d->aliases[k]; k++) {
            if (!strchr(d->aliases[k], '$')) continue;
            variants++;
            json_t *p = json_pack("{s:s, s:s}", "class", d->aliases[k], "type", kc_plugin_kind_name(d->kind));
            if (d->version) json_object_set_new(p, "version", json_string(d->version));
            json_array_append_new(a, p);
        }
        if (variants) continue;
        /* a converter serves headers too: Connect lists it once as each */
        for (int as_header = 0; as_header <= (d->kind == KC_PLUGIN_CONVERTER); as_header++) {
            json_t *p = json_pack("{s:s, s:s}", "class", kc_plugin_class(&r->items[i]), "type",
                                  kc_plugin_kind_name(as_header ? KC_PLUGIN_HEADER_CONVERTER : d->kind));
            if (d->version) json_object_set_new(p, "version", json_string(d->version));
            json_array_append_new(a, p);
        }
    }
    return a;
}

static const kc_plugin *find_any(kc_herder *h, const char *name) {
    return kc_registry_find(&h->w->registry, name, 0);
}

const kc_plugin *kc_herder_find_connector_plugin(kc_herder *h, const char *name) {
    const kc_plugin *p = kc_registry_find(&h->w->registry, name, KC_PLUGIN_SOURCE);
    return p ? p : kc_registry_find(&h->w->registry, name, KC_PLUGIN_SINK);
}

static const char *importance_name(kc_config_importance i) {
    return i == KC_IMPORTANCE_HIGH ? "HIGH" : i == KC_IMPORTANCE_MEDIUM ? "MEDIUM" : "LOW";
}

/* How Connect 4.1's ConnectorConfig, SinkConnectorConfig and SourceConnectorConfig present the
 * settings every connector has (what UIs lay their forms out by): display name, width, order
 * within the group, and where Connect's group or type differs from kcd's table. */
typedef struct connect_key_info {
    const char *name, *display, *width;
    int order;
    const char *group; /* NULL: kcd's */
    const char *type;  /* NULL: kcd's */
} connect_key_info;

static const connect_key_info connect_keys[] = {
    {"name", "Connector name", "MEDIUM", 1, NULL, NULL},
    {"connector.class", "Connector class", "LONG", 2, NULL, NULL},
    {"connector.plugin.version", "Connector version", "MEDIUM", 3, NULL, NULL},
    {"tasks.max", "Tasks max", "SHORT", 4, NULL, NULL},
    {"tasks.max.enforce", "Enforce tasks max", "SHORT", 5, NULL, NULL},
    {"key.converter", "Key converter class", "SHORT", 6, NULL, NULL},
    {"key.converter.plugin.version", "Key converter version", "SHORT", 7, NULL, NULL},
    {"value.converter", "Value converter class", "SHORT", 8, NULL, NULL},
    {"value.converter.plugin.version", "Value converter version", "SHORT", 9, NULL, NULL},
    {"header.converter", "Header converter class", "SHORT", 10, NULL, NULL},
    {"header.converter.plugin.version", "Header converter version", "SHORT", 11, NULL, NULL},
    {"transforms", "Transforms", "LONG", 12, NULL, NULL},
    {"predicates", "Predicates", "LONG", 13, NULL, NULL},
    {"config.action.reload", "Reload Action", "MEDIUM", 14, NULL, NULL},
    {"errors.retry.timeout", "Retry Timeout for Errors", "MEDIUM", 1, NULL, NULL},
    {"errors.retry.delay.max.ms", "Maximum Delay Between Retries for Errors", "MEDIUM", 2, NULL, NULL},
    {"errors.tolerance", "Error Tolerance", "SHORT", 3, NULL, NULL},
    {"errors.log.enable", "Log Errors", "SHORT", 4, NULL, NULL},
    {"errors.log.include.messages", "Log Error Details", "SHORT", 5, NULL, NULL},
    {"topics", "Topics", "LONG", 4, NULL, NULL},
    {"topics.regex", "Topics regex", "LONG", 4, NULL, NULL},
    {"errors.deadletterqueue.topic.name", "Dead Letter Queue Topic Name", "MEDIUM", 6, NULL, NULL},
    {"errors.deadletterqueue.topic.replication.factor", "Dead Letter Queue Topic Replication Factor", "MEDIUM", 7,
     NULL, "SHORT"},
    {"errors.deadletterqueue.context.headers.enable", "Enable Error Context Headers", "MEDIUM", 8, NULL, NULL},
    {"topic.creation.groups", "Topic Creation Groups", "LONG", 1, NULL, NULL},
    {"exactly.once.support", "Exactly once support", "SHORT", 2, NULL, NULL},
    {"transaction.boundary", "Transaction Boundary", "SHORT", 3, NULL, NULL},
    {"transaction.boundary.interval.ms", "Transaction boundary interval", "SHORT", 4, NULL, NULL},
    {"offsets.storage.topic", "Offsets topic", "LONG", 1, "offsets.topic", NULL},
    {NULL, NULL, NULL, 0, NULL, NULL},
};

static const connect_key_info *connect_key(const char *name) {
    for (const connect_key_info *k = connect_keys; k->name; k++)
        if (!strcmp(k->name, name)) return k;
    return NULL;
}

/* A ConfigKeyInfo. A worker-wide setting Connect also has looks as Connect shows it; a plugin's
 * setting without a group as Connect shows a ConfigDef key declared without one (no group, order
 * -1, its name for display); other plugin settings in their group, in table order, with a
 * display name made from the key ("tasks.max" -> "Tasks max"). default_value: NULL, the def's. */
static json_t *definition_json(const kc_config_def *d, const char *prefix, const char *group, int order,
                               const char *default_value) {
    char name[512], display[512];
    snprintf(name, sizeof name, "%s%s", prefix, d->name);
    const connect_key_info *ck = *prefix ? NULL : connect_key(d->name);
    const char *width = "NONE", *type = kc_config_type_name(d->type);
    if (!default_value) default_value = d->default_value;
    if (ck) {
        snprintf(display, sizeof display, "%s", ck->display);
        width = ck->width;
        order = ck->order;
        if (ck->group) group = ck->group;
        if (ck->type) type = ck->type;
    } else if (!group && !d->group) {
        snprintf(display, sizeof display, "%s", name);
        order = -1;
    } else {
        snprintf(display, sizeof display, "%s", d->name);
        for (char *p = display; *p; p++)
            if (*p == '.' || *p == '_') *p = ' ';
        if (display[0] >= 'a' && display[0] <= 'z') display[0] = (char)(display[0] - 32);
    }
    if (!group) group = d->group;
    json_t *j = json_pack("{s:s, s:s, s:b, s:s?, s:s, s:s, s:s?, s:i, s:s, s:s, s:[]}", "name", name, "type", type,
                          "required", (d->flags & KC_CFG_F_REQUIRED) != 0, "default_value", default_value, "importance",
                          importance_name(d->importance), "documentation", d->doc ? d->doc : "", "group", group,
                          "order", order, "width", width, "display_name", display, "dependents");
    if (j && !default_value) json_object_set_new(j, "default_value", json_null());
    if (j && !group) json_object_set_new(j, "group", json_null());
    return j;
}

/* The default REST shows for a worker-wide connector setting whose default is the worker's or a
 * plugin's: the converters the worker sets, the plugins' versions. NULL: the def's. cfg: the
 * connector's config, or NULL (a plugin's /config). */
static const char *shown_default(kc_herder *h, const kc_plugin *p, const char *key, const kc_config *cfg) {
    if (!strcmp(key, "connector.plugin.version")) return p->desc->version;
    for (int i = 0; i < KC_CONVERTER_ROLES; i++) {
        size_t n = strlen(kc_converter_keys[i]);
        if (strncmp(key, kc_converter_keys[i], n)) continue;
        if (!key[n]) return kc_config_get(&h->w->config, kc_converter_keys[i]);
        if (strcmp(key + n, ".plugin.version")) return NULL;
        const kc_plugin *c = kc_connector_converter(h->w, cfg, kc_converter_keys[i]);
        return c ? c->desc->version : NULL;
    }
    return NULL;
}

json_t *kc_herder_plugin_config(kc_herder *h, const char *plugin) {
    const kc_plugin *p = find_any(h, plugin);
    if (!p) return NULL;
    json_t *a = json_array();
    int connector = p->desc->kind == KC_PLUGIN_SOURCE || p->desc->kind == KC_PLUGIN_SINK;
    /* a connector's: the settings every connector has too, as Connect 4.1 lists them */
    const kc_config_def *tables[3] = {connector ? kc_connector_common_defs : NULL,
                                      !connector                         ? NULL
                                      : p->desc->kind == KC_PLUGIN_SINK ? kc_sink_common_defs
                                                                        : kc_source_common_defs,
                                      p->desc->config};
    for (int t = 0; t < 3; t++) {
        int order = 0;
        for (const kc_config_def *d = tables[t]; d && d->name; d++)
            if (!(d->flags & KC_CFG_F_PREFIX))
                json_array_append_new(a, definition_json(d, "", NULL, ++order,
                                                         /* no worker's converters here, as in Connect's */
                                                         t < 2 && !strcmp(d->name, "connector.plugin.version")
                                                             ? shown_default(h, p, d->name, NULL)
                                                             : NULL));
    }
    return a;
}

/* What a validate call checks: the config as checked (resolved, defaults filled), the config as
 * sent (for the values providers filled in, shown as written), the keys providers filled in;
 * the connector's plugin. */
typedef struct validation {
    json_t *configs, *groups;
    const kc_config *cfg, *raw;
    const kc_strlist *hidden;
    int errors;
    kc_herder *h;
    const kc_plugin *plugin;
} validation;

/* The recommended values REST shows for a setting: the converter classes for a converter, the one
 * version kcd has of a plugin. */
static json_t *recommended(validation *v, const char *key, const char *shown_default_value) {
    json_t *a = json_array();
    int headers = !strcmp(key, "header.converter");
    if (headers || !strcmp(key, "key.converter") || !strcmp(key, "value.converter")) {
        const kc_registry *r = &v->h->w->registry;
        for (size_t i = 0; i < r->len; i++)
            if (r->items[i].desc->kind == KC_PLUGIN_CONVERTER ||
                (headers && r->items[i].desc->kind == KC_PLUGIN_HEADER_CONVERTER))
                json_array_append_new(a, json_string(kc_plugin_class(&r->items[i])));
    } else if (shown_default_value && strlen(key) > 15 && !strcmp(key + strlen(key) - 15, ".plugin.version")) {
        json_array_append_new(a, json_string(shown_default_value));
    }
    return a;
}

/* One ConfigInfo entry per key of defs (with prefix), errors per key. common: defs are the
 * worker's settings of every connector (defaults from the worker and the plugins). */
static void validate_defs(validation *v, const kc_config_def *defs, const char *prefix, const char *group, int common) {
    int order = 0;
    for (const kc_config_def *d = defs; d && d->name; d++) {
        if (d->flags & KC_CFG_F_PREFIX) continue; /* its keys are the plugin validate's */
        char key[512], msg[1024];
        snprintf(key, sizeof key, "%s%s", prefix, d->name);
        const char *val = kc_config_get(v->cfg, key);
        int hide = kc_strlist_has(v->hidden, key);
        json_t *errs = json_array();
        if (!val && (d->flags & KC_CFG_F_REQUIRED) && !d->alias_of) {
            snprintf(msg, sizeof msg, "Missing required configuration \"%s\" which has no default value.", key);
            json_array_append_new(errs, json_string(msg));
        } else if (val && kc_config_check_value(d, key, val, hide, msg, sizeof msg)) {
            json_array_append_new(errs, json_string(msg));
        }
        v->errors += (int)json_array_size(errs);
        const char *dflt = common ? shown_default(v->h, v->plugin, key, v->cfg) : NULL;
        if (!dflt) dflt = d->default_value;
        const char *shown = hide ? kc_config_get(v->raw, key) : val ? val : dflt;
        json_t *value = json_pack("{s:s, s:s?, s:o, s:o, s:b}", "name", key, "value",
                                  shown && kc_config_def_is_secret(d) ? "[hidden]" : shown, "recommended_values",
                                  common ? recommended(v, key, dflt) : json_array(), "errors", errs, "visible", 1);
        if (!shown) json_object_set_new(value, "value", json_null());
        const char *g = group ? group : d->group;
        json_t *def = definition_json(d, prefix, g, ++order, dflt);
        json_array_append_new(v->configs, json_pack("{s:o, s:o}", "definition", def, "value", value));
        g = json_string_value(json_object_get(def, "group")); /* Connect's, where it names another */
        int seen = !g; /* a plugin's key without a group is in none */
        size_t i;
        json_t *gj;
        if (g) json_array_foreach(v->groups, i, gj) seen |= !strcmp(json_string_value(gj), g);
        if (!seen) json_array_append_new(v->groups, json_string(g));
    }
}

json_t *kc_herder_validate(kc_herder *h, const char *plugin, const kc_config *raw) {
    const kc_plugin *p = kc_herder_find_connector_plugin(h, plugin);
    if (!p) return NULL;
    kc_config cfg = {0};
    kc_resolved resolved = {0};
    kc_strlist problems = {0}, warnings = {0};
    const kc_plugin *ignored;
    if (kc_config_copy(&cfg, raw)) {
        kc_config_free(&cfg);
        return NULL;
    }
    /* the worker's whole check first: it resolves providers (noting what they gave) and runs the
     * cross-key rules (topics vs topics.regex, the plugin's own validate) */
    kc_connector_config_check(h->w, &cfg, &ignored, &resolved, &problems, &warnings);
    validation v = {json_array(), json_array(), &cfg, raw, &resolved.keys, 0, h, p};
    validate_defs(&v, kc_connector_common_defs, "", NULL, 1);
    validate_defs(&v, p->desc->kind == KC_PLUGIN_SINK ? kc_sink_common_defs : kc_source_common_defs, "", NULL, 1);
    validate_defs(&v, p->desc->config, "", NULL, 0);
    json_t *configs = v.configs, *groups = v.groups;
    /* transforms and predicates: their keys with full prefixes, in groups named after the alias */
    const char *lists[2] = {"transforms", "predicates"};
    for (int l = 0; l < 2; l++) {
        kc_strlist aliases = {0};
        if (kc_list_split(kc_config_get(&cfg, lists[l]), &aliases)) {
            kc_strlist_free(&aliases);
            v.errors++; /* out of memory: the answer says the config is not known to be valid */
            continue;
        }
        for (size_t i = 0; i < aliases.len; i++) {
            char prefix[512], key[600], group[600];
            snprintf(prefix, sizeof prefix, "%s.%s.", lists[l], aliases.items[i]);
            snprintf(key, sizeof key, "%stype", prefix);
            snprintf(group, sizeof group, "%s: %s", l ? "Predicates" : "Transforms", aliases.items[i]);
            const kc_plugin *tp =
                kc_registry_find(&h->w->registry, kc_config_get(&cfg, key), l ? KC_PLUGIN_PREDICATE : KC_PLUGIN_TRANSFORM);
            const kc_config_def type_def[] = {
                {"type", KC_CFG_CLASS, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
                 "Class for the transformation or predicate.", NULL, NULL},
                KC_CONFIG_END};
            int before = v.errors;
            validate_defs(&v, type_def, prefix, group, 0);
            if (!tp && v.errors == before && kc_config_get(&cfg, key)) {
                /* a class no plugin provides: an error on the .type key */
                json_t *last = json_array_get(configs, json_array_size(configs) - 1);
                char msg[800];
                const char *cls = kc_strlist_has(&resolved.keys, key) ? "[hidden]" : kc_config_get(&cfg, key);
                snprintf(msg, sizeof msg, "Invalid value %s for configuration %s: Class %s could not be found.", cls,
                         key, cls);
                json_array_append_new(json_object_get(json_object_get(last, "value"), "errors"), json_string(msg));
                v.errors++;
            }
            if (tp) validate_defs(&v, tp->desc->config, prefix, group, 0);
        }
        kc_strlist_free(&aliases);
    }
    int errors = v.errors;
    /* the worker's other findings (topics vs topics.regex, limits, host access) on the key they
     * name, unless that key already says the same */
    for (size_t i = 0; i < problems.len; i++) {
        const char *at = strstr(problems.items[i], "for configuration ");
        size_t klen = 0;
        size_t k;
        json_t *e;
        if (at) {
            at += strlen("for configuration ");
            klen = strcspn(at, ": ");
        } else { /* a plugin's own cross-key rule: on the longest key its message names, else connector.class */
            json_array_foreach(configs, k, e) {
                const char *n = json_string_value(json_object_get(json_object_get(e, "definition"), "name"));
                if (n && strlen(n) > klen && strstr(problems.items[i], n)) at = n, klen = strlen(n);
            }
            if (!at) at = "connector.class", klen = strlen(at);
        }
        json_array_foreach(configs, k, e) {
            const char *n = json_string_value(json_object_get(json_object_get(e, "definition"), "name"));
            if (!n || strlen(n) != klen || strncmp(n, at, klen)) continue;
            json_t *errs = json_object_get(json_object_get(e, "value"), "errors");
            size_t m;
            json_t *msg;
            int known = 0;
            json_array_foreach(errs, m, msg) known |= !strcmp(json_string_value(msg), problems.items[i]);
            if (!known && !json_array_append_new(errs, json_string(problems.items[i]))) errors++;
            break;
        }
    }
    kc_strlist_free(&problems);
    kc_strlist_free(&warnings);
    kc_resolved_free(&resolved);
    kc_config_free(&cfg);
    const char *sent = kc_config_get(raw, "connector.class"); /* Connect names the class as sent */
    return json_pack("{s:s, s:i, s:o, s:o}", "name", sent ? sent : kc_plugin_class(p), "error_count", errors, "groups",
                     groups, "configs", configs);
}
