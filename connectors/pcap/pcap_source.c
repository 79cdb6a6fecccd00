/* pcap_source.c - the pcap source connector: packets from a live interface (libpcap, monitor
 * mode optional) or from capture files, decoded natively (wifi_decode.c, pcap_record.c) into
 * the records the Wi-Fi pipeline's `tshark -T ek | jq | kafkacat` loop produced.
 *
 * Capture files: the source partition is {"file": PATH}, the offset {"packets": N, "position":
 * BYTES} after the packet, so a restart resumes right after the last acknowledged packet. Files
 * are read in the order of pcap.files (each glob sorted by name); the last one is followed as it
 * grows, and new files matching the globs are picked up (tshark's ring buffer).
 * Live capture: no offsets (a live interface cannot replay); pcap.write.dir keeps a pcapng ring
 * of the raw packets that can be replayed later. Kernel drops are counted in the task's metrics
 * and logged. */
#define _GNU_SOURCE
#include <errno.h>
#include <glob.h>
#include <kc/kc_plugin.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mac_names.h"
#include "pcap_record.h"
#include "pcapng_ring.h"

static const kc_host_api *host;
#include "../common/config_connector.h"
#include "../common/monotonic.h"
static int host_has_map_append; /* ABI 1.2 */

/* Adds a key the map does not hold yet: appended without a search when the worker can. */
static int put_new_key(kc_value *map, const char *key, kc_value *val) {
    if (!host_has_map_append) return host->map_put_str(map, key, val);
    kc_value k = KC_VALUE_NULL_INIT;
    int rc = host->value_set_string(&k, key, strlen(key));
    if (!rc) rc = host->map_append(map, &k, val);
    host->value_clear(&k);
    return rc;
}

static int check_fields(const char *key, const char *value, char *msg, size_t size) {
    (void)key;
    pcap_fields f;
    return pcap_fields_parse(value, &f, msg, size) ? -1 : 0;
}

static const char *const formats[] = {"tshark-3", "tshark-4.0", NULL};

#define DEBIAN_MANUF "/usr/share/wireshark/manuf"
#define DEBIAN_WKA "/usr/share/wireshark/wka"

static const kc_config_def config[] = {
    {"topic", KC_CFG_STRING, "pcap", KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Output",
     "The topic records are written to", NULL, NULL},
    {"pcap.interface", KC_CFG_STRING, NULL, KC_CFG_F_NONEMPTY | KC_CFG_F_INTERFACE, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Input",
     "Capture live on this interface (e.g. mon0, wlan0, lo). Exactly one of pcap.interface and pcap.files", NULL,
     NULL},
    {"pcap.files", KC_CFG_LIST, NULL, KC_CFG_F_NONEMPTY | KC_CFG_F_HOST_PATH, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Input",
     "Read these capture files (pcap or pcapng): paths or globs, e.g. /pcap_data/mon0_*.pcapng. Each glob is read "
     "in name order; the last file is followed while it grows and new matching files are picked up",
     NULL, NULL},
    {"pcap.files.poll.ms", KC_CFG_INT, "1000", KC_CFG_F_HAS_MIN, 10, 0, NULL, KC_IMPORTANCE_LOW, "Input",
     "How often to look for new matching files and for growth of the last one", NULL, NULL},
    {"pcap.files.warn.ms", KC_CFG_INT, "30000", KC_CFG_F_HAS_MIN, 1000, 0, NULL, KC_IMPORTANCE_LOW, "Input",
     "How often a glob of pcap.files that matches no file is said again (the log and the task's status)", NULL,
     NULL},
    {"pcap.rfmon", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Input",
     "Put the interface in monitor mode (802.11 frames with radiotap headers)", NULL, NULL},
    {"pcap.filter", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Input",
     "A BPF capture filter (tcpdump syntax), applied to live captures and to capture files", NULL, NULL},
    {"pcap.snaplen", KC_CFG_INT, "262144", KC_CFG_F_HAS_MIN | KC_CFG_F_HAS_MAX, 64, 262144, NULL, KC_IMPORTANCE_LOW,
     "Input", "Bytes kept of each live packet", NULL, NULL},
    {"pcap.buffer.bytes", KC_CFG_INT, "2097152", KC_CFG_F_HAS_MIN, 65536, 0, NULL, KC_IMPORTANCE_LOW, "Input",
     "Kernel capture buffer size; a bigger one rides out bursts without drops", NULL, NULL},
    {"pcap.immediate", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Input",
     "Deliver live packets as they arrive instead of when the kernel buffer fills", NULL, NULL},
    {"pcap.write.dir", KC_CFG_STRING, NULL, KC_CFG_F_NONEMPTY | KC_CFG_F_HOST_PATH, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Ring",
     "Also write the live packets to a ring of pcapng files in this folder (<interface>_NNNNN_<time>.pcapng), "
     "as tshark -b did: the replay of a live capture",
     NULL, NULL},
    {"pcap.write.duration.s", KC_CFG_LONG, "3600", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Ring",
     "Seconds of packets per ring file", NULL, NULL},
    {"pcap.write.files", KC_CFG_INT, "12", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Ring",
     "Ring files kept; the oldest is deleted", NULL, NULL},
    {"fields", KC_CFG_LIST, PCAP_DEFAULT_FIELDS, KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Output",
     "tshark field names put in each record, in this order (default: the pipeline's 22)", NULL, check_fields},
    {"format", KC_CFG_ENUM, "tshark-3", 0, 0, 0, formats, KC_IMPORTANCE_MEDIUM, "Output",
     "Value formatting: tshark-3 as the pipeline's data (decimal type_subtype, SSID as text, vendor data as "
     "colon-separated hex) or tshark-4.0 as Debian 12's tshark prints the same fields",
     NULL, NULL},
    {"key.field", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Output",
     "A field (tshark name, one of fields) whose first value becomes the record key; no key when unset", NULL,
     NULL},
    {"key.origin", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, "Output",
     "The record key is the packet's origin: <capture file name>:<packet number> for pcap.files, "
     "<interface>@<capture start, microseconds since the epoch>:<packet number> for pcap.interface. A sink that "
     "upserts on the key writes each packet once, however often at-least-once delivery repeats it", NULL, NULL},
    {"pcap.manuf.file", KC_CFG_STRING, NULL, KC_CFG_F_HOST_PATH, 0, 0, NULL, KC_IMPORTANCE_LOW, "Names",
     "Wireshark manuf file for *_resolved names (default: " DEBIAN_MANUF " when present)", NULL, NULL},
    {"pcap.wka.file", KC_CFG_STRING, NULL, KC_CFG_F_HOST_PATH, 0, 0, NULL, KC_IMPORTANCE_LOW, "Names",
     "Wireshark well-known-addresses file (default: " DEBIAN_WKA " when present)", NULL, NULL},
    {"pcap.ethers.file", KC_CFG_STRING, NULL, KC_CFG_F_HOST_PATH, 0, 0, NULL, KC_IMPORTANCE_LOW, "Names",
     "An ethers file of full names for single addresses", NULL, NULL},
    {"batch.size", KC_CFG_INT, "2000", KC_CFG_F_HAS_MIN, 1, 0, NULL, KC_IMPORTANCE_LOW, "Output",
     "Most records one poll returns", NULL, NULL},
    KC_CONFIG_END,
};

