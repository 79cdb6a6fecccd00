/* The Neo4j sink's PackStream and Bolt chunking: byte for byte against the examples of the
 * Bolt specification, values of every Connect type, and malformed input refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "kc_converter_int.h"
#include "kc_value_int.h"
#include "packstream.h"

static void expect_bytes(const strbuf *b, const char *hex) {
    char got[1024] = "";
    for (size_t i = 0; i < b->len && 3 * i + 3 < sizeof got; i++)
        snprintf(got + 3 * i, 4, "%02X ", (unsigned char)b->data[i]);
    size_t n = strlen(got);
    if (n) got[n - 1] = '\0';
    if (strcmp(got, hex)) fail_msg("bytes %s, want %s", got, hex);
}

static void test_integers_take_their_smallest_form(void **st) {
    (void)st;
    const struct { int64_t v; const char *hex; } cases[] = {
        {1, "01"}, {127, "7F"}, {-16, "F0"}, {-17, "C8 EF"}, {-128, "C8 80"}, {128, "C9 00 80"},
        {-129, "C9 FF 7F"}, {32768, "CA 00 00 80 00"}, {-32769, "CA FF FF 7F FF"},
        {2147483648LL, "CB 00 00 00 00 80 00 00 00"}, {INT64_MIN, "CB 80 00 00 00 00 00 00 00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strbuf b = STRBUF_INIT;
        ps_int(&b, cases[i].v);
        expect_bytes(&b, cases[i].hex);
        /* and back */
        ps_val v;
        size_t used;
        char msg[128];
        assert_int_equal(ps_decode((const uint8_t *)b.data, b.len, &used, &v, msg, sizeof msg), KC_OK);
        assert_int_equal(v.type, PS_INT);
        assert_true(v.u.i == cases[i].v);
        assert_int_equal(used, b.len);
        strbuf_free(&b);
    }
}

static void test_spec_examples(void **st) {
    (void)st;
    strbuf b = STRBUF_INIT;
    ps_float(&b, 1.1);
    expect_bytes(&b, "C1 3F F1 99 99 99 99 99 9A");
    b.len = 0;
    ps_string(&b, "a", 1);
    ps_null(&b);
    ps_bool(&b, 1);
    ps_bool(&b, 0);
    expect_bytes(&b, "81 61 C0 C3 C2");
    b.len = 0;
    ps_string(&b, "abcdefghijklmnop", 16); /* 16 bytes: no longer tiny */
    expect_bytes(&b, "D0 10 61 62 63 64 65 66 67 68 69 6A 6B 6C 6D 6E 6F 70");
    b.len = 0;
    ps_list_header(&b, 3);
    ps_int(&b, 1), ps_int(&b, 2), ps_int(&b, 3);
    ps_map_header(&b, 1);
    ps_string(&b, "one", 3);
    ps_string(&b, "eins", 4);
    expect_bytes(&b, "93 01 02 03 A1 83 6F 6E 65 84 65 69 6E 73");
    b.len = 0;
    ps_bytes(&b, "\x01\x02", 2);
    ps_struct_header(&b, 0, 0x0F); /* RESET */
    expect_bytes(&b, "CC 02 01 02 B0 0F");
    strbuf_free(&b);
}

static void test_connect_values_become_packstream(void **st) {
    (void)st;
    json_t *j = json_loads("{\"ID\": 1, \"TAGS\": [\"a\"], \"DBM\": -63.5, \"OK\": true, \"NONE\": null}", 0, NULL);
    kc_value v = KC_VALUE_NULL_INIT, x = KC_VALUE_NULL_INIT;
    kc_error err;
    assert_int_equal(kc_json_to_value(j, &v, &err), KC_OK);
    json_decref(j);
    x.type = KC_VAL_TIMESTAMP, x.u.i = -1500; /* 1969-12-31T23:59:58.5Z */
    kc_map_put_str(&v, "TS", &x);
    x.type = KC_VAL_DATE, x.u.i = 18342;
    kc_map_put_str(&v, "D", &x);
    static const uint8_t minus_1250[] = {0xfb, 0x1e};
    x.type = KC_VAL_DECIMAL, x.u.dec.unscaled = malloc(2), x.u.dec.len = 2, x.u.dec.scale = 2;
    memcpy(x.u.dec.unscaled, minus_1250, 2);
    kc_map_put_str(&v, "P", &x);
    strbuf b = STRBUF_INIT;
    char msg[128];
    assert_int_equal(ps_value(&b, &v, 5, msg, sizeof msg), KC_OK);
    expect_bytes(&b, "A8 82 49 44 01 84 54 41 47 53 91 81 61 83 44 42 4D C1 C0 4F C0 00 00 00 00 00 82 4F 4B C3 "
                     "84 4E 4F 4E 45 C0 82 54 53 B3 49 FE CA 1D CD 65 00 00 81 44 B1 44 C9 47 A6 81 50 86 2D 31 32 "
                     "2E 35 30");
    /* Bolt 4 has the legacy DateTime tag */
    b.len = 0;
    const kc_value *ts = kc_map_get_str(&v, "TS");
    assert_int_equal(ps_value(&b, ts, 4, msg, sizeof msg), KC_OK);
    expect_bytes(&b, "B3 46 FE CA 1D CD 65 00 00");
    /* and the whole map reads back */
    b.len = 0;
    ps_value(&b, &v, 5, msg, sizeof msg);
    ps_val d;
    size_t used;
    assert_int_equal(ps_decode((const uint8_t *)b.data, b.len, &used, &d, msg, sizeof msg), KC_OK);
    assert_int_equal(d.type, PS_MAP);
    assert_int_equal(d.u.map.len, 8);
    const ps_val *dbm = ps_map_get(&d, "DBM");
    assert_non_null(dbm);
    assert_true(dbm->type == PS_FLOAT && dbm->u.f == -63.5);
    char text[16];
    ps_text(ps_map_get(&d, "P"), text, sizeof text);
    assert_string_equal(text, "-12.50");
    assert_null(ps_map_get(&d, "nope"));
    ps_val_free(&d);
    strbuf_free(&b);
    kc_value_clear(&v);
}

