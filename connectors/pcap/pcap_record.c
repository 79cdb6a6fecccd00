/* pcap_record.c - packet -> record value (see pcap_record.h). */
#define _GNU_SOURCE
#include "pcap_record.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/utf8.h"

enum field_id {
    F_FC_TYPE, F_FC_TYPE_SUBTYPE, F_RADIO_CHANNEL, F_RADIO_SIGNAL_DBM, F_RADIO_DURATION,
    F_RA, F_RA_RESOLVED, F_DA, F_DA_RESOLVED, F_TA, F_TA_RESOLVED, F_SA, F_SA_RESOLVED, F_STAA,
    F_STAA_RESOLVED, F_BSSID, F_BSSID_RESOLVED, F_TAGGED_ALL, F_VENDOR_DATA, F_VENDOR_OUI_TYPE,
    F_TAG_OUI, F_SSID, F_COUNTRY, F_WPS_DEVICE_NAME,
    F_FRAME_NUMBER, F_FRAME_LEN, F_FRAME_CAP_LEN, F_FRAME_TIME_EPOCH,
    F_ETH_DST, F_ETH_SRC, F_ETH_TYPE, F_ETH_DST_RESOLVED, F_ETH_SRC_RESOLVED,
    F_COUNT
};

static const char *const field_names[F_COUNT] = {
    [F_FC_TYPE] = "wlan.fc.type", [F_FC_TYPE_SUBTYPE] = "wlan.fc.type_subtype",
    [F_RADIO_CHANNEL] = "wlan_radio.channel", [F_RADIO_SIGNAL_DBM] = "wlan_radio.signal_dbm",
    [F_RADIO_DURATION] = "wlan_radio.duration", [F_RA] = "wlan.ra", [F_RA_RESOLVED] = "wlan.ra_resolved",
    [F_DA] = "wlan.da", [F_DA_RESOLVED] = "wlan.da_resolved", [F_TA] = "wlan.ta",
    [F_TA_RESOLVED] = "wlan.ta_resolved", [F_SA] = "wlan.sa", [F_SA_RESOLVED] = "wlan.sa_resolved",
    [F_STAA] = "wlan.staa", [F_STAA_RESOLVED] = "wlan.staa_resolved", [F_BSSID] = "wlan.bssid",
    [F_BSSID_RESOLVED] = "wlan.bssid_resolved", [F_TAGGED_ALL] = "wlan.tagged.all",
    [F_VENDOR_DATA] = "wlan.tag.vendor.data", [F_VENDOR_OUI_TYPE] = "wlan.tag.vendor.oui.type",
    [F_TAG_OUI] = "wlan.tag.oui", [F_SSID] = "wlan.ssid", [F_COUNTRY] = "wlan.country_info.code",
    [F_WPS_DEVICE_NAME] = "wps.device_name", [F_FRAME_NUMBER] = "frame.number", [F_FRAME_LEN] = "frame.len",
    [F_FRAME_CAP_LEN] = "frame.cap_len", [F_FRAME_TIME_EPOCH] = "frame.time_epoch", [F_ETH_DST] = "eth.dst",
    [F_ETH_SRC] = "eth.src", [F_ETH_TYPE] = "eth.type", [F_ETH_DST_RESOLVED] = "eth.dst_resolved",
    [F_ETH_SRC_RESOLVED] = "eth.src_resolved",
};

const char PCAP_DEFAULT_FIELDS[] =
    "wlan.fc.type,wlan.fc.type_subtype,wlan_radio.channel,wlan_radio.signal_dbm,wlan_radio.duration,"
    "wlan.ra,wlan.ra_resolved,wlan.da,wlan.da_resolved,wlan.ta,wlan.ta_resolved,wlan.sa,wlan.sa_resolved,"
    "wlan.staa,wlan.staa_resolved,wlan.tagged.all,wlan.tag.vendor.data,wlan.tag.vendor.oui.type,wlan.tag.oui,"
    "wlan.ssid,wlan.country_info.code,wps.device_name";

int pcap_format_parse(const char *name, pcap_format *out) {
    if (!strcmp(name, "tshark-3")) *out = PCAP_FORMAT_TSHARK3;
    else if (!strcmp(name, "tshark-4.0")) *out = PCAP_FORMAT_TSHARK40;
    else return -1;
    return 0;
}

/* Tables derived from field_names once, before any use (tasks of several connectors may run
 * this code on their threads at the same time). */
