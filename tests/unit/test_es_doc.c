/* The Elasticsearch sink's pure parts: documents and ids from records, action lines, index
 * names, mappings from Connect schemas, and the cluster's _bulk and root replies read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "es_doc.h"
#include "kc_converter_int.h"
#include "kc_value_int.h"

/* a value from JSON text, as the schemaless JSON converter makes it */
static void from_json(kc_value *v, const char *text) {
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    kc_error err;
    assert_non_null(j);
    if (kc_json_to_value(j, v, &err)) fail_msg("%s: %s", text, err.msg);
    json_decref(j);
}

static void expect_doc(const kc_value *v, int compact, const char *want) {
    strbuf b = STRBUF_INIT;
    char msg[256];
    if (es_doc_encode(&b, v, compact, msg, sizeof msg)) fail_msg("%s", msg);
    if (strcmp(b.data, want)) fail_msg("document %s, want %s", b.data, want);
    strbuf_free(&b);
}

static void test_documents_are_the_values_json(void **st) {
    (void)st;
    kc_value v = KC_VALUE_NULL_INIT;
    from_json(&v, "{\"timestamp\": \"1584802202655\", \"wlan_ra\": [\"a4:fc:77:6c:55:0d\"], \"n\": 3, \"x\": -63.0, "
                  "\"r\": 0.1, \"ok\": true, \"none\": null, \"s\": \"tab\\there \\\"q\\\" \\u00e9\"}");
    expect_doc(&v, 1, "{\"timestamp\":\"1584802202655\",\"wlan_ra\":[\"a4:fc:77:6c:55:0d\"],\"n\":3,\"x\":-63,"
                      "\"r\":0.1,\"ok\":true,\"none\":null,\"s\":\"tab\\there \\\"q\\\" \xc3\xa9\"}");
    kc_value_clear(&v);
}

static void test_logical_types_bytes_and_non_finite_numbers(void **st) {
    (void)st;
    kc_value v = KC_VALUE_NULL_INIT, x = KC_VALUE_NULL_INIT;
    kc_value_init_struct(&v);
    x.type = KC_VAL_TIMESTAMP, x.u.i = 1584802202655;
    kc_map_put_str(&v, "ts", &x);
    x.type = KC_VAL_DATE, x.u.i = 18342; /* 2020-03-21 */
    kc_map_put_str(&v, "day", &x);
    kc_value_set_bytes(&x, "\x01\x02\xff", 3);
    kc_map_put_str(&v, "raw", &x);
    static const uint8_t minus_1250[] = {0xfb, 0x1e}; /* -1250 */
    x.type = KC_VAL_DECIMAL, x.u.dec.unscaled = malloc(2), x.u.dec.len = 2, x.u.dec.scale = 2;
    memcpy(x.u.dec.unscaled, minus_1250, 2);
    kc_map_put_str(&v, "price", &x);
    static const uint8_t five[] = {0x05};
    x.type = KC_VAL_DECIMAL, x.u.dec.unscaled = malloc(1), x.u.dec.len = 1, x.u.dec.scale = 3;
    memcpy(x.u.dec.unscaled, five, 1);
    kc_map_put_str(&v, "small", &x);
    kc_value_set_double(&x, 1.0 / 0.0);
    kc_map_put_str(&v, "inf", &x);
    expect_doc(&v, 1, "{\"ts\":1584802202655,\"day\":1584748800000,\"raw\":\"AQL/\",\"price\":-12.50,"
                      "\"small\":0.005,\"inf\":null}");
    kc_value_clear(&v);
}

