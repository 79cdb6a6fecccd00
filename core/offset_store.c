/* offset_store.c - source offsets in memory, made durable in a JSON file replaced atomically
 * or, with exactly-once support, through a writer onto the offsets topic. */
#define _GNU_SOURCE
#include "kc_offset_store.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_buf.h"
#include "kc_converter_int.h"
#include "kc_log.h"
#include "kc_value_int.h"

typedef struct entry {
    char *key;   /* JSON: ["connector",{partition}] */
    char *value; /* JSON offset map; NULL: deleted, a tombstone not yet written */
    int dirty;   /* changed since the last flush */
} entry;

struct kc_offset_store {
    pthread_mutex_t lock;
    char *path;
    kc_offset_writer_fn writer;
    void *writer_opaque;
    entry *items;
    size_t len, cap;
    int dirty;
};

/* ["connector", : what every key of the connector starts with */
static void key_prefix(kc_buf *b, const char *connector) {
    kc_buf_putc(b, '[');
    kc_buf_json_string(b, connector, strlen(connector));
    kc_buf_putc(b, ',');
}

char *kc_offset_store_key(const char *connector, const kc_value *partition) {
    kc_buf b = KC_BUF_INIT;
    key_prefix(&b, connector);
    kc_json_write_value(&b, partition);
    kc_buf_putc(&b, ']');
    return kc_buf_detach(&b);
}

char *kc_offset_store_key_prefix(const char *connector) {
    kc_buf b = KC_BUF_INIT;
    key_prefix(&b, connector);
    return kc_buf_detach(&b);
}

static entry *find(kc_offset_store *s, const char *key) {
    for (size_t i = 0; i < s->len; i++)
        if (strcmp(s->items[i].key, key) == 0) return &s->items[i];
    return NULL;
}

/* keep_tombstone: a deletion stays as an entry with no value until a writer has written it. */
static int set(kc_offset_store *s, char *key /* moved */, char *value /* moved, NULL deletes */, int dirty) {
    int keep_tombstone = dirty && s->writer;
    entry *e = find(s, key);
    if (e) {
        free(key);
        free(e->value);
        e->value = value;
        e->dirty = dirty;
        if (!value && !keep_tombstone) {
            free(e->key);
            *e = s->items[--s->len];
        }
        return KC_OK;
    }
    if (!value && !keep_tombstone) {
        free(key);
        return KC_OK;
    }
    if (s->len == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        entry *p = realloc(s->items, ncap * sizeof *p);
        if (!p) {
            free(key);
            free(value);
            return KC_ENOMEM;
        }
        s->items = p;
        s->cap = ncap;
    }
    s->items[s->len].key = key;
    s->items[s->len].value = value;
    s->items[s->len].dirty = dirty;
    s->len++;
    return KC_OK;
}

