/* packstream.h - PackStream, the value encoding of Neo4j's Bolt protocol (markers, big-endian
 * sizes, structs with a tag byte), and Bolt's message chunking. Pure: no sockets here, so unit
 * tests and the fuzzer reach all of it. Spec: https://neo4j.com/docs/bolt/current/packstream/ */
#ifndef KCD_PACKSTREAM_H
#define KCD_PACKSTREAM_H

#include <kc/kc_plugin.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/strbuf.h"

/* ---- writing ------------------------------------------------------------------------------ */

void ps_null(strbuf *b);
void ps_bool(strbuf *b, int v);
void ps_int(strbuf *b, int64_t v); /* the smallest form, as the spec requires */
void ps_float(strbuf *b, double v);
void ps_string(strbuf *b, const char *s, size_t n);
void ps_bytes(strbuf *b, const void *p, size_t n);
void ps_list_header(strbuf *b, size_t n);
void ps_map_header(strbuf *b, size_t n);
void ps_struct_header(strbuf *b, unsigned nfields, uint8_t tag);

/* A Connect value as PackStream: maps and structs as maps (keys that are not strings as their
 * text), arrays as lists, Date as Date, Time as LocalTime, Timestamp as DateTime in UTC (the
 * legacy 0x46 form before Bolt 5), Decimal as its plain text (Neo4j has no decimal type).
 * KC_EINVAL with a message for a value nested too deep. */
int ps_value(strbuf *b, const kc_value *v, int bolt_major, char *msg, size_t msg_size);

/* ---- reading ------------------------------------------------------------------------------ */

typedef enum ps_type { PS_NULL, PS_BOOL, PS_INT, PS_FLOAT, PS_STRING, PS_BYTES, PS_LIST, PS_MAP, PS_STRUCT } ps_type;

typedef struct ps_val ps_val;
typedef struct ps_entry ps_entry;

/* A decoded value. Strings and bytes point into the decoded buffer (borrowed: keep the buffer
 * while the value is used); lists, maps and structs own their arrays (ps_val_free). */
struct ps_val {
    ps_type type;
    union {
        int b;
        int64_t i;
        double f;
        struct { const char *ptr; size_t len; } s; /* STRING, BYTES */
        struct { ps_val *items; size_t len; } list;
        struct { ps_entry *items; size_t len; } map;
        struct { ps_val *fields; size_t len; uint8_t tag; } st;
    } u;
};

struct ps_entry {
    ps_val key; /* a string */
    ps_val val;
};

/* Decodes one value from p[0..n): KC_OK with *used bytes read, KC_EINVAL with a message when
 * the bytes are not PackStream (truncated, unknown marker, nested deeper than 64, a map key
 * that is not a string). *out is freed on failure. */
int ps_decode(const uint8_t *p, size_t n, size_t *used, ps_val *out, char *msg, size_t msg_size);
void ps_val_free(ps_val *v);
/* The value under a string key of a map, or NULL. */
const ps_val *ps_map_get(const ps_val *map, const char *key);
/* A string value as a NUL-terminated copy into out (truncated to fit); "" for other types. */
void ps_text(const ps_val *v, char *out, size_t out_size);

/* ---- Bolt messages ------------------------------------------------------------------------ */

/* A message (a struct: signature and fields) cut into chunks of at most 65535 bytes, each with
 * its big-endian u16 size, and the 00 00 end marker. */
void bolt_chunk(strbuf *out, const uint8_t *msg, size_t len);

/* Reads a whole message from its chunks in p[0..n): KC_OK with *used bytes taken and the
 * message's bytes in msg (appended); 1 when more bytes are needed; KC_EINVAL never (any size
 * sequence is valid). Zero-size chunks before a message (NOOPs) are skipped. */
int bolt_unchunk(const uint8_t *p, size_t n, size_t *used, strbuf *msg);

/* A message's signature and fields: *out is a PS_STRUCT whose tag is the signature. */
int bolt_message_decode(const uint8_t *msg, size_t len, ps_val *out, char *err, size_t err_size);

enum {
    BOLT_HELLO = 0x01, BOLT_GOODBYE = 0x02, BOLT_RESET = 0x0F, BOLT_RUN = 0x10, BOLT_BEGIN = 0x11,
    BOLT_COMMIT = 0x12, BOLT_ROLLBACK = 0x13, BOLT_DISCARD = 0x2F, BOLT_PULL = 0x3F, BOLT_LOGON = 0x6A,
    BOLT_SUCCESS = 0x70, BOLT_RECORD = 0x71, BOLT_IGNORED = 0x7E, BOLT_FAILURE = 0x7F
};

#endif
