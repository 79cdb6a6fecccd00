/* mac_names.c - the *_resolved names: manuf, wka and ethers tables, longest prefix first. */
#define _GNU_SOURCE /* strdup */
#include "mac_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open-addressing table of 48-bit keys (masked addresses) to names; the last entry loaded for
 * a key wins, as in Wireshark's hash tables. */
typedef struct table {
    uint64_t *keys; /* key + 1; 0 marks an empty slot */
    char **names;
    size_t cap, len;
} table;

#define CACHE_SLOTS 1024 /* captures repeat addresses: resolved names are remembered */

struct mac_names {
    table exact;  /* ethers and 48-bit well-known addresses */
    table manuf;  /* /24 manufacturer prefixes given without a mask */
    table ranges; /* everything given with a mask (/28, /36 manufacturers, wka ranges), keyed by
                     the address as written: Wireshark 4.0 looks them up at every mask length */
    struct {
        uint64_t key; /* address + 1 */
        size_t len;
        int escape; /* the name holds '"', '\\' or a control character */
        char name[80];
    } cache[CACHE_SLOTS];
};

mac_names *mac_names_new(void) { return calloc(1, sizeof(mac_names)); }

static void table_free(table *t) {
    for (size_t i = 0; i < t->cap; i++) free(t->names[i]);
    free(t->keys);
    free(t->names);
}

void mac_names_free(mac_names *m) {
    if (!m) return;
    table_free(&m->exact);
    table_free(&m->manuf);
    table_free(&m->ranges);
    free(m);
}

static size_t slot_of(uint64_t key, size_t cap) {
    key ^= key >> 29, key *= 0xbf58476d1ce4e5b9ULL, key ^= key >> 32;
    return (size_t)key & (cap - 1);
}

static const char *table_get(const table *t, uint64_t key) {
    if (!t->cap) return NULL;
    for (size_t i = slot_of(key, t->cap);; i = (i + 1) & (t->cap - 1)) {
        if (!t->keys[i]) return NULL;
        if (t->keys[i] == key + 1) return t->names[i];
    }
}

static int table_put(table *t, uint64_t key, const char *name) {
    if ((t->len + 1) * 2 > t->cap) { /* keep it at most half full */
        table bigger = {0};
        bigger.cap = t->cap ? t->cap * 2 : 1024;
        bigger.keys = calloc(bigger.cap, sizeof *bigger.keys);
        bigger.names = calloc(bigger.cap, sizeof *bigger.names);
        if (!bigger.keys || !bigger.names) {
            free(bigger.keys);
            free(bigger.names);
            return -1;
        }
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->keys[i]) continue;
            size_t j = slot_of(t->keys[i] - 1, bigger.cap);
            while (bigger.keys[j]) j = (j + 1) & (bigger.cap - 1);
            bigger.keys[j] = t->keys[i], bigger.names[j] = t->names[i];
        }
        bigger.len = t->len;
        free(t->keys);
        free(t->names);
        *t = bigger;
    }
    char *copy = strdup(name);
    if (!copy) return -1;
    size_t i = slot_of(key, t->cap);
    while (t->keys[i] && t->keys[i] != key + 1) i = (i + 1) & (t->cap - 1);
    if (t->keys[i]) free(t->names[i]);
    else t->len++;
    t->keys[i] = key + 1, t->names[i] = copy;
    return 0;
}

static uint64_t mask_of(unsigned bits) { return bits >= 48 ? 0xffffffffffffULL : (0xffffffffffffULL << (48 - bits)) & 0xffffffffffffULL; }

/* "00:1B:C5:00:00:00/36", "01-00-5E/25", "00:00:0C": value, prefix length, and whether the
 * length was written (a bare 3-byte prefix is a manufacturer; a written mask makes a range). */
