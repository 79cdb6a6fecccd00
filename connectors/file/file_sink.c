/* file_sink.c - FileStreamSinkConnector: each record's value, as text, becomes a line of a
 * file (or stdout). Each put() appends its whole batch with one write() on an O_APPEND
 * descriptor, so tasks sharing the file never interleave inside a line; flush() makes the
 * lines durable (fsync) before the worker commits the consumer offsets. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <kc/kc_plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_connector.h"

static const kc_config_def config[] = {
    {"file", KC_CFG_STRING, NULL, KC_CFG_F_HOST_PATH, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "Destination filename. If not specified, the standard output will be used", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct sink_task {
    kc_task_ctx *ctx;
    char *file;
    int fd;        /* O_APPEND, or 1 for stdout */
    char *buf;     /* one batch of lines */
    size_t len, cap;
    int mid_line;  /* the file does not end with a newline: the next batch starts with one */
} sink_task;

/* The sink only appends: it never cuts what is in the file, as FileStreamSink never does (the
 * file may hold what others wrote). A file that does not end with a newline (another writer's
 * last line, or a line torn by a crash: its records were not committed and come again) gets
 * one before the first line, so no line is glued to it. */
static void check_line_start(sink_task *t) {
    off_t end = lseek(t->fd, 0, SEEK_END);
    char last;
    if (end > 0 && pread(t->fd, &last, 1, end - 1) == 1 && last != '\n') {
        t->mid_line = 1;
        host->log(t->ctx, KC_LOG_WARN, "%s does not end with a newline (a line torn by a crash, or another writer's): "
                  "the sink starts on a new line and leaves it as it is", t->file);
    }
}

static int append(sink_task *t, const char *data, size_t len) {
    if (t->len + len > t->cap) {
        size_t ncap = t->cap ? t->cap : 65536;
        while (ncap < t->len + len) ncap *= 2;
        char *nb = realloc(t->buf, ncap);
        if (!nb) return KC_ENOMEM;
        t->buf = nb;
        t->cap = ncap;
    }
    memcpy(t->buf + t->len, data, len);
    t->len += len;
    return KC_OK;
}

static int task_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    sink_task *t = calloc(1, sizeof *t);
    if (!t) return kc_error_set(err, KC_ENOMEM, "out of memory");
    t->ctx = ctx;
    const char *file = host->config_get(cfg, "file");
    if (file && *file) {
        t->file = strdup(file);
        t->fd = t->file ? open(file, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
        if (t->fd < 0) {
            int e = errno;
            free(t->file);
            free(t);
            return kc_error_set(err, KC_EFATAL, "Couldn't find or create file '%s' for FileStreamSinkTask: %s", file,
                                strerror(e));
        }
        check_line_start(t);
    } else {
        t->fd = STDOUT_FILENO;
    }
    *state = t;
    return KC_OK;
}

static int task_put(void *state, kc_record *const *records, size_t n, kc_error *err) {
    sink_task *t = state;
    t->len = 0;
    if (n && t->mid_line && append(t, "\n", 1)) return kc_error_set(err, KC_ERETRY, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const kc_value *v = &records[i]->value;
        int rc;
        if (v->type == KC_VAL_STRING) {
            rc = append(t, v->u.str.ptr, v->u.str.len);
        } else {
            char *text = host->value_to_text(v);
            if (!text) return kc_error_set(err, KC_ERETRY, "out of memory");
            rc = append(t, text, strlen(text));
            host->free(text);
        }
        if (rc || append(t, "\n", 1)) return kc_error_set(err, KC_ERETRY, "out of memory");
    }
    size_t off = 0;
    while (off < t->len) {
        ssize_t w = write(t->fd, t->buf + off, t->len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            /* part of the batch may be on disk: it is delivered again, never lost, on a new line */
            t->mid_line = off > 0 || t->mid_line;
            return kc_error_set(err, KC_ERETRY, "cannot write to %s: %s", t->file ? t->file : "stdout",
                                strerror(errno));
        }
        off += (size_t)w;
    }
    if (t->len) t->mid_line = 0; /* a put() with no records changes nothing */
    return KC_OK;
}

static int task_flush(void *state, const kc_topic_partition_offset *offsets, size_t n, kc_error *err) {
    (void)offsets, (void)n;
    sink_task *t = state;
    if (t->fd != STDOUT_FILENO && fsync(t->fd) != 0)
        return kc_error_set(err, KC_ERETRY, "cannot flush %s: %s", t->file, strerror(errno));
    return KC_OK;
}

static void task_stop(void *state) {
    sink_task *t = state;
    if (t->fd != STDOUT_FILENO) close(t->fd);
    free(t->buf);
    free(t->file);
    free(t);
}

static const kc_connector_ops connector_ops = {NULL, config_connector_start, config_connector_task_configs,
                                                config_connector_stop};
static const kc_sink_task_ops task_ops = {task_start, NULL, NULL, task_put, task_flush, task_stop};

static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER,
    KC_PLUGIN_SINK,
    "file-sink",
    "1.0.0",
    "Writes each record's value as a line of a file (or stdout)",
    (const char *const[]){"org.apache.kafka.connect.file.FileStreamSinkConnector", NULL},
    config,
    file_plugin_init,
    &connector_ops,
    NULL,
    &task_ops,
    NULL, NULL, NULL,
    0, /* flags */
};

KC_PLUGIN_DEFINE(desc)
