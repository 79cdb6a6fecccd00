/* lifecycle.c - starting and stopping connectors' instances and their tasks (kc_lifecycle.h). */
#define _GNU_SOURCE
#include "kc_lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kc_converter_int.h"
#include "kc_log.h"

/* What REST reads of a connector changes only under its view lock (kc_connector.view_lock). */
static void view_lock(kc_connector *c) {
    if (c->view_lock) pthread_mutex_lock(c->view_lock);
}

static void view_unlock(kc_connector *c) {
    if (c->view_lock) pthread_mutex_unlock(c->view_lock);
}

/* ---- tasks -------------------------------------------------------------------------------- */

static void task_init(kc_task *t, kc_connector *c, int id) {
    t->conn = c;
    t->id = id;
    t->ctx.worker = c->worker;
    t->ctx.connector = c->name;
    t->ctx.task_id = id;
    t->ctx.paused = c->target == KC_TARGET_PAUSED;
    snprintf(t->ctx.logger, sizeof t->ctx.logger, "%s{id=%s-%d}",
             c->plugin->desc->kind == KC_PLUGIN_SOURCE ? "WorkerSourceTask" : "WorkerSinkTask", c->name, id);
}

/* After a transient failure (KC_ERETRY at start, KC_EOUTAGE: a server away for longer than the
 * plugin retries), whether to run the task again, having waited for it: 1 then. The waits double
 * from 1 s up to task.auto.restart.backoff.max.ms, task.auto.restart.max.attempts in a row (the
 * connector's, else the worker's); a run that lasted longer than the longest wait starts the count
 * again. A stop ends the wait at once. The status says FAILED, with the restart to come in its
 * trace, until the task runs again: a status read while it tries again still says why. */
static int restart_due(kc_task *t, int64_t run_ms) {
    if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != KC_STATE_FAILED || !t->fail_transient ||
        kc_task_should_stop(t))
        return 0;
    kc_worker *w = t->conn->worker;
    int64_t max_attempts = 20, backoff_max = 60000;
    kc_config_get_long(&w->config, "task.auto.restart.max.attempts", &max_attempts);
    kc_config_get_long(&w->config, "task.auto.restart.backoff.max.ms", &backoff_max);
    if (kc_config_get(&t->conn->config, "task.auto.restart.max.attempts"))
        kc_config_get_long(&t->conn->config, "task.auto.restart.max.attempts", &max_attempts);
    if (run_ms > backoff_max) t->auto_restarts = 0; /* it ran well for a while: a new outage */
    size_t len = strlen(t->trace);
    if (max_attempts <= 0) return 0; /* automatic restarts turned off */
    if (t->auto_restarts >= max_attempts) {
        snprintf(t->trace + len, sizeof t->trace - len, " (gave up after %d automatic restarts)", t->auto_restarts);
        KC_ERROR(t->ctx.logger, "Task is being killed and will not recover until manually restarted: %d automatic "
                                "restarts did not help (task.auto.restart.max.attempts)", t->auto_restarts);
        return 0;
    }
    int64_t wait = 1000;
    for (int i = 0; i < t->auto_restarts && wait < backoff_max; i++) wait *= 2;
    if (wait > backoff_max) wait = backoff_max;
    t->auto_restarts++;
    if (t->metrics) KC_METRIC_ADD(t->metrics->auto_restarts, 1);
    snprintf(t->trace + len, sizeof t->trace - len, " (kcd restarts the task in %lld ms: automatic restart %d of %lld)",
             (long long)wait, t->auto_restarts, (long long)max_attempts);
    KC_WARN(t->ctx.logger, "Restarting the task in %lld ms (automatic restart %d of %lld)", (long long)wait,
            t->auto_restarts, (long long)max_attempts);
    for (int64_t until = kc_now_ms() + wait; kc_now_ms() < until;) {
        if (kc_task_should_stop(t)) return 0;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* FAILED, with its trace, until the runner is RUNNING again (kc_task_started) */
    return !kc_task_should_stop(t);
}

