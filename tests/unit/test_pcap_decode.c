/* The pcap source's pure parts: radiotap + 802.11 decoding, the duration rules, the name
 * tables, the record values and their JSON, and the pcapng ring's rotation. (Equality with
 * tshark itself is tests/integration/pcap_vs_tshark.py's job; these pin behaviour without it
 * and run under valgrind.) */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "mac_names.h"
#include "pcap_record.h"
#include "pcapng_ring.h"
#include "wifi_decode.h"

/* radiotap (flags with FCS, rate 1 Mb/s, channel 2412 2 GHz CCK, -60 dBm) + a probe request
 * with SSID "café\xff", a Broadcom vendor element and a 2-byte country element, + FCS */
static const uint8_t probe[] = {
    0x00, 0x00, 0x0f, 0x00, 0x2e, 0x00, 0x00, 0x00, 0x10, 0x02, 0x6c, 0x09, 0xa0, 0x00, 0xc4, /* radiotap */
    0x40, 0x00, 0x00, 0x00,                                                                 /* fc, dur */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x17, 0xf2, 0x01, 0x02, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x00, 0x00,                                                 /* seq */
    0x00, 0x06, 'c', 'a', 'f', 0xc3, 0xa9, 0xff,                /* SSID */
    0xdd, 0x05, 0x00, 0x10, 0x18, 0x02, 0x00,                   /* vendor: Broadcom type 2 */
    0x07, 0x02, 'G', 'B',                                       /* country, too short for a code */
    0xde, 0xad, 0xbe, 0xef};                                    /* FCS */

static void test_probe_request_fields(void **st) {
    (void)st;
    wifi_frame f;
    assert_int_equal(wifi_decode(NULL, WIFI_LINKTYPE_RADIOTAP, probe, sizeof probe, sizeof probe, &f), 0);
    assert_true(f.has_fc);
    assert_int_equal(f.type << 4 | f.subtype, 4);
    assert_int_equal(f.channel, 1);
    assert_int_equal(f.signal_dbm, -60);
    /* 11b at 1 Mb/s, long preamble (flags present, short bit clear): 192 + 8 * 48 bytes */
    assert_true(f.has_duration);
    assert_int_equal(f.duration, 192 + 8 * (sizeof probe - 15));
    assert_true(f.has_ta && f.ta[0] == 0x00 && f.ta[5] == 0x03);
    assert_true(f.has_ssid);
    assert_int_equal(f.ssid.len, 6);
    assert_int_equal(f.nvendor, 1);
    assert_int_equal(f.vendor_oui[0], 0x001018);
    assert_true(f.has_vendor_data[0]); /* Broadcom: no further dissector in tshark */
    assert_false(f.has_country);       /* 2 bytes: tshark shows no code */
}

static void test_truncated_and_bad_headers_decode_what_is_there(void **st) {
    (void)st;
    wifi_frame f;
    for (size_t len = 0; len < sizeof probe; len++) { /* every prefix: no read past it (valgrind) */
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, probe, len);
        assert_int_equal(wifi_decode(NULL, WIFI_LINKTYPE_RADIOTAP, copy, len, len, &f), 0);
        if (len < 15) assert_false(f.has_fc);
        free(copy);
    }
    uint8_t bad[sizeof probe];
    memcpy(bad, probe, sizeof bad);
    bad[2] = 0xff; /* radiotap length past the packet: no 802.11 fields */
    assert_int_equal(wifi_decode(NULL, WIFI_LINKTYPE_RADIOTAP, bad, sizeof bad, sizeof bad, &f), 0);
    assert_false(f.has_fc);
    assert_int_equal(wifi_decode(NULL, 9999, probe, sizeof probe, sizeof probe, &f), -1);
}