static char fields_known[1024];
static char field_keys[F_COUNT][48];
static size_t field_key_lens[F_COUNT];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void make_tables(void) {
    size_t n = 0;
    for (int i = 0; i < F_COUNT && n < sizeof fields_known; i++)
        n += (size_t)snprintf(fields_known + n, sizeof fields_known - n, "%s%s", i ? "," : "", field_names[i]);
    for (int id = 0; id < F_COUNT; id++) { /* the record key: dots as underscores */
        size_t k = 0;
        for (const char *c = field_names[id]; *c && k + 1 < sizeof field_keys[id]; c++)
            field_keys[id][k++] = *c == '.' ? '_' : *c;
        field_keys[id][k] = '\0';
        field_key_lens[id] = k;
    }
}

const char *pcap_fields_known(void) {
    pthread_once(&tables_once, make_tables);
    return fields_known;
}

int pcap_fields_parse(const char *list, pcap_fields *out, char *err, size_t errlen) {
    pthread_once(&tables_once, make_tables); /* field ids are only ever had from here */
    out->n = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        if (!*p) break;
        size_t len = strcspn(p, ",");
        while (len && p[len - 1] == ' ') len--;
        int id = -1;
        for (int i = 0; i < F_COUNT; i++)
            if (strlen(field_names[i]) == len && !strncmp(field_names[i], p, len)) id = i;
        if (id < 0) {
            snprintf(err, errlen, "unknown field '%.*s' (known: %s)", (int)len, p, pcap_fields_known());
            return -1;
        }
        for (size_t k = 0; k < out->n; k++)
            if (out->ids[k] == id) {
                snprintf(err, errlen, "field '%s' is listed twice", field_names[id]);
                return -1;
            }
        if (out->n == PCAP_MAX_FIELDS) {
            snprintf(err, errlen, "more than %d fields", PCAP_MAX_FIELDS);
            return -1;
        }
        out->ids[out->n++] = id;
        p += len;
        while (*p && *p != ',') p++;
    }
    if (!out->n) {
        snprintf(err, errlen, "no field named");
        return -1;
    }
    return 0;
}

/* ---- values ------------------------------------------------------------------------------- */

const char *pcap_field_key(int id) { return field_keys[id]; }

void pcap_values_free(pcap_values *v) {
    free(v->items);
    free(v->text);
    memset(v, 0, sizeof *v);
}

/* Room for max more bytes at the end of the text arena; NULL when out of memory. */
static char *arena_room(pcap_values *v, size_t max) {
    if (v->text_len + max > v->text_cap) {
        size_t cap = v->text_cap ? v->text_cap : 1024;
        while (cap < v->text_len + max) cap *= 2;
        char *t = realloc(v->text, cap);
        if (!t) return NULL;
        v->text = t, v->text_cap = cap;
    }
    return v->text + v->text_len;
}

/* Starts field id; items follow. */
static int begin(pcap_values *v, int id) {
    pcap_field_value *f = &v->fields[v->nfields++];
    f->id = id, f->first = v->nitems, f->n = 0;
    return 0;
}

/* Makes the n bytes written at arena_room() the field's next item; escape: they may hold
 * characters JSON escapes (text from the packet or a name file, not digits or hex). */
static int commit_item(pcap_values *v, size_t n, int escape) {
    if (v->nitems == v->items_cap) {
        size_t cap = v->items_cap ? v->items_cap * 2 : 64;
        pcap_item *p = realloc(v->items, cap * sizeof *p);
        if (!p) return -1;
        v->items = p, v->items_cap = cap;
    }
    v->items[v->nitems++] = (pcap_item){(uint32_t)v->text_len, (uint32_t)n, escape};
    v->text_len += n;
    v->fields[v->nfields - 1].n++;
    return 0;
}

/* An item of digits, hex or other text JSON needs not escape. */
static int item(pcap_values *v, const char *s, size_t n) {
    char *d = arena_room(v, n);
    if (!d) return -1;
    memcpy(d, s, n);
    return commit_item(v, n, 0);
}

static const char hexdigits[] = "0123456789abcdef";

/* Decimal digits of x at d; returns the end. (printf's machinery was most of the time spent
 * per packet.) */
static char *put_u64(char *d, uint64_t x) {
    char tmp[20];
    int n = 0;
    do tmp[n++] = (char)('0' + x % 10), x /= 10;
    while (x);
    while (n) *d++ = tmp[--n];
    return d;
}

static int item_u64(pcap_values *v, uint64_t x) {
    char buf[24];
    return item(v, buf, (size_t)(put_u64(buf, x) - buf));
}