/* ---- connector ---------------------------------------------------------------------------- */

static int plugin_init(const kc_host_api *h, kc_error *err) {
    (void)err;
    host = h;
    host_has_map_append = h->size >= offsetof(kc_host_api, map_append) + sizeof h->map_append && h->map_append;
    return KC_OK;
}

static int validate(const kc_config *cfg, kc_error *err) {
    const char *iface = host->config_get(cfg, "pcap.interface"), *files = host->config_get(cfg, "pcap.files");
    if (!iface == !files)
        return kc_error_set(err, KC_EINVAL, "Invalid configuration: give exactly one of pcap.interface (live capture) "
                                            "and pcap.files (capture files)");
    if (files && host->config_get(cfg, "pcap.write.dir"))
        return kc_error_set(err, KC_EINVAL, "Invalid value for configuration pcap.write.dir: the ring is written from "
                                            "live captures (pcap.interface) only");
    const char *keyf = host->config_get(cfg, "key.field");
    int origin = 0;
    host->config_get_bool(cfg, "key.origin", &origin);
    if (origin && keyf && *keyf)
        return kc_error_set(err, KC_EINVAL, "Invalid configuration: key.origin and key.field both set the key; give one");
    if (keyf && *keyf) {
        pcap_fields fields, key;
        char msg[1536];
        const char *list = host->config_get(cfg, "fields");
        if (pcap_fields_parse(keyf, &key, msg, sizeof msg) || key.n != 1)
            return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration key.field: %s", keyf,
                                key.n > 1 ? "one field only" : key.n == 0 ? "no field of that name (tshark's names: wlan.sa)" : msg);
        int found = 0;
        if (!pcap_fields_parse(list ? list : PCAP_DEFAULT_FIELDS, &fields, msg, sizeof msg))
            for (size_t i = 0; i < fields.n; i++) found |= fields.ids[i] == key.ids[0];
        if (!found)
            return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration key.field: not one of fields", keyf);
    }
    return KC_OK;
}

/* ---- task --------------------------------------------------------------------------------- */

typedef struct pcap_task {
    kc_task_ctx *ctx;
    char *topic;
    pcap_fields fields;
    pcap_format format;
    int key_id; /* field id of key.field, -1: no key */
    int key_origin; /* key.origin: <file name>:<packet number>, <interface>@<start us>:<packet number> */
    int64_t batch_size;
    mac_names *names;
    pcap_decoder dec;
    pcap_values values;
    pcap_t *pc;
    int linktype;
    char *filter;
    /* live */
    char *iface;
    pcapng_ring *ring;
    unsigned long long drops_reported;
    time_t stats_at;
    uint64_t live_number;
    long long live_started_us; /* when the capture started: key.origin tells captures apart by it */
    uint32_t ts_scale; /* 1: the capture gives nanoseconds; 1000: microseconds */
    unsigned long long ring_failing; /* packets the ring could not take, in a row */
    char *live_error;                /* the capture failed: said at the next poll */
    /* files */
    char **patterns;
    size_t npatterns;
    char **done; /* files read to their end with a later file present */
    size_t ndone;
    char *file;  /* being read */
    int file_pcapng;
    uint64_t file_packets;  /* packets read from it */
    int64_t file_position;  /* bytes up to the end of the last packet read */
    kc_value partition;     /* {"file": file} */
    int64_t poll_ms;
    int64_t said_nothing_matches_ms; /* monotonic_ms of the last "matches no file" warning, 0 never */
    int64_t warn_ms; /* pcap.files.warn.ms */
    int problem_is_glob; /* the task's status shows a glob matching nothing: cleared once a file opens */
    struct timespec next_scan;
} pcap_task;

