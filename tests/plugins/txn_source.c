/* A test source ("txn-source") that defines its own transaction boundaries: it emits records
 * "0".."count-1" on `topic`, in blocks of block.size; it commits the transaction after the last
 * record of each block, except every abort.every-th block, whose transaction it aborts. Its
 * offset is the next record number, so a restart resumes after the last committed block. */
#include <kc/kc_plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const kc_host_api *host;
#include "../../connectors/common/config_connector.h"
#include "numbered_source.h"

static const kc_config_def config[] = {
    {"topic", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL, "Target topic", NULL, NULL},
    {"count", KC_CFG_LONG, "3000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, NULL, "Records to emit", NULL,
     NULL},
    {"block.size", KC_CFG_LONG, "100", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "Records per transaction", NULL, NULL},
    {"abort.every", KC_CFG_LONG, "3", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "Every Nth block is aborted", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct task {
    kc_task_ctx *ctx;
    char *topic;
    int64_t next, count, block, abort_every;
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
    size_t len = strlen(topic) + 1;
    if (!(t->topic = malloc(len))) {
        free(t);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    memcpy(t->topic, topic, len);
    host->config_get_long(cfg, "count", &t->count);
    host->config_get_long(cfg, "block.size", &t->block);
    host->config_get_long(cfg, "abort.every", &t->abort_every);
    t->next = numbered_resume(ctx, "txn");
    *state = t;
    return KC_OK;
}

/* One block per poll: its records, then commit or abort after its last one. */
static int task_poll(void *state, kc_records *out, int timeout_ms, kc_error *err) {
    (void)timeout_ms;
    task *t = state;
    if (t->next >= t->count) return KC_OK;
    int64_t block_no = t->next / t->block, end = (block_no + 1) * t->block;
    if (end > t->count) end = t->count;
    kc_record *last = NULL;
    for (; t->next < end; t->next++) {
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)t->next);
        kc_record *r = numbered_record("txn", t->topic, num, t->next + 1);
        if (!r) return kc_error_set(err, KC_ENOMEM, "out of memory");
        last = r;
        host->records_push(out, r);
    }
    int rc = (block_no + 1) % t->abort_every == 0 ? host->transaction_abort(t->ctx, last)
                                                   : host->transaction_commit(t->ctx, last);
    if (rc) return kc_error_set(err, KC_EFATAL, "txn-source: the worker refused a transaction boundary");
    return KC_OK;
}

static void task_stop(void *state) {
    task *t = state;
    free(t->topic);
    free(t);
}

static const kc_connector_ops connector_ops = {NULL, config_connector_start, config_connector_one_task, config_connector_stop};
static const kc_source_task_ops task_ops = {task_start, task_poll, NULL, NULL, task_stop};
static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER, KC_PLUGIN_SOURCE, "txn-source", "1.0.0", "test source that commits and aborts transactions",
    (const char *const[]){"com.example.kcd.TxnSourceConnector", NULL},
    config, init, &connector_ops, &task_ops, NULL, NULL, NULL, NULL,
    KC_PLUGIN_EXACTLY_ONCE | KC_PLUGIN_TRANSACTION_BOUNDARIES,
};
KC_PLUGIN_DEFINE(desc)