static int load(kc_offset_store *s, kc_error *err) {
    json_error_t jerr;
    FILE *f = fopen(s->path, "rb");
    if (!f) {
        if (errno == ENOENT) return KC_OK; /* a missing file is an empty store, as in Connect */
        return kc_error_set(err, KC_EIO, "offset file %s: %s", s->path, strerror(errno));
    }
    json_t *root = json_loadf(f, 0, &jerr);
    fclose(f);
    if (!root) {
        KC_WARN("OffsetStore", "offset file %s is unreadable (%s at line %d); starting with no offsets", s->path,
                jerr.text, jerr.line);
        return KC_OK;
    }
    json_t *offsets = json_object_get(root, "offsets");
    size_t i;
    json_t *item;
    json_array_foreach(offsets, i, item) {
        const char *k = json_string_value(json_object_get(item, "key"));
        const char *v = json_string_value(json_object_get(item, "value"));
        if (!k || !v) continue;
        char *kd = strdup(k), *vd = strdup(v);
        if (!kd || !vd || set(s, kd, vd, 0)) {
            json_decref(root);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
    }
    json_decref(root);
    return KC_OK;
}

kc_offset_store *kc_offset_store_open(const char *path, kc_error *err) {
    kc_offset_store *s = calloc(1, sizeof *s);
    if (!s) {
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    if (path) {
        s->path = strdup(path);
        if (!s->path || load(s, err)) {
            kc_offset_store_close(s);
            return NULL;
        }
    }
    return s;
}

void kc_offset_store_close(kc_offset_store *s) {
    if (!s) return;
    for (size_t i = 0; i < s->len; i++) {
        free(s->items[i].key);
        free(s->items[i].value);
    }
    free(s->items);
    free(s->path);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int kc_offset_store_get(kc_offset_store *s, const char *connector, const kc_value *partition, kc_value *offset) {
    char *key = kc_offset_store_key(connector, partition);
    if (!key) return KC_ENOMEM;
    pthread_mutex_lock(&s->lock);
    entry *e = find(s, key);
    if (e && !e->value) e = NULL; /* deleted */
    char *v = e ? strdup(e->value) : NULL;
    pthread_mutex_unlock(&s->lock);
    free(key);
    if (!e) return KC_ENOTFOUND;
    if (!v) return KC_ENOMEM;
    json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);
    free(v);
    if (!j) return KC_EINVAL;
    int rc = kc_json_to_value(j, offset, NULL);
    json_decref(j);
    return rc;
}

static int put(kc_offset_store *s, const char *connector, const kc_value *partition, const kc_value *offset,
               int dirty) {
    char *key = kc_offset_store_key(connector, partition);
    char *value = NULL;
    if (offset) {
        kc_buf b = KC_BUF_INIT;
        kc_json_write_value(&b, offset);
        value = kc_buf_detach(&b);
    }
    if (!key || (offset && !value)) {
        free(key);
        free(value);
        return KC_ENOMEM;
    }
    pthread_mutex_lock(&s->lock);
    int rc = set(s, key, value, dirty);
    if (dirty) s->dirty = 1;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int kc_offset_store_put(kc_offset_store *s, const char *connector, const kc_value *partition,
                        const kc_value *offset) {
    return put(s, connector, partition, offset, 1);
}

int kc_offset_store_put_durable(kc_offset_store *s, const char *connector, const kc_value *partition,
                                const kc_value *offset) {
    return put(s, connector, partition, offset, 0);
}

int kc_offset_store_load_entry(kc_offset_store *s, const char *key, size_t key_len, const char *value,
                               size_t value_len) {
    char *k = strndup(key, key_len), *v = value ? strndup(value, value_len) : NULL;
    if (!k || (value && !v)) {
        free(k);
        free(v);
        return KC_ENOMEM;
    }
    pthread_mutex_lock(&s->lock);
    int rc = set(s, k, v, 0);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void kc_offset_store_set_writer(kc_offset_store *s, kc_offset_writer_fn writer, void *opaque) {
    pthread_mutex_lock(&s->lock);
    s->writer = writer;
    s->writer_opaque = opaque;
    pthread_mutex_unlock(&s->lock);
}

/* Hands the changed entries to the writer; on success they are clean and tombstones go. */
static int flush_to_writer(kc_offset_store *s, kc_error *err) {
    size_t n = 0;
    for (size_t i = 0; i < s->len; i++) n += s->items[i].dirty;
    const char **keys = calloc(n ? n : 1, sizeof *keys), **values = calloc(n ? n : 1, sizeof *values);
    if (!keys || !values) {
        free(keys);
        free(values);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    n = 0;
    for (size_t i = 0; i < s->len; i++)
        if (s->items[i].dirty) {
            keys[n] = s->items[i].key;
            values[n++] = s->items[i].value;
        }
    int rc = s->writer(s->writer_opaque, keys, values, n, err);
    free(keys);
    free(values);
    if (rc) return rc;
    for (size_t i = s->len; i-- > 0;) {
        s->items[i].dirty = 0;
        if (!s->items[i].value) {
            free(s->items[i].key);
            s->items[i] = s->items[--s->len];
        }
    }
    s->dirty = 0;
    return KC_OK;
}

int kc_offset_store_flush(kc_offset_store *s, kc_error *err) {
    pthread_mutex_lock(&s->lock);
    if (s->writer && s->dirty) {
        int rc = flush_to_writer(s, err);
        pthread_mutex_unlock(&s->lock);
        return rc;
    }
    if (!s->path || !s->dirty) {
        pthread_mutex_unlock(&s->lock);
        return KC_OK;
    }
    kc_buf b = KC_BUF_INIT;
    kc_buf_puts(&b, "{\"version\":1,\"offsets\":[");
    for (size_t i = 0, first = 1; i < s->len; i++) {
        if (!s->items[i].value) continue;
        kc_buf_puts(&b, first ? "\n" : ",\n");
        first = 0;
        kc_buf_puts(&b, "{\"key\":");
        kc_buf_json_string(&b, s->items[i].key, strlen(s->items[i].key));
        kc_buf_puts(&b, ",\"value\":");
        kc_buf_json_string(&b, s->items[i].value, strlen(s->items[i].value));
        kc_buf_putc(&b, '}');
    }
    kc_buf_puts(&b, "\n]}\n");
    s->dirty = 0;
    for (size_t i = 0; i < s->len; i++) s->items[i].dirty = 0;
    int rc = KC_OK;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", s->path);
    int fd = b.failed ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = kc_error_set(err, KC_EIO, "offset file %s: %s", tmp, b.failed ? "out of memory" : strerror(errno));
    } else {
        size_t off = 0;
        while (off < b.len) {
            ssize_t n = write(fd, b.data + off, b.len - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            off += (size_t)n;
        }
        if (off != b.len || fsync(fd) != 0) rc = kc_error_set(err, KC_EIO, "offset file %s: %s", tmp, strerror(errno));
        close(fd);
        if (rc == KC_OK && rename(tmp, s->path) != 0)
            rc = kc_error_set(err, KC_EIO, "offset file %s: %s", s->path, strerror(errno));
    }
    if (rc) s->dirty = 1; /* try again at the next flush */
    pthread_mutex_unlock(&s->lock);
    kc_buf_free(&b);
    return rc;
}

int kc_offset_store_list(kc_offset_store *s, const char *connector, kc_strlist *keys, kc_strlist *values) {
    char *prefix = kc_offset_store_key_prefix(connector);
    if (!prefix) return KC_ENOMEM;
    size_t plen = strlen(prefix);
    int rc = KC_OK;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->len && !rc; i++)
        if (s->items[i].value && strncmp(s->items[i].key, prefix, plen) == 0) {
            rc = kc_strlist_add(keys, s->items[i].key);
            if (!rc) rc = kc_strlist_add(values, s->items[i].value);
        }
    pthread_mutex_unlock(&s->lock);
    free(prefix);
    return rc;
}
