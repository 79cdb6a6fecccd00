/* kcd-pcap - the pcap source's decoder on capture files: one record value per packet, as the
 * pipeline stored them on topic pcap ({"timestamp": "<epoch ms>", "<field with _>": [...]}),
 * made by the same code as the connector's records (pcap_record.c).
 *
 *   kcd-pcap [--format tshark-3|tshark-4.0] [--fields f1,f2,...] [--manuf FILE] [--wka FILE]
 *            [--ethers FILE] FILE...
 *
 * --manuf defaults to Debian's /usr/share/wireshark/manuf and --wka to the wka file beside it,
 * when present (the tables tshark 4.0 resolves names with). */
#define _GNU_SOURCE
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mac_names.h"
#include "pcap_record.h"

#define USAGE \
    "usage: kcd-pcap [--format tshark-3|tshark-4.0] [--fields f1,f2,...] [--manuf FILE] [--wka FILE] " \
    "[--ethers FILE] FILE...\n"

int main(int argc, char **argv) {
    const char *fields_arg = PCAP_DEFAULT_FIELDS, *manuf = NULL, *wka = NULL, *ethers = NULL;
    pcap_format format = PCAP_FORMAT_TSHARK3;
    int first_file = 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { /* asked for: stdout, success */
            fputs(USAGE, stdout);
            fputs("Decodes capture files (pcap, pcapng; 802.11 with radiotap) into one JSON record per frame, the "
                  "fields tshark prints.\n",
                  stdout);
            return 0;
        }
    while (first_file < argc && !strncmp(argv[first_file], "--", 2)) { /* --option value pairs */
        const char *opt = argv[first_file], *val = first_file + 1 < argc ? argv[first_file + 1] : NULL;
        if (!val) break;
        if (!strcmp(opt, "--fields")) fields_arg = val;
        else if (!strcmp(opt, "--manuf")) manuf = val;
        else if (!strcmp(opt, "--wka")) wka = val;
        else if (!strcmp(opt, "--ethers")) ethers = val;
        else if (!strcmp(opt, "--format")) {
            if (pcap_format_parse(val, &format)) {
                fprintf(stderr, "kcd-pcap: --format: '%s' is not tshark-3 or tshark-4.0\n", val);
                return 2;
            }
        } else break;
        first_file += 2;
    }
    if (first_file >= argc || !strncmp(argv[first_file], "--", 2)) {
        fputs(USAGE, stderr);
        return 2;
    }
    pcap_fields fields;
    char err[1536];
    if (pcap_fields_parse(fields_arg, &fields, err, sizeof err)) {
        fprintf(stderr, "kcd-pcap: --fields: %s\n", err);
        return 2;
    }
    /* the name tables: given ones must load; Debian's defaults are used when present */
    const char *tables[3] = {manuf ? manuf : "/usr/share/wireshark/manuf", wka ? wka : "/usr/share/wireshark/wka", ethers};
    const int given[3] = {manuf != NULL, wka != NULL, ethers != NULL};
    mac_names *names = mac_names_new();
    if (!names) return 1;
    for (int t = 0; t < 3; t++) {
        if (!tables[t]) continue;
        if (mac_names_load(names, tables[t], t == 2) < 0 && given[t]) {
            fprintf(stderr, "kcd-pcap: cannot read %s %s\n", t == 0 ? "--manuf" : t == 1 ? "--wka" : "--ethers", tables[t]);
            mac_names_free(names);
            return 2;
        }
    }
    static char stdout_buffer[1 << 20]; /* one write per megabyte, not per 4 KiB */
    setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    int status = 0;
    pcap_out out = {0};
    pcap_values values = {0};
    for (int i = first_file; i < argc; i++) {
        char errbuf[PCAP_ERRBUF_SIZE];
        FILE *f = fopen(argv[i], "rb"); /* a file that cannot be opened is not a format problem */
        if (!f) {
            fprintf(stderr, "kcd-pcap: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
        if (!pc) {
            fclose(f);
            fprintf(stderr, "kcd-pcap: %s: not a capture file libpcap can read: %s\n", argv[i], errbuf);
            status = 1;
            continue;
        }
        pcap_decoder dec = {0};
        pcap_packet pkt = {.linktype = pcap_datalink(pc)};
        if (!pcap_linktype_known(pkt.linktype))
            fprintf(stderr, "kcd-pcap: %s: link type %d is not decoded: frame.* fields only\n", argv[i], pkt.linktype);
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc;
        while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
            pkt.number++;
            pkt.data = data, pkt.caplen = h->caplen, pkt.wirelen = h->len;
            pkt.ts_sec = h->ts.tv_sec, pkt.ts_nsec = (uint32_t)h->ts.tv_usec; /* nanoseconds: opened so */
            out.len = 0;
            if (pcap_record_values(&dec, &pkt, &fields, format, names, &values) || pcap_values_to_json(&values, &out) ||
                (out.data[out.len++] = '\n', fwrite(out.data, 1, out.len, stdout) != out.len)) {
                fprintf(stderr, "kcd-pcap: %s: packet %llu: out of memory or output closed\n", argv[i],
                        (unsigned long long)pkt.number);
                status = 1;
                break;
            }
        }
        if (rc == -1) {
            fprintf(stderr, "kcd-pcap: %s: packet %llu: %s\n", argv[i], (unsigned long long)pkt.number + 1, pcap_geterr(pc));
            status = 1;
        }
        pcap_close(pc);
    }
    if (fflush(stdout) != 0 && status == 0) { /* what the buffer held last is written only now */
        fprintf(stderr, "kcd-pcap: writing the output: %s\n", strerror(errno));
        status = 1;
    }
    free(out.data);
    pcap_values_free(&values);
    mac_names_free(names);
    return status;
}
