/* thread_cache.c - see kc_thread_cache.h. jemalloc's mallctl is looked up at run time rather
 * than linked: only the kcd binary runs on jemalloc. */
#define _GNU_SOURCE
#include "kc_thread_cache.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef int (*mallctl_fn)(const char *name, void *old, size_t *oldlen, void *new_value, size_t newlen);

static mallctl_fn mallctl_ptr;
static pthread_once_t looked_up = PTHREAD_ONCE_INIT;

static void look_up(void) { mallctl_ptr = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl"); }

static mallctl_fn mallctl_of_allocator(void) {
    pthread_once(&looked_up, look_up);
    return mallctl_ptr;
}

void kc_thread_cache_disable(void) {
    mallctl_fn ctl = mallctl_of_allocator();
    bool off = false;
    if (ctl) ctl("thread.tcache.enabled", NULL, NULL, &off, sizeof off);
}

void kc_thread_cache_flush(void) {
    mallctl_fn ctl = mallctl_of_allocator();
    if (ctl) ctl("thread.tcache.flush", NULL, NULL, NULL, 0);
}
