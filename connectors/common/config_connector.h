/* config_connector.h - the connector half most plugins need: the connector keeps its validated
 * config and hands every task a copy of it. Header-only, since each plugin is its own shared
 * object: include it after `static const kc_host_api *host;`. */
#ifndef KC_CONFIG_CONNECTOR_H
#define KC_CONFIG_CONNECTOR_H

#include <kc/kc_plugin.h>
#include <stdlib.h>

/* kc_connector_ops::start: keeps a copy of cfg as the connector's state. */
static inline int config_connector_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    (void)ctx;
    kc_config *copy = calloc(1, sizeof *copy);
    if (!copy || host->config_copy(copy, cfg)) {
        if (copy) host->config_free(copy);
        free(copy);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    *state = copy;
    return KC_OK;
}

/* n task configs (out[] zeroed by the worker), each a copy of the connector's. */
static inline int config_connector_copies(void *state, int n, kc_config *out, int *n_out, kc_error *err) {
    for (int i = 0; i < n; i++)
        if (host->config_copy(&out[i], state)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    *n_out = n;
    return KC_OK;
}

/* kc_connector_ops::task_configs giving max_tasks tasks the connector's config. */
static inline int config_connector_task_configs(void *state, int max_tasks, kc_config *out, int *n, kc_error *err) {
    return config_connector_copies(state, max_tasks, out, n, err);
}

/* kc_connector_ops::task_configs for connectors whose work is one sequence (a file, a capture
 * handle): one task, whatever tasks.max says. */
static inline int config_connector_one_task(void *state, int max_tasks, kc_config *out, int *n, kc_error *err) {
    (void)max_tasks;
    return config_connector_copies(state, 1, out, n, err);
}

/* kc_connector_ops::stop. */
static inline void config_connector_stop(void *state) {
    host->config_free(state);
    free(state);
}

#endif
