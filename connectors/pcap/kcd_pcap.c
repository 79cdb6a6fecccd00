/* kcd-pcap - the pcap source's decoder on capture files: one record value per packet, as the
 * pipeline stored them on topic pcap ({"timestamp": "<epoch ms>", "<field with _>": [...]}).
 *
 *   kcd-pcap [--format tshark-4.0] [--fields f1,f2,...] [--manuf FILE] [--wka FILE] [--ethers FILE] FILE...
 *
 * --manuf defaults to Debian's /usr/share/wireshark/manuf and --wka to the wka file beside it,
 * when present (the tables tshark 4.0 resolves names with).
 *
 * Work in progress (issue 6): fields the decoder does not produce yet are left out. */
#define _GNU_SOURCE
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mac_names.h"
#include "wifi_decode.h"

static mac_names *names; /* NULL: no tables, *_resolved print the address */

/* The pipeline's 22 fields (connectors.md 1.1), in its order. */
static const char *const default_fields[] = {
    "wlan.fc.type", "wlan.fc.type_subtype", "wlan_radio.channel", "wlan_radio.signal_dbm", "wlan_radio.duration",
    "wlan.ra", "wlan.ra_resolved", "wlan.da", "wlan.da_resolved", "wlan.ta", "wlan.ta_resolved", "wlan.sa",
    "wlan.sa_resolved", "wlan.staa", "wlan.staa_resolved", "wlan.tagged.all", "wlan.tag.vendor.data",
    "wlan.tag.vendor.oui.type", "wlan.tag.oui", "wlan.ssid", "wlan.country_info.code", "wps.device_name", NULL};

static void key(const char *field) {
    printf(",\"");
    for (const char *c = field; *c; c++) putchar(*c == '.' ? '_' : *c);
    printf("\":[");
}

