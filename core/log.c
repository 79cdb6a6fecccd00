/* log.c - one line per message, written with a single fwrite so threads do not interleave. */
#define _GNU_SOURCE
#include "kc_log.h"

#include "kc_config_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static kc_log_level current_level = KC_LOG_INFO;
static int64_t root_modified;
static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

#define MAX_NAMED 64
static struct {
    char name[160];
    kc_log_level level;
    int64_t modified;
} named[MAX_NAMED];
static int nnamed;
static pthread_rwlock_t named_lock = PTHREAD_RWLOCK_INITIALIZER;

static int64_t epoch_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void kc_log_set_level(kc_log_level level) { __atomic_store_n(&current_level, level, __ATOMIC_RELAXED); }

kc_log_level kc_log_get_level(void) { return __atomic_load_n(&current_level, __ATOMIC_RELAXED); }

const char *kc_log_level_name(kc_log_level level) { return level_names[level <= KC_LOG_TRACE ? level : KC_LOG_INFO]; }

int kc_log_set_named(const char *name, kc_log_level level) {
    if (!strcmp(name, "root")) {
        kc_log_set_level(level);
        root_modified = epoch_ms();
        return 0;
    }
    pthread_rwlock_wrlock(&named_lock);
    int i;
    for (i = 0; i < nnamed; i++)
        if (!strcmp(named[i].name, name)) break;
    if (i == nnamed) {
        if (nnamed == MAX_NAMED || strlen(name) >= sizeof named[0].name) {
            pthread_rwlock_unlock(&named_lock);
            return -1;
        }
        snprintf(named[nnamed++].name, sizeof named[0].name, "%s", name);
    }
    named[i].level = level;
    named[i].modified = epoch_ms();
    pthread_rwlock_unlock(&named_lock);
    return 0;
}

void kc_log_each(void (*fn)(const char *name, kc_log_level level, int64_t last_modified, void *arg), void *arg) {
    fn("root", kc_log_get_level(), root_modified, arg);
    pthread_rwlock_rdlock(&named_lock);
    for (int i = 0; i < nnamed; i++) fn(named[i].name, named[i].level, named[i].modified, arg);
    pthread_rwlock_unlock(&named_lock);
}

int kc_log_get_named(const char *name, kc_log_level *level, int64_t *last_modified) {
    if (!strcmp(name, "root")) {
        *level = kc_log_get_level();
        *last_modified = root_modified;
        return 0;
    }
    int rc = -1;
    pthread_rwlock_rdlock(&named_lock);
    for (int i = 0; i < nnamed; i++)
        if (!strcmp(named[i].name, name)) {
            *level = named[i].level;
            *last_modified = named[i].modified;
            rc = 0;
        }
    pthread_rwlock_unlock(&named_lock);
    return rc;
}

static kc_log_level effective_level(const char *logger) {
    kc_log_level level = kc_log_get_level();
    if (!__atomic_load_n(&nnamed, __ATOMIC_RELAXED) || !logger) return level;
    size_t best = 0;
    pthread_rwlock_rdlock(&named_lock);
    for (int i = 0; i < nnamed; i++) {
        size_t n = strlen(named[i].name);
        if (n > best && strncmp(logger, named[i].name, n) == 0) {
            best = n;
            level = named[i].level;
        }
    }
    pthread_rwlock_unlock(&named_lock);
    return level;
}

int kc_log_parse_level(const char *name, kc_log_level *out) {
    if (!name) return -1;
    for (int i = 0; i <= KC_LOG_TRACE; i++)
        if (strcasecmp(name, level_names[i]) == 0) {
            *out = (kc_log_level)i;
            return 0;
        }
    if (strcasecmp(name, "WARNING") == 0) {
        *out = KC_LOG_WARN;
        return 0;
    }
    return -1;
}

/* ---- secrets no line may show -------------------------------------------------------------- */

static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static kc_strlist secrets;      /* values config providers gave to running connectors */
static size_t *secret_refs;     /* how many connectors hold each */
static size_t secrets_count;    /* secrets.len, read without the lock on the fast path */

int kc_log_secrets_add(const kc_strlist *add) {
    int rc = KC_OK;
    pthread_mutex_lock(&secrets_lock);
    for (size_t i = 0; add && i < add->len && !rc; i++) {
        size_t j = 0;
        while (j < secrets.len && strcmp(secrets.items[j], add->items[i])) j++;
        if (j == secrets.len) {
            size_t *refs = realloc(secret_refs, (secrets.len + 1) * sizeof *refs);
            if (refs) secret_refs = refs;
            if (!refs || kc_strlist_add(&secrets, add->items[i])) {
                rc = KC_ENOMEM;
                break;
            }
            secret_refs[j] = 0;
        }
        secret_refs[j]++;
    }
    __atomic_store_n(&secrets_count, secrets.len, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&secrets_lock);
    return rc;
}

