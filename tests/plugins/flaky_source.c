/* A test source ("flaky-source") whose poll() hands over records and asks for a retry in the
 * same call: it emits "r-000001".."r-<count>" on `topic`, batch.size a poll, and every
 * retry.every-th poll returns KC_ERETRY after pushing its batch. The worker must send those
 * records (they were handed over) and poll again after a backoff; none may be lost. Its offset is
 * the next record number, so a restart resumes after the last acknowledged record. */
#define _GNU_SOURCE
#include <kc/kc_plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const kc_host_api *host;
#include "../../connectors/common/config_connector.h"
#include "numbered_source.h"

static const kc_config_def config[] = {
    {"topic", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL, "Target topic", NULL, NULL},
    {"count", KC_CFG_LONG, "1000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, NULL, "Records to emit", NULL,
     NULL},
    {"batch.size", KC_CFG_LONG, "10", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, NULL, "Records a poll", NULL,
     NULL},
    {"retry.every", KC_CFG_LONG, "3", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "Every Nth poll pushes its records and returns KC_ERETRY", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct task {
    char *topic;
    int64_t next, count, batch, retry_every, polls, retries;
    kc_task_ctx *ctx;
} task;

static int init(const kc_host_api *h, kc_error *err) {
    (void)err;
    host = h;
    return KC_OK;
}

static int task_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    task *t = calloc(1, sizeof *t);
    if (!t) return kc_error_set(err, KC_ENOMEM, "out of memory");
    t->ctx = ctx;
    const char *topic = host->config_get(cfg, "topic");
    if (!(t->topic = strdup(topic))) {
        free(t);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    host->config_get_long(cfg, "count", &t->count);
    host->config_get_long(cfg, "batch.size", &t->batch);
    host->config_get_long(cfg, "retry.every", &t->retry_every);
    t->next = numbered_resume(ctx, "flaky");
    *state = t;
    return KC_OK;
}

static int task_poll(void *state, kc_records *out, int timeout_ms, kc_error *err) {
    (void)timeout_ms;
    task *t = state;
    if (t->next >= t->count) return KC_OK;
    for (int64_t i = 0; i < t->batch && t->next < t->count; i++, t->next++) {
        char line[32];
        snprintf(line, sizeof line, "r-%06lld", (long long)t->next + 1);
        kc_record *r = numbered_record("flaky", t->topic, line, t->next + 1);
        if (!r) return kc_error_set(err, KC_ENOMEM, "out of memory");
        host->records_push(out, r);
    }
    if (++t->polls % t->retry_every == 0) {
        t->retries++;
        return kc_error_set(err, KC_ERETRY, "flaky-source: retry %lld after handing over records up to %lld",
                            (long long)t->retries, (long long)t->next);
    }
    return KC_OK;
}

static void task_stop(void *state) {
    task *t = state;
    host->log(t->ctx, KC_LOG_INFO, "flaky-source: %lld retries asked", (long long)t->retries);
    free(t->topic);
    free(t);
}

static const kc_connector_ops connector_ops = {NULL, config_connector_start, config_connector_one_task, config_connector_stop};
static const kc_source_task_ops task_ops = {task_start, task_poll, NULL, NULL, task_stop};
static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER, KC_PLUGIN_SOURCE, "flaky-source", "1.0.0", "test source whose poll() hands over records and asks for a retry",
    (const char *const[]){"com.example.kcd.FlakySourceConnector", NULL},
    config, init, &connector_ops, &task_ops, NULL, NULL, NULL, NULL,
    0,
};
KC_PLUGIN_DEFINE(desc)
