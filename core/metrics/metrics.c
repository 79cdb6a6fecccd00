/* metrics.c - the registry of the worker's metrics and what tasks and connectors count into it
 * (kc_metrics.h); prometheus.c renders it. */
#define _GNU_SOURCE
#include "kc_metrics_int.h"

#include <stdlib.h>
#include <string.h>

#include "kc_worker_int.h"

void kc_metric_max(int64_t *field, int64_t v) {
    int64_t cur = __atomic_load_n(field, __ATOMIC_RELAXED);
    while (v > cur && !__atomic_compare_exchange_n(field, &cur, v, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

kc_metrics *kc_metrics_new(void) {
    kc_metrics *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

static void task_free(kc_task_metrics *tm) {
    for (size_t i = 0; i < tm->nplugin; i++) free(tm->plugin[i].name);
    free(tm->plugin);
    free(tm->client_stats);
    free(tm->connector);
    free(tm);
}

static void connector_free(kc_connector_metrics *cm) {
    free(cm->name);
    free(cm->cls);
    free(cm->type);
    free(cm->version);
    free(cm);
}

void kc_metrics_free(kc_metrics *m) {
    if (!m) return;
    while (m->tasks) {
        kc_task_metrics *n = m->tasks->next;
        task_free(m->tasks);
        m->tasks = n;
    }
    while (m->connectors) {
        kc_connector_metrics *n = m->connectors->next;
        connector_free(m->connectors);
        m->connectors = n;
    }
    free(m->leader);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* ---- tasks -------------------------------------------------------------------------------- */

kc_task_metrics *kc_metrics_task_open(kc_metrics *m, const char *connector, int task, int is_source) {
    if (!m) return NULL;
    kc_task_metrics *tm = calloc(1, sizeof *tm);
    if (!tm || !(tm->connector = strdup(connector))) {
        free(tm);
        return NULL;
    }
    tm->registry = m;
    tm->task = task;
    tm->is_source = is_source;
    tm->opened_ms = tm->state_since_ms = tm->snap_ms[0] = tm->snap_ms[1] = kc_now_ms();
    tm->state = KC_STATE_UNASSIGNED;
    tm->txn_min = -1;
    pthread_mutex_lock(&m->lock);
    tm->next = m->tasks;
    m->tasks = tm;
    pthread_mutex_unlock(&m->lock);
    return tm;
}

void kc_metrics_task_close(kc_task_metrics *tm) {
    if (!tm) return;
    kc_metrics *m = tm->registry;
    pthread_mutex_lock(&m->lock);
    for (kc_task_metrics **p = &m->tasks; *p; p = &(*p)->next)
        if (*p == tm) {
            *p = tm->next;
            break;
        }
    pthread_mutex_unlock(&m->lock);
    task_free(tm);
}

/* Time in the current state, added to its total: under the registry's lock, since a scrape
 * reads the three fields together. */
void kc_metrics_task_state(kc_task_metrics *tm, int state) {
    if (!tm) return;
    pthread_mutex_lock(&tm->registry->lock);
    int64_t now = kc_now_ms();
    if (tm->state == KC_STATE_RUNNING) tm->running_ms += now - tm->state_since_ms;
    if (tm->state == KC_STATE_PAUSED) tm->paused_ms += now - tm->state_since_ms;
    tm->state_since_ms = now;
    int first_start = state == KC_STATE_RUNNING && !tm->started;
    int failed_start = state == KC_STATE_FAILED && !tm->started;
    if (first_start) tm->started = 1;
    if (failed_start) tm->started = -1; /* counted once */
    tm->state = state;
    pthread_mutex_unlock(&tm->registry->lock);
    if (first_start || failed_start) kc_metrics_startup(tm->registry, 1, first_start);
}

void kc_metrics_task_read(kc_task_metrics *tm, int64_t n) {
    if (tm) KC_METRIC_ADD(tm->totals.polled, n);
}

void kc_metrics_task_written(kc_task_metrics *tm, int64_t n) {
    if (tm) KC_METRIC_ADD(tm->totals.written, n);
}

void kc_metrics_task_batch(kc_task_metrics *tm, int64_t n, int64_t us) {
    if (!tm || n <= 0) return;
    KC_METRIC_ADD(tm->totals.batches, 1);
    KC_METRIC_ADD(tm->totals.batch_records, n);
    KC_METRIC_ADD(tm->totals.batch_us, us);
    kc_metric_max(&tm->batch_max, n);
    kc_metric_max(&tm->batch_us_max, us);
}

void kc_metrics_task_commit(kc_task_metrics *tm, int ok, int64_t us) {
    if (!tm) return;
    if (ok < 0) {
        KC_METRIC_ADD(tm->totals.commit_skips, 1);
        return;
    }
    if (!ok) {
        KC_METRIC_ADD(tm->commit_failures, 1);
        return;
    }
    KC_METRIC_ADD(tm->totals.commits, 1);
    KC_METRIC_ADD(tm->totals.commit_us, us);
    KC_METRIC_ADD(tm->commit_seq, 1);
    kc_metric_max(&tm->commit_us_max, us);
}

void kc_metrics_task_transaction(kc_task_metrics *tm, int64_t n) {
    if (!tm) return;
    KC_METRIC_ADD(tm->txn_count, 1);
    KC_METRIC_ADD(tm->txn_records, n);
    kc_metric_max(&tm->txn_max, n);
    int64_t cur = __atomic_load_n(&tm->txn_min, __ATOMIC_RELAXED); /* only this thread writes it */
    if (cur < 0 || n < cur) KC_METRIC_SET(tm->txn_min, n);
}

void kc_metrics_task_error(kc_task_metrics *tm, int skipped, int logged) {
    if (!tm) return;
    KC_METRIC_ADD(tm->record_errors, 1);
    if (skipped) KC_METRIC_ADD(tm->records_skipped, 1);
    else KC_METRIC_ADD(tm->record_failures, 1);
    if (logged) KC_METRIC_ADD(tm->errors_logged, 1);
    KC_METRIC_SET(tm->last_error_ms, kc_wall_ms());
}

void kc_metrics_task_plugin_add(kc_task_metrics *tm, const char *name, double delta) {
    if (!tm || !name) return;
    pthread_mutex_lock(&tm->registry->lock);
    size_t i = 0;
    while (i < tm->nplugin && strcmp(tm->plugin[i].name, name)) i++;
    if (i == tm->nplugin) {
        plugin_counter *p = realloc(tm->plugin, (tm->nplugin + 1) * sizeof *p);
        char *copy = strdup(name);
        if (p) tm->plugin = p;
        if (!p || !copy) {
            free(copy);
            pthread_mutex_unlock(&tm->registry->lock);
            return;
        }
        tm->plugin[i] = (plugin_counter){copy, 0};
        tm->nplugin++;
    }
    tm->plugin[i].value += delta;
    pthread_mutex_unlock(&tm->registry->lock);
}

void kc_metrics_task_client_stats(kc_task_metrics *tm, const char *json, size_t len) {
    if (!tm) return;
    char *copy = strndup(json, len);
    if (!copy) return;
    pthread_mutex_lock(&tm->registry->lock);
    free(tm->client_stats);
    tm->client_stats = copy;
    pthread_mutex_unlock(&tm->registry->lock);
}

/* ---- connectors and the worker ------------------------------------------------------------ */

kc_connector_metrics *kc_metrics_connector_open(kc_metrics *m, const char *name, const char *cls, const char *type,
                                                const char *version) {
    if (!m) return NULL;
    kc_connector_metrics *cm = calloc(1, sizeof *cm);
    if (!cm) return NULL;
    cm->registry = m;
    cm->state = KC_STATE_UNASSIGNED;
    cm->name = strdup(name);
    cm->cls = strdup(cls ? cls : "");
    cm->type = strdup(type ? type : "unknown");
    cm->version = strdup(version ? version : "unknown");
    if (!cm->name || !cm->cls || !cm->type || !cm->version) {
        connector_free(cm);
        return NULL;
    }
    pthread_mutex_lock(&m->lock);
    cm->next = m->connectors;
    m->connectors = cm;
    pthread_mutex_unlock(&m->lock);
    return cm;
}

void kc_metrics_connector_close(kc_connector_metrics *cm) {
    if (!cm) return;
    kc_metrics *m = cm->registry;
    pthread_mutex_lock(&m->lock);
    for (kc_connector_metrics **p = &m->connectors; *p; p = &(*p)->next)
        if (*p == cm) {
            *p = cm->next;
            break;
        }
    pthread_mutex_unlock(&m->lock);
    connector_free(cm);
}

void kc_metrics_connector_state(kc_connector_metrics *cm, int state) {
    if (cm) __atomic_store_n(&cm->state, state, __ATOMIC_RELAXED);
}

void kc_metrics_startup(kc_metrics *m, int is_task, int ok) {
    if (!m) return;
    int64_t *field = is_task ? (ok ? &m->task_start_ok : &m->task_start_failed)
                             : (ok ? &m->connector_start_ok : &m->connector_start_failed);
    KC_METRIC_ADD(*field, 1);
}

void kc_metrics_rebalance_begin(kc_metrics *m) {
    if (!m) return;
    pthread_mutex_lock(&m->lock);
    if (!m->rebalance_began_ms) m->rebalance_began_ms = kc_now_ms();
    pthread_mutex_unlock(&m->lock);
}

void kc_metrics_rebalance_end(kc_metrics *m, int32_t generation, const char *leader, const char *protocol) {
    if (!m) return;
    pthread_mutex_lock(&m->lock);
    int64_t now = kc_now_ms();
    int64_t took = m->rebalance_began_ms ? now - m->rebalance_began_ms : 0;
    m->distributed = 1;
    m->rebalances++;
    m->rebalance_ms_total += took;
    if (took > m->rebalance_ms_max) m->rebalance_ms_max = took;
    m->rebalance_began_ms = 0;
    m->last_rebalance_ms = now;
    m->epoch = generation;
    char *l = strdup(leader ? leader : "");
    if (l) {
        free(m->leader);
        m->leader = l;
    }
    snprintf(m->protocol, sizeof m->protocol, "%s", protocol ? protocol : "");
    pthread_mutex_unlock(&m->lock);
}
