/* config_log.c - Connect's config topic records and their state (kc_config_log.h). */
#define _GNU_SOURCE
#include "kc_config_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_topic_record.h"

static kc_cfg_connector *get(kc_config_log *s, const char *name, size_t len, int create) {
    for (size_t i = 0; i < s->len; i++)
        if (strlen(s->items[i].name) == len && !memcmp(s->items[i].name, name, len)) return &s->items[i];
    if (!create) return NULL;
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        kc_cfg_connector *items = realloc(s->items, cap * sizeof *items);
        if (!items) return NULL;
        s->items = items, s->cap = cap;
    }
    kc_cfg_connector *c = &s->items[s->len];
    memset(c, 0, sizeof *c);
    c->name = strndup(name, len);
    c->tasks = json_array();
    c->pending = json_object();
    c->fenced_task_count = -1;
    if (!c->name || !c->tasks || !c->pending) {
        free(c->name);
        json_decref(c->tasks);
        json_decref(c->pending);
        return NULL;
    }
    s->len++;
    return c;
}

const kc_cfg_connector *kc_config_log_find(const kc_config_log *s, const char *name) {
    return get((kc_config_log *)s, name, strlen(name), 0);
}

const char *kc_config_log_target(const kc_cfg_connector *c) { return c->target ? c->target : "STARTED"; }

/* {"properties":{"k":"v",...}} -> a new reference to the map; NULL when not that shape. Connect
 * keeps values as strings; a non-string value is refused, as its converter would. */
static json_t *properties_of(json_t *v) {
    json_t *p = json_object_get(v, "properties");
    if (!json_is_object(p)) return NULL;
    const char *k;
    json_t *x;
    json_object_foreach(p, k, x) if (!json_is_string(x) && !json_is_null(x)) return NULL;
    return json_incref(p);
}

static int integer_of(json_t *v, const char *field, int64_t *out) {
    json_t *x = json_object_get(v, field);
    if (!json_is_integer(x)) return -1;
    *out = json_integer_value(x);
    return 0;
}

static int bad(kc_error *err, const char *key, size_t len, int64_t offset, const char *why) {
    return kc_error_set(err, KC_EINVAL, "config topic record %.*s at offset %lld: %s", (int)(len > 200 ? 200 : len),
                        key, (long long)offset, why);
}

static int oom(kc_error *err) { return kc_error_set(err, KC_ENOMEM, "out of memory"); }

