/* host.c - the host function table handed to plugins, and the task-context services. */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kc_converter_int.h"
#include "kc_log.h"
#include "kc_value_int.h"
#include "kc_values.h"
#include "kc_worker_int.h"

static void host_log(kc_task_ctx *ctx, kc_log_level level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kc_vlog(level, ctx ? ctx->logger : "plugin", fmt, ap);
    va_end(ap);
}

static void host_free(void *p) { free(p); }

static int host_offset_read(kc_task_ctx *ctx, const kc_value *partition, kc_value *out) {
    if (!ctx || !ctx->worker || !ctx->worker->offsets) return KC_ENOTFOUND;
    return kc_offset_store_get(ctx->worker->offsets, ctx->connector, partition, out);
}

static int host_should_stop(kc_task_ctx *ctx) {
    return ctx && (__atomic_load_n(&ctx->stop, __ATOMIC_ACQUIRE) ||
                   (ctx->worker && __atomic_load_n(&ctx->worker->stopping, __ATOMIC_ACQUIRE)));
}

static void host_request_reconfigure(kc_task_ctx *ctx) {
    if (ctx) __atomic_store_n(&ctx->reconfigure, 1, __ATOMIC_RELEASE);
}

/* A task's counter, in its metrics (kcd_<name>_total); a connector's (task_id -1) has no metrics
 * of its own, so its counters are only logged. */
static void host_metric_add(kc_task_ctx *ctx, const char *name, double delta) {
    if (ctx && ctx->task_id >= 0) {
        kc_task *t = (kc_task *)((char *)ctx - offsetof(kc_task, ctx)); /* a task's ctx lives in its kc_task */
        kc_metrics_task_plugin_add(t->metrics, name, delta);
    }
    kc_log(KC_LOG_TRACE, ctx ? ctx->logger : "plugin", "metric %s += %g", name, delta);
}

static void host_task_problem(kc_task_ctx *ctx, const char *message) {
    if (!ctx || ctx->task_id < 0) return;
    kc_task *t = (kc_task *)((char *)ctx - offsetof(kc_task, ctx));
    kc_worker *w = t->conn->worker;
    pthread_mutex_lock(&w->problems_lock);
    if (strcmp(t->problem, message ? message : "")) {
        snprintf(t->problem, sizeof t->problem, "%s", message ? message : "");
        kc_log_redact(t->problem, sizeof t->problem); /* may quote a provider's value */
        t->problem_seq++;
    }
    pthread_mutex_unlock(&w->problems_lock);
}

static const char *host_connector_name(kc_task_ctx *ctx) { return ctx ? ctx->connector : NULL; }

static int host_task_id(kc_task_ctx *ctx) { return ctx ? ctx->task_id : -1; }

static int host_transaction_request(kc_task_ctx *ctx, const kc_record *record, int abort) {
    if (!ctx || !ctx->txn_by_connector) return KC_EINVAL;
    if (abort) {
        ctx->txn_abort_after = record;
        ctx->txn_abort_batch = !record;
    } else {
        ctx->txn_commit_after = record;
        ctx->txn_commit_batch = !record;
    }
    return KC_OK;
}

static int host_transaction_commit(kc_task_ctx *ctx, const kc_record *record) {
    return host_transaction_request(ctx, record, 0);
}

static int host_transaction_abort(kc_task_ctx *ctx, const kc_record *record) {
    return host_transaction_request(ctx, record, 1);
}

static char *host_decimal_to_text(const kc_value *v) {
    if (!v || v->type != KC_VAL_DECIMAL) return NULL;
    return kc_decimal_to_text(v->u.dec.unscaled, v->u.dec.len, v->u.dec.scale);
}

static int host_report_errant(kc_task_ctx *ctx, const kc_record *r, const char *message) {
    if (!ctx || !ctx->report_errant) return KC_EINVAL;
    return ctx->report_errant(ctx->runner, r, message ? message : "");
}

static void host_request_commit(kc_task_ctx *ctx) {
    if (ctx) __atomic_store_n(&ctx->commit_requested, 1, __ATOMIC_RELEASE);
}

const kc_host_api kc_host = {
    .size = sizeof(kc_host_api),
    .abi_minor = KC_ABI_MINOR,
    .log = host_log,
    .free = host_free,
    .value_clear = kc_value_clear,
    .value_copy = kc_value_copy,
    .value_set_string = kc_value_set_string,
    .value_set_bytes = kc_value_set_bytes,
    .value_init_array = kc_value_init_array,
    .value_init_map = kc_value_init_map,
    .value_init_struct = kc_value_init_struct,
    .array_push = kc_array_push,
    .map_put = kc_map_put,
    .map_put_str = kc_map_put_str,
    .map_append = kc_map_append,
    .map_get_str = kc_map_get_str,
    .value_to_text = kc_value_to_text,
    .schema_new = kc_schema_new,
    .schema_retain = kc_schema_retain,
    .schema_release = kc_schema_release,
    .record_new = kc_record_new,
    .record_retain = kc_record_retain,
    .record_release = kc_record_release,
    .record_set_topic = kc_record_set_topic,
    .record_add_header = kc_record_add_header,
    .records_push = kc_records_push,
    .config_get = kc_config_get,
    .config_get_long = kc_config_get_long,
    .config_get_double = kc_config_get_double,
    .config_get_bool = kc_config_get_bool,
    .config_set = kc_config_set,
    .config_copy = kc_config_copy,
    .offset_read = host_offset_read,
    .should_stop = host_should_stop,
    .request_reconfigure = host_request_reconfigure,
    .metric_add = host_metric_add,
    .task_problem = host_task_problem,
    .connector_name = host_connector_name,
    .task_id = host_task_id,
    .config_free = kc_config_free,
    .schema_set_name = kc_schema_set_name,
    .schema_add_field = kc_schema_add_field,
    .schema_add_param = kc_schema_add_param,
    .schema_param = kc_schema_param,
    .value_equal = kc_value_equal,
    .value_reserve = kc_value_reserve,
    .transaction_commit = host_transaction_commit,
    .transaction_abort = host_transaction_abort,
    .decimal_to_text = host_decimal_to_text,
    .report_errant = host_report_errant,
    .request_commit = host_request_commit,
    .values_parse = kc_values_parse,
};
