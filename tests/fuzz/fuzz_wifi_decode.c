/* libFuzzer target for the pcap source's decoder: the first byte picks the link type (radiotap,
 * Prism, AVS, plain 802.11, Ethernet) and adds to the wire length; the rest is the packet.
 * Beyond "no crash": every borrowed slice the decoder returns lies inside the packet, and the
 * record rendered from it (every field, both formats, addresses resolved or not, names holding
 * characters JSON escapes) is JSON text jansson reads. */
#define _DEFAULT_SOURCE /* mkstemp */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mac_names.h"
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
    static mac_names *names; /* every address resolves to a name with a quote and a backslash */
    if (!all.n) {
        char err[1536];
        if (pcap_fields_parse(pcap_fields_known(), &all, err, sizeof err)) abort();
        char path[] = "/tmp/kcd-fuzz-names.XXXXXX";
        int fd = mkstemp(path);
        static const char table[] = "00:00:00:00:00:00/1\tq\"uote\\\n80:00:00:00:00:00/1\tnl\\n\n";
        if (fd < 0 || write(fd, table, sizeof table - 1) != (ssize_t)(sizeof table - 1)) abort();
        close(fd);
        names = mac_names_new();
        if (!names || mac_names_load(names, path, 0) != 2) abort();
        unlink(path);
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
    for (int run = 0; run < 4; run++) { /* both formats, without and with names */
        out.len = 0;
        if (pcap_record_values(&dec, &p, &all, (pcap_format)(run & 1), run & 2 ? names : NULL, &values) == 0 &&
            pcap_values_to_json(&values, &out) == 0) {
            if (strlen(out.data) != out.len) abort();
            json_error_t jerr;
            json_t *j = json_loadb(out.data, out.len, JSON_ALLOW_NUL, &jerr); /* an SSID may hold NUL */
            if (!json_is_object(j)) {
                fprintf(stderr, "not JSON (%s): %s\n", jerr.text, out.data);
                abort();
            }
            json_decref(j);
        }
    }
    pcap_values_free(&values);
    free(out.data);
    free(pkt);
    return 0;
}
