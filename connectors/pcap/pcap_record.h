/* pcap_record.h - one captured packet -> the record value the pipeline stored on topic pcap:
 * {"timestamp":"<epoch ms>","<field with _>":["..."],...}, fields in the order asked, absent
 * ones left out, in tshark 4.0's or the pipeline's tshark 3 formatting. Shared by the pcap
 * source connector and kcd-pcap, so what the tool prints is what the connector produces. */
#ifndef PCAP_RECORD_H
#define PCAP_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "mac_names.h"
#include "wifi_decode.h"

typedef enum pcap_format {
    PCAP_FORMAT_TSHARK3,  /* as the pipeline's 2020 data shows: decimal type_subtype, SSID as
                             text, vendor data as colon-separated hex */
    PCAP_FORMAT_TSHARK40, /* what Debian 12's tshark 4.0 prints for the same fields */
} pcap_format;

/* Parses "tshark-3" / "tshark-4.0". 0, or -1 for another name. */
int pcap_format_parse(const char *name, pcap_format *out);

#define PCAP_MAX_FIELDS 64

/* A parsed `fields` list: tshark field names, comma-separated. */
typedef struct pcap_fields {
    size_t n;
    int ids[PCAP_MAX_FIELDS];
} pcap_fields;

/* The pipeline's 22 fields (connectors.md 1.1), comma-separated, in its order. */
extern const char PCAP_DEFAULT_FIELDS[];

/* Parses a comma-separated list (spaces around names allowed). On an unknown or repeated name,
 * or too many, returns -1 with a message naming it in err. */
int pcap_fields_parse(const char *list, pcap_fields *out, char *err, size_t errlen);

/* The names this decoder knows, comma-separated (for help and error messages). */
const char *pcap_fields_known(void);

/* One packet as libpcap hands it over (data borrowed for the call). */
typedef struct pcap_packet {
    int linktype;
    const uint8_t *data;
    uint32_t caplen, wirelen;
    int64_t ts_sec;
    uint32_t ts_nsec;
    uint64_t number; /* 1-based, per capture file (frame.number) */
} pcap_packet;

/* Per-capture decoding state: zero it when a capture (file or live handle) starts. */
typedef struct pcap_decoder {
    wifi_radio_state radio;
} pcap_decoder;

/* 1 when records can be made from this link type (802.11 with or without a radio header,
 * Ethernet, BSD loopback, Linux cooked): the others get frame.* fields only. */
int pcap_linktype_known(int linktype);

/* A packet's record value, field by field: each field a list of string items (tshark's
 * "every occurrence is a string in an array"). Reused across packets; free with
 * pcap_values_free. Items point into the text arena (not NUL-terminated). */
typedef struct pcap_item {
    uint32_t off, len;
    int escape; /* may hold '"', '\\' or control characters: JSON text must escape it */
} pcap_item;

typedef struct pcap_field_value {
    int id;          /* name: pcap_field_key(id) */
    size_t first, n; /* items[first .. first+n-1] */
} pcap_field_value;

typedef struct pcap_values {
    char timestamp[32]; /* "<epoch seconds><3 ms digits>", as tshark -T ek writes it */
    int64_t timestamp_ms;
    pcap_field_value fields[PCAP_MAX_FIELDS];
    size_t nfields;
    pcap_item *items;
    size_t nitems, items_cap;
    char *text;
    size_t text_len, text_cap;
} pcap_values;

/* Decodes the packet into v (emptied first): the fields asked, in their order, absent ones left
 * out. names may be NULL (addresses print unresolved). 0, or -1 when out of memory. */
int pcap_record_values(pcap_decoder *dec, const pcap_packet *pkt, const pcap_fields *fields, pcap_format format,
                       mac_names *names, pcap_values *v);

void pcap_values_free(pcap_values *v);

/* The record key of a field: its tshark name with dots as underscores ("wlan_fc_type"). */
const char *pcap_field_key(int id);

/* A growable output buffer, owned by the caller (free data when done). */
typedef struct pcap_out {
    char *data;
    size_t len, cap;
} pcap_out;

/* Appends {"timestamp":"...","<key>":["...",...],...} (no newline) to out. 0, or -1 when out
 * of memory. */
int pcap_values_to_json(const pcap_values *v, pcap_out *out);

#endif
