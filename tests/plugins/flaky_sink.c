/* A test sink ("flaky-sink") that answers KC_ERETRY to every fail.every-th put() and writes
 * nothing of that batch, to prove the worker pauses, backs off and redelivers the same batch.
 * With flush.fail.every=N it is a sink that makes records durable only in flush(): put() keeps
 * them in memory, flush() writes them, and every Nth flush() loses them and asks to retry, to
 * prove the worker rewinds to the committed offsets and delivers them again.
 * Outages, for the worker's automatic restarts: while the file `start.down.while` exists, start()
 * answers KC_ERETRY (a server not up yet); while `put.down.while` exists, put() answers
 * KC_EOUTAGE (a server gone longer than the plugin retries). A slow stop: while `stop.hold.while`
 * exists (up to a minute), stop() waits, as a sink flushing to a slow server does. */
#define _GNU_SOURCE
#include <kc/kc_plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const kc_host_api *host;
#include "../../connectors/common/config_connector.h"

static const kc_config_def config[] = {
    {"file", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL, "Output file", NULL, NULL},
    {"fail.every", KC_CFG_INT, "3", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "Every Nth put() asks to be retried", NULL, NULL},
    {"flush.fail.every", KC_CFG_INT, "0", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "0: put() writes; N: put() buffers, every Nth flush() drops the buffer and asks to retry", NULL, NULL},
    {"start.down.while", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "While this file exists, start() answers KC_ERETRY", NULL, NULL},
    {"put.down.while", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "While this file exists, put() answers KC_EOUTAGE", NULL, NULL},
    {"stop.hold.while", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "While this file exists (a minute at most), stop() waits", NULL, NULL},
    {"secret", KC_CFG_PASSWORD, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "Unused; proves passwords are shown as [hidden]", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct task {
    FILE *out;
    int64_t every, calls, retries;
    int64_t flush_every, flushes, flush_retries;
    char *pending; /* buffered lines (flush.fail.every mode) */
    const char *put_down, *stop_hold; /* borrowed from the config, which outlives the task */
    size_t pending_len, pending_cap;
    kc_task_ctx *ctx;
} task;

static int init(const kc_host_api *h, kc_error *err) {
    (void)err;
    host = h;
    return KC_OK;
}

static int task_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    const char *down = host->config_get(cfg, "start.down.while");
    if (down && access(down, F_OK) == 0)
        return kc_error_set(err, KC_ERETRY, "flaky-sink: the server is not up (%s exists)", down);
    task *t = calloc(1, sizeof *t);
    t->put_down = host->config_get(cfg, "put.down.while");
    t->stop_hold = host->config_get(cfg, "stop.hold.while");
    t->ctx = ctx;
    t->out = fopen(host->config_get(cfg, "file"), "a");
    if (!t->out) {
        free(t);
        return kc_error_set(err, KC_EFATAL, "cannot open output");
    }
    host->config_get_long(cfg, "fail.every", &t->every);
    host->config_get_long(cfg, "flush.fail.every", &t->flush_every);
    *state = t;
    return KC_OK;
}

static int task_put(void *state, kc_record *const *recs, size_t n, kc_error *err) {
    task *t = state;
    if (n && t->put_down && access(t->put_down, F_OK) == 0)
        return kc_error_set(err, KC_EOUTAGE, "flaky-sink: the server is gone (%s exists)", t->put_down);
    if (n && ++t->calls % t->every == 0) {
        t->retries++;
        return kc_error_set(err, KC_ERETRY, "flaky-sink: retry #%lld (first offset %lld)", (long long)t->retries,
                            (long long)recs[0]->offset);
    }
    for (size_t i = 0; i < n; i++) {
        const char *v = recs[i]->value.u.str.ptr;
        size_t len = recs[i]->value.u.str.len;
        if (!t->flush_every) {
            fprintf(t->out, "%.*s\n", (int)len, v);
            continue;
        }
        if (t->pending_len + len + 1 > t->pending_cap) {
            size_t cap = (t->pending_cap + len + 1) * 2;
            char *p = realloc(t->pending, cap);
            if (!p) return kc_error_set(err, KC_ENOMEM, "out of memory");
            t->pending = p, t->pending_cap = cap;
        }
        memcpy(t->pending + t->pending_len, v, len);
        t->pending[t->pending_len + len] = '\n';
        t->pending_len += len + 1;
    }
    return KC_OK;
}

static int task_flush(void *state, const kc_topic_partition_offset *o, size_t n, kc_error *err) {
    (void)o, (void)n;
    task *t = state;
    if (t->flush_every && t->pending_len && t->flushes++ % t->flush_every == 0) { /* the 1st, N+1st, ... */
        t->flush_retries++;
        size_t lost = t->pending_len;
        t->pending_len = 0; /* as a target that lost an uncommitted transaction */
        return kc_error_set(err, KC_ERETRY, "flaky-sink: flush retry #%lld (%zu buffered bytes lost)",
                            (long long)t->flush_retries, lost);
    }
    if (t->pending_len && fwrite(t->pending, 1, t->pending_len, t->out) != t->pending_len)
        return kc_error_set(err, KC_ERETRY, "write failed");
    t->pending_len = 0;
    if (fflush(t->out) || fsync(fileno(t->out))) return kc_error_set(err, KC_ERETRY, "flush failed");
    return KC_OK;
}

static void task_stop(void *state) {
    task *t = state;
    if (t->stop_hold) host->log(t->ctx, KC_LOG_INFO, "flaky-sink: stopping, held while %s exists", t->stop_hold);
    for (int i = 0; i < 600 && t->stop_hold && access(t->stop_hold, F_OK) == 0; i++) usleep(100 * 1000);
    host->log(t->ctx, KC_LOG_INFO, "flaky-sink: %lld retries asked, %lld flush retries", (long long)t->retries,
              (long long)t->flush_retries);
    fclose(t->out);
    free(t->pending);
    free(t);
}

static const kc_connector_ops connector_ops = {NULL, config_connector_start, config_connector_one_task, config_connector_stop};
static const kc_sink_task_ops task_ops = {task_start, NULL, NULL, task_put, task_flush, task_stop};
static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER, KC_PLUGIN_SINK, "flaky-sink", "1.0.0", "test sink that asks for retries",
    (const char *const[]){"com.example.kcd.FlakySinkConnector", NULL},
    config, init, &connector_ops, NULL, &task_ops, NULL, NULL, NULL,
    0, /* flags */
};
KC_PLUGIN_DEFINE(desc)