static int parse_address(const char *s, uint64_t *value, unsigned *bits, int *masked) {
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
    *masked = *p == '/';
    if (*p == '/') {
        char *end;
        long l = strtol(p + 1, &end, 10);
        if (l < 1 || l > 48 || end == p + 1) return -1;
        b = (unsigned)l;
        p = end;
    }
    if (*p && *p != '\t' && *p != ' ') return -1;
    *value = v; /* as written: Wireshark keys ranges by the written address */
    *bits = b;
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
        int masked;
        if (parse_address(p, &value, &bits, &masked)) continue;
        /* the name: the first non-empty column after the address (wka leaves the short one empty) */
        char *name = p + strcspn(p, "\t ");
        while (*name == '\t' || *name == ' ') name++;
        size_t nl = strcspn(name, "\t");
        while (nl && name[nl - 1] == ' ') nl--;
        if (!nl) continue;
        name[nl] = '\0';
        table *t = is_ethers || bits == 48 ? &m->exact : masked ? &m->ranges : bits == 24 ? &m->manuf : NULL;
        if (!t) continue; /* a bare prefix of another length: not a form these files use */
        if (table_put(t, is_ethers ? value & mask_of(48) : value, name)) break;
        n++;
    }
    fclose(f);
    memset(m->cache, 0, sizeof m->cache);
    return n;
}

/* A range hit at a prefix of bits: its name, then the bytes from the one the prefix ends in
 * (that byte masked to its uncovered bits), as Wireshark 4.0 prints it. */
static void range_name(const char *name, const uint8_t a[6], unsigned bits, char *out, size_t outlen) {
    unsigned first = bits / 8;
    int w = snprintf(out, outlen, "%s_%02x", name, a[first] & (0xff >> (bits % 8)));
    for (unsigned i = first + 1; i < 6 && w > 0 && (size_t)w < outlen; i++)
        w += snprintf(out + w, outlen - (size_t)w, ":%02x", a[i]);
}

static void resolve(mac_names *m, const uint8_t a[6], char *out, size_t outlen) {
    uint64_t v = 0;
    for (int i = 0; i < 6; i++) v = v << 8 | a[i];
    const char *name = table_get(&m->exact, v);
    if (name) {
        snprintf(out, outlen, "%s", name);
        return;
    }
    /* ranges at prefixes of 47 down to 24 bits, then the manufacturer (with the group bit
     * cleared when the address itself is not listed), then ranges of 23 bits down to 0 */
    for (int bits = 47; bits >= 0; bits--) {
        if (bits == 23) {
            uint64_t oui = v >> 24;
            if ((name = table_get(&m->manuf, oui << 24)) || ((oui & 0x010000) && (name = table_get(&m->manuf, (oui & 0xfeffff) << 24)))) {
                snprintf(out, outlen, "%s_%02x:%02x:%02x", name, a[3], a[4], a[5]);
                return;
            }
        }
        uint64_t key = v & mask_of((unsigned)bits);
        if (bits < 47 && key == (v & mask_of((unsigned)bits + 1))) continue; /* the same key missed already */
        if ((name = table_get(&m->ranges, key))) {
            range_name(name, a, (unsigned)bits, out, outlen);
            return;
        }
    }
    snprintf(out, outlen, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
}

static int needs_escape(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] < 0x20) return 1;
    return 0;
}

size_t mac_names_resolve(mac_names *m, const uint8_t a[6], char *out, size_t outlen, int *escape) {
    uint64_t v = 0;
    for (int i = 0; i < 6; i++) v = v << 8 | a[i];
    size_t slot = (size_t)(v ^ v >> 24) & (CACHE_SLOTS - 1);
    if (m->cache[slot].key == v + 1) {
        size_t n = m->cache[slot].len < outlen ? m->cache[slot].len : outlen - 1;
        memcpy(out, m->cache[slot].name, n);
        out[n] = '\0';
        *escape = m->cache[slot].escape;
        return n;
    }
    resolve(m, a, out, outlen);
    size_t n = strlen(out);
    *escape = needs_escape(out, n);
    if (n < sizeof m->cache[slot].name) {
        m->cache[slot].key = v + 1;
        m->cache[slot].len = n;
        m->cache[slot].escape = *escape;
        memcpy(m->cache[slot].name, out, n + 1);
    }
    return n;
}