static void test_compact_map_entries(void **st) {
    (void)st;
    kc_value v = KC_VALUE_NULL_INIT, inner = KC_VALUE_NULL_INIT, k = KC_VALUE_NULL_INIT, x = KC_VALUE_NULL_INIT;
    kc_value_init_map(&v);
    kc_value_init_map(&inner);
    kc_value_set_int(&x, 1);
    kc_map_put_str(&inner, "a", &x);
    kc_map_put_str(&v, "strings", &inner);
    kc_value_init_map(&inner);
    kc_value_set_int(&k, 7);
    kc_value_set_cstr(&x, "seven");
    kc_map_put(&inner, &k, &x);
    kc_map_put_str(&v, "ints", &inner);
    expect_doc(&v, 1, "{\"strings\":{\"a\":1},\"ints\":[{\"key\":7,\"value\":\"seven\"}]}");
    expect_doc(&v, 0, "{\"strings\":[{\"key\":\"a\",\"value\":1}],\"ints\":[{\"key\":7,\"value\":\"seven\"}]}");
    kc_value_clear(&v);
}

static void test_values_that_are_not_objects_are_refused_with_their_type(void **st) {
    (void)st;
    const char *cases[][2] = {{"[1, 2]", "an array"}, {"\"text\"", "a string"}, {"42", "an integer"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kc_value v = KC_VALUE_NULL_INIT;
        from_json(&v, cases[i][0]);
        strbuf b = STRBUF_INIT;
        char msg[256];
        assert_int_equal(es_doc_encode(&b, &v, 1, msg, sizeof msg), KC_EINVAL);
        if (!strstr(msg, cases[i][1])) fail_msg("%s: %s", cases[i][0], msg);
        assert_int_equal(b.len, 0);
        strbuf_free(&b);
        kc_value_clear(&v);
    }
}

static void test_invalid_utf8_becomes_replacement_characters(void **st) {
    (void)st;
    strbuf b = STRBUF_INIT;
    strbuf_json_string(&b, "a\xff" "b\xc3\xa9\xed\xa0\x80\x01", 9);
    assert_string_equal(b.data, "\"a\xef\xbf\xbd" "b\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\\u0001\"");
    strbuf_free(&b);
}

/* The escaper byte by byte, as it was before it copied runs: the fast one must write the same. */
static size_t reference_utf8_len(const unsigned char *s, size_t n) {
    unsigned c = s[0], cp, min;
    size_t len;
    if (c >= 0xc2 && c <= 0xdf) len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef) len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) len = 4, min = 0x10000;
    else return 0;
    if (n < len) return 0;
    cp = c & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    return cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : len;
}

static void reference_json_string(strbuf *b, const unsigned char *p, size_t n) {
    strbuf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        size_t l = c >= 0x80 ? reference_utf8_len(p + i, n - i) : 0;
        if (l) strbuf_append(b, (const char *)p + i, l), i += l - 1;
        else if (c == '"' || c == '\\') strbuf_putc(b, '\\'), strbuf_putc(b, (char)c);
        else if (c == '\n') strbuf_puts(b, "\\n");
        else if (c == '\r') strbuf_puts(b, "\\r");
        else if (c == '\t') strbuf_puts(b, "\\t");
        else if (c < 0x20) strbuf_printf(b, "\\u%04x", c);
        else if (c >= 0x80) strbuf_puts(b, "\xef\xbf\xbd");
        else strbuf_putc(b, (char)c);
    }
    strbuf_putc(b, '"');
}

static void test_json_strings_as_byte_by_byte(void **st) {
    (void)st;
    /* bytes drawn mostly from the interesting ones: quotes, controls, UTF-8 leads and tails */
    static const unsigned char pool[] = {'a', 'Z', ' ', '"', '\\', '\n', '\t', 0x01, 0x1f, 0x7f, 0x80, 0xbf, 0xc2,
                                         0xc3, 0xa9, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xff};
    unsigned seed = 12345;
    for (int round = 0; round < 100000; round++) {
        unsigned char in[40];
        seed = seed * 1103515245 + 12345;
        size_t n = (seed >> 16) % sizeof in;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245 + 12345;
            in[i] = (seed >> 16) % 4 ? pool[(seed >> 8) % sizeof pool] : (unsigned char)(seed >> 20);
        }
        strbuf got = STRBUF_INIT, want = STRBUF_INIT;
        strbuf_puts(&got, "x"); /* appended after what the buffer holds */
        strbuf_puts(&want, "x");
        strbuf_json_string(&got, (const char *)in, n);
        reference_json_string(&want, in, n);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, want.len + 1); /* with its NUL */
        strbuf_free(&got);
        strbuf_free(&want);
    }
}

