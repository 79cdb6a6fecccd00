/* kc_error.h - return codes and the error struct shared by the worker and its plugins.
 *
 * Every fallible call returns an int: KC_OK (0) or a negative KC_E* code. Details go in a
 * caller-provided kc_error whose message buffer is fixed, so reporting needs no allocation
 * and works even when memory is exhausted. */
#ifndef KC_ERROR_H
#define KC_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    KC_OK = 0,
    KC_EINVAL = -1,    /* bad input: config, record, argument; not worth retrying */
    KC_ENOMEM = -2,    /* allocation failed */
    KC_ERETRY = -3,    /* transient: back off and call again with the same input */
    KC_EFATAL = -4,    /* the task cannot go on: it moves to FAILED with the message as trace */
    KC_EABI = -5,      /* plugin built against an incompatible ABI */
    KC_ENOTFOUND = -6, /* no such plugin, key, partition, file */
    KC_EIO = -7,       /* operating-system I/O error */
    /* A transient cause (server unreachable, connection lost) outlasted the plugin's own retries:
     * the task fails, and the worker starts it again after a backoff (kcd's task.auto.restart.*),
     * as it does for a start() that answers KC_ERETRY. Workers before it treat it as KC_EFATAL. */
    KC_EOUTAGE = -8
};

#define KC_ERROR_MSG_MAX 512

typedef struct kc_error {
    int code;
    char msg[KC_ERROR_MSG_MAX];
} kc_error;

/* Sets code and a printf-style message (truncated to fit); returns code so callers can
 * `return kc_error_set(err, KC_EINVAL, "...")`. err may be NULL. */
static inline int kc_error_vset(kc_error *err, int code, const char *fmt, va_list ap) {
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline int kc_error_set(kc_error *err, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kc_error_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

static inline void kc_error_clear(kc_error *err) {
    if (err) {
        err->code = KC_OK;
        err->msg[0] = '\0';
    }
}

static inline const char *kc_strerror(int code) {
    switch (code) {
    case KC_OK: return "ok";
    case KC_EINVAL: return "invalid argument";
    case KC_ENOMEM: return "out of memory";
    case KC_ERETRY: return "retriable error";
    case KC_EFATAL: return "fatal error";
    case KC_EABI: return "incompatible plugin ABI";
    case KC_ENOTFOUND: return "not found";
    case KC_EIO: return "I/O error";
    default: return "unknown error";
    }
}

#ifdef __cplusplus
}
#endif
#endif
