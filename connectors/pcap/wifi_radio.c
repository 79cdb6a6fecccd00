/* wifi_radio.c - wlan_radio.duration (see wifi_radio.h). The formulas are the standard's
 * (802.11-2016 clauses 16-21); where Wireshark 4.0 rounds, assumes or guesses, this does the same
 * so the numbers match what the pipeline's tshark stored. */
#include "wifi_radio.h"

#include <math.h>
#include <string.h>

/* ---- 802.11n (HT) ------------------------------------------------------------------------- */

#define HT_MCS_MAX 76

/* Spatial streams of each HT MCS. */
static const uint8_t ht_streams[HT_MCS_MAX + 1] = {
    1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4,
    1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4};

/* BCC encoders (N_ES) of each HT MCS. */
static unsigned ht_encoders(unsigned mcs) {
    if ((mcs >= 21 && mcs <= 23) || (mcs >= 28 && mcs <= 31) || (mcs >= 70 && mcs <= 76)) return 2;
    return 1;
}

/* Data bits per OFDM symbol at 20 MHz (N_DBPS). MCS 0-31: equal modulation on every stream;
 * 33-76: unequal modulation, given as the sum of the streams' bits per subcarrier and the code
 * rate (26 data bits per unit at 1/2, 39 at 3/4 over 52 subcarriers). */
static unsigned ht_dbps(unsigned mcs) {
    static const uint16_t equal[8] = {26, 52, 78, 104, 156, 208, 234, 260};
    static const uint8_t unequal_bits[HT_MCS_MAX - 32] = {
        6, 8, 10, 6, 8, 10,                                                 /* 33-38: 2 streams */
        8, 10, 10, 12, 14, 14, 16, 8, 10, 10, 12, 14, 14, 16,              /* 39-52: 3 streams */
        10, 12, 14, 12, 14, 16, 18, 16, 18, 20, 20, 22,                     /* 53-64: 4 streams, 1/2 */
        10, 12, 14, 12, 14, 16, 18, 16, 18, 20, 20, 22};                    /* 65-76: 4 streams, 3/4 */
    if (mcs < 32) return equal[mcs % 8] * (unsigned)ht_streams[mcs];
    if (mcs == 32) return 12; /* the duplicate format: 24 at 40 MHz, as Wireshark's table has it */
    if (mcs > HT_MCS_MAX) return 0;
    int three_quarters = (mcs >= 36 && mcs <= 38) || (mcs >= 46 && mcs <= 52) || mcs >= 65;
    return unequal_bits[mcs - 33] * (three_quarters ? 39u : 26u);
}

/* Microseconds of the data field of length bytes (BCC, 802.11-2016 eq. 19-32). */
static unsigned ht_data_us(unsigned length, const wifi_phy *p) {
    unsigned bits = 8 * length + 16 + ht_encoders(p->mcs) * 6;
    unsigned mstbc = p->has_stbc && p->stbc ? 2 : 1;
    unsigned per_symbol = ht_dbps(p->mcs) * (p->bw == 1 ? 2 : 1) * mstbc;
    unsigned symbols = (bits + per_symbol - 1) / per_symbol * mstbc;
    return (symbols * (p->short_gi ? 36 : 40) + 5) / 10;
}

/* The HT data rate is known exactly when Wireshark shows one: MCS, bandwidth and guard interval
 * known (the GI from the MCS field or the radiotap flags), and MCS below 76. */
static int ht_has_rate(const wifi_phy *p) { return p->has_mcs && p->has_bw && p->has_gi && p->mcs < HT_MCS_MAX; }

/* ---- 802.11ac (VHT) ----------------------------------------------------------------------- */

/* Radiotap VHT bandwidth code -> the width the frame occupies (0: 20, 1: 40, 2: 80, 3: 160 MHz):
 * "80 MHz, 40 MHz lower" is a 40 MHz frame, and so on. */