static int item_int(pcap_values *v, int x) {
    char buf[24], *d = buf;
    if (x < 0) *d++ = '-';
    d = put_u64(d, x < 0 ? (uint64_t)-(int64_t)x : (uint64_t)x);
    return item(v, buf, (size_t)(d - buf));
}

static int item_hex16(pcap_values *v, unsigned x) { /* 0x%04x */
    char buf[6] = {'0', 'x', hexdigits[x >> 12 & 15], hexdigits[x >> 8 & 15], hexdigits[x >> 4 & 15], hexdigits[x & 15]};
    return item(v, buf, 6);
}

/* aa:bb:cc:dd:ee:ff into d (17 bytes). */
static void put_mac(char *d, const uint8_t *a) {
    for (int i = 0; i < 6; i++) {
        d[i * 3] = hexdigits[a[i] >> 4], d[i * 3 + 1] = hexdigits[a[i] & 15];
        if (i < 5) d[i * 3 + 2] = ':';
    }
}

/* One-item field. */
static int single(pcap_values *v, int id, const char *s, size_t n) { return begin(v, id) || item(v, s, n); }

/* Text bytes as Wireshark's format_text shows them: well-formed UTF-8 passes, a byte that is
 * not part of it becomes the four characters \xNN. */
static int text_item(pcap_values *v, const uint8_t *s, size_t n) {
    char *d = arena_room(v, n * 4), *start = d;
    if (!d) return -1;
    int escape = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t seq = utf8_sequence_len(s + i, n - i);
        if (!seq) {
            escape = 1; /* the backslash */
            *d++ = '\\', *d++ = 'x', *d++ = hexdigits[c >> 4], *d++ = hexdigits[c & 15];
            i++;
        } else {
            escape |= c == '"' || c == '\\' || c < 0x20;
            memcpy(d, s + i, seq);
            d += seq, i += seq;
        }
    }
    return commit_item(v, (size_t)(d - start), escape);
}

static int hex_item(pcap_values *v, const uint8_t *s, size_t n, int colons) {
    char *d = arena_room(v, n * 3), *start = d;
    if (!d) return -1;
    for (size_t i = 0; i < n; i++) {
        if (colons && i) *d++ = ':';
        *d++ = hexdigits[s[i] >> 4], *d++ = hexdigits[s[i] & 15];
    }
    return commit_item(v, (size_t)(d - start), 0);
}

static int mac_field(pcap_values *v, int id, const uint8_t *a) {
    char buf[17];
    put_mac(buf, a);
    return begin(v, id) || item(v, buf, 17);
}

/* The name written straight into the arena: this runs for several addresses a packet. */
static int resolved_field(pcap_values *v, int id, const uint8_t *a, mac_names *names) {
    enum { NAME_MAX_BYTES = 160 };
    char *d = arena_room(v, NAME_MAX_BYTES);
    if (!d) return -1;
    size_t n = 17;
    int escape = 0;
    if (names) n = mac_names_resolve(names, a, d, NAME_MAX_BYTES, &escape);
    else put_mac(d, a);
    return begin(v, id) || commit_item(v, n, escape);
}

/* ---- JSON text ---------------------------------------------------------------------------- */

static int reserve(pcap_out *o, size_t more) {
    if (o->len + more + 1 <= o->cap) return 0;
    size_t ncap = o->cap ? o->cap : 512;
    while (ncap < o->len + more + 1) ncap *= 2;
    char *p = realloc(o->data, ncap);
    if (!p) return -1;
    o->data = p;
    o->cap = ncap;
    return 0;
}

/* A JSON string; the text is UTF-8 already (text_item), so only quotes, backslashes and
 * control characters need escaping. */
static void json_string(pcap_out *o, const char *s, size_t n) {
    char *d = o->data + o->len;
    *d++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') *d++ = '\\', *d++ = (char)c;
        else if (c < 0x20) d += sprintf(d, "\\u%04x", c);
        else *d++ = (char)c;
    }
    *d++ = '"';
    o->len = (size_t)(d - o->data);
}

