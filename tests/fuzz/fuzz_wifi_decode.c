/* libFuzzer target for the pcap source's decoder: the first byte picks the link type (radiotap,
 * Prism, AVS, plain 802.11, Ethernet) and adds to the wire length; the rest is the packet.
 * Beyond "no crash": every borrowed slice the decoder returns lies inside the packet, and the
 * record rendered from it (every field, both formats) is valid JSON text ending in '}'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_record.h"
#include "wifi_decode.h"

static void inside(const wifi_bytes *b, const uint8_t *pkt, size_t len) {
    if (b->ptr && (b->ptr < pkt || b->ptr + b->len > pkt + len)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int types[8] = {WIFI_LINKTYPE_RADIOTAP, WIFI_LINKTYPE_PRISM, WIFI_LINKTYPE_AVS, WIFI_LINKTYPE_80211,
                                 WIFI_LINKTYPE_RADIOTAP, WIFI_LINKTYPE_RADIOTAP, 1, WIFI_LINKTYPE_80211};
    static wifi_radio_state st;  /* kept across inputs: the A-MPDU tracking sees frame sequences */
    static pcap_decoder dec;
    static pcap_fields all;
    if (!all.n) {
        char err[1536];
        if (pcap_fields_parse(pcap_fields_known(), &all, err, sizeof err)) abort();
    }
    if (size < 1) return 0;
    /* a copy of exactly the packet's size, so ASan catches any read past it */
    size_t len = size - 1;
    uint8_t *pkt = malloc(len ? len : 1);
    if (!pkt) return 0;
    memcpy(pkt, data + 1, len);
    int linktype = types[data[0] & 7];
    size_t wirelen = len + (data[0] >> 3);
    wifi_frame f;
    if (linktype != 1 && wifi_decode(&st, linktype, pkt, len, wirelen, &f) == 0) {
        inside(&f.ssid, pkt, len);
        inside(&f.wps_name, pkt, len);
        if (f.nvendor > WIFI_MAX_VENDOR) abort();
        for (size_t i = 0; i < f.nvendor; i++)
            if (f.has_vendor_data[i]) inside(&f.vendor_data[i], pkt, len);
    }
    pcap_packet p = {.linktype = linktype, .data = pkt, .caplen = (uint32_t)len, .wirelen = (uint32_t)wirelen, .number = 1};
    pcap_out out = {0};
    pcap_values values = {0};
    for (int format = 0; format < 2; format++) {
        out.len = 0;
        if (pcap_record_values(&dec, &p, &all, (pcap_format)format, NULL, &values) == 0 &&
            pcap_values_to_json(&values, &out) == 0) {
            if (out.len < 2 || out.data[0] != '{' || out.data[out.len - 1] != '}' || strlen(out.data) != out.len) abort();
        }
    }
    pcap_values_free(&values);
    free(out.data);
    free(pkt);
    return 0;
}