static void test_malformed_packstream_is_refused(void **st) {
    (void)st;
    const struct { const char *bytes; size_t len; const char *why; } cases[] = {
        {"\xD0\x05" "ab", 4, "truncated"},            /* string shorter than its size */
        {"\xC1\x3F", 2, "truncated"},                 /* float cut short */
        {"\xD6\xFF\xFF\xFF\xFF", 5, "exceeds"},       /* a 4-billion-item list in 5 bytes */
        {"\xDA\x7F\xFF\xFF\xFF", 5, "exceeds"},
        {"\xA1\x01\x02", 3, "not a string"},          /* map key 1 */
        {"\xC4", 1, "unknown PackStream marker 0xC4"},
        {"\xB1", 1, "truncated"},                     /* struct without its tag */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ps_val v;
        size_t used;
        char msg[128];
        assert_int_equal(ps_decode((const uint8_t *)cases[i].bytes, cases[i].len, &used, &v, msg, sizeof msg), KC_EINVAL);
        if (!strstr(msg, cases[i].why)) fail_msg("case %zu: %s", i, msg);
    }
    /* nesting is bounded */
    uint8_t deep[200];
    memset(deep, 0x91, sizeof deep);
    ps_val v;
    size_t used;
    char msg[128];
    assert_int_equal(ps_decode(deep, sizeof deep, &used, &v, msg, sizeof msg), KC_EINVAL);
    assert_non_null(strstr(msg, "deeper"));
}

static void test_chunking(void **st) {
    (void)st;
    strbuf b = STRBUF_INIT;
    bolt_chunk(&b, (const uint8_t *)"\xB0\x0F", 2);
    expect_bytes(&b, "00 02 B0 0F 00 00");
    /* a message larger than one chunk is cut at 65535 bytes */
    size_t big = 70000;
    uint8_t *msg = malloc(big);
    for (size_t i = 0; i < big; i++) msg[i] = (uint8_t)i;
    b.len = 0;
    bolt_chunk(&b, msg, big);
    assert_int_equal(b.len, 2 + 65535 + 2 + (big - 65535) + 2);
    assert_int_equal((uint8_t)b.data[0], 0xFF);
    assert_int_equal((uint8_t)b.data[1], 0xFF);
    /* reassembled, with NOOPs before it */
    strbuf wire = STRBUF_INIT, out = STRBUF_INIT;
    strbuf_append(&wire, "\0\0\0\0", 4);
    strbuf_append(&wire, b.data, b.len);
    size_t used = 0;
    assert_int_equal(bolt_unchunk((const uint8_t *)wire.data, wire.len - 1, &used, &out), 1); /* incomplete */
    assert_int_equal(out.len, 0);
    assert_int_equal(bolt_unchunk((const uint8_t *)wire.data, wire.len, &used, &out), KC_OK);
    assert_int_equal(used, wire.len);
    assert_int_equal(out.len, big);
    assert_memory_equal(out.data, msg, big);
    free(msg);
    strbuf_free(&b);
    strbuf_free(&wire);
    strbuf_free(&out);
}

static void test_messages_decode(void **st) {
    (void)st;
    /* FAILURE {code: "Neo.ClientError.Statement.SyntaxError", message: "bad"} */
    strbuf m = STRBUF_INIT;
    ps_struct_header(&m, 1, BOLT_FAILURE);
    ps_map_header(&m, 2);
    ps_string(&m, "code", 4);
    ps_string(&m, "Neo.ClientError.Statement.SyntaxError", 37);
    ps_string(&m, "message", 7);
    ps_string(&m, "bad", 3);
    ps_val v;
    char err[128], code[64];
    assert_int_equal(bolt_message_decode((const uint8_t *)m.data, m.len, &v, err, sizeof err), KC_OK);
    assert_int_equal(v.u.st.tag, BOLT_FAILURE);
    ps_text(ps_map_get(&v.u.st.fields[0], "code"), code, sizeof code);
    assert_string_equal(code, "Neo.ClientError.Statement.SyntaxError");
    ps_val_free(&v);
    /* a value that is not a struct, and trailing bytes, are not messages */
    assert_int_equal(bolt_message_decode((const uint8_t *)"\x01", 1, &v, err, sizeof err), KC_EINVAL);
    strbuf_append(&m, "\x01", 1);
    assert_int_equal(bolt_message_decode((const uint8_t *)m.data, m.len, &v, err, sizeof err), KC_EINVAL);
    assert_non_null(strstr(err, "1 bytes after"));
    strbuf_free(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers_take_their_smallest_form),
        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_connect_values_become_packstream),
        cmocka_unit_test(test_malformed_packstream_is_refused),
        cmocka_unit_test(test_chunking),
        cmocka_unit_test(test_messages_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
