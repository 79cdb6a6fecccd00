/* errant.h - a record a sink task cannot write: to the worker's errant-record reporter (the
 * dead letter queue with errors.tolerance=all), else the task fails naming the record.
 * Header-only: include it after `static const kc_host_api *host;`. */
#ifndef KC_ERRANT_H
#define KC_ERRANT_H

#include <kc/kc_plugin.h>
#include <stddef.h>

/* KC_OK when the worker took the record (skip it); KC_EFATAL with "record topic=.. partition=..
 * offset=..: why" in err otherwise. Only during put(), for that put()'s records. */
static inline int report_or_fail(kc_task_ctx *ctx, const kc_record *r, const char *why, kc_error *err) {
    if (host->report_errant(ctx, r, why) == KC_OK) return KC_OK;
    return kc_error_set(err, KC_EFATAL, "record topic=%s partition=%d offset=%lld: %s", r->topic, (int)r->partition,
                        (long long)r->offset, why);
}

/* plugin_init's check: the worker must have report_errant (ABI 1.1). */
static inline int errant_host_check(const kc_host_api *h, const char *plugin, kc_error *err) {
    if (h->size < offsetof(kc_host_api, report_errant) + sizeof h->report_errant)
        return kc_error_set(err, KC_EABI, "%s needs a worker with ABI 1.1 (report_errant)", plugin);
    return KC_OK;
}

#endif