static void test_vendor_dissector_list(void **st) {
    (void)st;
    assert_true(wifi_vendor_has_dissector(0x0050f2));  /* Microsoft */
    assert_true(wifi_vendor_has_dissector(0x506f9a));  /* Wi-Fi Alliance */
    assert_false(wifi_vendor_has_dissector(0x001018)); /* Broadcom */
    assert_false(wifi_vendor_has_dissector(0x0017f2)); /* Apple */
}

static void test_ht_and_ampdu_durations(void **st) {
    (void)st;
    /* MCS 2, 20 MHz, long GI, mixed format: preamble 36 us; 28 bytes -> 4 symbols -> 52 */
    wifi_phy p = {.phy = WIFI_PHY_11N, .has_mcs = 1, .mcs = 2, .has_bw = 1, .bw = 0, .has_gi = 1, .short_gi = 0};
    unsigned us;
    assert_true(wifi_radio_duration(NULL, &p, 28, &us));
    assert_int_equal(us, 52);
    /* no guard interval known: no rate, no duration (tshark 4.0) */
    p.has_gi = 0;
    assert_false(wifi_radio_duration(NULL, &p, 28, &us));
    /* two subframes with one TSF: the second is timed as the rest of one PPDU, no preamble */
    wifi_radio_state s = {0};
    p.has_gi = 1, p.has_tsf = 1, p.tsf = 1000;
    assert_true(wifi_radio_duration(&s, &p, 100, &us));
    unsigned first = us;
    assert_true(wifi_radio_duration(&s, &p, 100, &us));
    assert_true(s.in_aggregate);
    assert_true(us < first - 36 + 8); /* data only, roughly the same size */
    /* OFDM 24 Mb/s, 32 bytes: 20 + 3 symbols */
    wifi_phy g = {.phy = WIFI_PHY_11G, .has_rate = 1, .rate = 48};
    assert_true(wifi_radio_duration(NULL, &g, 32, &us));
    assert_int_equal(us, 32);
    /* 11ax: none */
    wifi_phy ax = {.phy = WIFI_PHY_11AX, .has_rate = 1, .rate = 2};
    assert_false(wifi_radio_duration(NULL, &ax, 32, &us));
}

static char *write_temp(const char *text) {
    char *path = strdup("/tmp/kcd-test-names.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void expect_name(mac_names *m, const char *addr, const char *want) {
    uint8_t a[6];
    unsigned v[6];
    assert_int_equal(sscanf(addr, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]), 6);
    for (int i = 0; i < 6; i++) a[i] = (uint8_t)v[i];
    char out[128];
    for (int twice = 0; twice < 2; twice++) { /* the second comes from the cache */
        int escape = -1;
        size_t n = mac_names_resolve(m, a, out, sizeof out, &escape);
        if (strcmp(out, want)) fail_msg("%s -> %s, want %s", addr, out, want);
        assert_int_equal(n, strlen(want));
        assert_int_equal(escape, strpbrk(want, "\"\\") != NULL); /* JSON must escape it */
    }
}

