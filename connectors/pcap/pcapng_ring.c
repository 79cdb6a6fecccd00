/* pcapng_ring.c - see pcapng_ring.h. Blocks: Section Header, one Interface Description (with
 * if_tsresol = 9, nanoseconds), Enhanced Packet; host byte order, as pcapng allows. */
#define _GNU_SOURCE
#include "pcapng_ring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pcapng_ring {
    char *dir, *prefix;
    int linktype;
    uint32_t snaplen;
    int64_t duration_s;
    int files;
    FILE *f;
    int64_t file_start; /* packet time (s) the current file began at */
    unsigned number;    /* of the current file, from 1 */
    char **names;       /* the files kept, oldest first */
    int nnames;
};

int pcapng_ring_open(const char *dir, const char *prefix, int linktype, uint32_t snaplen, int64_t duration_s,
                     int files, pcapng_ring **out, char *err, size_t errlen) {
    if (duration_s < 1 || files < 1) {
        snprintf(err, errlen, "ring duration and file count must be at least 1");
        return -1;
    }
    pcapng_ring *r = calloc(1, sizeof *r);
    if (r) r->names = calloc((size_t)files, sizeof *r->names);
    if (!r || !r->names || !(r->dir = strdup(dir)) || !(r->prefix = strdup(prefix))) {
        pcapng_ring_close(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->linktype = linktype, r->snaplen = snaplen, r->duration_s = duration_s, r->files = files;
    *out = r;
    return 0;
}

static int put32(FILE *f, uint32_t v) { return fwrite(&v, 4, 1, f) == 1 ? 0 : -1; }
static int put16(FILE *f, uint16_t v) { return fwrite(&v, 2, 1, f) == 1 ? 0 : -1; }

static int write_headers(pcapng_ring *r) {
    FILE *f = r->f;
    /* Section Header Block: type, length, byte-order magic, version 1.0, section length unknown */
    int rc = put32(f, 0x0A0D0D0A) | put32(f, 28) | put32(f, 0x1A2B3C4D) | put16(f, 1) | put16(f, 0) |
             put32(f, 0xffffffff) | put32(f, 0xffffffff) | put32(f, 28);
    /* Interface Description Block: linktype, snaplen, option if_tsresol (9) = 9, end of options */
    rc |= put32(f, 1) | put32(f, 32) | put16(f, (uint16_t)r->linktype) | put16(f, 0) | put32(f, r->snaplen) |
          put16(f, 9) | put16(f, 1) | put32(f, 9) | put32(f, 0) | put32(f, 32);
    return rc;
}

static int rotate(pcapng_ring *r, int64_t ts_sec, char *err, size_t errlen) {
    if (r->f && fclose(r->f) != 0) {
        r->f = NULL;
        snprintf(err, errlen, "closing %s: %s", r->names[r->nnames - 1], strerror(errno));
        return -1;
    }
    r->f = NULL;
    if (r->nnames == r->files) { /* drop the oldest */
        if (remove(r->names[0]) != 0 && errno != ENOENT) {
            snprintf(err, errlen, "removing %s: %s", r->names[0], strerror(errno));
            return -1;
        }
        free(r->names[0]);
        memmove(r->names, r->names + 1, (size_t)(r->nnames - 1) * sizeof *r->names);
        r->nnames--;
    }
    time_t t = (time_t)ts_sec;
    struct tm tm;
    localtime_r(&t, &tm); /* tshark names ring files in local time */
    char when[32], *path = NULL;
    strftime(when, sizeof when, "%Y%m%d%H%M%S", &tm);
    if (asprintf(&path, "%s/%s_%05u_%s.pcapng", r->dir, r->prefix, r->number + 1, when) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->f = fopen(path, "wb");
    if (!r->f || write_headers(r)) {
        snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
        if (r->f) fclose(r->f);
        r->f = NULL;
        free(path);
        return -1;
    }
    r->names[r->nnames++] = path;
    r->number++;
    r->file_start = ts_sec;
    return 0;
}

int pcapng_ring_write(pcapng_ring *r, int64_t ts_sec, uint32_t ts_nsec, const uint8_t *data, uint32_t caplen,
                      uint32_t wirelen, char *err, size_t errlen) {
    if (!r->f || ts_sec - r->file_start >= r->duration_s)
        if (rotate(r, ts_sec, err, errlen)) return -1;
    uint64_t ts = (uint64_t)ts_sec * 1000000000u + ts_nsec;
    uint32_t padded = (caplen + 3) & ~3u, total = 32 + padded;
    static const uint8_t zeros[4];
    /* Enhanced Packet Block: interface 0, timestamp high/low, captured and original lengths */
    int rc = put32(r->f, 6) | put32(r->f, total) | put32(r->f, 0) | put32(r->f, (uint32_t)(ts >> 32)) |
             put32(r->f, (uint32_t)ts) | put32(r->f, caplen) | put32(r->f, wirelen);
    if (!rc && caplen && fwrite(data, caplen, 1, r->f) != 1) rc = -1;
    if (!rc && padded > caplen && fwrite(zeros, padded - caplen, 1, r->f) != 1) rc = -1;
    rc |= put32(r->f, total);
    if (rc) {
        snprintf(err, errlen, "writing %s: %s", r->names[r->nnames - 1], strerror(errno));
        fclose(r->f);
        r->f = NULL; /* the next packet starts a new file */
        return -1;
    }
    return 0;
}

int pcapng_ring_flush(pcapng_ring *r) { return r->f ? fflush(r->f) : 0; }

const char *pcapng_ring_current(const pcapng_ring *r) { return r->f && r->nnames ? r->names[r->nnames - 1] : NULL; }

void pcapng_ring_close(pcapng_ring *r) {
    if (!r) return;
    if (r->f) fclose(r->f);
    for (int i = 0; i < r->nnames; i++) free(r->names[i]);
    free(r->names);
    free(r->dir);
    free(r->prefix);
    free(r);
}
