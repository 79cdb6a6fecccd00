/* transform_cli.c - `kcd transform CONNECTOR [--input FILE]`: runs a connector's transform
 * chain (with predicates) over records given as JSON lines, with the worker's own code, and
 * prints the results in the same form. Kafka Connect has no way to try a chain without a
 * cluster; this is it.
 * The record form is core/kc_record_json.h's. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_buf.h"
#include "kc_converter_int.h"
#include "kc_log.h"
#include "kc_value_int.h"
#include "kc_record_json.h"
#include "kc_worker_int.h"

int kc_cmd_transform(int argc, char **argv);

int kc_cmd_transform(int argc, char **argv) {
    const char *connector = NULL, *input = NULL, *plugin_path = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--input") && i + 1 < argc) input = argv[++i];
        else if (!strcmp(argv[i], "--plugin-path") && i + 1 < argc) plugin_path = argv[++i];
        else if (!connector && argv[i][0] != '-') connector = argv[i];
        else {
            fprintf(stderr, "usage: kcd transform CONNECTOR.json|.properties [--input FILE] [--plugin-path DIRS]\n");
            return 2;
        }
    }
    if (!connector) {
        fprintf(stderr, "usage: kcd transform CONNECTOR.json|.properties [--input FILE] [--plugin-path DIRS]\n");
        return 2;
    }
    kc_log_set_level(KC_LOG_WARN); /* stdout is for records */
    kc_error err;
    kc_config cfg = {0}, wcfg = {0};
    kc_strlist problems = {0}, warnings = {0};
    kc_worker w;
    kc_transform_chain chain;
    int status = 0, chain_open = 0;
    if (plugin_path && kc_config_set(&wcfg, "plugin.path", plugin_path)) kc_note(&problems, "out of memory");
    kc_worker_init(&w, &wcfg, &problems);
    if (kc_connector_file_load(connector, &cfg, &err)) {
        fprintf(stderr, "kcd: %s\n", err.msg);
        status = 2;
        goto out;
    }
    kc_transforms_config_check(&w, &cfg, &problems, &warnings);
    for (size_t i = 0; i < warnings.len; i++) fprintf(stderr, "kcd: warning: %s: %s\n", connector, warnings.items[i]);
    for (size_t i = 0; i < problems.len; i++) fprintf(stderr, "kcd: %s: %s\n", connector, problems.items[i]);
    if (kc_problems_found(&problems)) {
        status = 2;
        goto out;
    }
    if (kc_transform_chain_open(&chain, &w.registry, &cfg, &err)) {
        fprintf(stderr, "kcd: %s: %s\n", connector, err.msg);
        status = 2;
        goto out;
    }
    chain_open = 1;
    FILE *in = input ? fopen(input, "r") : stdin;
    if (!in) {
        fprintf(stderr, "kcd: cannot open %s\n", input);
        status = 2;
        goto out;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    kc_buf out = KC_BUF_INIT;
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (!n) continue;
        json_error_t jerr;
        json_t *j = json_loadb(line, (size_t)n, 0, &jerr);
        if (!json_is_object(j)) {
            fprintf(stderr, "kcd: line %ld: not a record object: %s\n", lineno, j ? "expected {...}" : jerr.text);
            json_decref(j);
            status = 1;
            continue;
        }
        kc_record *r = kc_record_from_json(j, &err);
        long long offset = json_is_integer(json_object_get(j, "offset")) ? json_integer_value(json_object_get(j, "offset")) : -1;
        json_decref(j);
        if (!r) {
            fprintf(stderr, "kcd: line %ld (offset %lld): %s\n", lineno, offset, err.msg);
            status = 1;
            continue;
        }
        int rc = kc_transform_chain_apply(&chain, r, &err);
        if (rc < 0) {
            fprintf(stderr, "kcd: line %ld (offset %lld): %s\n", lineno, offset, err.msg);
            status = 1;
        } else if (rc == KC_KEEP) {
            out.len = 0;
            kc_record_write_json(&out, r);
            kc_buf_putc(&out, '\n');
            fwrite(out.data, 1, out.len, stdout);
        }
        kc_record_release(r);
    }
    kc_buf_free(&out);
    free(line);
    if (in != stdin) fclose(in);
out:
    if (chain_open) kc_transform_chain_close(&chain);
    kc_worker_free(&w);
    kc_config_free(&cfg);
    kc_config_free(&wcfg);
    kc_strlist_free(&problems);
    kc_strlist_free(&warnings);
    return status;
}
