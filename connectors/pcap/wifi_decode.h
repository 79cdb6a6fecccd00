/* wifi_decode.h - the pcap source's decoder: radio headers (radiotap, Prism, AVS) and the
 * 802.11 MAC header and tagged parameters, into the fields tshark prints. Pure functions on
 * bytes, no libpcap: unit-tested and fuzzed on their own.
 *
 * wlan_radio.duration is wifi_radio.c's; names for *_resolved are mac_names.c's. */
#ifndef WIFI_DECODE_H
#define WIFI_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "wifi_radio.h"

/* Link types (pcap LINKTYPE_*). */
enum { WIFI_LINKTYPE_80211 = 105, WIFI_LINKTYPE_PRISM = 119, WIFI_LINKTYPE_RADIOTAP = 127, WIFI_LINKTYPE_AVS = 163 };

#define WIFI_MAX_VENDOR 32 /* vendor-specific elements kept per frame */

typedef struct wifi_bytes {
    const uint8_t *ptr; /* borrowed from the packet */
    size_t len;
} wifi_bytes;

typedef struct wifi_frame {
    /* radio */
    int has_channel, has_signal;
    int channel;    /* wlan_radio.channel */
    int signal_dbm; /* wlan_radio.signal_dbm */
    int fcs_at_end; /* radiotap flags 0x10: the last 4 bytes are the FCS */
    wifi_phy phy;   /* what the radio header says of the PHY, for the duration */
    int has_duration;
    unsigned duration; /* wlan_radio.duration, microseconds */
    /* MAC header */
    int has_fc;
    unsigned type, subtype, ds; /* wlan.fc.type, subtype, wlan.fc.ds (ToDS 1, FromDS 2) */
    int has_ra, has_ta, has_da, has_sa, has_bssid, has_staa;
    uint8_t ra[6], ta[6], da[6], sa[6], bssid[6], staa[6];
    /* tagged parameters (management frames) */
    int has_tagged; /* a non-empty tagged-parameter area: wlan.tagged.all */
    int has_ssid;
    wifi_bytes ssid;
    int has_country;
    char country[3];
    size_t nvendor;
    uint32_t vendor_oui[WIFI_MAX_VENDOR];
    uint8_t vendor_type[WIFI_MAX_VENDOR]; /* wlan.tag.vendor.oui.type */
    int has_vendor_type[WIFI_MAX_VENDOR];
    /* wlan.tag.vendor.data: the bytes after the OUI (type included), shown by tshark 4.0 only
     * for the OUIs it has no dissector for (wifi_vendor_has_dissector) */
    int has_vendor_data[WIFI_MAX_VENDOR];
    wifi_bytes vendor_data[WIFI_MAX_VENDOR];
    int has_wps_name;
    wifi_bytes wps_name; /* WPS attribute Device Name (0x1011) */
} wifi_frame;

/* Decodes one packet of the given link type. Never reads past caplen; what a truncated or
 * malformed packet still holds is decoded and the rest left unset. wirelen: the packet's length
 * on the air (pcap's len, at least caplen), which the duration is computed from. st carries what
 * the previous packets of the same capture said (A-MPDU detection; zero it per capture, or NULL).
 * 0 when the link type is one this decoder knows, -1 otherwise. */
int wifi_decode(wifi_radio_state *st, int linktype, const uint8_t *pkt, size_t caplen, size_t wirelen, wifi_frame *out);

/* 1 for the vendor OUIs whose elements tshark 4.0 decodes further (and so shows no
 * wlan.tag.vendor.data for). */
int wifi_vendor_has_dissector(uint32_t oui);

/* The channel number of a frequency in MHz (2.4, 5 and 6 GHz bands), 0 when unknown. */
int wifi_channel_of_freq(unsigned mhz);

#endif
