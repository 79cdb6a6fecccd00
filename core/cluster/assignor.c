/* assignor.c - the leader's assignment (kc_assignor.h). */
#define _GNU_SOURCE
#include "kc_assignor.h"

#include <stdlib.h>
#include <string.h>

typedef struct held {
    const kc_work_item *item; /* borrowed from a member's allocation */
    size_t member;
} held;

static int held_cmp(const void *a, const void *b) {
    const held *x = a, *y = b;
    int c = strcmp(x->item->connector, y->item->connector);
    if (c) return c;
    if (x->item->task != y->item->task) return x->item->task < y->item->task ? -1 : 1;
    return (x->member > y->member) - (x->member < y->member);
}

static int is_configured(const kc_assignor_input *in, const kc_work_item *it) {
    for (size_t c = 0; c < in->nconnectors; c++)
        if (!strcmp(in->connectors[c].name, it->connector))
            return it->task == KC_CONNECTOR_TASK || (it->task >= 0 && it->task < in->connectors[c].tasks);
    return 0;
}

/* Everything configured, sorted (a connector, then its tasks). */
static int configured_items(const kc_assignor_input *in, kc_work_list *out) {
    for (size_t c = 0; c < in->nconnectors; c++)
        for (int32_t t = KC_CONNECTOR_TASK; t < in->connectors[c].tasks; t++)
            if (kc_work_add(out, in->connectors[c].name, t)) return -1;
    kc_work_sort(out);
    return 0;
}

static int is_task(const kc_work_item *it) { return it->task != KC_CONNECTOR_TASK; }

/* order[] = member indexes sorted by member id (ties everywhere go to the smaller id). */
static void order_by_id(const kc_assignor_input *in, size_t *order) {
    for (size_t m = 0; m < in->nmembers; m++) {
        size_t b = m;
        for (; b > 0 && strcmp(in->members[order[b - 1]].member_id, in->members[m].member_id) > 0; b--)
            order[b] = order[b - 1];
        order[b] = m;
    }
}

static int same_item(const kc_work_item *a, const kc_work_item *b) {
    return a->task == b->task && !strcmp(a->connector, b->connector);
}

/* Everything member m holds after this round, connectors and tasks together. */
static size_t held_all(const kc_work_list *kept, const kc_connect_assignment *out, size_t m) {
    return kept[m].len + out[m].assigned.len;
}

/* The member with the least of one kind of work; ties go to the one holding less in all (so
 * connectors and tasks together stay balanced too), then by member id. */
static size_t least_loaded(const kc_assignor_input *in, const size_t *load, const kc_work_list *kept,
                           const kc_connect_assignment *out) {
    size_t best = 0;
    for (size_t m = 1; m < in->nmembers; m++) {
        size_t hm = held_all(kept, out, m), hb = held_all(kept, out, best);
        if (load[m] < load[best] || (load[m] == load[best] && hm < hb) ||
            (load[m] == load[best] && hm == hb && strcmp(in->members[m].member_id, in->members[best].member_id) < 0))
            best = m;
    }
    return best;
}

static int assign_eager(const kc_assignor_input *in, kc_connect_assignment *out) {
    size_t *order = malloc(in->nmembers * sizeof *order);
    kc_work_list all = {0};
    int rc = order && !configured_items(in, &all) ? 0 : -1;
    if (!rc) {
        order_by_id(in, order);
        size_t next = 0;
        for (int pass = 0; pass < 2 && !rc; pass++) /* connectors, then tasks, one iterator */
            for (size_t i = 0; i < all.len && !rc; i++)
                if (is_task(&all.items[i]) == pass)
                    rc = kc_work_add(&out[order[next++ % in->nmembers]].assigned, all.items[i].connector,
                                     all.items[i].task);
    }
    kc_work_free(&all);
    free(order);
    return rc;
}