static void test_names_as_wireshark_4_0(void **st) {
    (void)st;
    char *manuf = write_temp("# comment\n00:17:F2\tApple\tApple, Inc.\n00:1B:C5:00:00:00/36\tConvergi\tConverging\n"
                             "00:55:DA:00:00:00/28\tShinko\n5C:F8:38:D0:00:00/28\tWattsA\\S\tWatts A\\S\n");
    char *wka = write_temp("FF-FF-FF-FF-FF-FF\tBroadcast\n33-33-00-00-00-00/16\tIPv6mcast\n"
                           "02-20-00-00-00-00/16\tMS-NLB-PhysServer-32\n");
    char *ethers = write_temp("00:17:f2:aa:bb:cc  kitchen-mac\n");
    mac_names *m = mac_names_new();
    assert_int_equal(mac_names_load(m, manuf, 0), 4);
    assert_int_equal(mac_names_load(m, wka, 0), 3);
    assert_int_equal(mac_names_load(m, ethers, 1), 1);
    assert_int_equal(mac_names_load(m, "/nonexistent/manuf", 0), -1);
    expect_name(m, "00:17:f2:6f:3f:a8", "Apple_6f:3f:a8");
    expect_name(m, "01:17:f2:6f:3f:a8", "Apple_6f:3f:a8"); /* group bit cleared for the OUI */
    expect_name(m, "00:17:f2:aa:bb:cc", "kitchen-mac");
    expect_name(m, "ff:ff:ff:ff:ff:ff", "Broadcast");
    expect_name(m, "33:33:00:00:00:01", "IPv6mcast_01");
    expect_name(m, "02:2f:64:78:86:27", "MS-NLB-PhysServer-32_0f:64:78:86:27");
    expect_name(m, "00:1b:c5:00:00:05", "Convergi_05");
    expect_name(m, "00:55:da:01:02:03", "Shinko_01:02:03");
    expect_name(m, "5c:f8:38:d1:02:03", "WattsA\\S_01:02:03"); /* Debian's manuf has this one */
    expect_name(m, "02:00:00:00:00:01", "02:00:00:00:00:01");
    mac_names_free(m);
    unlink(manuf), unlink(wka), unlink(ethers);
    free(manuf), free(wka), free(ethers);
}

