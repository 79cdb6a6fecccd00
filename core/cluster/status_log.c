/* status_log.c - Connect's status topic records (kc_status_log.h). */
#define _GNU_SOURCE
#include "kc_status_log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_topic_record.h"

static int bad(kc_error *err, const char *key, size_t len, int64_t offset, const char *why) {
    return kc_error_set(err, KC_EINVAL, "status topic record %.*s at offset %lld: %s", (int)(len > 200 ? 200 : len),
                        key, (long long)offset, why);
}

static void entry_free(kc_status_entry *e) {
    free(e->connector);
    free(e->state);
    free(e->trace);
    free(e->worker_id);
}

static kc_status_entry *find(kc_status_log *s, const char *connector, size_t len, int32_t task) {
    for (size_t i = 0; i < s->len; i++)
        if (s->entries[i].task == task && strlen(s->entries[i].connector) == len &&
            !memcmp(s->entries[i].connector, connector, len))
            return &s->entries[i];
    return NULL;
}

const kc_status_entry *kc_status_log_find(const kc_status_log *s, const char *connector, int32_t task) {
    return find((kc_status_log *)s, connector, strlen(connector), task);
}

static int put_status(kc_status_log *s, const char *connector, size_t len, int32_t task, json_t *v, const char *key,
                      size_t key_len, int64_t offset, kc_error *err) {
    kc_status_entry *old = find(s, connector, len, task);
    if (!v) { /* deleted */
        if (old) {
            entry_free(old);
            *old = s->entries[--s->len];
        }
        return 0;
    }
    const char *state = json_string_value(json_object_get(v, "state"));
    const char *worker = json_string_value(json_object_get(v, "worker_id"));
    json_t *trace = json_object_get(v, "trace"), *gen = json_object_get(v, "generation");
    if (!state || !worker || !json_is_integer(gen) || (trace && !json_is_null(trace) && !json_is_string(trace)))
        return bad(err, key, key_len, offset, "not a status (state, trace, worker_id, generation)");
    kc_status_entry e = {strndup(connector, len), task, strdup(state),
                         json_is_string(trace) ? strdup(json_string_value(trace)) : NULL, strdup(worker),
                         (int32_t)json_integer_value(gen)};
    if (!e.connector || !e.state || !e.worker_id || (json_is_string(trace) && !e.trace)) {
        entry_free(&e);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    if (old) {
        entry_free(old);
        *old = e;
        return 0;
    }
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        kc_status_entry *more = realloc(s->entries, cap * sizeof *more);
        if (!more) {
            entry_free(&e);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
        s->entries = more, s->cap = cap;
    }
    s->entries[s->len++] = e;
    return 0;
}

static int put_topic(kc_status_log *s, const char *key, size_t len, json_t *v, int64_t offset, kc_error *err) {
    /* status-topic-TOPIC:connector-NAME (topic names hold no ':') */
    const char *rest = key + 13, *end = key + len, *sep = memchr(rest, ':', (size_t)(end - rest));
    if (!sep || !kc_record_key_starts(sep + 1, (size_t)(end - sep - 1), "connector-")) return bad(err, key, len, offset, "not status-topic-TOPIC:connector-NAME");
    const char *name = sep + 11;
    size_t tl = (size_t)(sep - rest), nl = (size_t)(end - name);
    size_t i = 0;
    for (; i < s->ntopics; i++)
        if (strlen(s->topics[i].topic) == tl && !memcmp(s->topics[i].topic, rest, tl) &&
            strlen(s->topics[i].connector) == nl && !memcmp(s->topics[i].connector, name, nl))
            break;
    if (!v) {
        if (i < s->ntopics) {
            free(s->topics[i].topic), free(s->topics[i].connector);
            s->topics[i] = s->topics[--s->ntopics];
        }
        return 0;
    }
    json_t *t = json_object_get(v, "topic");
    json_t *task = json_object_get(t, "task"), *ts = json_object_get(t, "discoverTimestamp");
    if (!json_is_object(t) || !json_is_integer(task) || !json_is_integer(ts)) return bad(err, key, len, offset, "not a topic status");
    if (i == s->ntopics) {
        if (s->ntopics == s->topics_cap) {
            size_t cap = s->topics_cap ? s->topics_cap * 2 : 16;
            kc_topic_use *more = realloc(s->topics, cap * sizeof *more);
            if (!more) return kc_error_set(err, KC_ENOMEM, "out of memory");
            s->topics = more, s->topics_cap = cap;
        }
        kc_topic_use u = {strndup(name, nl), strndup(rest, tl), 0, 0};
        if (!u.connector || !u.topic) {
            free(u.connector), free(u.topic);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
        s->topics[s->ntopics++] = u;
    }
    s->topics[i].task = (int32_t)json_integer_value(task);
    s->topics[i].discovered_ms = json_integer_value(ts);
    return 0;
}

int kc_status_log_apply(kc_status_log *s, const char *key, size_t len, const char *value, size_t value_len,
                        int64_t offset, kc_error *err) {
    json_t *v;
    if (kc_record_value(value, value_len, &v)) return bad(err, key, len, offset, "the value is not a JSON object");
    int rc;
    if (kc_record_key_starts(key, len, "status-connector-")) {
        rc = put_status(s, key + 17, len - 17, -1, v, key, len, offset, err);
    } else if (kc_record_key_starts(key, len, "status-task-")) {
        size_t nl;
        long task;
        rc = kc_record_task_id(key + 12, len - 12, &nl, &task)
                 ? bad(err, key, len, offset, "not status-task-<connector>-<number>")
                 : put_status(s, key + 12, nl, (int32_t)task, v, key, len, offset, err);
    } else if (kc_record_key_starts(key, len, "status-topic-")) {
        rc = put_topic(s, key, len, v, offset, err);
    } else {
        rc = bad(err, key, len, offset, "not a key Connect writes");
    }
    json_decref(v);
    return rc;
}

void kc_status_log_free(kc_status_log *s) {
    for (size_t i = 0; i < s->len; i++) entry_free(&s->entries[i]);
    for (size_t i = 0; i < s->ntopics; i++) free(s->topics[i].topic), free(s->topics[i].connector);
    free(s->entries);
    free(s->topics);
    memset(s, 0, sizeof *s);
}

char *kc_status_log_value(const char *state, const char *trace, const char *worker_id, int32_t generation) {
    json_t *v = json_pack("{s:s, s:s?, s:s, s:i}", "state", state, "trace", trace, "worker_id", worker_id,
                          "generation", (int)generation);
    if (!v) return NULL;
    char *s = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    return s;
}

char *kc_status_log_key(const char *connector, int32_t task) {
    char *k = NULL;
    int n = task < 0 ? asprintf(&k, "status-connector-%s", connector) : asprintf(&k, "status-task-%s-%d", connector, (int)task);
    return n < 0 ? NULL : k;
}