static void close_file(pcap_task *t) {
    if (t->pc) pcap_close(t->pc);
    t->pc = NULL;
    free(t->file);
    t->file = NULL;
    host->value_clear(&t->partition);
}

static void task_free(pcap_task *t) {
    if (!t) return;
    close_file(t);
    pcapng_ring_close(t->ring);
    mac_names_free(t->names);
    pcap_values_free(&t->values);
    for (size_t i = 0; i < t->npatterns; i++) free(t->patterns[i]);
    for (size_t i = 0; i < t->ndone; i++) free(t->done[i]);
    free(t->patterns);
    free(t->done);
    free(t->topic);
    free(t->filter);
    free(t->iface);
    free(t->live_error);
    free(t);
}

static int load_names(pcap_task *t, const kc_config *cfg, kc_error *err) {
    static const struct {
        const char *key, *fallback;
        int ethers;
    } tables[] = {{"pcap.manuf.file", DEBIAN_MANUF, 0}, {"pcap.wka.file", DEBIAN_WKA, 0}, {"pcap.ethers.file", NULL, 1}};
    if (!(t->names = mac_names_new())) return kc_error_set(err, KC_ENOMEM, "out of memory");
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        const char *given = host->config_get(cfg, tables[i].key), *path = given && *given ? given : tables[i].fallback;
        if (!path) continue;
        long n = mac_names_load(t->names, path, tables[i].ethers);
        if (n < 0 && given && *given)
            return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration %s: cannot read it: %s", path,
                                tables[i].key, strerror(errno));
        if (n >= 0) host->log(t->ctx, KC_LOG_INFO, "pcap: %ld names from %s", n, path);
    }
    return KC_OK;
}