static void test_record_values_and_json(void **st) {
    (void)st;
    pcap_fields fields;
    char err[1536];
    assert_int_equal(pcap_fields_parse("wlan.fc.type_subtype, wlan.ssid,wlan.tag.vendor.data,frame.len", &fields, err,
                                       sizeof err),
                     0);
    assert_int_equal(fields.n, 4);
    assert_int_equal(pcap_fields_parse("wlan.ssid,wlan.nope", &fields, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown field 'wlan.nope'"));
    assert_int_equal(pcap_fields_parse("wlan.ssid,wlan.ssid", &fields, err, sizeof err), -1);
    assert_int_equal(pcap_fields_parse("wlan.fc.type_subtype,wlan.ssid,wlan.tag.vendor.data,frame.len", &fields, err,
                                       sizeof err),
                     0);
    pcap_decoder dec = {0};
    pcap_packet pkt = {WIFI_LINKTYPE_RADIOTAP, probe, sizeof probe, sizeof probe, 1584802202, 655000000, 1};
    pcap_values v = {0};
    pcap_out out = {0};
    assert_int_equal(pcap_record_values(&dec, &pkt, &fields, PCAP_FORMAT_TSHARK3, NULL, &v), 0);
    assert_int_equal(v.timestamp_ms, 1584802202655LL);
    assert_int_equal(pcap_values_to_json(&v, &out), 0);
    assert_string_equal(out.data, "{\"timestamp\":\"1584802202655\",\"wlan_fc_type_subtype\":[\"4\"],"
                                  "\"wlan_ssid\":[\"caf\xc3\xa9\\\\xff\"],\"wlan_tag_vendor_data\":[\"02:00\"],"
                                  "\"frame_len\":[\"62\"]}");
    out.len = 0;
    assert_int_equal(pcap_record_values(&dec, &pkt, &fields, PCAP_FORMAT_TSHARK40, NULL, &v), 0);
    assert_int_equal(pcap_values_to_json(&v, &out), 0);
    assert_string_equal(out.data, "{\"timestamp\":\"1584802202655\",\"wlan_fc_type_subtype\":[\"0x0004\"],"
                                  "\"wlan_ssid\":[\"636166c3a9ff\"],\"wlan_tag_vendor_data\":[\"0200\"],"
                                  "\"frame_len\":[\"62\"]}");
    /* UTF-8 that is not well-formed is shown byte by byte: above U+10FFFF, a surrogate */
    uint8_t odd[sizeof probe];
    memcpy(odd, probe, sizeof probe);
    assert_int_equal(odd[39], 0x00), assert_int_equal(odd[40], 6); /* the SSID element */
    memcpy(odd + 41, (const uint8_t[]){0xf4, 0x90, 0x80, 0x80, 0xed, 0xa0}, 6);
    pcap_packet odd_pkt = pkt;
    odd_pkt.data = odd;
    assert_int_equal(pcap_fields_parse("wlan.ssid", &fields, err, sizeof err), 0);
    out.len = 0;
    assert_int_equal(pcap_record_values(&dec, &odd_pkt, &fields, PCAP_FORMAT_TSHARK3, NULL, &v), 0);
    assert_int_equal(pcap_values_to_json(&v, &out), 0);
    assert_string_equal(out.data, "{\"timestamp\":\"1584802202655\",\"wlan_ssid\":[\"\\\\xf4\\\\x90\\\\x80\\\\x80"
                                  "\\\\xed\\\\xa0\"]}");
    /* a resolved name JSON must escape: kcd writes most items without looking at their bytes */
    char *ethers = write_temp("00:17:f2:01:02:03  a\"b\\c\n");
    mac_names *m = mac_names_new();
    assert_int_equal(mac_names_load(m, ethers, 1), 1);
    assert_int_equal(pcap_fields_parse("wlan.sa,wlan.sa_resolved", &fields, err, sizeof err), 0);
    for (int twice = 0; twice < 2; twice++) { /* the second from the names' cache */
        out.len = 0;
        assert_int_equal(pcap_record_values(&dec, &pkt, &fields, PCAP_FORMAT_TSHARK40, m, &v), 0);
        assert_int_equal(pcap_values_to_json(&v, &out), 0);
        assert_string_equal(out.data, "{\"timestamp\":\"1584802202655\",\"wlan_sa\":[\"00:17:f2:01:02:03\"],"
                                      "\"wlan_sa_resolved\":[\"a\\\"b\\\\c\"]}");
    }
    mac_names_free(m);
    unlink(ethers);
    free(ethers);
    pcap_values_free(&v);
    free(out.data);
}

static void test_pcapng_ring_rotates_and_keeps_the_newest(void **st) {
    (void)st;
    char dir[] = "/tmp/kcd-test-ring.XXXXXX";
    assert_non_null(mkdtemp(dir));
    pcapng_ring *r;
    char err[256];
    assert_int_equal(pcapng_ring_open(dir, "mon0", 127, 262144, 2, 2, &r, err, sizeof err), 0);
    for (int s = 0; s < 7; s++) /* packet times 0..6 s: files start at 0, 2, 4, 6; two kept */
        assert_int_equal(pcapng_ring_write(r, 1700000000 + s, 5, probe, sizeof probe, sizeof probe, err, sizeof err), 0);
    assert_non_null(strstr(pcapng_ring_current(r), "/mon0_00004_"));
    pcapng_ring_close(r);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = 0;
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    assert_int_equal(n, 2);
    /* each file: section header, interface block, then packets of 32 + padded bytes */
    snprintf(cmd, sizeof cmd, "for f in %s/*; do stat -c %%s $f; done | sort -n | head -1", dir);
    p = popen(cmd, "r");
    long size = 0;
    assert_int_equal(fscanf(p, "%ld", &size), 1);
    pclose(p);
    assert_int_equal(size, 28 + 32 + (32 + (long)((sizeof probe + 3) & ~3u))); /* the last file: one packet */
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(pcapng_ring_open(dir, "x", 127, 100, 0, 1, &r, err, sizeof err), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_request_fields),
        cmocka_unit_test(test_truncated_and_bad_headers_decode_what_is_there),
        cmocka_unit_test(test_vendor_dissector_list),
        cmocka_unit_test(test_ht_and_ampdu_durations),
        cmocka_unit_test(test_names_as_wireshark_4_0),
        cmocka_unit_test(test_record_values_and_json),
        cmocka_unit_test(test_pcapng_ring_rotates_and_keeps_the_newest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