static void test_document_ids(void **st) {
    (void)st;
    kc_record *r = kc_record_new();
    kc_record_set_topic(r, "pcap");
    r->partition = 3, r->offset = 1042;
    strbuf b = STRBUF_INIT;
    char msg[256];
    assert_int_equal(es_doc_id(&b, r, 1, msg, sizeof msg), KC_OK);
    assert_string_equal(b.data, "pcap+3+1042");
    b.len = 0;
    assert_int_equal(es_doc_id(&b, r, 0, msg, sizeof msg), KC_EINVAL);
    assert_non_null(strstr(msg, "cannot be null"));
    kc_value_set_cstr(&r->key, "asgard03");
    b.len = 0;
    assert_int_equal(es_doc_id(&b, r, 0, msg, sizeof msg), KC_OK);
    assert_string_equal(b.data, "asgard03");
    kc_value_clear(&r->key);
    kc_value_set_int(&r->key, -7);
    b.len = 0;
    assert_int_equal(es_doc_id(&b, r, 0, msg, sizeof msg), KC_OK);
    assert_string_equal(b.data, "-7");
    kc_value_clear(&r->key);
    kc_value_init_map(&r->key);
    assert_int_equal(es_doc_id(&b, r, 0, msg, sizeof msg), KC_EINVAL);
    assert_non_null(strstr(msg, "not a map"));
    strbuf_free(&b);
    kc_record_release(r);
}

static void test_action_lines(void **st) {
    (void)st;
    strbuf b = STRBUF_INIT;
    es_action_line(&b, ES_ACTION_INDEX, "pcap", NULL, "pcap+3+1042", 11, -1);
    es_action_line(&b, ES_ACTION_INDEX, "stats", "_doc", "a\"b", 3, 17);
    es_action_line(&b, ES_ACTION_UPSERT, "stats", NULL, "k", 1, 17); /* updates take no external version */
    es_action_line(&b, ES_ACTION_DELETE, "stats", NULL, "k", 1, 18);
    assert_string_equal(b.data,
                        "{\"index\":{\"_index\":\"pcap\",\"_id\":\"pcap+3+1042\"}}\n"
                        "{\"index\":{\"_index\":\"stats\",\"_type\":\"_doc\",\"_id\":\"a\\\"b\",\"version\":17,"
                        "\"version_type\":\"external\"}}\n"
                        "{\"update\":{\"_index\":\"stats\",\"_id\":\"k\"}}\n"
                        "{\"delete\":{\"_index\":\"stats\",\"_id\":\"k\",\"version\":18,\"version_type\":\"external\"}}\n");
    strbuf_free(&b);
}

static void test_index_names(void **st) {
    (void)st;
    char *s;
    assert_string_equal(s = es_index_name("PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02", NULL), "pcap_probe_stats_by_source_device_02");
    free(s);
    assert_string_equal(s = es_index_name("pcap", "other:x, pcap : packets-2020 ,more:y"), "packets-2020");
    free(s);
    assert_string_equal(s = es_index_name("pcapx", "pcap:packets"), "pcapx");
    free(s);
}