static int vht_bw_index(unsigned code) {
    static const int8_t width[26] = {0, 1, 0, 0, 2, 1, 1, 0, 0, 0, 0, 3, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    return code < 26 ? width[code] : -1;
}

/* Mb/s of one spatial stream: data subcarriers x coded bits per subcarrier / symbol time. */
static float vht_rate(unsigned mcs, int bw, int short_gi) {
    static const unsigned subcarriers[4] = {52, 108, 234, 468};
    static const double bits[10] = {0.5, 1, 1.5, 2, 3, 4, 4.5, 5, 6, 20.0 / 3};
    return (float)(subcarriers[bw] * bits[mcs] / (short_gi ? 3.6 : 4.0));
}

/* MCS / bandwidth / stream combinations the standard leaves out (no rate shown). */
static int vht_valid(unsigned mcs, int bw, unsigned nss) {
    if (mcs == 6 && bw == 2 && (nss == 3 || nss == 7)) return 0;
    if (mcs == 9 && bw == 0 && nss != 3 && nss != 6) return 0;
    if (mcs == 9 && bw == 2 && nss == 6) return 0;
    if (mcs == 9 && bw == 3 && nss == 3) return 0;
    return 1;
}

static float vht_data_rate(const wifi_phy *p) {
    if (!p->vht_has_gi || !p->vht_has_bw) return 0;
    int bw = vht_bw_index(p->vht_bw);
    if (bw < 0) return 0;
    float rate = 0;
    for (int i = 0; i < 4; i++) { /* the last user with a valid rate is the one shown */
        unsigned mcs = p->vht_mcs[i], nss = p->vht_nss[i];
        if (!nss || mcs > 9 || nss > 8 || !vht_valid(mcs, bw, nss)) continue;
        float r = vht_rate(mcs, bw, (int)p->vht_gi) * (float)nss;
        if (r != 0.0f) rate = r;
    }
    return rate;
}

static unsigned vht_data_us(unsigned length, float rate) { return (unsigned)((float)(8 * length + 16) / rate); }

/* ---- all PHYs ----------------------------------------------------------------------------- */

static int is_cck_rate(float r) { return r == 1.0f || r == 2.0f || r == 5.5f || r == 11.0f || r == 22.0f || r == 33.0f; }
static int is_ofdm_rate(float r) {
    return r == 6.0f || r == 9.0f || r == 12.0f || r == 18.0f || r == 24.0f || r == 36.0f || r == 48.0f || r == 54.0f;
}

/* Tracks A-MPDUs as Wireshark does: consecutive HT/VHT frames with the same TSF (or the Intel
 * and QCA patterns) are subframes of one PPDU. Returns the bytes before this subframe in its
 * aggregate (0 when not in one) and sets *use to the PHY info to time it with. */
static unsigned track_aggregate(wifi_radio_state *st, const wifi_phy *p, unsigned length, const wifi_phy **use) {
    *use = p;
    if (!st) return 0;
    unsigned prior = 0;
    st->frames++;
    if (st->frames > 1 && (p->phy == WIFI_PHY_11N || p->phy == WIFI_PHY_11AC) && p->phy == st->prev_phy && p->has_tsf &&
        st->prev_has_tsf &&
        (p->tsf == st->prev_tsf || (!st->in_aggregate && st->prev_tsf && p->tsf == 0) || st->prev_tsf == UINT64_MAX)) {
        if (!st->in_aggregate) {
            st->in_aggregate = 1;
            st->agg_phy = st->prev_phy;
            st->agg_info = st->prev_info;
        }
        if (st->prev_length % 4) st->prev_length = (st->prev_length | 3) + 1; /* subframe padding */
        st->prev_length += 4;                                                 /* MPDU delimiter */
        prior = st->prev_length;
        st->prev_length += length;
        /* every subframe has the aggregate's rate; some drivers report a lower one for some */
        if (p->phy == WIFI_PHY_11N && p->has_mcs && st->agg_info.has_mcs && p->mcs > st->agg_info.mcs) st->agg_info = *p;
        if (p->phy == WIFI_PHY_11AC && p->vht_mcs[0] > st->agg_info.vht_mcs[0]) st->agg_info = *p;
        *use = &st->agg_info;
    } else {
        st->in_aggregate = 0;
        st->prev_length = length;
    }
    st->prev_has_tsf = p->has_tsf;
    st->prev_tsf = p->tsf;
    st->prev_phy = p->phy;
    st->prev_info = *p;
    return prior;
}

int wifi_radio_duration(wifi_radio_state *st, const wifi_phy *given, unsigned length, unsigned *us) {
    const wifi_phy *p;
    unsigned prior = track_aggregate(st, given, length, &p);
    int phy = st && st->in_aggregate ? st->agg_phy : given->phy;
    float rate = p->has_rate ? (float)p->rate * 0.5f : 0.0f;
    int has_rate = p->has_rate;
    if (phy == WIFI_PHY_11N && ht_has_rate(p)) has_rate = 1, rate = (float)ht_dbps(p->mcs) * (p->bw == 1 ? 2 : 1) / 4; /* >0 */
    if (phy == WIFI_PHY_11AC) {
        float r = vht_data_rate(p);
        if (r != 0.0f) has_rate = 1, rate = r;
    }
    if (!has_rate || !(rate > 0)) return 0;
    /* some drivers label CCK frames 11g, and without a channel the rate tells the PHY */
    if ((phy == WIFI_PHY_11G || phy == WIFI_PHY_UNKNOWN) && is_cck_rate(rate)) phy = WIFI_PHY_11B;
    else if (phy == WIFI_PHY_UNKNOWN && is_ofdm_rate(rate)) phy = WIFI_PHY_11A;
    switch (phy) {
    case WIFI_PHY_11B: {
        /* long preamble + PLCP header 192 us, short 96 us; short is assumed when unknown */
        unsigned preamble = p->has_short_preamble && !p->short_preamble ? 192 : 96;
        *us = (unsigned)ceil(preamble + (float)(length * 8) / rate);
        return 1;
    }
    case WIFI_PHY_11A:
    case WIFI_PHY_11G: { /* preamble + SIGNAL 20 us, then 4 us symbols of SERVICE + data + tail */
        unsigned symbols = (unsigned)ceil((float)(16 + 8 * length + 6) / (rate * 4));
        *us = 20 + symbols * 4;
        return 1;
    }
    case WIFI_PHY_11N: {
        static const unsigned ltf_data[4] = {1, 2, 4, 4}, ltf_ext[4] = {0, 1, 2, 4};
        if (!p->has_mcs || p->mcs > HT_MCS_MAX || !p->has_bw || !p->has_gi) return 0;
        unsigned preamble = p->has_greenfield && p->greenfield ? 24 : 32; /* mixed format assumed */
        unsigned stbc = p->has_stbc ? p->stbc : 0, ness = p->has_ness ? p->ness : 0;
        if (ness >= 4) return 0;
        unsigned nsts = ht_streams[p->mcs] + stbc;
        if (nsts == 0 || nsts > 4) return 0;
        preamble += 4 * (ltf_data[nsts - 1] + ltf_ext[ness]);
        if (prior) *us = ht_data_us(length + prior, p) - ht_data_us(prior, p);
        else *us = preamble + ht_data_us(length, p);
        return 1;
    }
    case WIFI_PHY_11AC: {
        unsigned preamble = 32 + 4 * p->vht_nss[0] * (p->vht_has_stbc ? p->vht_stbc + 1 : 1);
        if (prior) *us = vht_data_us(prior + length, rate) - vht_data_us(prior, rate);
        else *us = preamble + vht_data_us(length, rate);
        return 1;
    }
    default: return 0; /* FHSS, DSSS without a CCK rate, 11ax: Wireshark 4.0 shows no duration */
    }
}
