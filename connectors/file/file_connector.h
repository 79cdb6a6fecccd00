/* file_connector.h - the connector half both file plugins share: keep the validated config
 * and hand a copy to each task. Included by file_source.c and file_sink.c (each its own .so). */
#ifndef KC_FILE_CONNECTOR_H
#define KC_FILE_CONNECTOR_H

#include <kc/kc_plugin.h>
#include <stdlib.h>

static const kc_host_api *host;

static int file_plugin_init(const kc_host_api *h, kc_error *err) {
    (void)err;
    host = h;
    return KC_OK;
}

static int file_connector_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
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

/* n task configs, each a copy of the connector's. */
static int file_connector_task_configs(void *state, int n, kc_config *out, int *n_out, kc_error *err) {
    for (int i = 0; i < n; i++)
        if (host->config_copy(&out[i], state)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    *n_out = n;
    return KC_OK;
}

static void file_connector_stop(void *state) {
    host->config_free(state);
    free(state);
}

#endif