static int assign_cooperative(const kc_assignor_input *in, kc_connect_assignment *out) {
    size_t n = in->nmembers, nheld = 0;
    for (size_t m = 0; m < n; m++)
        if (in->members[m].metadata->has_allocation) nheld += in->members[m].metadata->allocation.assigned.len;
    held *h = malloc((nheld ? nheld : 1) * sizeof *h);
    kc_work_list *kept = calloc(n, sizeof *kept), all = {0}, blocked = {0};
    size_t *load = calloc(n, sizeof *load), *rank = malloc(n * sizeof *rank);
    int rc = h && kept && load && rank && !configured_items(in, &all) ? 0 : -1;
    size_t k = 0;
    for (size_t m = 0; m < n && !rc; m++) {
        const kc_connect_metadata *md = in->members[m].metadata;
        if (!md->has_allocation) continue;
        for (size_t i = 0; i < md->allocation.assigned.len; i++) h[k++] = (held){&md->allocation.assigned.items[i], m};
    }
    if (!rc) qsort(h, k, sizeof *h, held_cmp);
    /* duplicates and deleted work: revoked from every holder, assigned to nobody this round */
    int revoking = 0;
    for (size_t i = 0; i < k && !rc;) {
        size_t j = i, holders = 0;
        while (j < k && same_item(h[i].item, h[j].item)) {
            if (j == i || h[j].member != h[j - 1].member) holders++;
            j++;
        }
        int keep = holders == 1 && is_configured(in, h[i].item);
        for (size_t x = i; x < j && !rc; x++) {
            if (x > i && h[x].member == h[x - 1].member) continue; /* listed twice by one member */
            kc_work_list *to = keep ? &kept[h[x].member] : &out[h[x].member].revoked;
            rc = kc_work_add(to, h[x].item->connector, h[x].item->task);
        }
        if (!keep && !rc) {
            revoking = 1;
            rc = kc_work_add(&blocked, h[i].item->connector, h[i].item->task);
        }
        i = j;
    }
    for (int type = 0; type < 2 && !rc; type++) {
        size_t total = 0;
        for (size_t i = 0; i < all.len; i++) total += is_task(&all.items[i]) == type;
        for (size_t m = 0; m < n; m++) {
            load[m] = 0;
            for (size_t i = 0; i < kept[m].len; i++) load[m] += is_task(&kept[m].items[i]) == type;
        }
        /* balance: a worker over its share gives the surplus up (last items first), when nothing
         * else is being revoked; the busiest workers may keep one more than the rest */
        if (!revoking) {
            for (size_t m = 0; m < n; m++) rank[m] = m;
            /* by load, descending; ties: who holds less in all first (it keeps the extra one), then by id */
            for (size_t a = 1; a < n; a++)
                for (size_t b = a; b > 0; b--) {
                    size_t x = rank[b - 1], y = rank[b];
                    size_t hx = held_all(kept, out, x), hy = held_all(kept, out, y);
                    if (load[y] > load[x] || (load[y] == load[x] && hy < hx) ||
                        (load[y] == load[x] && hy == hx &&
                         strcmp(in->members[y].member_id, in->members[x].member_id) < 0)) {
                        rank[b - 1] = y, rank[b] = x;
                    } else {
                        break;
                    }
                }
            for (size_t r = 0; r < n && !rc; r++) {
                size_t m = rank[r], allowed = total / n + (r < total % n);
                kc_work_sort(&kept[m]);
                for (size_t i = kept[m].len; i-- > 0 && load[m] > allowed && !rc;) {
                    kc_work_item *it = &kept[m].items[i];
                    if (is_task(it) != type) continue;
                    rc = kc_work_add(&out[m].revoked, it->connector, it->task) ||
                         kc_work_add(&blocked, it->connector, it->task);
                    free(it->connector);
                    memmove(it, it + 1, (kept[m].len - i - 1) * sizeof *it);
                    kept[m].len--;
                    load[m]--;
                }
            }
        }
        /* what nobody holds: to the least loaded */
        for (size_t i = 0; i < all.len && !rc; i++) {
            const kc_work_item *it = &all.items[i];
            if (is_task(it) != type || kc_work_has(&blocked, it->connector, it->task)) continue;
            int owned = 0;
            for (size_t m = 0; m < n && !owned; m++) owned = kc_work_has(&kept[m], it->connector, it->task);
            if (owned) continue;
            size_t m = least_loaded(in, load, kept, out);
            rc = kc_work_add(&out[m].assigned, it->connector, it->task);
            load[m]++;
        }
    }
    for (size_t m = 0; kept && m < n; m++) kc_work_free(&kept[m]);
    kc_work_free(&all);
    kc_work_free(&blocked);
    free(kept);
    free(h);
    free(load);
    free(rank);
    return rc;
}

int kc_assign(const kc_assignor_input *in, kc_connect_assignment *out) {
    int behind = 0;
    for (size_t m = 0; m < in->nmembers; m++) {
        memset(&out[m], 0, sizeof out[m]);
        if (in->members[m].metadata->config_offset > in->config_offset) behind = 1;
    }
    int rc = 0;
    for (size_t m = 0; m < in->nmembers && !rc; m++) {
        out[m].version = in->version;
        out[m].error = behind ? KC_ASSIGN_CONFIG_MISMATCH : KC_ASSIGN_NO_ERROR;
        out[m].config_offset = in->config_offset;
        out[m].leader = strdup(in->leader_id ? in->leader_id : "");
        out[m].leader_url = strdup(in->leader_url ? in->leader_url : "");
        if (!out[m].leader || !out[m].leader_url) rc = -1;
    }
    if (!rc && !behind && in->nmembers)
        rc = in->version == 0 ? assign_eager(in, out) : assign_cooperative(in, out);
    if (rc)
        for (size_t m = 0; m < in->nmembers; m++) kc_connect_assignment_clear(&out[m]);
    return rc;
}
