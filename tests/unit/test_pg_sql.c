/* The postgres sink's pure parts: JDBC URL translation, identifier quoting, the type mapping
 * (the JDBC sink's, plus arrays and jsonb) and COPY text encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "kc_converter_int.h"
#include "kc_plugin_int.h"
#include "kc_value_int.h"
#include "pg_sql.h"

static void expect_url(const char *in, const char *want, const char *want_dropped) {
    char *out = NULL, *dropped = NULL;
    kc_error err;
    if (pg_url_from_jdbc(in, &out, &dropped, &err) != KC_OK) fail_msg("%s: %s", in, err.msg);
    if (strcmp(out, want)) fail_msg("%s -> %s, want %s", in, out, want);
    if (strcmp(dropped ? dropped : "", want_dropped)) fail_msg("%s dropped %s, want %s", in, dropped, want_dropped);
    free(out);
    free(dropped);
}

static void test_jdbc_urls_become_libpq_urls(void **st) {
    (void)st;
    expect_url("jdbc:postgresql://postgres:5432/", "postgresql://postgres:5432/", ""); /* the seed configs' */
    expect_url("jdbc:postgresql://db.example:6543/pipeline", "postgresql://db.example:6543/pipeline", "");
    expect_url("jdbc:postgresql://h1:5432,h2:5433/db?user=u&password=p&sslmode=verify-full",
               "postgresql://h1:5432,h2:5433/db?user=u&password=p&sslmode=verify-full", "");
    expect_url("jdbc:postgresql://h/db?ssl=true&currentSchema=stats&loginTimeout=7&prepareThreshold=0&ApplicationName=x",
               "postgresql://h/db?options=-c%20search_path%3Dstats&connect_timeout=7&application_name=x&sslmode=require",
               "prepareThreshold");
    expect_url("jdbc:postgresql:pipeline", "postgresql://localhost/pipeline", "");
    /* libpq's own forms pass unchanged */
    expect_url("postgresql://u@h/db?sslmode=disable", "postgresql://u@h/db?sslmode=disable", "");
    expect_url("host=h port=5432 dbname=db", "host=h port=5432 dbname=db", "");
    char *out = NULL;
    kc_error err;
    assert_int_equal(pg_url_from_jdbc("jdbc:mysql://h/db?password=secret", &out, NULL, &err), KC_EINVAL);
    assert_null(out);
    assert_non_null(strstr(err.msg, "connection.url"));
    assert_null(strstr(err.msg, "secret")); /* the URL may hold a password: never echoed */
    assert_int_equal(pg_url_from_jdbc("", &out, NULL, &err), KC_EINVAL);
}

static void test_identifiers_are_quoted_as_the_jdbc_sink_quotes_them(void **st) {
    (void)st;
    strbuf b = {0};
    pg_ident(&b, "PCAP_STATS", 1, 1);
    strbuf_puts(&b, " ");
    pg_ident(&b, "we\"ird", 1, 0);
    strbuf_puts(&b, " ");
    pg_ident(&b, "stats.PCAP", 1, 1);
    strbuf_puts(&b, " ");
    pg_ident(&b, "plain", 0, 1);
    assert_string_equal(b.data, "\"PCAP_STATS\" \"we\"\"ird\" \"stats\".\"PCAP\" plain");
    strbuf_free(&b);
}

static kc_schema *schema(kc_stype type, const char *name) {
    kc_schema *s = kc_schema_new(type, 1);
    if (name) kc_schema_set_name(s, name);
    return s;
}

