/* mac_names.c - the *_resolved names: manuf, wka and ethers tables, longest prefix first. */
#define _GNU_SOURCE /* strdup */
#include "mac_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    uint64_t value; /* 48-bit address, masked to bits */
    unsigned bits;  /* 1..48 */
    char *name;
} entry;

struct mac_names {
    entry *items;
    size_t len, cap;
    int sorted;
    unsigned masks[49]; /* the distinct prefix lengths present, longest first */
    size_t nmasks;
    entry *ethers;
    size_t nethers, capethers;
};

mac_names *mac_names_new(void) { return calloc(1, sizeof(mac_names)); }

void mac_names_free(mac_names *m) {
    if (!m) return;
    for (size_t i = 0; i < m->len; i++) free(m->items[i].name);
    for (size_t i = 0; i < m->nethers; i++) free(m->ethers[i].name);
    free(m->items);
    free(m->ethers);
    free(m);
}

static uint64_t mask_of(unsigned bits) { return bits >= 48 ? 0xffffffffffffULL : (0xffffffffffffULL << (48 - bits)) & 0xffffffffffffULL; }

/* "00:1B:C5:00:00:00/36", "01-00-5E/25", "00:00:0C": value and prefix length. */
static int parse_address(const char *s, uint64_t *value, unsigned *bits) {
    uint64_t v = 0;
    unsigned n = 0;
    const char *p = s;
    while (n < 6) {
        unsigned byte = 0, digits = 0;
        while (digits < 2 && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))) {
            byte = byte * 16 + (unsigned)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
            p++, digits++;
        }
        if (!digits) return -1;
        v = v << 8 | byte;
        n++;
        if (*p == ':' || *p == '-' || *p == '.') p++;
        else break;
    }
    v <<= 8 * (6 - n);
    unsigned b = n * 8;
    if (*p == '/') {
        char *end;
        long l = strtol(p + 1, &end, 10);
        if (l < 1 || l > 48 || end == p + 1) return -1;
        b = (unsigned)l;
        p = end;
    }
    if (*p && *p != '\t' && *p != ' ') return -1;
    *value = v & mask_of(b);
    *bits = b;
    return 0;
}

static int add(entry **items, size_t *len, size_t *cap, uint64_t value, unsigned bits, const char *name) {
    if (*len == *cap) {
        size_t ncap = *cap ? *cap * 2 : 1024;
        entry *p = realloc(*items, ncap * sizeof *p);
        if (!p) return -1;
        *items = p;
        *cap = ncap;
    }
    char *copy = strdup(name);
    if (!copy) return -1;
    (*items)[(*len)++] = (entry){value, bits, copy};
    return 0;
}

long mac_names_load(mac_names *m, const char *path, int is_ethers) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[1024];
    long n = 0;
    while (fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line;
        while (*p == ' ') p++;
        if (!*p) continue;
        uint64_t value;
        unsigned bits;
        if (parse_address(p, &value, &bits)) continue;
        /* the name: the first non-empty column after the address (wka leaves the short one empty) */
        char *name = p + strcspn(p, "\t ");
        while (*name == '\t' || *name == ' ') name++;
        size_t nl = strcspn(name, "\t");
        while (nl && name[nl - 1] == ' ') nl--;
        if (!nl) continue;
        name[nl] = '\0';
        int rc = is_ethers ? add(&m->ethers, &m->nethers, &m->capethers, value, 48, name)
                           : add(&m->items, &m->len, &m->cap, value, bits, name);
        if (rc) break;
        n++;
    }
    fclose(f);
    m->sorted = 0;
    return n;
}

static int by_bits_value(const void *a, const void *b) {
    const entry *x = a, *y = b;
    if (x->bits != y->bits) return x->bits > y->bits ? -1 : 1;
    return x->value < y->value ? -1 : x->value > y->value;
}

static void prepare(mac_names *m) {
    if (m->len) qsort(m->items, m->len, sizeof *m->items, by_bits_value);
    if (m->nethers) qsort(m->ethers, m->nethers, sizeof *m->ethers, by_bits_value);
    m->nmasks = 0;
    for (size_t i = 0; i < m->len; i++)
        if (!m->nmasks || m->masks[m->nmasks - 1] != m->items[i].bits) m->masks[m->nmasks++] = m->items[i].bits;
    m->sorted = 1;
}

static const entry *find(const entry *items, size_t len, uint64_t value, unsigned bits) {
    entry key = {value, bits, NULL};
    if (!len) return NULL; /* (no table: items is NULL, which bsearch may not take) */
    return bsearch(&key, items, len, sizeof *items, by_bits_value);
}

void mac_names_resolve(mac_names *m, const uint8_t a[6], char *out, size_t outlen) {
    if (!m->sorted) prepare(m);
    uint64_t v = 0;
    for (int i = 0; i < 6; i++) v = v << 8 | a[i];
    const entry *e = find(m->ethers, m->nethers, v, 48);
    if (e) {
        snprintf(out, outlen, "%s", e->name);
        return;
    }
    for (size_t k = 0; k < m->nmasks; k++) {
        unsigned bits = m->masks[k];
        if (!(e = find(m->items, m->len, v & mask_of(bits), bits))) continue;
        if (bits == 48) {
            snprintf(out, outlen, "%s", e->name);
        } else if (bits == 24) {
            snprintf(out, outlen, "%s_%02x:%02x:%02x", e->name, a[3], a[4], a[5]);
        } else { /* the bytes after the prefix, leading zero bytes left out (at least one kept) */
            uint8_t rest[6];
            size_t first = bits / 8, n = 0;
            for (size_t i = first; i < 6; i++) rest[n++] = i == first ? (uint8_t)(a[i] & (0xff >> (bits % 8))) : a[i];
            size_t s = 0;
            while (s + 1 < n && rest[s] == 0) s++;
            int w = snprintf(out, outlen, "%s_", e->name);
            for (size_t i = s; i < n && w > 0 && (size_t)w < outlen; i++)
                w += snprintf(out + w, outlen - (size_t)w, i > s ? ":%02x" : "%02x", rest[i]);
        }
        return;
    }
    snprintf(out, outlen, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
}