static void test_mappings_from_schemas(void **st) {
    (void)st;
    kc_schema *s = kc_schema_new(KC_SCHEMA_STRUCT, 0);
    kc_schema_add_field(s, "ID", kc_schema_new(KC_SCHEMA_INT32, 0));
    kc_schema_add_field(s, "NAME", kc_schema_new(KC_SCHEMA_STRING, 1));
    kc_schema *ts = kc_schema_new(KC_SCHEMA_INT64, 0);
    kc_schema_set_name(ts, KC_LOGICAL_TIMESTAMP);
    kc_schema_add_field(s, "SEEN", ts);
    kc_schema *arr = kc_schema_new(KC_SCHEMA_ARRAY, 0);
    arr->items = kc_schema_new(KC_SCHEMA_FLOAT64, 0);
    kc_schema_add_field(s, "SIGNALS", arr);
    kc_schema *inner = kc_schema_new(KC_SCHEMA_STRUCT, 0);
    kc_schema_add_field(inner, "OK", kc_schema_new(KC_SCHEMA_BOOLEAN, 0));
    kc_schema_add_field(s, "INNER", inner);
    strbuf b = STRBUF_INIT;
    char msg[128];
    assert_int_equal(es_mapping_encode(&b, s, msg, sizeof msg), KC_OK);
    assert_string_equal(b.data, "{\"properties\":{\"ID\":{\"type\":\"integer\"},\"NAME\":{\"type\":\"text\"},"
                                "\"SEEN\":{\"type\":\"date\"},\"SIGNALS\":{\"type\":\"double\"},"
                                "\"INNER\":{\"properties\":{\"OK\":{\"type\":\"boolean\"}}}}}");
    strbuf_free(&b);
    assert_int_equal(es_mapping_encode(&b, s->fields[0].schema, msg, sizeof msg), KC_EINVAL);
    kc_schema_release(s);
}

static void test_bulk_replies_are_classified_per_item(void **st) {
    (void)st;
    const char *reply =
        "{\"errors\":true,\"items\":["
        "{\"index\":{\"status\":201}},"
        "{\"index\":{\"status\":409,\"error\":{\"type\":\"version_conflict_engine_exception\",\"reason\":\"v\"}}},"
        "{\"index\":{\"status\":429,\"error\":{\"type\":\"es_rejected_execution_exception\",\"reason\":\"queue full\"}}},"
        "{\"index\":{\"status\":400,\"error\":{\"type\":\"mapper_parsing_exception\",\"reason\":\"failed to parse field [N]\","
        "\"caused_by\":{\"type\":\"illegal_argument_exception\",\"reason\":\"For input string: \\\"five\\\"\"}}}},"
        "{\"delete\":{\"status\":404,\"result\":\"not_found\"}},"
        "{\"index\":{\"status\":404,\"error\":{\"type\":\"index_not_found_exception\",\"reason\":\"no such index\"}}},"
        "{\"index\":{\"status\":403,\"error\":{\"type\":\"cluster_block_exception\",\"reason\":\"read-only\"}}}]}";
    es_item items[7];
    int errors = 0;
    char msg[256];
    assert_int_equal(es_bulk_parse(reply, strlen(reply), items, 7, &errors, msg, sizeof msg), KC_OK);
    assert_true(errors);
    assert_int_equal(items[0].cls, ES_ITEM_OK);
    assert_int_equal(items[1].cls, ES_ITEM_CONFLICT);
    assert_int_equal(items[2].cls, ES_ITEM_RETRY);
    assert_int_equal(items[3].cls, ES_ITEM_MALFORMED);
    assert_string_equal(items[3].error, "mapper_parsing_exception: failed to parse field [N] (For input string: \"five\")");
    assert_int_equal(items[4].cls, ES_ITEM_OK);
    assert_int_equal(items[5].cls, ES_ITEM_FATAL);
    assert_int_equal(items[6].cls, ES_ITEM_RETRY);
    /* a reply that does not answer every action is refused, not half-read */
    assert_int_equal(es_bulk_parse(reply, strlen(reply), items, 8, &errors, msg, sizeof msg), KC_EINVAL);
    assert_non_null(strstr(msg, "7 items for 8 actions"));
    assert_int_equal(es_bulk_parse("<html>", 6, items, 1, &errors, msg, sizeof msg), KC_EINVAL);
    assert_non_null(strstr(msg, "not JSON"));
    const char *no_status = "{\"errors\":false,\"items\":[{\"index\":{}}]}";
    assert_int_equal(es_bulk_parse(no_status, strlen(no_status), items, 1, &errors, msg, sizeof msg), KC_EINVAL);

    /* the usual reply of a _bulk that wrote everything (OpenSearch's, as filter_path shapes it) is
     * scanned; its items read as the full reading's, and short or long ones are refused alike */
    const char *written = "{\"errors\":false,\"items\":[{\"index\":{\"result\":\"created\",\"status\":201}},"
                          "{\"index\":{\"result\":\"updated\",\"status\":200}},"
                          "{\"delete\":{\"result\":\"deleted\",\"status\":200}}]}\n";
    es_item full[3];
    int full_errors = 1;
    errors = 1;
    assert_int_equal(es_bulk_parse(written, strlen(written), items, 3, &errors, msg, sizeof msg), KC_OK);
    assert_int_equal(es_bulk_parse_full(written, strlen(written), full, 3, &full_errors, msg, sizeof msg), KC_OK);
    assert_false(errors);
    assert_false(full_errors);
    int want_status[] = {201, 200, 200};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(items[i].status, want_status[i]);
        assert_int_equal(items[i].cls, ES_ITEM_OK);
        assert_int_equal(full[i].status, items[i].status);
        assert_int_equal(full[i].cls, items[i].cls);
        assert_string_equal(items[i].error, "");
    }
    assert_int_equal(es_bulk_parse(written, strlen(written), items, 2, &errors, msg, sizeof msg), KC_EINVAL);
    assert_non_null(strstr(msg, "3 items for 2 actions"));
    const char *two = "{\"errors\":false,\"items\":[{\"index\":{\"result\":\"created\",\"status\":201}},"
                      "{\"index\":{\"result\":\"created\",\"status\":201}}]}";
    assert_int_equal(es_bulk_parse(two, strlen(two), items, 3, &errors, msg, sizeof msg), KC_EINVAL);
    assert_non_null(strstr(msg, "2 items for 3 actions"));
    assert_int_equal(es_bulk_parse(two, strlen(two) - 1, items, 2, &errors, msg, sizeof msg), KC_EINVAL);
    assert_non_null(strstr(msg, "not JSON"));
}

