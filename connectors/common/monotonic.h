/* monotonic.h - milliseconds on the monotonic clock, for plugins' deadlines and ages, and
 * sleeps (a plugin links nothing of the worker, so it cannot call the worker's own clock).
 * Header-only. */
#ifndef KC_MONOTONIC_H
#define KC_MONOTONIC_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

static inline int64_t monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps ms milliseconds, resuming after signals. */
static inline void sleep_ms(int64_t ms) {
    if (ms <= 0) return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

#endif
