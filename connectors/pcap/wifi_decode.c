/* wifi_decode.c - radiotap / Prism / AVS radio headers and the 802.11 MAC header and tagged
 * parameters (connectors.md section 3). Every read is bounds-checked against caplen. */
#include "wifi_decode.h"

#include <string.h>

static unsigned le16(const uint8_t *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

int wifi_channel_of_freq(unsigned mhz) {
    if (mhz == 2484) return 14;
    if (mhz >= 2412 && mhz < 2484) return (int)(mhz - 2407) / 5;
    if (mhz >= 5955 && mhz <= 7115) return (int)(mhz - 5950) / 5; /* 6 GHz */
    if (mhz >= 5000 && mhz < 5950) return (int)(mhz - 5000) / 5;
    if (mhz >= 4910 && mhz <= 4980) return (int)(mhz - 4000) / 5;
    return 0;
}

/* ---- radiotap ----------------------------------------------------------------------------- */

/* Alignment and size of the radiotap namespace's fields, by presence bit (0 = unknown). */
static const struct { uint8_t align, size; } rt_fields[29] = {
    [0] = {8, 8},  [1] = {1, 1},   [2] = {1, 1},  [3] = {2, 4},   [4] = {1, 2},   [5] = {1, 1},
    [6] = {1, 1},  [7] = {2, 2},   [8] = {2, 2},  [9] = {2, 2},   [10] = {1, 1},  [11] = {1, 1},
    [12] = {1, 1}, [13] = {1, 1},  [14] = {2, 2}, [15] = {2, 2},  [16] = {1, 1},  [17] = {1, 1},
    [18] = {4, 8}, [19] = {1, 3},  [20] = {4, 8}, [21] = {2, 12}, [22] = {8, 12}, [23] = {2, 12},
    [24] = {2, 12}, [25] = {2, 6}, [26] = {1, 1}, [27] = {2, 4},  [28] = {0, 0}, /* TLVs: stop */
};

#define RT_MAX_WORDS 64

/* The PHY the channel flags name (Wireshark's table: IEEE80211_CHAN_A, _B, _G, ...); other
 * combinations name none. */
static void channel_phy(wifi_phy *p, unsigned cflags) {
    enum { TURBO = 0x10, CCK = 0x20, OFDM = 0x40, GHZ2 = 0x80, GHZ5 = 0x100, DYN = 0x400, GFSK = 0x800 };
    switch (cflags & (TURBO | CCK | OFDM | GHZ2 | GHZ5 | DYN | GFSK)) {
    case GHZ2 | GFSK: p->phy = WIFI_PHY_FHSS; break;
    case GHZ2: p->phy = WIFI_PHY_DSSS; break;
    case GHZ5 | OFDM:
    case GHZ5 | OFDM | TURBO: p->phy = WIFI_PHY_11A; break;
    case GHZ2 | CCK: p->phy = WIFI_PHY_11B; break;
    case GHZ2 | OFDM:
    case GHZ2 | DYN:
    case GHZ2 | OFDM | TURBO: p->phy = WIFI_PHY_11G; break;
    default: break;
    }
}

/* Radiotap MCS field: known, flags, index. */
static void mcs_field(wifi_phy *p, const uint8_t *d) {
    unsigned known = d[0], flags = d[1];
    if (!known) return; /* nothing known: the channel's PHY stands */
    p->phy = WIFI_PHY_11N;
    if (known & 0x01) p->has_bw = 1, p->bw = flags & 3;
    if (known & 0x02) p->has_mcs = 1, p->mcs = d[2];
    if (known & 0x04) p->has_gi = 1, p->short_gi = (flags >> 2) & 1;
    if (known & 0x08) p->has_greenfield = 1, p->greenfield = (flags >> 3) & 1;
    if (known & 0x20) p->has_stbc = 1, p->stbc = (flags >> 5) & 3;
    if (known & 0x40) p->has_ness = 1, p->ness = ((known & 0x80) >> 6) | ((flags & 0x80) >> 7);
}

/* Radiotap VHT field: known, flags, bandwidth, mcs_nss[4], coding, group id, partial AID. */
static void vht_field(wifi_phy *p, const uint8_t *d) {
    unsigned known = le16(d), flags = d[2];
    p->phy = WIFI_PHY_11AC;
    if (known & 0x0001) p->vht_has_stbc = 1, p->vht_stbc = flags & 1;
    if (known & 0x0004) p->vht_has_gi = 1, p->vht_gi = (flags >> 2) & 1;
    if (known & 0x0040) p->vht_has_bw = 1, p->vht_bw = d[3];
    for (int i = 0; i < 4; i++) p->vht_mcs[i] = d[4 + i] >> 4, p->vht_nss[i] = d[4 + i] & 0x0f;
}

/* Returns the length of the radiotap header (where the 802.11 frame starts), or 0. */
static size_t radiotap(const uint8_t *p, size_t caplen, wifi_frame *f) {
    if (caplen < 8 || p[0] != 0) return 0;
    size_t len = le16(p + 2);
    if (len < 8 || len > caplen) return 0;
    uint32_t words[RT_MAX_WORDS];
    size_t nwords = 0, off = 4;
    for (;;) {
        if (off + 4 > len || nwords == RT_MAX_WORDS) return len; /* bitmaps run past the header */
        words[nwords++] = le32(p + off);
        off += 4;
        if (!(words[nwords - 1] & 0x80000000u)) break;
    }
    int vendor = 0;      /* inside a vendor namespace */
    size_t vendor_end = 0;
    int stop = 0;
    unsigned base = 0;   /* a word without a namespace switch continues at bit 32, 64, ... */
    for (size_t w = 0; w < nwords && !stop; w++) {
        uint32_t word = words[w];
        for (int bit = 0; bit < 29 && !stop; bit++) {
            if (!(word & (1u << bit))) continue;
            if (vendor) continue; /* vendor fields: skipped as a whole at the namespace's end */
            if (base) { /* fields 32 and up: none is defined, so nothing after them can be found */
                stop = 1;
                break;
            }
            unsigned align = rt_fields[bit].align, size = rt_fields[bit].size;
            if (!align) {
                stop = 1; /* unknown size: nothing after it can be found */
                break;
            }
            off = (off + align - 1) / align * align;
            if (off + size > len) {
                stop = 1;
                break;
            }
            const uint8_t *d = p + off;
            switch (bit) {
            case 0:
                if (!f->phy.has_tsf) f->phy.has_tsf = 1, f->phy.tsf = le64(d);
                break;
            case 1: /* preamble and guard interval bits, for the duration */
                f->fcs_at_end = (d[0] & 0x10) != 0;
                f->phy.has_short_preamble = 1, f->phy.short_preamble = (d[0] & 0x02) != 0;
                f->phy.has_gi = 1, f->phy.short_gi = (d[0] >> 7) & 1; /* an MCS field's GI bit overrides */
                break;
            case 2: /* 500 kb/s units (tshark 4.0 takes any value so, 0x80 and up included) */
                if (!f->phy.has_rate) f->phy.has_rate = 1, f->phy.rate = d[0];
                break;
            case 3:
                if (!f->has_channel) {
                    int ch = wifi_channel_of_freq(le16(d));
                    if (ch) f->has_channel = 1, f->channel = ch;
                    channel_phy(&f->phy, le16(d + 2));
                }
                break;
            case 19: mcs_field(&f->phy, d); break;
            case 21: vht_field(&f->phy, d); break;
            case 23:
            case 24: f->phy.phy = WIFI_PHY_11AX; break; /* HE, HE-MU: no duration in tshark 4.0 */
            case 5: /* one per antenna after the combined one: the last is what Wireshark shows */
                f->has_signal = 1, f->signal_dbm = (int8_t)d[0];
                break;
            default: break;
            }
            off += size;
        }
        if (stop) break;
        /* namespace switches apply to the next bitmap word */
        if (word & (1u << 29)) {
            if (vendor) off = vendor_end;
            vendor = 0;
            base = 0;
        } else if (word & (1u << 30)) {
            base = 0;
            if (vendor) off = vendor_end;
            off = (off + 1) & ~(size_t)1;
            if (off + 6 > len) break;
            size_t skip = le16(p + off + 4);
            off += 6;
            vendor_end = off + skip;
            vendor = 1;
        } else if (!vendor) {
            base += 32;
        }
    }
    return len;
}

/* ---- Prism and AVS ------------------------------------------------------------------------ */

static size_t prism(const uint8_t *p, size_t caplen, wifi_frame *f) {
    if (caplen < 8) return 0;
    uint32_t msglen = le32(p + 4);
    if (msglen < 24 || msglen > caplen) return 0;
    /* items after msgcode, msglen, devname[16]: did, status u16, len u16, data u32 */
    for (size_t off = 24; off + 12 <= msglen; off += 12) {
        /* DID 0x000N0044 (or 0x000N0041 in older drivers): N names the item */
        unsigned item = (le32(p + off) >> 16) & 0xff;
        unsigned status = le16(p + off + 4);
        int32_t data = (int32_t)le32(p + off + 8);
        if (status) continue; /* 1: no value */
        if (item == 3) f->has_channel = 1, f->channel = data;         /* channel */
        else if (item == 4) f->has_signal = 1, f->signal_dbm = data;  /* rssi: what Wireshark shows as dBm */
        else if (item == 8 && data > 0) f->phy.has_rate = 1, f->phy.rate = (unsigned)data; /* 500 kb/s units */
    }
    return msglen;
}

static size_t avs(const uint8_t *p, size_t caplen, wifi_frame *f) {
    if (caplen < 64) return 0;
    uint32_t len = be32(p + 4);
    if (len < 64 || len > caplen) return 0;
    uint32_t channel = be32(p + 28), ssi_type = be32(p + 48);
    if (channel) f->has_channel = 1, f->channel = (int)channel;
    if (ssi_type == 1) f->has_signal = 1, f->signal_dbm = (int32_t)be32(p + 52); /* 1: dBm */
    return len;
}

/* ---- 802.11 ------------------------------------------------------------------------------- */

/* Fixed parameters before the tagged ones, by management subtype (-1: no tags parsed). */
static int fixed_len(unsigned subtype) {
    switch (subtype) {
    case 0: return 4;   /* association request */
    case 1: return 6;   /* association response */
    case 2: return 10;  /* reassociation request */
    case 3: return 6;   /* reassociation response */
    case 4: return 0;   /* probe request */
    case 5: return 12;  /* probe response */
    case 6: return 12;  /* timing advertisement */
    case 8: return 12;  /* beacon */
    case 9: return 0;   /* ATIM */
    case 10: return 2;  /* disassociation */
    case 11: return 6;  /* authentication */
    case 12: return 2;  /* deauthentication */
    default: return -1; /* action frames: their own layouts */
    }
}

static const uint8_t OUI_MICROSOFT[3] = {0x00, 0x50, 0xf2};

/* Found by feeding tshark 4.0 a vendor element of every OUI in its manuf file with every type
 * byte: these 18 never show wlan.tag.vendor.data, every other OUI always does. */
int wifi_vendor_has_dissector(uint32_t oui) {
    static const uint32_t decoded[] = {0x00037f, 0x000512, 0x00090f, 0x000b86, 0x000c42, 0x000ce6,
                                       0x000fac, 0x001392, 0x001977, 0x001f32, 0x004096, 0x005043,
                                       0x0050f2, 0x00904c, 0x00a0f8, 0x506f9a, 0x5c5b35, 0x6a5c35};
    for (size_t i = 0; i < sizeof decoded / sizeof decoded[0]; i++)
        if (decoded[i] == oui) return 1;
    return 0;
}

/* WPS attributes (big-endian type, length): the Device Name. */
static void wps(const uint8_t *d, size_t len, wifi_frame *f) {
    for (size_t off = 0; off + 4 <= len;) {
        unsigned type = be16(d + off), alen = be16(d + off + 2);
        if (off + 4 + alen > len) break;
        if (type == 0x1011 && !f->has_wps_name) {
            f->has_wps_name = 1;
            f->wps_name.ptr = d + off + 4;
            f->wps_name.len = alen;
        }
        off += 4 + alen;
    }
}

static void tags(const uint8_t *d, size_t len, wifi_frame *f) {
    for (size_t off = 0; off + 2 <= len;) {
        unsigned id = d[off], tlen = d[off + 1];
        if (off + 2 + tlen > len) break; /* an element running past the frame: stop, as tshark marks it */
        const uint8_t *v = d + off + 2;
        switch (id) {
        case 0:
            if (!f->has_ssid) f->has_ssid = 1, f->ssid.ptr = v, f->ssid.len = tlen;
            break;
        case 7: /* shorter than country + environment: tshark reports the length, shows no code */
            if (tlen >= 3 && !f->has_country) {
                f->has_country = 1;
                f->country[0] = (char)v[0], f->country[1] = (char)v[1], f->country[2] = '\0';
            }
            break;
        case 221:
            if (tlen >= 3 && f->nvendor < WIFI_MAX_VENDOR) {
                size_t i = f->nvendor++;
                f->vendor_oui[i] = (uint32_t)v[0] << 16 | (uint32_t)v[1] << 8 | v[2];
                f->has_vendor_type[i] = tlen >= 4;
                f->vendor_type[i] = tlen >= 4 ? v[3] : 0;
                f->has_vendor_data[i] = tlen >= 4 && !wifi_vendor_has_dissector(f->vendor_oui[i]);
                f->vendor_data[i].ptr = v + 3;
                f->vendor_data[i].len = tlen - 3u;
                if (tlen >= 4 && !memcmp(v, OUI_MICROSOFT, 3) && v[3] == 4) wps(v + 4, tlen - 4, f);
                if (tlen == 3) return; /* no type byte: tshark's dissector throws, ending the list */
            }
            break;
        default: break;
        }
        off += 2 + tlen;
    }
}

/* A data frame carrying EAPOL-Key: its unencrypted Key Data holds elements and KDEs (the
 * vendor-specific kind: WPA IE, PMKID), which Wireshark lists among the tagged parameters. */
static void data_payload(const uint8_t *p, size_t len, unsigned flags, wifi_frame *f) {
    static const uint8_t llc_eapol[8] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x88, 0x8e};
    if (flags & 0x40) return; /* protected */
    size_t hdr = 24 + ((flags & 3) == 3 ? 6 : 0);
    if (f->subtype & 0x8) hdr += 2 + ((flags & 0x80) ? 4 : 0); /* QoS Control, HT Control */
    if (len < hdr + 8 || memcmp(p + hdr, llc_eapol, 8)) return;
    const uint8_t *e = p + hdr + 8;
    size_t elen = len - hdr - 8;
    /* EAPOL: version, type (3: Key), length; then descriptor type, key info, key length,
     * replay counter, nonce, IV, RSC, reserved, MIC (16), key data length, key data */
    if (elen < 4 + 95 || e[1] != 3) return;
    unsigned info = be16(e + 5);
    if (info & 0x1000) return; /* encrypted key data */
    size_t klen = be16(e + 4 + 93), avail = elen - 4 - 95;
    tags(e + 4 + 95, klen < avail ? klen : avail, f);
}

