/* A test sink ("header-dump-sink") that writes each record's headers as the worker's header
 * converter read them, one line per record: "name:schema=value|..." (schema: the Connect type,
 * the logical name's last part, array<items>; value: the host's text of it), so a test sees
 * what the converter inferred. Written in put(), fsynced in flush(). */
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
    KC_CONFIG_END,
};

static int init(const kc_host_api *h, kc_error *err) {
    (void)err;
    host = h;
    return KC_OK;
}

static int task_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    (void)ctx;
    FILE *out = fopen(host->config_get(cfg, "file"), "a");
    if (!out) return kc_error_set(err, KC_EFATAL, "cannot open output");
    *state = out;
    return KC_OK;
}

static void put_schema(FILE *out, const kc_schema *s) {
    static const char *const names[] = {"int8",    "int16",  "int32", "int64", "float32", "float64",
                                        "boolean", "string", "bytes", "array", "map",     "struct"};
    if (!s) {
        fputs("null", out);
        return;
    }
    if (s->name) {
        const char *dot = strrchr(s->name, '.');
        fputs(dot ? dot + 1 : s->name, out);
        return;
    }
    fputs(names[s->type], out);
    if (s->type == KC_SCHEMA_ARRAY) {
        fputc('<', out);
        put_schema(out, s->items);
        fputc('>', out);
    }
}

static int task_put(void *state, kc_record *const *recs, size_t n, kc_error *err) {
    FILE *out = state;
    for (size_t i = 0; i < n; i++) {
        for (size_t h = 0; h < recs[i]->nheaders; h++) {
            const kc_header *hd = &recs[i]->headers[h];
            char *text = host->value_to_text(&hd->value);
            fprintf(out, "%s%s:", h ? "|" : "", hd->key);
            put_schema(out, hd->schema);
            fprintf(out, "=%s", text ? text : "?");
            host->free(text);
        }
        fputc('\n', out);
    }
    return ferror(out) ? kc_error_set(err, KC_ERETRY, "write failed") : KC_OK;
}

static int task_flush(void *state, const kc_topic_partition_offset *o, size_t n, kc_error *err) {
    (void)o, (void)n;
    FILE *out = state;
    if (fflush(out) || fsync(fileno(out))) return kc_error_set(err, KC_ERETRY, "flush failed");
    return KC_OK;
}

static void task_stop(void *state) { fclose(state); }

static const kc_connector_ops connector_ops = {NULL, config_connector_start, config_connector_one_task,
                                               config_connector_stop};
static const kc_sink_task_ops task_ops = {task_start, NULL, NULL, task_put, task_flush, task_stop};
static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER, KC_PLUGIN_SINK, "header-dump-sink", "1.0.0", "test sink that writes records' headers",
    (const char *const[]){"com.example.kcd.HeaderDumpSinkConnector", NULL},
    config, init, &connector_ops, NULL, &task_ops, NULL, NULL, NULL,
    0, /* flags */
};
KC_PLUGIN_DEFINE(desc)