int kc_config_log_apply(kc_config_log *s, const char *key, size_t len, const char *value, size_t value_len,
                        int64_t offset, kc_error *err) {
    json_t *v;
    if (kc_record_value(value, value_len, &v)) {
        s->next_offset = offset + 1;
        return bad(err, key, len, offset, "the value is not a JSON object");
    }
    int rc = 0;
    kc_cfg_connector *c;
    if (kc_record_key_starts(key, len, "target-state-")) {
        if (!(c = get(s, key + 13, len - 13, 1))) rc = oom(err);
        else if (!v) free(c->target), c->target = NULL;
        else {
            const char *st = json_string_value(json_object_get(v, "state.v2"));
            if (!st) st = json_string_value(json_object_get(v, "state"));
            if (!st || (strcmp(st, "STARTED") && strcmp(st, "PAUSED") && strcmp(st, "STOPPED")))
                rc = bad(err, key, len, offset, "no state STARTED, PAUSED or STOPPED");
            else {
                char *t = strdup(st);
                if (!t) rc = oom(err);
                else free(c->target), c->target = t;
            }
        }
    } else if (kc_record_key_starts(key, len, "connector-")) {
        if (!(c = get(s, key + 10, len - 10, 1))) rc = oom(err);
        else if (!v) {
            /* deleted: its config and tasks go (Connect keeps the target state record apart) */
            json_decref(c->config), c->config = NULL;
            json_array_clear(c->tasks);
            json_object_clear(c->pending);
            c->inconsistent = 0;
        } else {
            json_t *p = properties_of(v);
            if (!p) rc = bad(err, key, len, offset, "'properties' is not a map of strings");
            else json_decref(c->config), c->config = p;
        }
    } else if (kc_record_key_starts(key, len, "task-")) {
        size_t nl;
        long task;
        /* task-NAME-N */
        if (kc_record_task_id(key + 5, len - 5, &nl, &task)) rc = bad(err, key, len, offset, "not task-<connector>-<number>");
        else if (!v) rc = 0; /* Connect ignores a null task config */
        else if (!(c = get(s, key + 5, nl, 1))) rc = oom(err);
        else {
            json_t *p = properties_of(v);
            char num[24];
            snprintf(num, sizeof num, "%ld", task);
            if (!p) rc = bad(err, key, len, offset, "'properties' is not a map of strings");
            else if (json_object_set_new(c->pending, num, p)) rc = oom(err);
        }
    } else if (kc_record_key_starts(key, len, "commit-")) {
        int64_t n;
        if (!v || integer_of(v, "tasks", &n) || n < 0 || n > 100000)
            rc = bad(err, key, len, offset, "no task count");
        else if (!(c = get(s, key + 7, len - 7, 1))) rc = oom(err);
        else if (!c->config) {
            json_object_clear(c->pending); /* a commit for a deleted connector: its tasks are dropped */
        } else {
            int complete = 1;
            for (int64_t t = 0; t < n && complete; t++) {
                char num[24];
                snprintf(num, sizeof num, "%lld", (long long)t);
                complete = json_object_get(c->pending, num) != NULL;
            }
            if (complete) {
                json_array_clear(c->tasks);
                for (int64_t t = 0; t < n && !rc; t++) {
                    char num[24];
                    snprintf(num, sizeof num, "%lld", (long long)t);
                    if (json_array_append(c->tasks, json_object_get(c->pending, num))) rc = oom(err);
                }
                c->inconsistent = 0;
                c->task_generation++;
                c->pending_fencing = 1;
            } else {
                c->inconsistent = 1;
            }
            json_object_clear(c->pending);
        }
    } else if (kc_record_key_starts(key, len, "tasks-fencing-")) {
        int64_t n;
        if (!v || integer_of(v, "task-count", &n) || n < 0) rc = bad(err, key, len, offset, "no task-count");
        else if (!(c = get(s, key + 14, len - 14, 1))) rc = oom(err);
        else c->fenced_task_count = n, c->pending_fencing = 0;
    } else if (len == 11 && !memcmp(key, "session-key", 11)) {
        const char *k = json_string_value(json_object_get(v, "key"));
        const char *alg = json_string_value(json_object_get(v, "algorithm"));
        int64_t created;
        if (!v || !k || !alg || integer_of(v, "creation-timestamp", &created))
            rc = bad(err, key, len, offset, "not a session key");
        else {
            char *kc = strdup(k), *ac = strdup(alg);
            if (!kc || !ac) free(kc), free(ac), rc = oom(err);
            else {
                free(s->session_key), free(s->session_algorithm);
                s->session_key = kc, s->session_algorithm = ac, s->session_created_ms = created;
            }
        }
    } else if (kc_record_key_starts(key, len, "restart-connector-") || kc_record_key_starts(key, len, "logger-cluster-")) {
        rc = 0; /* requests acted on when they arrive, not state */
    } else {
        rc = bad(err, key, len, offset, "not a key Connect writes");
    }
    json_decref(v);
    if (rc != KC_ENOMEM) s->next_offset = offset + 1;
    return rc;
}

void kc_config_log_free(kc_config_log *s) {
    for (size_t i = 0; i < s->len; i++) {
        free(s->items[i].name);
        free(s->items[i].target);
        json_decref(s->items[i].config);
        json_decref(s->items[i].tasks);
        json_decref(s->items[i].pending);
    }
    free(s->items);
    free(s->session_key);
    free(s->session_algorithm);
    memset(s, 0, sizeof *s);
}

static char *dump(json_t *v) {
    if (!v) return NULL;
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    return s;
}

char *kc_config_log_properties_value(const json_t *properties) {
    return dump(json_pack("{s:O}", "properties", (json_t *)properties));
}

char *kc_config_log_commit_value(int tasks) { return dump(json_pack("{s:i}", "tasks", tasks)); }

char *kc_config_log_target_value(const char *state) {
    /* Connect writes STOPPED as PAUSED for workers that know no STOPPED (before 3.5) */
    return dump(json_pack("{s:s, s:s}", "state", strcmp(state, "STOPPED") ? state : "PAUSED", "state.v2", state));
}

char *kc_config_log_fencing_value(int task_count) { return dump(json_pack("{s:i}", "task-count", task_count)); }