/* The task's thread: the source or sink runner, run again after a transient failure. */
static void *task_main(void *arg) {
    kc_task *t = arg;
    void *(*run)(void *) = t->conn->plugin->desc->kind == KC_PLUGIN_SOURCE ? kc_source_task_run : kc_sink_task_run;
    for (;;) {
        int64_t began = kc_now_ms();
        run(t);
        if (!restart_due(t, kc_now_ms() - began)) break;
    }
    __atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static int task_start(kc_task *t, kc_error *err) {
    kc_worker *w = t->conn->worker;
    t->trace[0] = '\0';
    t->done = 0;
    t->ctx.stop = 0;
    int rc = kc_converter_open(&t->key_conv, w, &t->conn->config, KC_CONVERTER_KEY, err);
    if (!rc) rc = kc_converter_open(&t->value_conv, w, &t->conn->config, KC_CONVERTER_VALUE, err);
    if (!rc) rc = kc_converter_open(&t->header_conv, w, &t->conn->config, KC_CONVERTER_HEADER, err);
    if (!rc) rc = kc_transform_chain_open(&t->chain, &w->registry, &t->conn->config, err);
    if (rc) return rc;
    t->chain.retry.stop = &t->ctx.stop; /* a stopping task gives up retrying */
    t->state = KC_STATE_UNASSIGNED;
    t->metrics = kc_metrics_task_open(w->metrics, t->conn->name, t->id, t->conn->plugin->desc->kind == KC_PLUGIN_SOURCE);
    t->chain.retry.retries = t->metrics ? &t->metrics->retries : NULL;
    if (pthread_create(&t->thread, NULL, task_main, t)) return kc_error_set(err, KC_EFATAL, "cannot start a task thread");
    t->thread_started = 1;
    return KC_OK;
}

/* Asks the task to stop, waits until deadline (ms, monotonic), frees what it used. Returns 0
 * when it stopped; a task still running past the deadline keeps its memory. */
static int task_stop(kc_task *t, int64_t deadline) {
    if (t->thread_started) {
        __atomic_store_n(&t->ctx.stop, 1, __ATOMIC_RELEASE);
        kc_task_wake(t);
        while (!__atomic_load_n(&t->done, __ATOMIC_ACQUIRE) && kc_now_ms() < deadline) {
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (!__atomic_load_n(&t->done, __ATOMIC_ACQUIRE)) {
            KC_ERROR(t->ctx.logger, "Graceful stop of task failed: it did not stop in time");
            return -1;
        }
        pthread_join(t->thread, NULL);
        t->thread_started = 0;
    }
    kc_transform_chain_close(&t->chain);
    kc_converter_close(&t->key_conv);
    kc_converter_close(&t->value_conv);
    kc_converter_close(&t->header_conv);
    kc_metrics_task_close(t->metrics);
    t->metrics = NULL;
    return 0;
}

/* ---- connectors --------------------------------------------------------------------------- */

static int64_t graceful_deadline(kc_worker *w) {
    /* the graceful timeout covers all tasks together; a task flushing its producer may use
     * all of it, so allow it a little more before giving up on the thread */
    return kc_now_ms() + w->shutdown_timeout_ms + 2000;
}

int kc_connector_halt(kc_connector *c) {
    int64_t deadline = graceful_deadline(c->worker);
    int stuck = 0;
    for (int j = 0; j < c->ntasks; j++) __atomic_store_n(&c->tasks[j].ctx.stop, 1, __ATOMIC_RELEASE);
    for (int j = 0; j < c->ntasks; j++)
        if (task_stop(&c->tasks[j], deadline)) stuck = 1;
    if (stuck) return -1; /* leak the tasks rather than free memory a thread still uses */
    view_lock(c);
    for (int j = 0; j < c->ntasks; j++) kc_config_free(&c->tasks[j].config);
    free(c->tasks);
    c->tasks = NULL;
    c->ntasks = 0;
    view_unlock(c);
    kc_connector_stop_instance(c);
    return 0;
}

void kc_connector_stop_instance(kc_connector *c) {
    if (c->plugin_state && c->plugin->desc->connector->stop) c->plugin->desc->connector->stop(c->plugin_state);
    c->plugin_state = NULL;
}

int kc_connector_start_instance(kc_connector *c, kc_error *err) {
    if (c->plugin->desc->connector->start(&c->config, &c->ctx, &c->plugin_state, err)) {
        c->plugin_state = NULL;
        kc_connector_fail(c, "Connector failed to start", err->msg);
        kc_metrics_startup(c->worker->metrics, 0, 0);
        return err->code ? err->code : KC_EFATAL;
    }
    kc_metrics_startup(c->worker->metrics, 0, 1);
    return KC_OK;
}

int kc_connector_task_configs(kc_connector *c, kc_config **cfgs_out, int *n_out, kc_error *err) {
    int64_t max_tasks = 1;
    kc_config_get_long(&c->config, "tasks.max", &max_tasks);
    kc_config *cfgs = calloc((size_t)max_tasks, sizeof *cfgs);
    int n = 0;
    int rc = cfgs ? c->plugin->desc->connector->task_configs(c->plugin_state, (int)max_tasks, cfgs, &n, err)
                  : kc_error_set(err, KC_ENOMEM, "out of memory");
    if (!rc && (n < 0 || n > max_tasks))
        rc = kc_error_set(err, KC_EFATAL, "The connector generated %d tasks, which is greater than %lld, the "
                          "maximum number of tasks it is configured to create", n, (long long)max_tasks);
    if (rc) {
        for (int64_t i = 0; cfgs && i < max_tasks; i++) kc_config_free(&cfgs[i]);
        free(cfgs);
        return rc;
    }
    for (int64_t i = n; i < max_tasks; i++) kc_config_free(&cfgs[i]); /* what a plugin left past n */
    *cfgs_out = cfgs, *n_out = n;
    return KC_OK;
}

int kc_connector_launch_tasks(kc_connector *c, kc_config *cfgs, int n, kc_error *err) {
    kc_task *tasks = calloc(n ? (size_t)n : 1, sizeof *tasks);
    for (int i = 0; tasks && i < n; i++) {
        task_init(&tasks[i], c, i);
        tasks[i].config = cfgs[i];
        memset(&cfgs[i], 0, sizeof cfgs[i]);
    }
    view_lock(c);
    free(c->tasks); /* none running: at most an empty array of a connector that made no task */
    c->tasks = tasks;
    c->ntasks = tasks ? n : 0;
    view_unlock(c);
    if (!tasks) return kc_error_set(err, KC_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        kc_error terr;
        if (task_start(&tasks[i], &terr)) kc_task_fail(&tasks[i], "%s", terr.msg);
    }
    return KC_OK;
}

void kc_connector_set_status(kc_connector *c, kc_state s) {
    view_lock(c);
    c->status = s;
    if (s != KC_STATE_FAILED) c->trace[0] = '\0';
    view_unlock(c);
    kc_metrics_connector_state(c->metrics, (int)s);
}

void kc_connector_fail(kc_connector *c, const char *what, const char *msg) {
    char trace[sizeof c->trace];
    snprintf(trace, sizeof trace, "%s: %s", what, msg);
    kc_log_redact(trace, sizeof trace); /* a plugin's message may quote a provider's value */
    view_lock(c);
    c->status = KC_STATE_FAILED;
    memcpy(c->trace, trace, sizeof trace);
    view_unlock(c);
    kc_metrics_connector_state(c->metrics, KC_STATE_FAILED);
    KC_ERROR(c->ctx.logger, "%s", trace);
}

void kc_connector_run(kc_connector *c) {
    kc_error err;
    if (!c->ntasks) { /* a connector restarted alone after it made no task (found by fuzz_rest_request) */
        view_lock(c);
        free(c->tasks);
        c->tasks = NULL;
        view_unlock(c);
    }
    if (c->target == KC_TARGET_STOPPED) {
        kc_connector_set_status(c, KC_STATE_STOPPED);
        KC_INFO(c->ctx.logger, "Connector %s is stopped", c->name);
        return;
    }
    if (c->target == KC_TARGET_PAUSED && !c->tasks_generated) { /* started at the first resume */
        kc_connector_set_status(c, KC_STATE_PAUSED);
        KC_INFO(c->ctx.logger, "Connector %s is paused; its tasks start when it is resumed", c->name);
        return;
    }
    if (kc_connector_start_instance(c, &err)) return;
    kc_config *cfgs = NULL;
    int n = 0;
    if (kc_connector_task_configs(c, &cfgs, &n, &err) || kc_connector_launch_tasks(c, cfgs, n, &err)) {
        kc_connector_fail(c, "Connector failed to generate task configs", err.msg);
    } else {
        c->tasks_generated = 1;
        kc_connector_set_status(c, c->target == KC_TARGET_PAUSED ? KC_STATE_PAUSED : KC_STATE_RUNNING);
        KC_INFO(c->ctx.logger, "Connector %s (%s) started with %d task(s)%s", c->name, c->plugin->desc->name, n,
                c->target == KC_TARGET_PAUSED ? ", paused" : "");
    }
    for (int i = 0; cfgs && i < n; i++) kc_config_free(&cfgs[i]);
    free(cfgs);
}

void kc_connector_free(kc_connector *c) {
    kc_metrics_connector_close(c->metrics);
    kc_log_secrets_remove(&c->resolved.secrets);
    kc_resolved_free(&c->resolved);
    kc_config_free(&c->raw);
    kc_config_free(&c->config);
    kc_strlist_free(&c->topics);
    pthread_mutex_destroy(&c->topics_lock);
    free(c->name);
    free(c);
}

int kc_task_restart(kc_connector *c, int i, kc_error *err) {
    kc_task *t = &c->tasks[i];
    if (task_stop(t, graceful_deadline(c->worker)))
        return kc_error_set(err, KC_EFATAL, "Task %s-%d did not stop in time", c->name, i);
    view_lock(c);
    kc_config cfg = t->config;
    memset(t, 0, sizeof *t);
    task_init(t, c, i);
    t->config = cfg;
    view_unlock(c);
    if (task_start(t, err)) kc_task_fail(t, "%s", err->msg);
    return KC_OK;
}

int kc_connector_task_slots(kc_connector *c, int n, kc_error *err) {
    kc_task *slots = calloc(n > 0 ? (size_t)n : 1, sizeof *slots);
    if (!slots) return kc_error_set(err, KC_ENOMEM, "out of memory");
    free(c->tasks);
    c->tasks = slots;
    c->ntasks = n;
    for (int i = 0; i < n; i++) task_init(&slots[i], c, i);
    return KC_OK;
}

void kc_task_launch(kc_connector *c, int i, kc_config *cfg) {
    kc_task *t = &c->tasks[i];
    kc_error err;
    kc_config_free(&t->config);
    memset(t, 0, sizeof *t);
    task_init(t, c, i);
    t->config = *cfg;
    memset(cfg, 0, sizeof *cfg);
    if (task_start(t, &err)) kc_task_fail(t, "%s", err.msg);
}

int kc_task_halt(kc_connector *c, int i) {
    kc_task *t = &c->tasks[i];
    if (task_stop(t, graceful_deadline(c->worker))) return -1;
    kc_config_free(&t->config);
    t->state = KC_STATE_UNASSIGNED;
    return 0;
}

int kc_task_running(const kc_connector *c, int i) { return i >= 0 && i < c->ntasks && c->tasks[i].thread_started; }

kc_connector *kc_connector_new(kc_worker *w, const char *name, const kc_plugin *plugin, kc_target_state initial) {
    kc_connector *c = calloc(1, sizeof *c);
    if (!c || !(c->name = strdup(name))) {
        free(c);
        return NULL;
    }
    c->worker = w;
    c->plugin = plugin;
    c->target = initial;
    pthread_mutex_init(&c->topics_lock, NULL);
    c->ctx.worker = w;
    c->ctx.connector = c->name;
    c->ctx.task_id = -1;
    snprintf(c->ctx.logger, sizeof c->ctx.logger, "WorkerConnector{id=%s}", c->name);
    const kc_plugin_desc *d = plugin->desc;
    c->metrics = kc_metrics_connector_open(w->metrics, c->name, kc_plugin_class(plugin),
                                           d->kind == KC_PLUGIN_SOURCE ? "source" : "sink", d->version);
    return c;
}