void kc_log_secrets_remove(const kc_strlist *del) {
    pthread_mutex_lock(&secrets_lock);
    for (size_t i = 0; del && i < del->len; i++)
        for (size_t j = 0; j < secrets.len; j++) {
            if (strcmp(secrets.items[j], del->items[i])) continue;
            if (--secret_refs[j] == 0) { /* last holder: forget it (order does not matter) */
                free(secrets.items[j]);
                secrets.items[j] = secrets.items[--secrets.len];
                secret_refs[j] = secret_refs[secrets.len];
            }
            break;
        }
    __atomic_store_n(&secrets_count, secrets.len, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&secrets_lock);
}

int kc_log_redact(char *buf, size_t size) {
    if (!__atomic_load_n(&secrets_count, __ATOMIC_ACQUIRE)) return 0;
    pthread_mutex_lock(&secrets_lock);
    int changed = kc_redact(buf, size, &secrets);
    pthread_mutex_unlock(&secrets_lock);
    return changed;
}

static int json_format;

void kc_log_set_json(int on) { __atomic_store_n(&json_format, on, __ATOMIC_RELAXED); }

/* Appends s as a JSON string's contents (quotes, backslashes and control characters escaped). */
static size_t json_escape(char *out, size_t size, size_t n, const char *s, size_t len) {
    for (size_t i = 0; i < len && n + 8 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') out[n++] = '\\', out[n++] = (char)c;
        else if (c == '\n') out[n++] = '\\', out[n++] = 'n';
        else if (c == '\t') out[n++] = '\\', out[n++] = 't';
        else if (c < 0x20) n += (size_t)snprintf(out + n, size - n, "\\u%04x", c);
        else out[n++] = (char)c;
    }
    return n;
}

/* One JSON object per line, for log shippers: time (UTC), level, logger, the connector and task
 * a task's or connector's logger names ("WorkerSourceTask{id=NAME-3}"), message. */
static void log_json(kc_log_level level, const char *logger, const char *msg) {
    char line[10240];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "{\"time\":\"%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03dZ\",\"level\":\"%s\",\"logger\":\"", (int)(tv.tv_usec / 1000),
                          level_names[level]);
    const char *lg = logger ? logger : "kcd";
    n = json_escape(line, sizeof line, n, lg, strlen(lg));
    n += (size_t)snprintf(line + n, sizeof line - n, "\"");
    const char *id = strstr(lg, "{id="), *close = id ? strchr(id, '}') : NULL;
    if (id && close) {
        id += 4;
        size_t len = (size_t)(close - id);
        const char *dash = NULL;
        if (strncmp(lg, "WorkerConnector", 15)) /* a task: NAME-N */
            for (const char *p = id; p < close; p++)
                if (*p == '-') dash = p;
        int task = dash && dash + 1 < close && strspn(dash + 1, "0123456789") == (size_t)(close - dash - 1);
        n += (size_t)snprintf(line + n, sizeof line - n, ",\"connector\":\"");
        n = json_escape(line, sizeof line, n, id, task ? (size_t)(dash - id) : len);
        n += (size_t)snprintf(line + n, sizeof line - n, "\"");
        if (task) n += (size_t)snprintf(line + n, sizeof line - n, ",\"task\":%d", atoi(dash + 1));
    }
    n += (size_t)snprintf(line + n, sizeof line - n, ",\"message\":\"");
    n = json_escape(line, sizeof line, n, msg, strlen(msg));
    if (n + 4 > sizeof line) n = sizeof line - 4;
    line[n++] = '"', line[n++] = '}', line[n++] = '\n';
    fwrite(line, 1, n, stderr);
}

void kc_vlog(kc_log_level level, const char *logger, const char *fmt, va_list ap) {
    if (level > effective_level(logger)) return;
    char msg[8192], line[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    kc_log_redact(msg, sizeof msg); /* before the line is cut: a cut secret could not be matched */
    if (__atomic_load_n(&json_format, __ATOMIC_RELAXED)) {
        log_json(level, logger, msg);
        return;
    }
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    int n = (int)strftime(line, sizeof line, "[%Y-%m-%d %H:%M:%S", &tm);
    n += snprintf(line + n, sizeof line - (size_t)n, ",%03d] %s ", (int)(tv.tv_usec / 1000),
                  level_names[level]);
    if (n < (int)sizeof line) n += snprintf(line + n, sizeof line - (size_t)n, "%s", msg);
    if (n >= (int)sizeof line - 64) n = (int)sizeof line - 64;
    n += snprintf(line + n, sizeof line - (size_t)n, " (%s)\n", logger ? logger : "kcd");
    fwrite(line, 1, (size_t)n, stderr);
}

void kc_log(kc_log_level level, const char *logger, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kc_vlog(level, logger, fmt, ap);
    va_end(ap);
}
