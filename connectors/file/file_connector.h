/* file_connector.h - what both file plugins share: the host table, and the connector half
 * (common/config_connector.h: keep the config, copy it to each task). Included by file_source.c
 * and file_sink.c (each its own .so). */
#ifndef KC_FILE_CONNECTOR_H
#define KC_FILE_CONNECTOR_H

#include <kc/kc_plugin.h>

static const kc_host_api *host;

static int file_plugin_init(const kc_host_api *h, kc_error *err) {
    (void)err;
    host = h;
    return KC_OK;
}

#include "../common/config_connector.h"

#endif
