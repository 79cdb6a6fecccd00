/* log.c - one line per message, written with a single fwrite so threads do not interleave. */
#define _GNU_SOURCE
#include "kc_log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static kc_log_level current_level = KC_LOG_INFO;
static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

void kc_log_set_level(kc_log_level level) { __atomic_store_n(&current_level, level, __ATOMIC_RELAXED); }

kc_log_level kc_log_get_level(void) { return __atomic_load_n(&current_level, __ATOMIC_RELAXED); }

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

void kc_vlog(kc_log_level level, const char *logger, const char *fmt, va_list ap) {
    if (level > kc_log_get_level()) return;
    char line[2048];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    int n = (int)strftime(line, sizeof line, "[%Y-%m-%d %H:%M:%S", &tm);
    n += snprintf(line + n, sizeof line - (size_t)n, ",%03d] %s ", (int)(tv.tv_usec / 1000),
                  level_names[level]);
    if (n < (int)sizeof line) n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
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
