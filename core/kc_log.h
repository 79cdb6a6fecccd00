/* kc_log.h - the worker's log: Connect's layout, "[time] LEVEL message (logger)", on stderr. */
#ifndef KC_LOG_H
#define KC_LOG_H

#include <kc/kc_plugin.h>
#include <stdarg.h>

void kc_log_set_level(kc_log_level level);
kc_log_level kc_log_get_level(void);
int kc_log_parse_level(const char *name, kc_log_level *out);
void kc_log(kc_log_level level, const char *logger, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kc_vlog(kc_log_level level, const char *logger, const char *fmt, va_list ap);

#define KC_ERROR(logger, ...) kc_log(KC_LOG_ERROR, logger, __VA_ARGS__)
#define KC_WARN(logger, ...) kc_log(KC_LOG_WARN, logger, __VA_ARGS__)
#define KC_INFO(logger, ...) kc_log(KC_LOG_INFO, logger, __VA_ARGS__)
#define KC_DEBUG(logger, ...) kc_log(KC_LOG_DEBUG, logger, __VA_ARGS__)

#endif