static void mac(const char *field, int has, const uint8_t *a) {
    if (!has) return;
    key(field);
    printf("\"%02x:%02x:%02x:%02x:%02x:%02x\"]", a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void json_text(const uint8_t *s, size_t n);

static void resolved(const char *field, int has, const uint8_t *a) {
    if (!has) return;
    char name[160];
    if (names) mac_names_resolve(names, a, name, sizeof name);
    else snprintf(name, sizeof name, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
    key(field);
    json_text((const uint8_t *)name, strlen(name));
    putchar(']');
}

static void json_text(const uint8_t *s, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void field(const char *name, const wifi_frame *f) {
    if (!strcmp(name, "wlan.fc.type") && f->has_fc) {
        key(name);
        printf("\"%u\"]", f->type);
    } else if (!strcmp(name, "wlan.fc.type_subtype") && f->has_fc) {
        key(name);
        printf("\"0x%04x\"]", f->type << 4 | f->subtype);
    } else if (!strcmp(name, "wlan_radio.channel") && f->has_channel) {
        key(name);
        printf("\"%d\"]", f->channel);
    } else if (!strcmp(name, "wlan_radio.signal_dbm") && f->has_signal) {
        key(name);
        printf("\"%d\"]", f->signal_dbm);
    } else if (!strcmp(name, "wlan.ra")) mac(name, f->has_ra, f->ra);
    else if (!strcmp(name, "wlan.ta")) mac(name, f->has_ta, f->ta);
    else if (!strcmp(name, "wlan.da")) mac(name, f->has_da, f->da);
    else if (!strcmp(name, "wlan.sa")) mac(name, f->has_sa, f->sa);
    else if (!strcmp(name, "wlan.staa")) mac(name, f->has_staa, f->staa);
    else if (!strcmp(name, "wlan.bssid")) mac(name, f->has_bssid, f->bssid);
    else if (!strcmp(name, "wlan.ra_resolved")) resolved(name, f->has_ra, f->ra);
    else if (!strcmp(name, "wlan.ta_resolved")) resolved(name, f->has_ta, f->ta);
    else if (!strcmp(name, "wlan.da_resolved")) resolved(name, f->has_da, f->da);
    else if (!strcmp(name, "wlan.sa_resolved")) resolved(name, f->has_sa, f->sa);
    else if (!strcmp(name, "wlan.staa_resolved")) resolved(name, f->has_staa, f->staa);
    else if (!strcmp(name, "wlan.bssid_resolved")) resolved(name, f->has_bssid, f->bssid);
    else if (!strcmp(name, "wlan.ssid") && f->has_ssid) { /* tshark 4.0 prints the bytes as hex */
        key(name);
        if (!f->ssid.len) printf("\"<MISSING>\"]"); /* how tshark 4.0 prints empty bytes */
        else {
            putchar('"');
            for (size_t i = 0; i < f->ssid.len; i++) printf("%02x", f->ssid.ptr[i]);
            printf("\"]");
        }
    } else if (!strcmp(name, "wlan.tagged.all") && f->has_tagged) { /* a tree item: tshark prints 1 */
        key(name);
        printf("\"1\"]");
    } else if (!strcmp(name, "wlan.country_info.code") && f->has_country) {
        key(name);
        json_text((const uint8_t *)f->country, strlen(f->country));
        putchar(']');
    } else if (!strcmp(name, "wlan.tag.oui") && f->nvendor) {
        key(name);
        for (size_t i = 0; i < f->nvendor; i++) printf("%s\"%u\"", i ? "," : "", (unsigned)f->vendor_oui[i]);
        putchar(']');
    } else if (!strcmp(name, "wlan.tag.vendor.oui.type") && f->nvendor) {
        int first = 1;
        for (size_t i = 0; i < f->nvendor; i++) {
            if (!f->has_vendor_type[i]) continue;
            if (first) key(name);
            printf("%s\"%u\"", first ? "" : ",", f->vendor_type[i]);
            first = 0;
        }
        if (!first) putchar(']');
    } else if (!strcmp(name, "wps.device_name") && f->has_wps_name) {
        key(name);
        json_text(f->wps_name.ptr, f->wps_name.len);
        putchar(']');
    }
}

int main(int argc, char **argv) {
    const char *fields_arg = NULL, *manuf = NULL, *wka = NULL, *ethers = NULL;
    int first_file = 1;
    for (; first_file < argc && !strncmp(argv[first_file], "--", 2); first_file++) {
        if (!strcmp(argv[first_file], "--fields") && first_file + 1 < argc) fields_arg = argv[++first_file];
        else if (!strcmp(argv[first_file], "--manuf") && first_file + 1 < argc) manuf = argv[++first_file];
        else if (!strcmp(argv[first_file], "--wka") && first_file + 1 < argc) wka = argv[++first_file];
        else if (!strcmp(argv[first_file], "--ethers") && first_file + 1 < argc) ethers = argv[++first_file];
        else if (!strcmp(argv[first_file], "--format") && first_file + 1 < argc) {
            if (strcmp(argv[++first_file], "tshark-4.0")) {
                fprintf(stderr, "kcd-pcap: only --format tshark-4.0 is built so far\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: kcd-pcap [--format tshark-4.0] [--fields f1,f2,...] [--manuf FILE] [--wka FILE] "
                            "[--ethers FILE] FILE...\n");
            return 2;
        }
    }
    /* the name tables: given ones must load; Debian's defaults are used when present */
    const char *tables[3] = {manuf ? manuf : "/usr/share/wireshark/manuf", wka ? wka : "/usr/share/wireshark/wka", ethers};
    const int given[3] = {manuf != NULL, wka != NULL, ethers != NULL};
    names = mac_names_new();
    for (int t = 0; t < 3 && names; t++) {
        if (!tables[t]) continue;
        if (mac_names_load(names, tables[t], t == 2) < 0 && given[t]) {
            fprintf(stderr, "kcd-pcap: cannot read %s %s\n", t == 0 ? "--manuf" : t == 1 ? "--wka" : "--ethers", tables[t]);
            mac_names_free(names);
            return 2;
        }
    }
    if (first_file >= argc) {
        fprintf(stderr, "usage: kcd-pcap [--format tshark-4.0] [--fields f1,f2,...] FILE...\n");
        return 2;
    }
    const char *fields[64];
    size_t nfields = 0;
    char *copy = fields_arg ? strdup(fields_arg) : NULL;
    if (copy) {
        for (char *t = strtok(copy, ","); t && nfields < 63; t = strtok(NULL, ",")) fields[nfields++] = t;
    } else {
        for (; default_fields[nfields]; nfields++) fields[nfields] = default_fields[nfields];
    }
    int status = 0;
    for (int i = first_file; i < argc; i++) {
        char errbuf[PCAP_ERRBUF_SIZE];
        pcap_t *pc = pcap_open_offline(argv[i], errbuf);
        if (!pc) {
            fprintf(stderr, "kcd-pcap: %s: not a capture file libpcap can read: %s\n", argv[i], errbuf);
            status = 1;
            continue;
        }
        int linktype = pcap_datalink(pc);
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc;
        long n = 0;
        while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
            n++;
            wifi_frame f;
            if (wifi_decode(linktype, data, h->caplen, &f) < 0) {
                fprintf(stderr, "kcd-pcap: %s: link type %d is not 802.11\n", argv[i], linktype);
                status = 1;
                break;
            }
            printf("{\"timestamp\":\"%lld%03d\"", (long long)h->ts.tv_sec, (int)(h->ts.tv_usec / 1000));
            for (size_t k = 0; k < nfields; k++) field(fields[k], &f);
            printf("}\n");
        }
        if (rc == -1) {
            fprintf(stderr, "kcd-pcap: %s: packet %ld: %s\n", argv[i], n + 1, pcap_geterr(pc));
            status = 1;
        }
        pcap_close(pc);
    }
    free(copy);
    mac_names_free(names);
    return status;
}