int pcap_values_to_json(const pcap_values *v, pcap_out *o) {
    size_t need = 32 + strlen(v->timestamp);
    for (size_t k = 0; k < v->nfields; k++) need += field_key_lens[v->fields[k].id] + 8;
    need += v->text_len * 6 + v->nitems * 3;
    if (reserve(o, need)) return -1;
    size_t tl = strlen(v->timestamp);
    memcpy(o->data + o->len, "{\"timestamp\":\"", 14), o->len += 14;
    memcpy(o->data + o->len, v->timestamp, tl), o->len += tl;
    o->data[o->len++] = '"';
    for (size_t k = 0; k < v->nfields; k++) {
        const pcap_field_value *f = &v->fields[k];
        const char *key = pcap_field_key(f->id);
        size_t kl = field_key_lens[f->id];
        o->data[o->len++] = ',', o->data[o->len++] = '"';
        memcpy(o->data + o->len, key, kl), o->len += kl;
        memcpy(o->data + o->len, "\":[", 3), o->len += 3;
        for (size_t i = 0; i < f->n; i++) {
            const pcap_item *it = &v->items[f->first + i];
            if (i) o->data[o->len++] = ',';
            if (it->escape) {
                json_string(o, v->text + it->off, it->len);
            } else {
                o->data[o->len++] = '"';
                memcpy(o->data + o->len, v->text + it->off, it->len), o->len += it->len;
                o->data[o->len++] = '"';
            }
        }
        o->data[o->len++] = ']';
    }
    o->data[o->len++] = '}';
    o->data[o->len] = '\0';
    return 0;
}

/* ---- decoding ----------------------------------------------------------------------------- */

enum { LINKTYPE_NULL = 0, LINKTYPE_ETHERNET = 1, LINKTYPE_LOOP = 108, LINKTYPE_LINUX_SLL = 113 };

int pcap_linktype_known(int linktype) {
    switch (linktype) {
    case WIFI_LINKTYPE_80211:
    case WIFI_LINKTYPE_PRISM:
    case WIFI_LINKTYPE_RADIOTAP:
    case WIFI_LINKTYPE_AVS:
    case LINKTYPE_ETHERNET:
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
    case LINKTYPE_LINUX_SLL: return 1;
    default: return 0;
    }
}

typedef struct decoded {
    int wifi;
    wifi_frame f;
    int eth;
    uint8_t eth_dst[6], eth_src[6];
    unsigned eth_type;
} decoded;

static int wifi_fields(pcap_values *v, int id, const decoded *d, pcap_format format, mac_names *names) {
    const wifi_frame *f = &d->f;
#define MAC(has, addr) ((has) ? mac_field(v, id, addr) : 0)
#define RESOLVED(has, addr) ((has) ? resolved_field(v, id, addr, names) : 0)
    switch (id) {
    case F_FC_TYPE: return f->has_fc ? begin(v, id) || item_u64(v, f->type) : 0;
    case F_FC_TYPE_SUBTYPE:
        if (!f->has_fc) return 0;
        return begin(v, id) || (format == PCAP_FORMAT_TSHARK40 ? item_hex16(v, f->type << 4 | f->subtype)
                                                               : item_u64(v, f->type << 4 | f->subtype));
    case F_RADIO_CHANNEL: return f->has_channel ? begin(v, id) || item_int(v, f->channel) : 0;
    case F_RADIO_SIGNAL_DBM: return f->has_signal ? begin(v, id) || item_int(v, f->signal_dbm) : 0;
    case F_RADIO_DURATION: return f->has_duration ? begin(v, id) || item_u64(v, f->duration) : 0;
    case F_RA: return MAC(f->has_ra, f->ra);
    case F_TA: return MAC(f->has_ta, f->ta);
    case F_DA: return MAC(f->has_da, f->da);
    case F_SA: return MAC(f->has_sa, f->sa);
    case F_STAA: return MAC(f->has_staa, f->staa);
    case F_BSSID: return MAC(f->has_bssid, f->bssid);
    case F_RA_RESOLVED: return RESOLVED(f->has_ra, f->ra);
    case F_TA_RESOLVED: return RESOLVED(f->has_ta, f->ta);
    case F_DA_RESOLVED: return RESOLVED(f->has_da, f->da);
    case F_SA_RESOLVED: return RESOLVED(f->has_sa, f->sa);
    case F_STAA_RESOLVED: return RESOLVED(f->has_staa, f->staa);
    case F_BSSID_RESOLVED: return RESOLVED(f->has_bssid, f->bssid);
    case F_TAGGED_ALL: return f->has_tagged ? single(v, id, "1", 1) : 0; /* a tree item: tshark prints 1 */
    case F_SSID:
        if (!f->has_ssid) return 0;
        if (format == PCAP_FORMAT_TSHARK3) /* text; a wildcard probe's empty SSID is "" */
            return begin(v, id) || text_item(v, f->ssid.ptr, f->ssid.len);
        if (!f->ssid.len) return single(v, id, "<MISSING>", 9); /* tshark 4.0: bytes as hex, empty so */
        return begin(v, id) || hex_item(v, f->ssid.ptr, f->ssid.len, 0);
    case F_COUNTRY: return f->has_country ? begin(v, id) || text_item(v, (const uint8_t *)f->country, strlen(f->country)) : 0;
    case F_TAG_OUI:
        if (!f->nvendor || begin(v, id)) return f->nvendor ? -1 : 0;
        for (size_t i = 0; i < f->nvendor; i++)
            if (item_u64(v, f->vendor_oui[i])) return -1;
        return 0;
    case F_VENDOR_OUI_TYPE:
    case F_VENDOR_DATA: {
        int first = 1;
        for (size_t i = 0; i < f->nvendor; i++) {
            if (id == F_VENDOR_OUI_TYPE ? !f->has_vendor_type[i] : !f->has_vendor_data[i]) continue;
            if (first && begin(v, id)) return -1;
            first = 0;
            int rc = id == F_VENDOR_OUI_TYPE
                         ? item_u64(v, f->vendor_type[i])
                         : hex_item(v, f->vendor_data[i].ptr, f->vendor_data[i].len, format == PCAP_FORMAT_TSHARK3);
            if (rc) return -1;
        }
        return 0;
    }
    case F_WPS_DEVICE_NAME: return f->has_wps_name ? begin(v, id) || text_item(v, f->wps_name.ptr, f->wps_name.len) : 0;
    default: return 0;
    }
#undef MAC
#undef RESOLVED
}

