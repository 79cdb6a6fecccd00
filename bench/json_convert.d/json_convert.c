/* kcd-bench-json-convert FILE ROUNDS - kcd's JsonConverter (schemas.enable=true, its defaults)
 * reading every line of FILE into Connect data (to_connect) and writing it back (from_connect),
 * ROUNDS times; prints the best round's records per second each way and the bytes written, as
 * JsonConvertBench.java does for Connect's. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kc_config_int.h"
#include "kc_converter_int.h"
#include "kc_value_int.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s FILE ROUNDS\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) return perror(argv[1]), 1;
    char **lines = NULL;
    size_t *lens = NULL, n = 0, cap = 0, size = 0;
    char *line = NULL;
    ssize_t got;
    while ((got = getline(&line, &size, f)) > 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            lines = realloc(lines, cap * sizeof *lines);
            lens = realloc(lens, cap * sizeof *lens);
        }
        lens[n] = (size_t)got - (line[got - 1] == '\n');
        lines[n] = strndup(line, lens[n]);
        n++;
    }
    free(line);
    fclose(f);
    int rounds = atoi(argv[2]);
    const kc_converter_ops *ops = kc_json_converter_desc.converter;
    kc_config cfg = {0};
    if (kc_config_set(&cfg, "schemas.enable", "true")) return 1;
    void *state;
    kc_error err;
    if (ops->configure(&cfg, 0, &state, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
    kc_schema **schemas = calloc(n, sizeof *schemas);
    kc_value *values = calloc(n, sizeof *values);
    double best_read = 0, best_write = 0;
    size_t bytes_out = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        for (size_t i = 0; i < n; i++)
            if (ops->to_connect(state, "t", (const uint8_t *)lines[i], lens[i], &schemas[i], &values[i], &err))
                return fprintf(stderr, "record %zu: %s\n", i, err.msg), 1;
        double t1 = now();
        bytes_out = 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t *out;
            size_t len;
            if (ops->from_connect(state, "t", schemas[i], &values[i], &out, &len, &err))
                return fprintf(stderr, "record %zu: %s\n", i, err.msg), 1;
            bytes_out += len;
            free(out);
        }
        double t2 = now();
        for (size_t i = 0; i < n; i++) {
            kc_schema_release(schemas[i]);
            kc_value_clear(&values[i]);
        }
        if (n / (t1 - t0) > best_read) best_read = n / (t1 - t0);
        if (n / (t2 - t1) > best_write) best_write = n / (t2 - t1);
    }
    printf("%.0f %.0f %zu\n", best_read, best_write, bytes_out);
    ops->close(state);
    kc_config_free(&cfg);
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines), free(lens), free(schemas), free(values);
    return 0;
}
