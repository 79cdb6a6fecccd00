/* pcap_record.c - packet -> record value (see pcap_record.h). */
#define _GNU_SOURCE
#include "pcap_record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const char *pcap_fields_known(void) {
    static char all[1024];
    if (!all[0]) {
        size_t n = 0;
        for (int i = 0; i < F_COUNT && n < sizeof all; i++)
            n += (size_t)snprintf(all + n, sizeof all - n, "%s%s", i ? "," : "", field_names[i]);
    }
    return all;
}

int pcap_fields_parse(const char *list, pcap_fields *out, char *err, size_t errlen) {
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

/* ---- output ------------------------------------------------------------------------------- */

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

static int put(pcap_out *o, const char *s, size_t n) {
    if (reserve(o, n)) return -1;
    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = '\0';
    return 0;
}

static int putf(pcap_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int putf(pcap_out *o, const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    return put(o, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* ,"<field with _>":[ */
static int key(pcap_out *o, int id) {
    const char *name = field_names[id];
    size_t n = strlen(name);
    if (reserve(o, n + 6)) return -1;
    char *d = o->data + o->len;
    *d++ = ',', *d++ = '"';
    for (size_t i = 0; i < n; i++) *d++ = name[i] == '.' ? '_' : name[i];
    *d++ = '"', *d++ = ':', *d++ = '[';
    o->len = (size_t)(d - o->data);
    o->data[o->len] = '\0';
    return 0;
}

/* A JSON string of text bytes: valid UTF-8 passes, control characters are escaped, and a byte
 * that is not UTF-8 prints as \xNN, as Wireshark's format_text shows it. */
static int text(pcap_out *o, const uint8_t *s, size_t n) {
    if (reserve(o, n * 6 + 2)) return -1;
    char *d = o->data + o->len;
    *d++ = '"';
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t seq = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        int valid = seq && i + seq <= n && !(seq == 2 && c < 0xc2);
        for (size_t k = 1; valid && k < seq; k++) valid = (s[i + k] & 0xc0) == 0x80;
        if (!valid) {
            d += sprintf(d, "\\\\x%02x", c);
            i++;
        } else if (seq > 1) {
            memcpy(d, s + i, seq);
            d += seq, i += seq;
        } else {
            if (c == '"' || c == '\\') *d++ = '\\', *d++ = (char)c;
            else if (c < 0x20) d += sprintf(d, "\\u%04x", c);
            else *d++ = (char)c;
            i++;
        }
    }
    *d++ = '"';
    o->len = (size_t)(d - o->data);
    o->data[o->len] = '\0';
    return 0;
}

static int hex(pcap_out *o, const uint8_t *s, size_t n, int colons) {
    if (reserve(o, n * 3 + 2)) return -1;
    char *d = o->data + o->len;
    *d++ = '"';
    for (size_t i = 0; i < n; i++) d += sprintf(d, colons && i ? ":%02x" : "%02x", s[i]);
    *d++ = '"';
    o->len = (size_t)(d - o->data);
    o->data[o->len] = '\0';
    return 0;
}

static int mac_value(pcap_out *o, int id, const uint8_t *a) {
    return key(o, id) || putf(o, "\"%02x:%02x:%02x:%02x:%02x:%02x\"]", a[0], a[1], a[2], a[3], a[4], a[5]);
}

static int resolved_value(pcap_out *o, int id, const uint8_t *a, mac_names *names) {
    char name[160];
    if (names) mac_names_resolve(names, a, name, sizeof name);
    else snprintf(name, sizeof name, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
    return key(o, id) || text(o, (const uint8_t *)name, strlen(name)) || put(o, "]", 1);
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

static int wifi_value(pcap_out *o, int id, const decoded *d, pcap_format format, mac_names *names) {
    const wifi_frame *f = &d->f;
#define MAC(has, addr) ((has) ? mac_value(o, id, addr) : 0)
#define RESOLVED(has, addr) ((has) ? resolved_value(o, id, addr, names) : 0)
    switch (id) {
    case F_FC_TYPE: return f->has_fc ? key(o, id) || putf(o, "\"%u\"]", f->type) : 0;
    case F_FC_TYPE_SUBTYPE:
        if (!f->has_fc) return 0;
        return key(o, id) || (format == PCAP_FORMAT_TSHARK40 ? putf(o, "\"0x%04x\"]", f->type << 4 | f->subtype)
                                                              : putf(o, "\"%u\"]", f->type << 4 | f->subtype));
    case F_RADIO_CHANNEL: return f->has_channel ? key(o, id) || putf(o, "\"%d\"]", f->channel) : 0;
    case F_RADIO_SIGNAL_DBM: return f->has_signal ? key(o, id) || putf(o, "\"%d\"]", f->signal_dbm) : 0;
    case F_RADIO_DURATION: return f->has_duration ? key(o, id) || putf(o, "\"%u\"]", f->duration) : 0;
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
    case F_TAGGED_ALL: return f->has_tagged ? key(o, id) || put(o, "\"1\"]", 4) : 0; /* a tree item */
    case F_SSID:
        if (!f->has_ssid) return 0;
        if (key(o, id)) return -1;
        if (format == PCAP_FORMAT_TSHARK3) { /* text; a wildcard probe's empty SSID is "" */
            if (text(o, f->ssid.ptr, f->ssid.len)) return -1;
        } else if (!f->ssid.len) { /* tshark 4.0 prints bytes as hex, and empty bytes so */
            if (put(o, "\"<MISSING>\"", 11)) return -1;
        } else if (hex(o, f->ssid.ptr, f->ssid.len, 0)) return -1;
        return put(o, "]", 1);
    case F_COUNTRY:
        return f->has_country ? key(o, id) || text(o, (const uint8_t *)f->country, strlen(f->country)) || put(o, "]", 1) : 0;
    case F_TAG_OUI: {
        if (!f->nvendor) return 0;
        if (key(o, id)) return -1;
        for (size_t i = 0; i < f->nvendor; i++)
            if (putf(o, "%s\"%u\"", i ? "," : "", (unsigned)f->vendor_oui[i])) return -1;
        return put(o, "]", 1);
    }
    case F_VENDOR_OUI_TYPE:
    case F_VENDOR_DATA: {
        int first = 1;
        for (size_t i = 0; i < f->nvendor; i++) {
            if (id == F_VENDOR_OUI_TYPE ? !f->has_vendor_type[i] : !f->has_vendor_data[i]) continue;
            if (first && key(o, id)) return -1;
            if (!first && put(o, ",", 1)) return -1;
            int rc = id == F_VENDOR_OUI_TYPE
                         ? putf(o, "\"%u\"", f->vendor_type[i])
                         : hex(o, f->vendor_data[i].ptr, f->vendor_data[i].len, format == PCAP_FORMAT_TSHARK3);
            if (rc) return -1;
            first = 0;
        }
        return first ? 0 : put(o, "]", 1);
    }
    case F_WPS_DEVICE_NAME:
        return f->has_wps_name ? key(o, id) || text(o, f->wps_name.ptr, f->wps_name.len) || put(o, "]", 1) : 0;
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

int pcap_record_render(pcap_decoder *dec, const pcap_packet *pkt, const pcap_fields *fields, pcap_format format,
                       mac_names *names, pcap_out *out) {
    decoded d;
    decode(dec, pkt, &d);
    /* "seconds then 3 millisecond digits", as tshark -T ek writes it */
    if (putf(out, "{\"timestamp\":\"%lld%03u\"", (long long)pkt->ts_sec, pkt->ts_nsec / 1000000)) return -1;
    for (size_t k = 0; k < fields->n; k++) {
        int id = fields->ids[k], rc = 0;
        switch (id) {
        case F_FRAME_NUMBER: rc = key(out, id) || putf(out, "\"%llu\"]", (unsigned long long)pkt->number); break;
        case F_FRAME_LEN: rc = key(out, id) || putf(out, "\"%u\"]", pkt->wirelen); break;
        case F_FRAME_CAP_LEN: rc = key(out, id) || putf(out, "\"%u\"]", pkt->caplen); break;
        case F_FRAME_TIME_EPOCH:
            rc = key(out, id) || putf(out, "\"%lld.%09u\"]", (long long)pkt->ts_sec, pkt->ts_nsec);
            break;
        case F_ETH_DST: rc = d.eth ? mac_value(out, id, d.eth_dst) : 0; break;
        case F_ETH_SRC: rc = d.eth ? mac_value(out, id, d.eth_src) : 0; break;
        case F_ETH_DST_RESOLVED: rc = d.eth ? resolved_value(out, id, d.eth_dst, names) : 0; break;
        case F_ETH_SRC_RESOLVED: rc = d.eth ? resolved_value(out, id, d.eth_src, names) : 0; break;
        case F_ETH_TYPE: rc = d.eth ? key(out, id) || putf(out, "\"0x%04x\"]", d.eth_type) : 0; break;
        default: rc = d.wifi ? wifi_value(out, id, &d, format, names) : 0; break;
        }
        if (rc) return -1;
    }
    return put(out, "}", 1);
}
