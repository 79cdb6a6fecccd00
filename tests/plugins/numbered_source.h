/* numbered_source.h - what the test sources emitting numbered records share: one source
 * partition {"source": NAME} whose offset {"next": N} is the number of the next record.
 * Header-only, since each plugin is its own shared object: include it after
 * `static const kc_host_api *host;`. */
#ifndef KC_TEST_NUMBERED_SOURCE_H
#define KC_TEST_NUMBERED_SOURCE_H

#include <kc/kc_plugin.h>
#include <string.h>

static inline void numbered_partition(kc_value *p, const char *source) {
    host->value_init_map(p);
    kc_value v = {0};
    host->value_set_string(&v, source, strlen(source));
    host->map_put_str(p, "source", &v);
}

/* The number of the next record: the stored offset's, or 0. */
static inline int64_t numbered_resume(kc_task_ctx *ctx, const char *source) {
    int64_t next = 0;
    kc_value p = {0}, off = {0};
    numbered_partition(&p, source);
    if (host->offset_read(ctx, &p, &off) == KC_OK) {
        const kc_value *n = host->map_get_str(&off, "next");
        if (n && n->type == KC_VAL_INT) next = n->u.i;
        host->value_clear(&off);
    }
    host->value_clear(&p);
    return next;
}

/* A record of text on topic whose offset says next; NULL when out of memory. */
static inline kc_record *numbered_record(const char *source, const char *topic, const char *text, int64_t next) {
    kc_record *r = host->record_new();
    if (!r || host->record_set_topic(r, topic) || host->value_set_string(&r->value, text, strlen(text))) {
        if (r) host->record_release(r);
        return NULL;
    }
    numbered_partition(&r->source_partition, source);
    host->value_init_map(&r->source_offset);
    kc_value n = {0};
    n.type = KC_VAL_INT;
    n.u.i = next;
    host->map_put_str(&r->source_offset, "next", &n);
    return r;
}

#endif
