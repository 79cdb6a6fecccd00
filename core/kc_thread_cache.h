/* kc_thread_cache.h - the allocator's per-thread caches, for threads that go quiet.
 *
 * jemalloc (kcd's allocator) gives each thread a cache of freed memory that is trimmed only as
 * the thread allocates again: a thread that goes quiet keeps its cache for good. These calls
 * act on the calling thread; under any other allocator (the tests, sanitizer builds) they do
 * nothing. */
#ifndef KC_THREAD_CACHE_H
#define KC_THREAD_CACHE_H

/* The calling thread allocates little for the rest of its life: it keeps no cache. */
void kc_thread_cache_disable(void);

/* The calling thread goes quiet for a while: what its cache holds goes back to the arenas. */
void kc_thread_cache_flush(void);

#endif