static void mac(const uint8_t *p, size_t len, wifi_frame *f) {
    if (len < 2) return;
    unsigned fc = le16(p), flags = fc >> 8;
    f->has_fc = 1;
    f->type = (fc >> 2) & 3;
    f->subtype = (fc >> 4) & 0xf;
    f->ds = flags & 3;
    const uint8_t *a1 = len >= 10 ? p + 4 : NULL, *a2 = len >= 16 ? p + 10 : NULL, *a3 = len >= 22 ? p + 16 : NULL;
    const uint8_t *a4 = len >= 30 ? p + 24 : NULL;
#define SET(field, src) \
    do { \
        if (src) f->has_##field = 1, memcpy(f->field, src, 6); \
    } while (0)
    SET(ra, a1);
    if (f->type == 1) { /* control: ACK and CTS carry only the receiver */
        if (f->subtype != 0xc && f->subtype != 0xd) SET(ta, a2);
        return;
    }
    SET(ta, a2);
    if (f->type == 0) {
        SET(da, a1);
        SET(sa, a2);
        SET(bssid, a3);
        int fixed = fixed_len(f->subtype);
        size_t hdr = 24 + ((flags & 0x80) ? 4 : 0); /* +HT Control with the Order bit */
        /* SAE authentication (algorithm 3) carries its own fields, not elements */
        if (f->subtype == 11 && len >= hdr + 2 && le16(p + hdr) == 3) fixed = -1;
        if (fixed >= 0 && !(flags & 0x40) && len >= hdr + (size_t)fixed) { /* not protected */
            f->has_tagged = len > hdr + (size_t)fixed;
            tags(p + hdr + fixed, len - hdr - (size_t)fixed, f);
        }
        return;
    }
    if (f->type != 2) return;
    data_payload(p, len, flags, f);
    switch (f->ds) {
    case 0: /* IBSS */
        SET(da, a1);
        SET(sa, a2);
        SET(bssid, a3);
        break;
    case 1: /* to the AP */
        SET(bssid, a1);
        SET(sa, a2);
        SET(da, a3);
        SET(staa, a2);
        break;
    case 2: /* from the AP */
        SET(da, a1);
        SET(bssid, a2);
        SET(sa, a3);
        SET(staa, a1);
        break;
    case 3: /* WDS */
        SET(da, a3);
        SET(sa, a4);
        break;
    }
#undef SET
}

int wifi_decode(wifi_radio_state *st, int linktype, const uint8_t *pkt, size_t caplen, size_t wirelen, wifi_frame *out) {
    memset(out, 0, sizeof *out);
    size_t hdr = 0;
    switch (linktype) {
    case WIFI_LINKTYPE_80211: break;
    case WIFI_LINKTYPE_RADIOTAP:
        if (!(hdr = radiotap(pkt, caplen, out))) return 0; /* a bad radio header: nothing more */
        break;
    case WIFI_LINKTYPE_PRISM:
        if (!(hdr = prism(pkt, caplen, out))) return 0;
        break;
    case WIFI_LINKTYPE_AVS:
        if (!(hdr = avs(pkt, caplen, out))) return 0;
        break;
    default: return -1;
    }
    /* Wireshark times the frame as long as it was on the air, FCS included when captured */
    if (hdr && wirelen >= hdr && wirelen - hdr <= UINT32_MAX)
        out->has_duration = wifi_radio_duration(st, &out->phy, (unsigned)(wirelen - hdr), &out->duration);
    size_t len = caplen - hdr;
    if (out->fcs_at_end && len >= 4) len -= 4;
    mac(pkt + hdr, len, out);
    return 0;
}
