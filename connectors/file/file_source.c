/* file_source.c - FileStreamSourceConnector: each line of a file (or stdin) becomes a record.
 * The source partition is {"filename": FILE} and the offset {"position": BYTES}, the byte
 * position after the line, exactly as Kafka's FileStreamSourceTask keeps them. */
#define _GNU_SOURCE
#include <errno.h>
#include <kc/kc_plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_connector.h"
#include "../common/monotonic.h"

static const kc_config_def config[] = {
    {"file", KC_CFG_STRING, NULL, KC_CFG_F_HOST_PATH, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "Source filename. If not specified, the standard input will be used", NULL, NULL},
    {"topic", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "The topic to publish data to", NULL, NULL},
    {"batch.size", KC_CFG_INT, "2000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "The maximum number of records the source task can read from the file each time it is polled", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct source_task {
    kc_task_ctx *ctx;
    char *file; /* NULL: stdin */
    char *topic;
    int64_t batch_size;
    FILE *in;
    int64_t position;  /* byte offset of buf[0] in the file */
    char *buf;
    size_t len, cap;   /* unconsumed bytes in buf */
    kc_value partition; /* {"filename": file} */
} source_task;

static int validate(const kc_config *cfg, kc_error *err) {
    const char *topic = host->config_get(cfg, "topic");
    if (topic && strchr(topic, ','))
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration topic: 'topic' in "
                                            "FileStreamSourceConnector configuration requires definition of a "
                                            "single topic.", topic);
    return KC_OK;
}

static void task_free(source_task *t) {
    if (t->in && t->in != stdin) fclose(t->in);
    host->value_clear(&t->partition);
    free(t->file);
    free(t->topic);
    free(t->buf);
    free(t);
}

static int task_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    source_task *t = calloc(1, sizeof *t);
    if (!t) return kc_error_set(err, KC_ENOMEM, "out of memory");
    t->ctx = ctx;
    const char *file = host->config_get(cfg, "file");
    t->file = file && *file ? strdup(file) : NULL;
    t->topic = strdup(host->config_get(cfg, "topic"));
    t->batch_size = 2000;
    host->config_get_long(cfg, "batch.size", &t->batch_size);
    t->cap = 64 * 1024;
    t->buf = malloc(t->cap);
    if (!t->topic || !t->buf) {
        task_free(t);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    if (t->file) {
        host->value_init_map(&t->partition);
        kc_value fv = {0};
        host->value_set_string(&fv, t->file, strlen(t->file));
        host->map_put_str(&t->partition, "filename", &fv);
        kc_value offset = {0};
        if (host->offset_read(ctx, &t->partition, &offset) == KC_OK) {
            const kc_value *pos = host->map_get_str(&offset, "position");
            if (pos && pos->type == KC_VAL_INT) t->position = pos->u.i;
            host->value_clear(&offset);
            host->log(ctx, KC_LOG_INFO, "Found previous offset, trying to skip to file offset %lld",
                      (long long)t->position);
        }
    } else {
        t->in = stdin;
    }
    *state = t;
    return KC_OK;
}

/* Opens the file (it may appear later) and seeks to the stored position. */
static int ensure_open(source_task *t) {
    if (t->in) return 1;
    t->in = fopen(t->file, "rb");
    if (!t->in) {
        if (errno != ENOENT) host->log(t->ctx, KC_LOG_WARN, "Couldn't open file %s: %s", t->file, strerror(errno));
        return 0;
    }
    if (t->position > 0 && fseeko(t->in, t->position, SEEK_SET) != 0) {
        host->log(t->ctx, KC_LOG_ERROR, "Error while trying to seek to previous offset in file %s: %s", t->file,
                  strerror(errno));
        fclose(t->in);
        t->in = NULL;
        return 0;
    }
    host->log(t->ctx, KC_LOG_INFO, "Opened %s for reading at position %lld", t->file, (long long)t->position);
    return 1;
}

static int emit_line(source_task *t, kc_records *out, const char *line, size_t len, int64_t next_position) {
    kc_record *r = host->record_new();
    if (!r) return KC_ENOMEM;
    int rc = host->record_set_topic(r, t->topic);
    if (!rc) {
        r->value_schema = host->schema_new(KC_SCHEMA_STRING, 0);
        rc = r->value_schema ? host->value_set_string(&r->value, line, len) : KC_ENOMEM;
    }
    if (!rc && t->file) {
        rc = host->value_copy(&r->source_partition, &t->partition);
        if (!rc) {
            host->value_init_map(&r->source_offset);
            kc_value pos = {.type = KC_VAL_INT, .u.i = next_position};
            rc = host->map_put_str(&r->source_offset, "position", &pos);
        }
    }
    if (rc) {
        host->record_release(r);
        return rc;
    }
    return host->records_push(out, r);
}

static int task_poll(void *state, kc_records *out, int timeout_ms, kc_error *err) {
    source_task *t = state;
    int64_t start = monotonic_ms();
    for (;;) {
        if (!ensure_open(t)) goto wait;
        /* read what is there; keep an incomplete last line for later */
        if (t->len == t->cap) {
            char *nb = realloc(t->buf, t->cap * 2);
            if (!nb) return kc_error_set(err, KC_ENOMEM, "out of memory");
            t->buf = nb;
            t->cap *= 2;
        }
        size_t n = fread(t->buf + t->len, 1, t->cap - t->len, t->in);
        if (n == 0 && ferror(t->in))
            return kc_error_set(err, KC_ERETRY, "error reading %s: %s", t->file ? t->file : "stdin", strerror(errno));
        clearerr(t->in); /* a file that grows later is read again */
        t->len += n;
        size_t consumed = 0;
        int64_t emitted = 0;
        while (emitted < t->batch_size) {
            char *nl = memchr(t->buf + consumed, '\n', t->len - consumed);
            if (!nl) break;
            size_t line_len = (size_t)(nl - (t->buf + consumed));
            size_t skip = line_len + 1;
            if (line_len && t->buf[consumed + line_len - 1] == '\r') line_len--;
            int rc = emit_line(t, out, t->buf + consumed, line_len, t->position + (int64_t)(consumed + skip));
            if (rc) return kc_error_set(err, rc, "out of memory");
            consumed += skip;
            emitted++;
        }
        if (consumed) {
            memmove(t->buf, t->buf + consumed, t->len - consumed);
            t->len -= consumed;
            t->position += (int64_t)consumed;
        }
        if (emitted) return KC_OK;
        if (n) continue; /* read something without a full line yet */
    wait:;
        if (monotonic_ms() - start >= timeout_ms || host->should_stop(t->ctx)) return KC_OK;
        usleep(20 * 1000);
    }
}

static void task_stop(void *state) { task_free(state); }

/* one file, one task, as Kafka's FileStreamSourceConnector */
static const kc_connector_ops connector_ops = {validate, config_connector_start, config_connector_one_task,
                                                config_connector_stop};
static const kc_source_task_ops task_ops = {task_start, task_poll, NULL, NULL, task_stop};

static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER,
    KC_PLUGIN_SOURCE,
    "file-source",
    "1.0.0",
    "Reads lines from a file (or stdin) into a topic, resuming at the stored byte position",
    (const char *const[]){"org.apache.kafka.connect.file.FileStreamSourceConnector", NULL},
    config,
    file_plugin_init,
    &connector_ops,
    &task_ops,
    NULL, NULL, NULL, NULL,
    /* resuming at the committed byte position neither repeats nor skips a line */
    KC_PLUGIN_EXACTLY_ONCE,
};

KC_PLUGIN_DEFINE(desc)