static void decode(pcap_decoder *dec, const pcap_packet *pkt, decoded *d) {
    d->wifi = d->eth = 0;
    if (pkt->linktype == LINKTYPE_ETHERNET) {
        if (pkt->caplen >= 14) {
            d->eth = 1;
            memcpy(d->eth_dst, pkt->data, 6);
            memcpy(d->eth_src, pkt->data + 6, 6);
            d->eth_type = (unsigned)pkt->data[12] << 8 | pkt->data[13];
        }
        return;
    }
    d->wifi = wifi_decode(&dec->radio, pkt->linktype, pkt->data, pkt->caplen, pkt->wirelen, &d->f) == 0;
}

int pcap_record_values(pcap_decoder *dec, const pcap_packet *pkt, const pcap_fields *fields, pcap_format format,
                       mac_names *names, pcap_values *v) {
    decoded d;
    decode(dec, pkt, &d);
    v->nfields = v->nitems = v->text_len = 0;
    /* seconds then 3 millisecond digits, as tshark -T ek writes "timestamp" */
    v->timestamp_ms = pkt->ts_sec * 1000 + pkt->ts_nsec / 1000000;
    if (pkt->ts_sec >= 0) *put_u64(v->timestamp, (uint64_t)v->timestamp_ms) = '\0'; /* = "%lld%03u" */
    else snprintf(v->timestamp, sizeof v->timestamp, "%lld%03u", (long long)pkt->ts_sec, pkt->ts_nsec / 1000000);
    for (size_t k = 0; k < fields->n; k++) {
        int id = fields->ids[k], rc = 0;
        switch (id) {
        case F_FRAME_NUMBER: rc = begin(v, id) || item_u64(v, pkt->number); break;
        case F_FRAME_LEN: rc = begin(v, id) || item_u64(v, pkt->wirelen); break;
        case F_FRAME_CAP_LEN: rc = begin(v, id) || item_u64(v, pkt->caplen); break;
        case F_FRAME_TIME_EPOCH: {
            char buf[40];
            int n = snprintf(buf, sizeof buf, "%lld.%09u", (long long)pkt->ts_sec, pkt->ts_nsec);
            rc = begin(v, id) || item(v, buf, (size_t)n);
            break;
        }
        case F_ETH_DST: rc = d.eth ? mac_field(v, id, d.eth_dst) : 0; break;
        case F_ETH_SRC: rc = d.eth ? mac_field(v, id, d.eth_src) : 0; break;
        case F_ETH_DST_RESOLVED: rc = d.eth ? resolved_field(v, id, d.eth_dst, names) : 0; break;
        case F_ETH_SRC_RESOLVED: rc = d.eth ? resolved_field(v, id, d.eth_src, names) : 0; break;
        case F_ETH_TYPE: rc = d.eth ? begin(v, id) || item_hex16(v, d.eth_type) : 0; break;
        default: rc = d.wifi ? wifi_fields(v, id, &d, format, names) : 0; break;
        }
        if (rc) return -1;
    }
    return 0;
}
