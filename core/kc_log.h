/* kc_log.h - the worker's log: Connect's layout, "[time] LEVEL message (logger)", on stderr. */
#ifndef KC_LOG_H
#define KC_LOG_H

#include <kc/kc_plugin.h>
#include <stdarg.h>
#include <stdint.h>

void kc_log_set_level(kc_log_level level);
kc_log_level kc_log_get_level(void);
int kc_log_parse_level(const char *name, kc_log_level *out);
void kc_log(kc_log_level level, const char *logger, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kc_vlog(kc_log_level level, const char *logger, const char *fmt, va_list ap);
const char *kc_log_level_name(kc_log_level level);
/* log.format=json: one JSON object per line (time, level, logger, connector, task, message)
 * instead of Connect's text layout. */
void kc_log_set_json(int on);

/* Named loggers (REST /admin/loggers): a level set for a name applies to every logger whose
 * name starts with it (longest match wins); "root" is the default. last_modified is the epoch
 * ms of the change, 0 when never changed. */
int kc_log_set_named(const char *name, kc_log_level level);
/* Calls fn for root and every named logger. */
void kc_log_each(void (*fn)(const char *name, kc_log_level level, int64_t last_modified, void *arg), void *arg);
/* 0 and the level of an exact name (or "root"), -1 when none was set. */
int kc_log_get_named(const char *name, kc_log_level *level, int64_t *last_modified);

/* Values no log line may show (what config providers gave to running connectors): each line is
 * masked before it is written. Counted, so two connectors may hold the same value. */
struct kc_strlist;
int kc_log_secrets_add(const struct kc_strlist *secrets);
void kc_log_secrets_remove(const struct kc_strlist *secrets);
/* Masks the registered secrets in buf (a trace about to be shown); returns whether it changed. */
int kc_log_redact(char *buf, size_t size);

#define KC_ERROR(logger, ...) kc_log(KC_LOG_ERROR, logger, __VA_ARGS__)
#define KC_WARN(logger, ...) kc_log(KC_LOG_WARN, logger, __VA_ARGS__)
#define KC_INFO(logger, ...) kc_log(KC_LOG_INFO, logger, __VA_ARGS__)
#define KC_DEBUG(logger, ...) kc_log(KC_LOG_DEBUG, logger, __VA_ARGS__)

#endif
