/* libFuzzer target for the pcap source's decoder: the first byte picks the link type (radiotap,
 * Prism, AVS, plain 802.11), the rest is the packet. Beyond "no crash": every borrowed slice it
 * returns lies inside the packet. */
#include <stdint.h>
#include <stdlib.h>

#include "wifi_decode.h"

static void inside(const wifi_bytes *b, const uint8_t *pkt, size_t len) {
    if (b->ptr && (b->ptr < pkt || b->ptr + b->len > pkt + len)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int types[4] = {WIFI_LINKTYPE_RADIOTAP, WIFI_LINKTYPE_PRISM, WIFI_LINKTYPE_AVS, WIFI_LINKTYPE_80211};
    if (size < 1) return 0;
    /* a copy of exactly the packet's size, so ASan catches any read past it */
    size_t len = size - 1;
    uint8_t *pkt = malloc(len ? len : 1);
    if (!pkt) return 0;
    for (size_t i = 0; i < len; i++) pkt[i] = data[i + 1];
    wifi_frame f;
    if (wifi_decode(types[data[0] & 3], pkt, len, &f) == 0) {
        inside(&f.ssid, pkt, len);
        inside(&f.wps_name, pkt, len);
        if (f.nvendor > WIFI_MAX_VENDOR) abort();
    }
    free(pkt);
    return 0;
}