static void test_root_documents_and_error_replies(void **st) {
    (void)st;
    int major = 0, os = 0;
    char msg[256];
    const char *es6 = "{\"version\":{\"number\":\"6.8.23\"},\"tagline\":\"You Know, for Search\"}";
    assert_int_equal(es_root_parse(es6, strlen(es6), &major, &os, msg, sizeof msg), KC_OK);
    assert_int_equal(major, 6);
    assert_false(os);
    const char *os2 = "{\"version\":{\"distribution\":\"opensearch\",\"number\":\"2.19.6\"}}";
    assert_int_equal(es_root_parse(os2, strlen(os2), &major, &os, msg, sizeof msg), KC_OK);
    assert_int_equal(major, 2);
    assert_true(os);
    assert_int_equal(es_root_parse("{}", 2, &major, &os, msg, sizeof msg), KC_EINVAL);
    char text[128];
    const char *err = "{\"error\":{\"type\":\"illegal_argument_exception\",\"reason\":\"bad\"},\"status\":400}";
    es_error_text(err, strlen(err), text, sizeof text);
    assert_string_equal(text, "illegal_argument_exception: bad");
    es_error_text("Bad\nGateway", 11, text, sizeof text);
    assert_string_equal(text, "Bad Gateway");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents_are_the_values_json),
        cmocka_unit_test(test_logical_types_bytes_and_non_finite_numbers),
        cmocka_unit_test(test_compact_map_entries),
        cmocka_unit_test(test_values_that_are_not_objects_are_refused_with_their_type),
        cmocka_unit_test(test_invalid_utf8_becomes_replacement_characters),
        cmocka_unit_test(test_json_strings_as_byte_by_byte),
        cmocka_unit_test(test_document_ids),
        cmocka_unit_test(test_action_lines),
        cmocka_unit_test(test_index_names),
        cmocka_unit_test(test_mappings_from_schemas),
        cmocka_unit_test(test_bulk_replies_are_classified_per_item),
        cmocka_unit_test(test_root_documents_and_error_replies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
