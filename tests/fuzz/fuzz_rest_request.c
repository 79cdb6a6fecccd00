/* libFuzzer target: the REST request path (router, handlers, herder, config validation and
 * providers) on any method, path, query, content type and body. Input: up to four requests
 * separated by a line "====", each
 *     METHOD \n PATH[?QUERY] \n CONTENT-TYPE \n BODY
 * Every answer must be a status from 200 to 599, and a JSON answer must parse. The worker has
 * only the idle-source fixture (connectors without tasks, so no thread or Kafka client starts;
 * other classes, transforms included, are unknown to it), the file provider limited to the
 * corpus folder, the env provider to KCD_FUZZ_*, and the embedded broker for GET /. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_herder.h"
#include "kc_log.h"
#include "kc_rest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kc_worker worker;
static kc_herder *herder;

static void setup(void) {
    kc_config cfg = {0};
    kc_strlist problems = {0};
    kc_error err;
    if (kc_config_set(&cfg, "plugin.path", KC_FUZZ_PLUGIN_PATH) || kc_config_set(&cfg, "log.level", "ERROR") ||
        kc_config_set(&cfg, "config.providers", "file,env") ||
        kc_config_set(&cfg, "config.providers.file.class", "FileConfigProvider") ||
        kc_config_set(&cfg, "config.providers.file.param.allowed.paths", KC_FUZZ_CORPUS) ||
        kc_config_set(&cfg, "config.providers.env.class", "EnvVarConfigProvider") ||
        kc_config_set(&cfg, "config.providers.env.param.allowlist.pattern", "KCD_FUZZ_.*") ||
        kc_config_set(&cfg, "max.connectors", "16") || kc_config_set(&cfg, "max.tasks.per.connector", "8"))
        abort();
    kc_worker_config_check(&cfg, &problems, NULL);
    if (kc_worker_init(&worker, &cfg, &problems) || kc_worker_connect_kafka(&worker, &err)) abort();
    if (!(worker.offsets = kc_offset_store_open(NULL, &err))) abort();
    if (!(herder = kc_herder_new(&worker, NULL, &err))) abort();
    kc_strlist_free(&problems);
    kc_config_free(&cfg);
}

/* The next line of [*p, end) as a new string; *p moves past it. */
static char *next_line(const char **p, const char *end) {
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    char *s = strndup(*p, (size_t)(stop - *p));
    *p = nl ? nl + 1 : end;
    return s;
}

static void one_request(const char *p, const char *end) {
    char *method = next_line(&p, end), *target = next_line(&p, end), *ctype = next_line(&p, end);
    /* query arguments: a=b&c, as MHD hands them over (decoded) */
    const char *names[16], *values[16];
    size_t nargs = 0;
    char *query = strchr(target, '?');
    if (query) {
        *query++ = '\0';
        for (char *save = NULL, *a = strtok_r(query, "&", &save); a && nargs < 16; a = strtok_r(NULL, "&", &save)) {
            char *eq = strchr(a, '=');
            if (eq) *eq++ = '\0';
            names[nargs] = a;
            values[nargs++] = eq;
        }
    }
    kc_rest_request rq = {
        .method = method,
        .path = target,
        .content_type = *ctype ? ctype : NULL,
        .body = p,
        .body_len = (size_t)(end - p),
        .arg_names = names,
        .arg_values = values,
        .nargs = nargs,
    };
    kc_rest_response resp;
    kc_rest_handle(herder, &rq, &resp);
    if (resp.status < 200 || resp.status > 599) abort();
    if (resp.body && resp.content_type && !strcmp(resp.content_type, "application/json")) {
        json_t *j = json_loads(resp.body, JSON_DECODE_ANY, NULL);
        if (!j) abort();
        json_decref(j);
    }
    kc_rest_response_free(&resp);
    free(method);
    free(target);
    free(ctype);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!herder) setup();
    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < 4 && p < end; i++) {
        const char *sep = memmem(p, (size_t)(end - p), "\n====\n", 6);
        one_request(p, sep ? sep : end);
        p = sep ? sep + 6 : end;
    }
    /* keep the worker small: connectors created by this input go */
    json_t *names_j = kc_herder_list(herder);
    size_t i;
    json_t *n;
    kc_error err;
    json_array_foreach(names_j, i, n) kc_herder_delete(herder, json_string_value(n), &err);
    json_decref(names_j);
    return 0;
}
