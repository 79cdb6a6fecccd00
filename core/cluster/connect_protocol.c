/* connect_protocol.c - Connect's member metadata and assignments (kc_connect_protocol.h). */
#define _GNU_SOURCE
#include "kc_connect_protocol.h"

#include <stdlib.h>
#include <string.h>

#include "kc_wire.h"

int kc_work_add(kc_work_list *l, const char *connector, int32_t task) {
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        kc_work_item *items = realloc(l->items, cap * sizeof *items);
        if (!items) return -1;
        l->items = items, l->cap = cap;
    }
    char *c = strdup(connector);
    if (!c) return -1;
    l->items[l->len++] = (kc_work_item){c, task};
    return 0;
}

int kc_work_has(const kc_work_list *l, const char *connector, int32_t task) {
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i].task == task && !strcmp(l->items[i].connector, connector)) return 1;
    return 0;
}

static int item_cmp(const void *a, const void *b) {
    const kc_work_item *x = a, *y = b;
    int c = strcmp(x->connector, y->connector);
    return c ? c : (x->task > y->task) - (x->task < y->task);
}

void kc_work_sort(kc_work_list *l) {
    if (l->len > 1) qsort(l->items, l->len, sizeof *l->items, item_cmp);
}

void kc_work_free(kc_work_list *l) {
    for (size_t i = 0; i < l->len; i++) free(l->items[i].connector);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* ARRAY of {Connector STRING, Tasks ARRAY of INT32}, items grouped by connector (sorted copy). */
static void encode_work(kc_buf *b, const kc_work_list *l) {
    kc_work_item *sorted = l->len ? malloc(l->len * sizeof *sorted) : NULL;
    if (l->len && !sorted) {
        b->failed = 1;
        return;
    }
    if (l->len) memcpy(sorted, l->items, l->len * sizeof *sorted);
    if (l->len > 1) qsort(sorted, l->len, sizeof *sorted, item_cmp);
    int32_t groups = 0;
    for (size_t i = 0; i < l->len; i++)
        if (!i || strcmp(sorted[i].connector, sorted[i - 1].connector)) groups++;
    kc_wire_i32(b, groups);
    for (size_t i = 0; i < l->len;) {
        size_t j = i;
        while (j < l->len && !strcmp(sorted[j].connector, sorted[i].connector)) j++;
        kc_wire_str(b, sorted[i].connector);
        kc_wire_i32(b, (int32_t)(j - i));
        for (size_t k = i; k < j; k++) kc_wire_i32(b, sorted[k].task);
        i = j;
    }
    free(sorted);
}

/* A nullable work array; null and empty both give an empty list. */
static void decode_work(kc_wire_reader *r, kc_work_list *out) {
    int32_t groups = kc_wire_get_count(r, 6); /* a name (2+) and a task count (4) */
    for (int32_t g = 0; g < groups && !r->bad; g++) {
        char *connector = kc_wire_get_strdup(r);
        int32_t ntasks = kc_wire_get_count(r, 4);
        if (!connector) r->bad = 1; /* a null connector name is not Connect's */
        for (int32_t t = 0; t < ntasks && !r->bad; t++) {
            int32_t task = kc_wire_get_i32(r);
            if (!r->bad && (task < KC_CONNECTOR_TASK || kc_work_add(out, connector, task))) r->bad = 1;
        }
        free(connector);
    }
}

void kc_connect_assignment_encode(kc_buf *b, const kc_connect_assignment *a) {
    kc_wire_i16(b, a->version);
    kc_wire_i16(b, a->error);
    kc_wire_str(b, a->leader ? a->leader : "");
    kc_wire_str(b, a->leader_url ? a->leader_url : "");
    kc_wire_i64(b, a->config_offset);
    encode_work(b, &a->assigned);
    if (a->version < 1) return;
    encode_work(b, &a->revoked); /* Connect writes none as an empty array, reads null too */
    kc_wire_i32(b, a->delay_ms);
}

int kc_connect_assignment_decode(const void *data, size_t len, kc_connect_assignment *out) {
    memset(out, 0, sizeof *out);
    kc_wire_reader r = kc_wire_reader_of(data, len);
    out->version = kc_wire_get_i16(&r);
    if (out->version < 0) r.bad = 1;
    out->error = kc_wire_get_i16(&r);
    out->leader = kc_wire_get_strdup(&r);
    out->leader_url = kc_wire_get_strdup(&r);
    if (!r.bad && (!out->leader || !out->leader_url)) r.bad = 1;
    out->config_offset = kc_wire_get_i64(&r);
    decode_work(&r, &out->assigned);
    /* version 0 ends here; a later version's fields are read whenever present */
    if (!r.bad && r.left) {
        decode_work(&r, &out->revoked);
        out->delay_ms = kc_wire_get_i32(&r);
    }
    if (r.bad) {
        kc_connect_assignment_clear(out);
        return -1;
    }
    return 0;
}

void kc_connect_assignment_clear(kc_connect_assignment *a) {
    free(a->leader);
    free(a->leader_url);
    kc_work_free(&a->assigned);
    kc_work_free(&a->revoked);
    memset(a, 0, sizeof *a);
}

void kc_connect_metadata_encode(kc_buf *b, const kc_connect_metadata *m) {
    kc_wire_i16(b, m->version);
    kc_wire_str(b, m->url ? m->url : "");
    kc_wire_i64(b, m->config_offset);
    if (m->version < 1) return;
    if (!m->has_allocation) {
        kc_wire_bytes(b, NULL, 0);
        return;
    }
    kc_buf inner = KC_BUF_INIT;
    kc_connect_assignment_encode(&inner, &m->allocation);
    if (inner.failed) b->failed = 1;
    else kc_wire_bytes(b, inner.data ? inner.data : "", inner.len);
    kc_buf_free(&inner);
}

int kc_connect_metadata_decode(const void *data, size_t len, kc_connect_metadata *out) {
    memset(out, 0, sizeof *out);
    kc_wire_reader r = kc_wire_reader_of(data, len);
    out->version = kc_wire_get_i16(&r);
    if (out->version < 0) r.bad = 1;
    out->url = kc_wire_get_strdup(&r);
    if (!r.bad && !out->url) r.bad = 1;
    out->config_offset = kc_wire_get_i64(&r);
    if (!r.bad && r.left) {
        size_t n;
        const uint8_t *alloc = kc_wire_get_bytes(&r, &n);
        if (alloc && !r.bad) {
            if (kc_connect_assignment_decode(alloc, n, &out->allocation)) r.bad = 1;
            else out->has_allocation = 1;
        }
    }
    if (r.bad) {
        kc_connect_metadata_clear(out);
        return -1;
    }
    return 0;
}

void kc_connect_metadata_clear(kc_connect_metadata *m) {
    free(m->url);
    kc_connect_assignment_clear(&m->allocation);
    memset(m, 0, sizeof *m);
}

size_t kc_connect_protocols(const char *setting, const char *names[3], int16_t versions[3]) {
    static const char *const all[3] = {KC_CONNECT_SESSIONED, KC_CONNECT_COMPATIBLE, KC_CONNECT_EAGER};
    size_t first;
    if (!strcmp(setting, "sessioned")) first = 0;
    else if (!strcmp(setting, "compatible")) first = 1;
    else if (!strcmp(setting, "eager")) first = 2;
    else return 0;
    for (size_t i = first; i < 3; i++) names[i - first] = all[i], versions[i - first] = (int16_t)(2 - i);
    return 3 - first;
}