static void test_schema_types_map_like_the_jdbc_sink(void **st) {
    (void)st;
    struct { kc_stype type; const char *name; const char *want; } cases[] = {
        {KC_SCHEMA_INT8, NULL, "SMALLINT"}, {KC_SCHEMA_INT16, NULL, "SMALLINT"}, {KC_SCHEMA_INT32, NULL, "INT"},
        {KC_SCHEMA_INT64, NULL, "BIGINT"}, {KC_SCHEMA_FLOAT32, NULL, "REAL"},
        {KC_SCHEMA_FLOAT64, NULL, "DOUBLE PRECISION"}, {KC_SCHEMA_BOOLEAN, NULL, "BOOLEAN"},
        {KC_SCHEMA_STRING, NULL, "TEXT"}, {KC_SCHEMA_BYTES, NULL, "BYTEA"},
        {KC_SCHEMA_BYTES, KC_LOGICAL_DECIMAL, "DECIMAL"}, {KC_SCHEMA_INT32, KC_LOGICAL_DATE, "DATE"},
        {KC_SCHEMA_INT32, KC_LOGICAL_TIME, "TIME"}, {KC_SCHEMA_INT64, KC_LOGICAL_TIMESTAMP, "TIMESTAMP"},
        {KC_SCHEMA_MAP, NULL, "JSONB"}, {KC_SCHEMA_STRUCT, NULL, "JSONB"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kc_schema *s = schema(cases[i].type, cases[i].name);
        assert_string_equal(pg_type_sql(pg_type_of_schema(s)), cases[i].want);
        kc_schema_release(s);
    }
    kc_schema *arr = schema(KC_SCHEMA_ARRAY, NULL);
    arr->items = schema(KC_SCHEMA_STRING, NULL);
    assert_string_equal(pg_type_sql(pg_type_of_schema(arr)), "TEXT[]");
    kc_schema_release(arr);
    arr = schema(KC_SCHEMA_ARRAY, NULL);
    arr->items = schema(KC_SCHEMA_STRUCT, NULL);
    assert_string_equal(pg_type_sql(pg_type_of_schema(arr)), "JSONB"); /* no arrays of rows */
    kc_schema_release(arr);
}

static kc_value parse(const char *json) { /* schemaless JSON, as the JsonConverter reads it */
    kc_value v = KC_VALUE_NULL_INIT;
    json_t *j = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    assert_non_null(j);
    assert_int_equal(kc_json_to_value(j, &v, NULL), KC_OK);
    json_decref(j);
    return v;
}

static void test_schemaless_values_get_inferred_types(void **st) {
    (void)st;
    struct { const char *json; const char *want; } cases[] = {
        {"1", "BIGINT"}, {"1.5", "DOUBLE PRECISION"}, {"true", "BOOLEAN"}, {"\"x\"", "TEXT"},
        {"[null, \"\", \"FULLERS\"]", "TEXT[]"}, /* PROBED_SSIDS */
        {"[1, 2.5]", "DOUBLE PRECISION[]"}, {"[1, 2]", "BIGINT[]"}, {"[]", "TEXT[]"},
        {"[1, \"a\"]", "JSONB"}, {"[[1]]", "JSONB"}, {"{\"a\": 1}", "JSONB"}, {"null", "TEXT"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kc_value v = parse(cases[i].json);
        if (strcmp(pg_type_sql(pg_type_of_value(&v)), cases[i].want))
            fail_msg("%s -> %s, want %s", cases[i].json, pg_type_sql(pg_type_of_value(&v)), cases[i].want);
        kc_value_clear(&v);
    }
    pg_coltype t = pg_type_of_sql("text[]");
    assert_true(t.base == PG_TEXT && t.array);
    t = pg_type_of_sql("timestamp without time zone");
    assert_true(t.base == PG_TIMESTAMP && !t.array);
    t = pg_type_of_sql("time without time zone");
    assert_true(t.base == PG_TIME);
    t = pg_type_of_sql("uuid"); /* anything else: its text form */
    assert_true(t.base == PG_TEXT);
}

static void expect_copy(const kc_value *v, pg_coltype t, const char *want) {
    strbuf b = {0};
    assert_int_equal(pg_copy_field(&b, v, t, &kc_host), KC_OK);
    if (strcmp(b.data, want)) fail_msg("COPY text %s, want %s", b.data, want);
    strbuf_free(&b);
}

static void test_copy_text_escapes_and_formats(void **st) {
    (void)st;
    kc_value v = KC_VALUE_NULL_INIT;
    const pg_coltype text = {PG_TEXT, 0}, arr = {PG_TEXT, 1}, json = {PG_JSONB, 0};
    expect_copy(&v, text, "\\N");
    kc_value_set_string(&v, "a\tb\nc\\d\re\0f", 12);
    expect_copy(&v, text, "a\\tb\\nc\\\\d\\ref"); /* the NUL is stripped, the rest kept */
    kc_value_clear(&v);
    kc_value_set_string(&v, "x\0y", 3);
    expect_copy(&v, text, "xy");
    expect_copy(&v, json, "\"xy\"");
    kc_value_clear(&v);
    kc_value_set_bytes(&v, "\x01\xff", 2);
    expect_copy(&v, (pg_coltype){PG_BYTEA, 0}, "\\\\x01ff");
    kc_value_clear(&v);
    v.type = KC_VAL_TIMESTAMP, v.u.i = 1582930282000LL;
    expect_copy(&v, (pg_coltype){PG_TIMESTAMP, 0}, "2020-02-28 22:51:22.000+00");
    v.u.i = -1;
    expect_copy(&v, (pg_coltype){PG_TIMESTAMP, 0}, "1969-12-31 23:59:59.999+00");
    v.type = KC_VAL_DATE, v.u.i = 18321;
    expect_copy(&v, (pg_coltype){PG_DATE, 0}, "2020-02-29");
    v.type = KC_VAL_TIME, v.u.i = 86399999;
    expect_copy(&v, (pg_coltype){PG_TIME, 0}, "23:59:59.999");
    v.type = KC_VAL_DOUBLE, v.u.d = -51.7;
    expect_copy(&v, (pg_coltype){PG_DOUBLE, 0}, "-51.700000000000003");
    /* whole numbers print as integers while that is exact (below 2^53), and -0 keeps its sign */
    v.u.d = -30.0;
    expect_copy(&v, (pg_coltype){PG_DOUBLE, 0}, "-30");
    v.u.d = 0.0;
    expect_copy(&v, (pg_coltype){PG_DOUBLE, 0}, "0");
    v.u.d = -0.0;
    expect_copy(&v, (pg_coltype){PG_DOUBLE, 0}, "-0");
    v.u.d = 9007199254740991.0;
    expect_copy(&v, (pg_coltype){PG_DOUBLE, 0}, "9007199254740991");
    v.u.d = 9007199254740992.0;
    expect_copy(&v, (pg_coltype){PG_DOUBLE, 0}, "9007199254740992");
    v.u.d = 1e300;
    expect_copy(&v, (pg_coltype){PG_DOUBLE, 0}, "1.0000000000000001e+300");
    v = parse("[null, \"\", \"say \\\"hi\\\"\", \"back\\\\slash\", \"tab\\there\"]");
    /* array literal {NULL,"","say \"hi\"","back\\slash","tab<TAB>here"}, then COPY-escaped */
    expect_copy(&v, arr, "{NULL,\"\",\"say \\\\\"hi\\\\\"\",\"back\\\\\\\\slash\",\"tab\\there\"}");
    kc_value_clear(&v);
    v = parse("{\"a\": [1, {\"b\": \"c\\u0000d\"}]}");
    expect_copy(&v, json, "{\"a\":[1,{\"b\":\"cd\"}]}");
    kc_value_clear(&v);
    uint8_t unscaled[] = {0xfb, 0x2e}; /* -1234 */
    v.type = KC_VAL_DECIMAL, v.u.dec.unscaled = unscaled, v.u.dec.len = 2, v.u.dec.scale = 2;
    expect_copy(&v, (pg_coltype){PG_NUMERIC, 0}, "-12.34");
}

static void test_rows_grouped_by_kind_in_their_order(void **st) {
    (void)st;
    /* two column lists interleaved, distinct keys: each list's rows together, in their order */
    unsigned kind[] = {0, 1, 0, 1, 1, 0};
    const char *keys[] = {"a", "b", "c", "d", "e", "f"};
    size_t order[6];
    assert_int_equal(pg_group_by_kind(6, kind, 2, keys, order), 1);
    size_t want[] = {0, 2, 5, 1, 3, 4};
    assert_memory_equal(order, want, sizeof want);
    /* rows without a key (pk.mode=none) repeat nothing */
    const char *none[] = {NULL, NULL, NULL, NULL, NULL, NULL};
    assert_int_equal(pg_group_by_kind(6, kind, 2, none, order), 1);
    assert_memory_equal(order, want, sizeof want);
    /* a key twice, in two kinds: moving either could reorder that key's writes */
    const char *again[] = {"a", "b", "c", "d", "a", "f"};
    assert_int_equal(pg_group_by_kind(6, kind, 2, again, order), 0);
    /* one kind, or too few rows to matter: nothing to do */
    unsigned one[] = {0, 0, 0};
    assert_int_equal(pg_group_by_kind(3, one, 1, keys, order), 0);
    assert_int_equal(pg_group_by_kind(2, kind, 2, keys, order), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jdbc_urls_become_libpq_urls),
        cmocka_unit_test(test_identifiers_are_quoted_as_the_jdbc_sink_quotes_them),
        cmocka_unit_test(test_schema_types_map_like_the_jdbc_sink),
        cmocka_unit_test(test_schemaless_values_get_inferred_types),
        cmocka_unit_test(test_copy_text_escapes_and_formats),
        cmocka_unit_test(test_rows_grouped_by_kind_in_their_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