static int set_filter(pcap_task *t, const char *what, kc_error *err) {
    if (!t->filter || !*t->filter) return KC_OK;
    struct bpf_program prog;
    if (pcap_compile(t->pc, &prog, t->filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration pcap.filter: %s (%s)", t->filter,
                            pcap_geterr(t->pc), what);
    int rc = pcap_setfilter(t->pc, &prog);
    pcap_freecode(&prog);
    if (rc != 0)
        return kc_error_set(err, KC_EINVAL, "pcap.filter: cannot apply it to %s: %s", what, pcap_geterr(t->pc));
    return KC_OK;
}

static int open_live(pcap_task *t, const kc_config *cfg, kc_error *err) {
    char errbuf[PCAP_ERRBUF_SIZE];
    int64_t snaplen = 262144, buffer = 2097152;
    int rfmon = 0, immediate = 1;
    host->config_get_long(cfg, "pcap.snaplen", &snaplen);
    host->config_get_long(cfg, "pcap.buffer.bytes", &buffer);
    host->config_get_bool(cfg, "pcap.rfmon", &rfmon);
    host->config_get_bool(cfg, "pcap.immediate", &immediate);
    if (!(t->pc = pcap_create(t->iface, errbuf)))
        return kc_error_set(err, KC_EINVAL, "pcap.interface %s: %s", t->iface, errbuf);
    pcap_set_snaplen(t->pc, (int)snaplen);
    pcap_set_buffer_size(t->pc, (int)buffer);
    pcap_set_immediate_mode(t->pc, immediate);
    pcap_set_timeout(t->pc, 100);
    pcap_set_tstamp_precision(t->pc, PCAP_TSTAMP_PRECISION_NANO);
    if (rfmon && pcap_set_rfmon(t->pc, 1) != 0)
        return kc_error_set(err, KC_EINVAL, "pcap.rfmon: %s cannot be put in monitor mode", t->iface);
    int rc = pcap_activate(t->pc);
    if (rc < 0) {
        /* no permission, no such device, rfmon unsupported: retrying will not help */
        return kc_error_set(err, KC_EFATAL, "pcap.interface %s: cannot capture: %s%s%s", t->iface,
                            pcap_statustostr(rc), rc == PCAP_ERROR ? ": " : "", rc == PCAP_ERROR ? pcap_geterr(t->pc) : "");
    }
    if (rc > 0) host->log(t->ctx, KC_LOG_WARN, "pcap: %s: %s", t->iface, pcap_statustostr(rc));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    t->live_started_us = (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    t->ts_scale = pcap_get_tstamp_precision(t->pc) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
    if ((rc = set_filter(t, t->iface, err))) return rc;
    if (pcap_setnonblock(t->pc, 1, errbuf) != 0)
        return kc_error_set(err, KC_EFATAL, "pcap.interface %s: %s", t->iface, errbuf);
    t->linktype = pcap_datalink(t->pc);
    if (!pcap_linktype_known(t->linktype))
        host->log(t->ctx, KC_LOG_WARN, "pcap: %s: link type %s (%d) is not decoded: records carry frame.* fields only",
                  t->iface, pcap_datalink_val_to_name(t->linktype) ? pcap_datalink_val_to_name(t->linktype) : "?",
                  t->linktype);
    const char *dir = host->config_get(cfg, "pcap.write.dir");
    if (dir && *dir) {
        int64_t duration = 3600, files = 12;
        host->config_get_long(cfg, "pcap.write.duration.s", &duration);
        host->config_get_long(cfg, "pcap.write.files", &files);
        char msg[256];
        if (pcapng_ring_open(dir, t->iface, t->linktype, (uint32_t)snaplen, duration, (int)files, &t->ring, msg,
                             sizeof msg))
            return kc_error_set(err, KC_EINVAL, "pcap.write.dir %s: %s", dir, msg);
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration pcap.write.dir: not a folder", dir);
    }
    host->log(t->ctx, KC_LOG_INFO, "pcap: capturing on %s (link type %d%s%s)", t->iface, t->linktype,
              t->filter && *t->filter ? ", filter " : "", t->filter && *t->filter ? t->filter : "");
    return KC_OK;
}

static int task_start(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err) {
    pcap_task *t = calloc(1, sizeof *t);
    if (!t) return kc_error_set(err, KC_ENOMEM, "out of memory");
    t->ctx = ctx;
    t->key_id = -1;
    host->config_get_bool(cfg, "key.origin", &t->key_origin);
    char msg[1536];
    const char *v;
    int rc = KC_OK;
    t->topic = strdup((v = host->config_get(cfg, "topic")) ? v : "pcap");
    t->batch_size = 2000;
    host->config_get_long(cfg, "batch.size", &t->batch_size);
    t->poll_ms = 1000;
    host->config_get_long(cfg, "pcap.files.poll.ms", &t->poll_ms);
    t->warn_ms = 30000;
    host->config_get_long(cfg, "pcap.files.warn.ms", &t->warn_ms);
    if ((v = host->config_get(cfg, "pcap.filter"))) t->filter = strdup(v);
    if (pcap_fields_parse((v = host->config_get(cfg, "fields")) ? v : PCAP_DEFAULT_FIELDS, &t->fields, msg, sizeof msg))
        rc = kc_error_set(err, KC_EINVAL, "Invalid value for configuration fields: %s", msg);
    if (!rc && pcap_format_parse((v = host->config_get(cfg, "format")) ? v : "tshark-3", &t->format))
        rc = kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration format", v);
    if (!rc && (v = host->config_get(cfg, "key.field")) && *v) {
        pcap_fields key;
        if (pcap_fields_parse(v, &key, msg, sizeof msg) == 0) t->key_id = key.ids[0];
    }
    if (!rc && !t->topic) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    if (!rc) rc = load_names(t, cfg, err);
    if (!rc && (v = host->config_get(cfg, "pcap.interface"))) {
        if (!(t->iface = strdup(v))) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
        if (!rc) rc = open_live(t, cfg, err);
    } else if (!rc && (v = host->config_get(cfg, "pcap.files"))) {
        /* a list: comma-separated, items trimmed (the worker validated it) */
        char *copy = strdup(v), *save = NULL;
        if (!copy) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
        for (char *p = copy ? strtok_r(copy, ",", &save) : NULL; p && !rc; p = strtok_r(NULL, ",", &save)) {
            while (*p == ' ') p++;
            size_t len = strlen(p);
            while (len && p[len - 1] == ' ') p[--len] = '\0';
            if (!len) continue;
            char **np = realloc(t->patterns, (t->npatterns + 1) * sizeof *np);
            if (!np || !(np[t->npatterns] = strdup(p))) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
            if (np) t->patterns = np;
            if (!rc) t->npatterns++;
        }
        free(copy);
    }
    if (rc) {
        task_free(t);
        return rc;
    }
    *state = t;
    return KC_OK;
}

/* ---- records ------------------------------------------------------------------------------ */

/* The record of one packet (moved into out). */
static int emit(pcap_task *t, kc_records *out, const pcap_packet *pkt, kc_error *err) {
    if (pcap_record_values(&t->dec, pkt, &t->fields, t->format, t->names, &t->values))
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    const pcap_values *pv = &t->values;
    kc_record *r = host->record_new();
    if (!r) return kc_error_set(err, KC_ENOMEM, "out of memory");
    int rc = host->record_set_topic(r, t->topic);
    r->timestamp = pv->timestamp_ms;
    host->value_init_map(&r->value);
    if (!rc) rc = host->value_reserve(&r->value, pv->nfields + 1);
    kc_value s = KC_VALUE_NULL_INIT;
    if (!rc) rc = host->value_set_string(&s, pv->timestamp, strlen(pv->timestamp));
    if (!rc) rc = put_new_key(&r->value, "timestamp", &s);
    for (size_t k = 0; k < pv->nfields && !rc; k++) {
        const pcap_field_value *f = &pv->fields[k];
        kc_value arr = KC_VALUE_NULL_INIT;
        host->value_init_array(&arr);
        rc = host->value_reserve(&arr, f->n);
        for (size_t i = 0; i < f->n && !rc; i++) {
            const pcap_item *it = &pv->items[f->first + i];
            kc_value item = KC_VALUE_NULL_INIT;
            rc = host->value_set_string(&item, pv->text + it->off, it->len);
            if (!rc) rc = host->array_push(&arr, &item);
            host->value_clear(&item);
        }
        if (!rc && f->id == t->key_id && f->n) {
            const pcap_item *it = &pv->items[f->first];
            r->key_schema = host->schema_new(KC_SCHEMA_STRING, 1);
            rc = r->key_schema ? host->value_set_string(&r->key, pv->text + it->off, it->len) : KC_ENOMEM;
        }
        if (!rc) rc = put_new_key(&r->value, pcap_field_key(f->id), &arr);
        host->value_clear(&arr);
    }
    if (!rc && t->key_origin) { /* a file's name, not its path: the same in any mount */
        const char *slash = t->file ? strrchr(t->file, '/') : NULL;
        char key[600];
        int n = t->file ? snprintf(key, sizeof key, "%s:%llu", slash ? slash + 1 : t->file,
                                   (unsigned long long)t->file_packets)
                        : snprintf(key, sizeof key, "%s@%lld:%llu", t->iface, t->live_started_us,
                                   (unsigned long long)pkt->number);
        r->key_schema = host->schema_new(KC_SCHEMA_STRING, 0);
        rc = r->key_schema ? host->value_set_string(&r->key, key, (size_t)n < sizeof key ? (size_t)n : sizeof key - 1)
                           : KC_ENOMEM;
    }
    if (!rc && t->file) { /* files: where to resume after this packet */
        rc = host->value_copy(&r->source_partition, &t->partition);
        if (!rc) {
            host->value_init_map(&r->source_offset);
            kc_value n = {.type = KC_VAL_INT, .u.i = (int64_t)t->file_packets};
            kc_value pos = {.type = KC_VAL_INT, .u.i = t->file_position};
            rc = host->map_put_str(&r->source_offset, "packets", &n);
            if (!rc) rc = host->map_put_str(&r->source_offset, "position", &pos);
        }
    }
    if (!rc) rc = host->records_push(out, r);
    else host->record_release(r);
    return rc ? kc_error_set(err, rc, "out of memory") : KC_OK;
}

/* ---- live --------------------------------------------------------------------------------- */

static void report_drops(pcap_task *t, int force) {
    time_t now = time(NULL);
    if (!force && now - t->stats_at < 10) return;
    t->stats_at = now;
    struct pcap_stat st;
    if (pcap_stats(t->pc, &st) != 0) return;
    unsigned long long drops = (unsigned long long)st.ps_drop + st.ps_ifdrop;
    if (drops > t->drops_reported) {
        host->metric_add(t->ctx, "pcap-kernel-drops", (double)(drops - t->drops_reported));
        host->log(t->ctx, KC_LOG_WARN, "pcap: %s: %llu packets dropped by the kernel or interface so far (%u received); "
                                      "raise pcap.buffer.bytes",
                  t->iface, drops, st.ps_recv);
        t->drops_reported = drops;
    }
}

static int poll_live(pcap_task *t, kc_records *out, int timeout_ms, kc_error *err) {
    int64_t deadline = monotonic_ms() + timeout_ms;
    int fd = pcap_get_selectable_fd(t->pc);
    for (;;) {
        int64_t n = 0;
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = 0;
        while (n < t->batch_size && (rc = pcap_next_ex(t->pc, &h, &data)) == 1) {
            pcap_packet pkt = {t->linktype, data, h->caplen, h->len, h->ts.tv_sec, (uint32_t)h->ts.tv_usec * t->ts_scale,
                               ++t->live_number};
            if (t->ring) { /* the ring is a copy: a failing disk costs the copy, not the record */
                char msg[512];
                if (pcapng_ring_write(t->ring, pkt.ts_sec, pkt.ts_nsec, data, h->caplen, h->len, msg, sizeof msg)) {
                    if (!t->ring_failing++) host->log(t->ctx, KC_LOG_ERROR, "pcap.write.dir: %s (packets go on to Kafka)", msg);
                } else if (t->ring_failing) {
                    host->log(t->ctx, KC_LOG_INFO, "pcap.write.dir: writing again after %llu packets were not written",
                              t->ring_failing);
                    t->ring_failing = 0;
                }
            }
            if ((rc = emit(t, out, &pkt, err))) return rc;
            n++;
        }
        if (rc == PCAP_ERROR) { /* hand over what was captured first; the next poll fails */
            if (!t->live_error) t->live_error = strdup(pcap_geterr(t->pc));
            if (n) return KC_OK;
        }
        if (t->live_error)
            return kc_error_set(err, KC_EFATAL, "pcap: %s: capture failed: %s", t->iface, t->live_error);
        if (t->ring) pcapng_ring_flush(t->ring);
        report_drops(t, 0);
        int64_t left = deadline - monotonic_ms();
        if (n || left <= 0 || host->should_stop(t->ctx)) return KC_OK;
        struct pollfd p = {fd, POLLIN, 0};
        poll(&p, 1, (int)(left < 100 ? left : 100));
    }
}

/* ---- files -------------------------------------------------------------------------------- */

static int is_done(const pcap_task *t, const char *path) {
    for (size_t i = 0; i < t->ndone; i++)
        if (!strcmp(t->done[i], path)) return 1;
    return 0;
}

/* The matching files in read order (globs sorted by name, patterns in their order). *later is
 * set when a file follows `after` in that order. Returns the first file not done yet, or NULL. */
static char *next_file(pcap_task *t, const char *after, int *later) {
    char *found = NULL;
    int seen_after = after == NULL;
    *later = 0;
    for (size_t i = 0; i < t->npatterns; i++) {
        glob_t g;
        if (glob(t->patterns[i], 0, NULL, &g) != 0) continue; /* sorted by name */
        for (size_t k = 0; k < g.gl_pathc; k++) {
            const char *p = g.gl_pathv[k];
            if (after && !strcmp(p, after)) {
                seen_after = 1;
                continue;
            }
            if (seen_after && after && !is_done(t, p)) *later = 1;
            if (!found && !is_done(t, p) && (!after || strcmp(p, after))) found = strdup(p);
        }
        globfree(&g);
    }
    return found;
}

/* Something the user must see while the task runs: logged, and on a worker with ABI 1.4 the trace
 * of the task's RUNNING status until another replaces it. */
static void say_problem(pcap_task *t, kc_log_level level, int about_glob, const char *fmt, ...) KC_PRINTF(4, 5);
static void say_problem(pcap_task *t, kc_log_level level, int about_glob, const char *fmt, ...) {
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    host->log(t->ctx, level, "%s", msg);
    if (host->size >= offsetof(kc_host_api, task_problem) + sizeof host->task_problem) {
        host->task_problem(t->ctx, msg);
        t->problem_is_glob = about_glob;
    }
}

static int mark_done(pcap_task *t, const char *path) {
    char **nd = realloc(t->done, (t->ndone + 1) * sizeof *nd);
    if (!nd) return KC_ENOMEM;
    t->done = nd;
    if (!(nd[t->ndone] = strdup(path))) return KC_ENOMEM;
    t->ndone++;
    return KC_OK;
}

/* A file this size that libpcap cannot open is not a capture still being written: pcap's header
 * is 24 bytes, pcapng's first block (section header) well under this. */
#define WHOLE_HEADER_BYTES 4096

/* 0 when path's first four bytes are no pcap or pcapng magic number (fewer than four: 1, it may
 * be a capture still being written). */
static int capture_magic(const char *path) {
    static const uint8_t magics[][4] = {{0xa1, 0xb2, 0xc3, 0xd4}, {0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d},
                                        {0x4d, 0x3c, 0xb2, 0xa1}, {0x0a, 0x0d, 0x0d, 0x0a}};
    uint8_t head[4];
    FILE *f = fopen(path, "rb");
    if (!f) return 1;
    size_t n = fread(head, 1, 4, f);
    fclose(f);
    if (n < 4) return 1;
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (!memcmp(head, magics[i], 4)) return 1;
    return 0;
}

/* Opens path after `packets` packets (`position` bytes): at its stored offset, or (resume set)
 * where this task left it. KC_OK and t->pc set, or KC_OK with t->pc NULL when the file cannot
 * be read yet (still being created), or an error for a file that is not a capture. */
static int open_file(pcap_task *t, const char *path, int resume, uint64_t packets, int64_t position, kc_error *err) {
    char errbuf[PCAP_ERRBUF_SIZE];
    struct stat st;
    if (stat(path, &st) != 0) return KC_OK; /* gone since the glob: the next scan will not list it */
    if (st.st_size < 24) { /* not even a file header (yet?) */
        int later;
        free(next_file(t, path, &later));
        if (!later) return KC_OK;
        say_problem(t, KC_LOG_ERROR, 0, "pcap.files: %s is not a capture file (%lld bytes): skipped", path,
                    (long long)st.st_size);
        return mark_done(t, path) ? kc_error_set(err, KC_ENOMEM, "out of memory") : KC_OK;
    }
    if (!(t->file = strdup(path))) return kc_error_set(err, KC_ENOMEM, "out of memory");
    host->value_init_map(&t->partition);
    kc_value fv = KC_VALUE_NULL_INIT;
    if (host->value_set_string(&fv, path, strlen(path)) || host->map_put_str(&t->partition, "file", &fv)) {
        host->value_clear(&fv);
        close_file(t);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    t->file_packets = packets, t->file_position = position;
    kc_value offset = KC_VALUE_NULL_INIT;
    if (!resume && host->offset_read(t->ctx, &t->partition, &offset) == KC_OK) {
        const kc_value *n = host->map_get_str(&offset, "packets"), *pos = host->map_get_str(&offset, "position");
        if (n && n->type == KC_VAL_INT && pos && pos->type == KC_VAL_INT && n->u.i >= 0 && pos->u.i >= 0) {
            t->file_packets = (uint64_t)n->u.i, t->file_position = pos->u.i;
        }
        host->value_clear(&offset);
    }
    if (t->file_position > st.st_size) {
        host->log(t->ctx, KC_LOG_WARN, "pcap: %s is shorter (%lld bytes) than its stored offset (%lld): reading it from "
                                      "the start",
                  path, (long long)st.st_size, (long long)t->file_position);
        t->file_packets = 0, t->file_position = 0;
    }
    t->pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!t->pc) {
        /* the newest file may be one being created: wait for it to be whole or for a later
         * file; otherwise it is not a capture, said once, and skipped */
        int later;
        free(next_file(t, path, &later));
        /* a capture being written starts with its magic and has its header whole long before it
         * is this size */
        if (later || st.st_size >= WHOLE_HEADER_BYTES || !capture_magic(path)) {
            say_problem(t, KC_LOG_ERROR, 0, "pcap.files: %s is not a capture file libpcap can read (%s): skipped",
                        path, errbuf);
            if (mark_done(t, path)) {
                close_file(t);
                return kc_error_set(err, KC_ENOMEM, "out of memory");
            }
        }
        close_file(t);
        return KC_OK;
    }
    t->linktype = pcap_datalink(t->pc);
    memset(&t->dec, 0, sizeof t->dec);
    FILE *f = pcap_file(t->pc);
    long head = ftell(f);
    char magic[4] = {0};
    if (pread(fileno(f), magic, 4, 0) == 4) t->file_pcapng = !memcmp(magic, "\x0a\x0d\x0d\x0a", 4);
    if (t->file_packets) {
        /* resume: a classic pcap seeks straight there; a pcapng is read up to there, as
         * interface blocks may sit between its packets */
        if (!t->file_pcapng && fseeko(f, t->file_position, SEEK_SET) == 0) {
        } else {
            struct pcap_pkthdr *h;
            const u_char *data;
            for (uint64_t i = 0; i < t->file_packets; i++)
                if (pcap_next_ex(t->pc, &h, &data) != 1) {
                    host->log(t->ctx, KC_LOG_WARN, "pcap: %s has fewer packets than its stored offset (%llu): reading "
                                                  "it from the start", path, (unsigned long long)t->file_packets);
                    pcap_close(t->pc);
                    t->pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
                    t->file_packets = 0, t->file_position = 0;
                    break;
                }
        }
        if (!t->pc) {
            int rc = kc_error_set(err, KC_EFATAL, "pcap.files: %s: %s", path, errbuf);
            close_file(t);
            return rc;
        }
    } else {
        t->file_position = head;
    }
    int rc = set_filter(t, path, err);
    if (rc) {
        close_file(t);
        return rc;
    }
    if (!pcap_linktype_known(t->linktype))
        host->log(t->ctx, KC_LOG_WARN, "pcap: %s: link type %d is not decoded: records carry frame.* fields only", path,
                  t->linktype);
    host->log(t->ctx, KC_LOG_INFO, "pcap: reading %s from packet %llu (byte %lld)", path,
              (unsigned long long)t->file_packets + 1, (long long)t->file_position);
    return KC_OK;
}

/* Where the next packet starts. A classic pcap's is counted (record header + captured bytes),
 * sparing a system call per packet; a pcapng's blocks are not all packets, so stdio is asked. */
static off_t read_position(pcap_task *t) { return t->file_pcapng ? ftello(pcap_file(t->pc)) : t->file_position; }

/* 1 when the next block of the open file is wholly on disk (a file being written may end in
 * half a packet, which libpcap would take for a truncated file). */
static int next_block_complete(pcap_task *t, off_t size) {
    off_t pos = read_position(t);
    if (size - pos >= 300000) return 1; /* more than the largest packet: no need to look */
    uint8_t hdr[16];
    size_t need = t->file_pcapng ? 8 : 16;
    if (size - pos < (off_t)need || pread(fileno(pcap_file(t->pc)), hdr, need, pos) != (ssize_t)need) return 0;
    uint32_t len;
    if (t->file_pcapng) {
        memcpy(&len, hdr + 4, 4);
        if (pcap_is_swapped(t->pc)) len = __builtin_bswap32(len);
        return size - pos >= (off_t)len;
    }
    memcpy(&len, hdr + 8, 4);
    if (pcap_is_swapped(t->pc)) len = __builtin_bswap32(len);
    return size - pos >= (off_t)need + (off_t)len;
}

static int poll_files(pcap_task *t, kc_records *out, int timeout_ms, kc_error *err) {
    int64_t deadline = monotonic_ms() + timeout_ms;
    int64_t n = 0;
    for (;;) {
        if (!t->pc) {
            int later;
            char *path = next_file(t, NULL, &later);
            if (path) {
                int rc = open_file(t, path, 0, 0, 0, err);
                free(path);
                if (rc) return rc;
                if (t->pc && t->problem_is_glob) { /* a capture came: the glob's warning is over */
                    host->task_problem(t->ctx, NULL);
                    t->problem_is_glob = 0;
                }
            } else if (monotonic_ms() - t->said_nothing_matches_ms >= t->warn_ms) {
                /* said again while it lasts: a typo in a glob must not look like a quiet capture */
                for (size_t i = 0; i < t->npatterns; i++) {
                    glob_t g;
                    if (glob(t->patterns[i], 0, NULL, &g) != 0)
                        say_problem(t, KC_LOG_WARN, 1, "pcap.files: %s matches no file; waiting for one",
                                    t->patterns[i]);
                    else
                        globfree(&g);
                }
                t->said_nothing_matches_ms = monotonic_ms();
            }
        }
        if (t->pc) {
            struct stat st;
            if (fstat(fileno(pcap_file(t->pc)), &st) != 0)
                return kc_error_set(err, KC_ERETRY, "pcap: %s: %s", t->file, strerror(errno));
            struct pcap_pkthdr *h;
            const u_char *data;
            int rc = 0;
            while (n < t->batch_size && next_block_complete(t, st.st_size) && (rc = pcap_next_ex(t->pc, &h, &data)) == 1) {
                t->file_packets++;
                t->file_position = t->file_pcapng ? ftello(pcap_file(t->pc)) : t->file_position + 16 + (int64_t)h->caplen;
                pcap_packet pkt = {t->linktype, data, h->caplen, h->len, h->ts.tv_sec, (uint32_t)h->ts.tv_usec, t->file_packets};
                if ((rc = emit(t, out, &pkt, err))) return rc;
                n++;
            }
            if (n >= t->batch_size) return KC_OK;
            if (rc == PCAP_ERROR) { /* a damaged packet: what came before it is out; say where */
                int later;
                char *next = next_file(t, t->file, &later);
                free(next);
                if (!later) { /* the last file may still be written: reopen after the last good packet */
                    host->log(t->ctx, KC_LOG_DEBUG, "pcap: %s: packet %llu: %s; reading it again", t->file,
                              (unsigned long long)t->file_packets + 1, pcap_geterr(t->pc));
                    char *path = strdup(t->file);
                    uint64_t packets = t->file_packets;
                    int64_t position = t->file_position;
                    close_file(t);
                    if (!path) return kc_error_set(err, KC_ENOMEM, "out of memory");
                    rc = open_file(t, path, 1, packets, position, err);
                    free(path);
                    if (rc) return rc;
                    if (n) return KC_OK;
                    usleep(10 * 1000);
                    continue;
                }
                host->log(t->ctx, KC_LOG_ERROR, "pcap: %s: packet %llu (byte %lld): %s; going on with the next file",
                          t->file, (unsigned long long)t->file_packets + 1, (long long)t->file_position,
                          pcap_geterr(t->pc));
                if (mark_done(t, t->file)) return kc_error_set(err, KC_ENOMEM, "out of memory");
                close_file(t);
                continue;
            }
            /* at the end of what is there: move on if a later file exists, else follow this one */
            int later;
            char *next = next_file(t, t->file, &later);
            free(next);
            if (later) {
                if (mark_done(t, t->file)) return kc_error_set(err, KC_ENOMEM, "out of memory");
                host->log(t->ctx, KC_LOG_INFO, "pcap: %s done: %llu packets", t->file, (unsigned long long)t->file_packets);
                close_file(t);
                continue;
            }
            clearerr(pcap_file(t->pc)); /* so a file that grows is read on */
        }
        if (n) return KC_OK;
        int64_t left = deadline - monotonic_ms();
        if (left <= 0 || host->should_stop(t->ctx)) return KC_OK;
        usleep((useconds_t)(left < t->poll_ms ? left : t->poll_ms) * 1000);
    }
}

static int task_poll(void *state, kc_records *out, int timeout_ms, kc_error *err) {
    pcap_task *t = state;
    return t->iface ? poll_live(t, out, timeout_ms, err) : poll_files(t, out, timeout_ms, err);
}

static void task_stop(void *state) {
    pcap_task *t = state;
    if (t->iface && t->pc) report_drops(t, 1);
    task_free(t);
}

/* one task: a capture handle, or a sequence of files, is read in order by one thread */
static const kc_connector_ops connector_ops = {validate, config_connector_start, config_connector_one_task, config_connector_stop};
static const kc_source_task_ops task_ops = {task_start, task_poll, NULL, NULL, task_stop};

static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER,
    KC_PLUGIN_SOURCE,
    "pcap-source",
    "1.0.0",
    "Captures 802.11 (radiotap, Prism, AVS) or Ethernet packets live or from pcap/pcapng files into records of "
    "tshark's fields",
    (const char *const[]){"io.kcd.connect.pcap.PcapSourceConnector", "PcapSourceConnector", NULL},
    config,
    plugin_init,
    &connector_ops,
    &task_ops,
    NULL, NULL, NULL, NULL,
    0,
};

KC_PLUGIN_DEFINE(desc)
