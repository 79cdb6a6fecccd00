/* wifi_radio.h - wlan_radio.duration: the airtime of a frame, computed as Wireshark 4.0 computes
 * it from the PHY, the data rate and the length (packet-ieee80211-radio.c's rules, rewritten
 * from the standard's formulas and pinned against tshark 4.0 by tests/integration/pcap_vs_tshark.py).
 * The radio header parsers (wifi_decode.c) fill a wifi_phy; wifi_radio_duration() does the rest,
 * with the A-MPDU detection across consecutive frames that needs state (wifi_radio_state). */
#ifndef WIFI_RADIO_H
#define WIFI_RADIO_H

#include <stddef.h>
#include <stdint.h>

/* Wireshark's PHDR_802_11_PHY_* numbering (wlan_radio.phy). */
enum {
    WIFI_PHY_UNKNOWN = 0, WIFI_PHY_FHSS = 1, WIFI_PHY_DSSS = 3, WIFI_PHY_11B = 4, WIFI_PHY_11A = 5,
    WIFI_PHY_11G = 6, WIFI_PHY_11N = 7, WIFI_PHY_11AC = 8, WIFI_PHY_11AX = 11
};

typedef struct wifi_phy {
    int phy;
    int has_rate;          /* legacy rate, in 500 kb/s units */
    unsigned rate;
    int has_short_preamble, short_preamble;
    /* 802.11n (radiotap MCS field) */
    int has_mcs, has_bw, has_gi, has_greenfield, has_stbc, has_ness;
    unsigned mcs, bw, short_gi, greenfield, stbc, ness;
    /* 802.11ac (radiotap VHT field) */
    int vht_has_gi, vht_has_bw, vht_has_stbc;
    unsigned vht_gi, vht_bw, vht_stbc, vht_mcs[4], vht_nss[4];
    int has_tsf;
    uint64_t tsf;
} wifi_phy;

/* What the previous frame of the same capture was, for aggregate (A-MPDU) detection. Zero it
 * when a capture starts. */
typedef struct wifi_radio_state {
    uint64_t frames;
    int prev_has_tsf;
    uint64_t prev_tsf;
    int prev_phy;
    wifi_phy prev_info;
    unsigned prev_length;
    int in_aggregate;
    int agg_phy;
    wifi_phy agg_info;
} wifi_radio_state;

/* The frame's duration in microseconds into *us: 1 when Wireshark shows one, 0 when it does not
 * (no rate, a PHY it does not time). frame_length: the 802.11 frame's length on the wire (radio
 * header excluded). st may be NULL (no aggregate detection). */
int wifi_radio_duration(wifi_radio_state *st, const wifi_phy *phy, unsigned frame_length, unsigned *us);

#endif
