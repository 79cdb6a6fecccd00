#define _GNU_SOURCE
/* JsonConverter: envelope and schemaless modes, every Connect type and logical type, against
 * the shapes of kafka-connect-compat.md section 6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kc_config_int.h"
#include "kc_converter_int.h"
#include "kc_value_int.h"

typedef struct conv {
    void *state;
} conv;

static void *open_conv(int schemas_enable, const char *decimal_format) {
    kc_config cfg = {0};
    assert_int_equal(kc_config_set(&cfg, "schemas.enable", schemas_enable ? "true" : "false"), 0);
    if (decimal_format) assert_int_equal(kc_config_set(&cfg, "decimal.format", decimal_format), 0);
    void *state = NULL;
    kc_error err;
    assert_int_equal(kc_json_converter_desc.converter->configure(&cfg, 0, &state, &err), KC_OK);
    kc_config_free(&cfg);
    return state;
}

static char *to_json(void *c, const kc_schema *s, const kc_value *v) {
    uint8_t *out = NULL;
    size_t len = 0;
    kc_error err;
    int rc = kc_json_converter_desc.converter->from_connect(c, "t", s, v, &out, &len, &err);
    if (rc) fail_msg("from_connect: %s", err.msg);
    return (char *)out;
}

static void from_json(void *c, const char *text, kc_schema **s, kc_value *v) {
    kc_error err;
    int rc = kc_json_converter_desc.converter->to_connect(c, "t", (const uint8_t *)text, text ? strlen(text) : 0, s, v,
                                                         &err);
    if (rc) fail_msg("to_connect: %s", err.msg);
}

static int json_text_equal(const char *a, const char *b) {
    json_t *ja = json_loads(a, JSON_DECODE_ANY, NULL), *jb = json_loads(b, JSON_DECODE_ANY, NULL);
    int eq = ja && jb && json_equal(ja, jb);
    json_decref(ja);
    json_decref(jb);
    return eq;
}

/* The example of section 6, byte for byte through both directions. */
static const char *ORDER =
    "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"name\":\"shop.Order\",\"fields\":["
    "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
    "{\"field\":\"ts\",\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},"
    "{\"field\":\"amt\",\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}}]},"
    "\"payload\":{\"id\":7,\"ts\":1700000000000,\"amt\":\"AOY=\"}}";

static void test_reference_example_reads_and_writes_back(void **st) {
    (void)st;
    void *c = open_conv(1, NULL);
    kc_schema *s;
    kc_value v;
    from_json(c, ORDER, &s, &v);
    assert_int_equal(s->type, KC_SCHEMA_STRUCT);
    assert_string_equal(s->name, "shop.Order");
    assert_int_equal(s->nfields, 3);
    assert_int_equal(v.type, KC_VAL_STRUCT);
    assert_int_equal(kc_map_get_str(&v, "id")->u.i, 7);
    const kc_value *ts = kc_map_get_str(&v, "ts");
    assert_int_equal(ts->type, KC_VAL_TIMESTAMP);
    assert_int_equal(ts->u.i, 1700000000000LL);
    const kc_value *amt = kc_map_get_str(&v, "amt");
    assert_int_equal(amt->type, KC_VAL_DECIMAL);
    assert_int_equal(amt->u.dec.scale, 2);
    char *text = kc_decimal_to_text(amt->u.dec.unscaled, amt->u.dec.len, amt->u.dec.scale);
    assert_string_equal(text, "2.30");
    free(text);
    char *back = to_json(c, s, &v);
    assert_true(json_text_equal(back, ORDER));
    free(back);
    kc_schema_release(s);
    kc_value_clear(&v);
    kc_json_converter_desc.converter->close(c);
}

static kc_schema *named(kc_stype t, int optional, const char *name) {
    kc_schema *s = kc_schema_new(t, optional);
    if (name) {
        kc_schema_set_name(s, name);
        s->has_version = 1;
        s->version = 1;
    }
    return s;
}

static void put(kc_value *m, const char *k, kc_value v) { kc_map_put_str(m, k, &v); }

/* A struct with a field of every Connect type and logical type. */
static void build_everything(kc_schema **out_s, kc_value *v) {
    kc_schema *s = kc_schema_new(KC_SCHEMA_STRUCT, 0);
    kc_schema_set_name(s, "kcd.test.Everything");
    s->has_version = 1;
    s->version = 3;
    s->doc = strdup("all the types");
    kc_schema_add_field(s, "i8", kc_schema_new(KC_SCHEMA_INT8, 0));
    kc_schema_add_field(s, "i16", kc_schema_new(KC_SCHEMA_INT16, 0));
    kc_schema_add_field(s, "i32", kc_schema_new(KC_SCHEMA_INT32, 0));
    kc_schema_add_field(s, "i64", kc_schema_new(KC_SCHEMA_INT64, 0));
    kc_schema_add_field(s, "f32", kc_schema_new(KC_SCHEMA_FLOAT32, 0));
    kc_schema_add_field(s, "f64", kc_schema_new(KC_SCHEMA_FLOAT64, 0));
    kc_schema_add_field(s, "bool", kc_schema_new(KC_SCHEMA_BOOLEAN, 0));
    kc_schema_add_field(s, "str", kc_schema_new(KC_SCHEMA_STRING, 0));
    kc_schema_add_field(s, "bytes", kc_schema_new(KC_SCHEMA_BYTES, 0));
    kc_schema *arr = kc_schema_new(KC_SCHEMA_ARRAY, 0);
    arr->items = kc_schema_new(KC_SCHEMA_STRING, 1);
    kc_schema_add_field(s, "arr", arr);
    kc_schema *smap = kc_schema_new(KC_SCHEMA_MAP, 0);
    smap->keys = kc_schema_new(KC_SCHEMA_STRING, 0);
    smap->values = kc_schema_new(KC_SCHEMA_INT32, 0);
    kc_schema_add_field(s, "smap", smap);
    kc_schema *imap = kc_schema_new(KC_SCHEMA_MAP, 0);
    imap->keys = kc_schema_new(KC_SCHEMA_INT32, 0);
    imap->values = kc_schema_new(KC_SCHEMA_STRING, 0);
    kc_schema_add_field(s, "imap", imap);
    kc_schema *inner = kc_schema_new(KC_SCHEMA_STRUCT, 1);
    kc_schema_add_field(inner, "x", kc_schema_new(KC_SCHEMA_FLOAT64, 0));
    kc_schema_add_field(s, "inner", inner);
    kc_schema_add_field(s, "nothing", kc_schema_new(KC_SCHEMA_STRING, 1));
    kc_schema *withdef = kc_schema_new(KC_SCHEMA_INT32, 0);
    withdef->default_value = calloc(1, sizeof(kc_value));
    kc_value_set_int(withdef->default_value, 42);
    kc_schema_add_field(s, "withdef", withdef);
    kc_schema_add_field(s, "date", named(KC_SCHEMA_INT32, 0, KC_LOGICAL_DATE));
    kc_schema_add_field(s, "time", named(KC_SCHEMA_INT32, 0, KC_LOGICAL_TIME));
    kc_schema_add_field(s, "ts", named(KC_SCHEMA_INT64, 0, KC_LOGICAL_TIMESTAMP));
    kc_schema *dec = named(KC_SCHEMA_BYTES, 0, KC_LOGICAL_DECIMAL);
    kc_schema_add_param(dec, "scale", "3");
    kc_schema_add_field(s, "dec", dec);

    kc_value_init_struct(v);
    kc_value t = KC_VALUE_NULL_INIT;
    kc_value_set_int(&t, -128), put(v, "i8", t);
    kc_value_set_int(&t, 32767), put(v, "i16", t);
    kc_value_set_int(&t, -2147483647 - 1), put(v, "i32", t);
    kc_value_set_int(&t, 9007199254740993LL), put(v, "i64", t);
    kc_value_set_double(&t, 1.5), put(v, "f32", t);
    kc_value_set_double(&t, 2.0), put(v, "f64", t);
    kc_value_set_bool(&t, 1), put(v, "bool", t);
    kc_value_set_cstr(&t, "h\xc3\xa9llo \"q\"\n"), put(v, "str", t);
    kc_value_set_bytes(&t, "\x00\xff\x10", 3), put(v, "bytes", t);
    kc_value a;
    kc_value_init_array(&a);
    kc_value_set_cstr(&t, "a"), kc_array_push(&a, &t);
    kc_array_push(&a, &t); /* t is NULL after the move: an optional null item */
    put(v, "arr", a);
    kc_value m;
    kc_value_init_map(&m);
    kc_value_set_int(&t, 1), kc_map_put_str(&m, "one", &t);
    put(v, "smap", m);
    kc_value im, k = KC_VALUE_NULL_INIT;
    kc_value_init_map(&im);
    kc_value_set_int(&k, 7);
    kc_value_set_cstr(&t, "seven");
    kc_map_put(&im, &k, &t);
    put(v, "imap", im);
    kc_value in;
    kc_value_init_struct(&in);
    kc_value_set_double(&t, 0.1), kc_map_put_str(&in, "x", &t);
    put(v, "inner", in);
    kc_value nul = KC_VALUE_NULL_INIT;
    put(v, "nothing", nul);
    kc_value_set_int(&t, 42), put(v, "withdef", t);
    t.type = KC_VAL_DATE, t.u.i = 19000, put(v, "date", t);
    t.type = KC_VAL_TIME, t.u.i = 3723004, put(v, "time", t);
    t.type = KC_VAL_TIMESTAMP, t.u.i = 1700000000123LL, put(v, "ts", t);
    kc_value d = {.type = KC_VAL_DECIMAL};
    kc_decimal_from_text("-1234.567", 3, &d.u.dec.unscaled, &d.u.dec.len);
    d.u.dec.scale = 3;
    put(v, "dec", d);
    *out_s = s;
}

static void roundtrip_everything(const char *decimal_format, const char *expect_dec) {
    void *c = open_conv(1, decimal_format);
    kc_schema *s, *s2;
    kc_value v, v2;
    build_everything(&s, &v);
    char *text = to_json(c, s, &v);
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    /* the schema half uses Connect's type names */
    json_t *fields = json_object_get(json_object_get(j, "schema"), "fields");
    assert_string_equal(json_string_value(json_object_get(json_array_get(fields, 4), "type")), "float");
    assert_string_equal(json_string_value(json_object_get(json_array_get(fields, 5), "type")), "double");
    assert_string_equal(json_string_value(json_object_get(json_array_get(fields, 0), "field")), "i8");
    json_t *payload = json_object_get(j, "payload");
    assert_string_equal(json_string_value(json_object_get(payload, "bytes")), "AP8Q");
    assert_true(json_is_array(json_object_get(payload, "imap"))); /* non-string keys: pairs */
    assert_true(json_is_object(json_object_get(payload, "smap")));
    assert_true(json_is_real(json_object_get(payload, "f64")));   /* 2.0 stays a float */
    assert_int_equal(json_integer_value(json_object_get(payload, "date")), 19000);
    char *dec = json_dumps(json_object_get(payload, "dec"), JSON_ENCODE_ANY);
    assert_string_equal(dec, expect_dec);
    free(dec);
    json_decref(j);
    from_json(c, text, &s2, &v2);
    assert_true(kc_schema_equal(s, s2));
    assert_true(kc_value_equal(&v, &v2));
    free(text);
    kc_schema_release(s);
    kc_schema_release(s2);
    kc_value_clear(&v);
    kc_value_clear(&v2);
    kc_json_converter_desc.converter->close(c);
}

static void test_roundtrip_every_type_base64_decimal(void **st) {
    (void)st;
    roundtrip_everything(NULL, "\"7Sl5\""); /* -1234567 = ED 29 79 */
}

static void test_roundtrip_every_type_numeric_decimal(void **st) {
    (void)st;
    roundtrip_everything("NUMERIC", "-1234.567");
}

/* schemas.enable=false writes exactly the envelope's payload half, and reads it back as
 * Connect does without a schema: numbers as int64/float64, structs and maps as maps. */
static void test_every_type_without_envelope_is_the_bare_payload(void **st) {
    (void)st;
    void *with = open_conv(1, NULL), *without = open_conv(0, NULL);
    kc_schema *s, *s2;
    kc_value v, v2;
    build_everything(&s, &v);
    char *env = to_json(with, s, &v), *bare = to_json(without, s, &v);
    json_t *je = json_loads(env, 0, NULL), *jb = json_loads(bare, 0, NULL);
    assert_true(json_equal(json_object_get(je, "payload"), jb));
    from_json(without, bare, &s2, &v2);
    assert_null(s2);
    assert_int_equal(v2.type, KC_VAL_MAP);
    assert_int_equal(kc_map_get_str(&v2, "ts")->type, KC_VAL_INT);
    assert_int_equal(kc_map_get_str(&v2, "ts")->u.i, 1700000000123LL);
    assert_int_equal(kc_map_get_str(&v2, "f64")->type, KC_VAL_DOUBLE);
    assert_string_equal(kc_map_get_str(&v2, "dec")->u.str.ptr, "7Sl5");
    assert_int_equal(kc_map_get_str(&v2, "inner")->type, KC_VAL_MAP);
    /* and the schemaless value written again is the same bare JSON */
    char *again = to_json(without, NULL, &v2);
    assert_true(json_text_equal(bare, again));
    free(again);
    json_decref(je);
    json_decref(jb);
    free(env);
    free(bare);
    kc_schema_release(s);
    kc_value_clear(&v);
    kc_value_clear(&v2);
    kc_json_converter_desc.converter->close(with);
    kc_json_converter_desc.converter->close(without);
}

static void test_schemaless_infers_types_and_roundtrips(void **st) {
    (void)st;
    void *c = open_conv(0, NULL);
    const char *in = "{\"a\":1,\"b\":1.5,\"c\":[1,\"x\",true,null],\"d\":{\"e\":null},\"f\":-9007199254740993}";
    kc_schema *s;
    kc_value v;
    from_json(c, in, &s, &v);
    assert_null(s);
    assert_int_equal(v.type, KC_VAL_MAP);
    assert_int_equal(kc_map_get_str(&v, "a")->type, KC_VAL_INT);
    assert_int_equal(kc_map_get_str(&v, "b")->type, KC_VAL_DOUBLE);
    assert_int_equal(kc_map_get_str(&v, "c")->type, KC_VAL_ARRAY);
    assert_int_equal(kc_map_get_str(&v, "d")->type, KC_VAL_MAP);
    assert_int_equal(kc_map_get_str(&v, "f")->u.i, -9007199254740993LL);
    char *out = to_json(c, NULL, &v);
    assert_true(json_text_equal(in, out));
    free(out);
    kc_value_clear(&v);
    kc_json_converter_desc.converter->close(c);
}

static void test_schemaless_value_in_envelope_has_null_schema(void **st) {
    (void)st;
    void *c = open_conv(1, NULL);
    kc_value v = KC_VALUE_NULL_INIT;
    kc_value_set_cstr(&v, "x");
    char *out = to_json(c, NULL, &v);
    assert_string_equal(out, "{\"schema\":null,\"payload\":\"x\"}");
    free(out);
    kc_value_clear(&v);
    kc_json_converter_desc.converter->close(c);
}

static void test_tombstones(void **st) {
    (void)st;
    for (int se = 0; se < 2; se++) {
        void *c = open_conv(se, NULL);
        kc_value v = KC_VALUE_NULL_INIT;
        uint8_t *out = (uint8_t *)"not touched";
        size_t len = 99;
        kc_error err;
        assert_int_equal(kc_json_converter_desc.converter->from_connect(c, "t", NULL, &v, &out, &len, &err), KC_OK);
        assert_null(out);
        assert_int_equal(len, 0);
        kc_schema *s = (kc_schema *)1;
        assert_int_equal(kc_json_converter_desc.converter->to_connect(c, "t", NULL, 0, &s, &v, &err), KC_OK);
        assert_null(s);
        assert_int_equal(v.type, KC_VAL_NULL);
        kc_json_converter_desc.converter->close(c);
    }
}

static void test_optional_null_in_envelope(void **st) {
    (void)st;
    void *c = open_conv(1, NULL);
    kc_schema *s = kc_schema_new(KC_SCHEMA_STRING, 1);
    kc_value v = KC_VALUE_NULL_INIT;
    char *out = to_json(c, s, &v);
    assert_string_equal(out, "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":null}");
    free(out);
    kc_schema_release(s);
    kc_json_converter_desc.converter->close(c);
}

static void expect_error(void *c, const char *text, const char *fragment) {
    kc_schema *s;
    kc_value v;
    kc_error err;
    int rc = kc_json_converter_desc.converter->to_connect(c, "t", (const uint8_t *)text, strlen(text), &s, &v, &err);
    assert_int_equal(rc, KC_EINVAL);
    if (!strstr(err.msg, fragment)) fail_msg("error '%s' lacks '%s'", err.msg, fragment);
}

/* replace.null.with.default (KIP-581): true reads and writes a null field as its default. */
static void test_replace_null_with_default(void **st) {
    (void)st;
    const char *in = "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"fields\":[{\"field\":\"a\","
                     "\"type\":\"int32\",\"optional\":true,\"default\":7}]},\"payload\":{\"a\":null}}";
    for (int replace = 0; replace < 2; replace++) {
        kc_config cfg = {0};
        assert_int_equal(kc_config_set(&cfg, "replace.null.with.default", replace ? "true" : "false"), 0);
        void *c = NULL;
        kc_error err;
        assert_int_equal(kc_json_converter_desc.converter->configure(&cfg, 0, &c, &err), KC_OK);
        kc_schema *s;
        kc_value v;
        from_json(c, in, &s, &v);
        const kc_value *a = kc_map_get_str(&v, "a");
        if (replace) {
            assert_int_equal(a->type, KC_VAL_INT);
            assert_int_equal(a->u.i, 7);
        } else {
            assert_int_equal(a->type, KC_VAL_NULL);
        }
        /* writing a null field: the default with true, null with false */
        kc_value_clear((kc_value *)a);
        char *out = to_json(c, s, &v);
        assert_non_null(strstr(out, replace ? "\"payload\":{\"a\":7}" : "\"payload\":{\"a\":null}"));
        free(out);
        kc_schema_release(s);
        kc_value_clear(&v);
        kc_config_free(&cfg);
        kc_json_converter_desc.converter->close(c);
    }
}

static void test_bad_input_gives_clear_errors(void **st) {
    (void)st;
    void *c = open_conv(1, NULL);
    expect_error(c, "{\"a\":1}", "requires \"schema\" and \"payload\" fields");
    expect_error(c, "{\"schema\":null,\"payload\":1,\"extra\":2}", "may not contain additional fields");
    expect_error(c, "{\"schema\":{\"type\":\"int8\",\"optional\":false},\"payload\":300}", "out of range for int8");
    expect_error(c, "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":\"x\"}", "expected an integer");
    expect_error(c, "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":null}", "Invalid null value");
    expect_error(c, "{\"schema\":{\"type\":\"float32\"},\"payload\":1}", "Unknown schema type: float32");
    expect_error(c, "{\"schema\":{\"type\":\"array\",\"optional\":false},\"payload\":[]}", "items");
    expect_error(c, "{\"schema\":{\"type\":\"bytes\",\"optional\":false},\"payload\":\"!!\"}", "Base64");
    expect_error(c, "{\"schema\":", "serialization error");
    expect_error(c, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"a\",\"type\":\"string\"}]},"
                    "\"payload\":{\"a\":5}}", "field a");
    kc_json_converter_desc.converter->close(c);
}

/* The schema'd fast path (schema cached by its bytes, the same schema as the last record found
 * by one comparison) reads what the full parse reads, and leaves errors to it: records sharing a
 * schema, alternating between two with a cache of one, spaced otherwise, with a member after
 * the payload, and a duplicate field name, which Connect's SchemaBuilder refuses. */
static void test_schema_cache_reads_as_the_full_parse(void **st) {
    (void)st;
    kc_config cfg = {0};
    assert_int_equal(kc_config_set(&cfg, "schemas.enable", "true"), 0);
    assert_int_equal(kc_config_set(&cfg, "schemas.cache.size", "1"), 0);
    void *c = NULL;
    kc_error err;
    assert_int_equal(kc_json_converter_desc.converter->configure(&cfg, 0, &c, &err), KC_OK);
    kc_config_free(&cfg);
    const char *a = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"x\",\"type\":\"int32\",\"optional\":false}],"
                    "\"optional\":false},\"payload\":{\"x\":%d}}";
    const char *b = "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"v%d\"}";
    for (int i = 0; i < 6; i++) { /* a, a, b, a, b, b: hits, misses and evictions */
        char text[256];
        int use_b = i == 2 || i == 4 || i == 5;
        snprintf(text, sizeof text, use_b ? b : a, i);
        kc_schema *sch;
        kc_value v;
        from_json(c, text, &sch, &v);
        if (use_b) {
            assert_int_equal(sch->type, KC_SCHEMA_STRING);
            char want[8];
            snprintf(want, sizeof want, "v%d", i);
            assert_string_equal(v.u.str.ptr, want);
        } else {
            assert_int_equal(sch->type, KC_SCHEMA_STRUCT);
            assert_int_equal(v.type, KC_VAL_STRUCT);
            assert_int_equal(v.u.map.items[0].val.u.i, i);
        }
        kc_schema_release(sch);
        kc_value_clear(&v);
    }
    kc_schema *sch;
    kc_value v;
    from_json(c, " { \"schema\" : {\"type\":\"string\",\"optional\":false} , \"payload\" : \"spaced\" } ", &sch, &v);
    assert_string_equal(v.u.str.ptr, "spaced");
    kc_schema_release(sch);
    kc_value_clear(&v);
    expect_error(c, "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"v\",\"extra\":1}",
                 "may not contain additional fields");
    expect_error(c, "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"v\"}}", "serialization error");
    expect_error(c, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"x\",\"type\":\"int8\"},"
                    "{\"field\":\"x\",\"type\":\"int8\"}]},\"payload\":{\"x\":1}}",
                 "field name duplication x");
    kc_json_converter_desc.converter->close(c);
}

/* The whole record read by jansson, as the converter read every record before its fast paths. */
static void reference_read(const char *text, kc_schema **s, kc_value *v) {
    json_t *root = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(root);
    kc_error err;
    assert_int_equal(kc_json_to_schema(json_object_get(root, "schema"), s, &err), KC_OK);
    assert_int_equal(kc_json_to_value_with_schema(json_object_get(root, "payload"), *s, v, &err), KC_OK);
    json_decref(root);
}

/* A struct's payload is read member by member into the fields' places (no object built first):
 * members in any order, repeated (the last counts, as in jansson), unknown (ignored, as in
 * Connect) or with escaped names read as the full parse reads them; a struct wider than the
 * in-place reader takes reads the same too. */
static void test_struct_payload_read_in_place_as_the_full_parse(void **st) {
    (void)st;
    void *c = open_conv(1, NULL);
    const char *schema = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
                         "{\"field\":\"a\",\"type\":\"int32\",\"optional\":false},"
                         "{\"field\":\"b\",\"type\":\"int32\",\"optional\":true,\"default\":7},"
                         "{\"field\":\"c\",\"type\":\"string\",\"optional\":true},"
                         "{\"field\":\"d\",\"type\":\"struct\",\"optional\":true,\"fields\":["
                         "{\"field\":\"e\",\"type\":\"boolean\",\"optional\":false}]}]}";
    static const struct {
        const char *payload;
        int64_t a, b;
        const char *c;
    } cases[] = {
        {"{\"a\":1,\"b\":2,\"c\":\"x\",\"d\":{\"e\":true}}", 1, 2, "x"},
        {"{\"d\":null,\"c\":\"y\",\"b\":3,\"a\":4}", 4, 3, "y"},          /* reversed */
        {"{\"a\":1,\"b\":2,\"a\":5}", 5, 2, NULL},                        /* repeated: the last */
        {"{\"zz\":[1,{\"q\":2}],\"a\":1,\"zy\":null,\"b\":2}", 1, 2, NULL}, /* unknown: ignored */
        {"{\"a\":1,\"b\":2,\"\":\"z\"}", 1, 2, NULL},                  /* a name's prefix: unknown */
        {"{\"\\u0061\":6,\"\\u0063\":\"\\u00e9\"}", 6, 7, "\xc3\xa9"},     /* escaped names; b's default */
        {" { \"a\" : 8 , \"b\" : null } ", 8, 7, NULL},                  /* spaces; null: the default */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "{\"schema\":%s,\"payload\":%s}", schema, cases[i].payload);
        kc_schema *s, *rs;
        kc_value v, rv;
        from_json(c, text, &s, &v);
        reference_read(text, &rs, &rv);
        assert_true(kc_schema_equal(s, rs));
        if (!kc_value_equal(&v, &rv)) fail_msg("case %zu: not as the full parse reads it", i);
        assert_int_equal(v.type, KC_VAL_STRUCT);
        assert_int_equal(v.u.map.len, 4);
        const char *names[] = {"a", "b", "c", "d"};
        for (size_t f = 0; f < 4; f++) assert_string_equal(v.u.map.items[f].key.u.str.ptr, names[f]);
        assert_int_equal(v.u.map.items[0].val.u.i, cases[i].a);
        assert_int_equal(v.u.map.items[1].val.u.i, cases[i].b);
        if (cases[i].c) assert_string_equal(v.u.map.items[2].val.u.str.ptr, cases[i].c);
        else assert_int_equal(v.u.map.items[2].val.type, KC_VAL_NULL);
        kc_schema_release(s);
        kc_schema_release(rs);
        kc_value_clear(&v);
        kc_value_clear(&rv);
    }
    char text[1024];
    snprintf(text, sizeof text, "{\"schema\":%s,\"payload\":{\"b\":1}}", schema);
    expect_error(c, text, "field a: Invalid null value for required int32 field");
    snprintf(text, sizeof text, "{\"schema\":%s,\"payload\":{\"a\":1,\"b\":\"2\"}}", schema);
    expect_error(c, text, "field b: Invalid JSON for int32 schema");
    snprintf(text, sizeof text, "{\"schema\":%s,\"payload\":{\"a\":1,\"d\":{}}}", schema);
    expect_error(c, text, "field d: field e: Invalid null value for required boolean field");
    snprintf(text, sizeof text, "{\"schema\":%s,\"payload\":{\"a\":1,}}", schema);
    expect_error(c, text, "serialization error");
    snprintf(text, sizeof text, "{\"schema\":%s,\"payload\":{\"a\":1}x}", schema);
    expect_error(c, text, "serialization error");

    /* 70 fields, f0..f69, given in reverse order */
    kc_buf wide = KC_BUF_INIT;
    kc_buf_puts(&wide, "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"fields\":[");
    for (int f = 0; f < 70; f++) {
        char field[64];
        snprintf(field, sizeof field, "%s{\"field\":\"f%d\",\"type\":\"int64\"}", f ? "," : "", f);
        kc_buf_puts(&wide, field);
    }
    kc_buf_puts(&wide, "]},\"payload\":{");
    for (int f = 69; f >= 0; f--) {
        char member[32];
        snprintf(member, sizeof member, "%s\"f%d\":%d", f < 69 ? "," : "", f, f * 10);
        kc_buf_puts(&wide, member);
    }
    kc_buf_puts(&wide, "}}");
    kc_buf_putc(&wide, '\0');
    assert_false(wide.failed);
    kc_schema *s;
    kc_value v;
    from_json(c, wide.data, &s, &v);
    assert_int_equal(v.u.map.len, 70);
    for (int f = 0; f < 70; f++) assert_int_equal(v.u.map.items[f].val.u.i, f * 10);
    kc_schema_release(s);
    kc_value_clear(&v);
    kc_buf_free(&wide);
    kc_json_converter_desc.converter->close(c);
}

static void test_decimal_text_conversions(void **st) {
    (void)st;
    struct { const char *in; int scale; const char *out; } cases[] = {
        {"0", 2, "0.00"}, {"2.3", 2, "2.30"}, {"-1.5", 1, "-1.5"}, {"1e3", 0, "1000"},
        {"0.005", 2, "0.01"}, {"-0.001", 3, "-0.001"}, {"12345678901234567890.5", 1, "12345678901234567890.5"},
        {"127", 0, "127"}, {"128", 0, "128"}, {"-128", 0, "-128"}, {"-129", 0, "-129"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *u;
        size_t len;
        assert_int_equal(kc_decimal_from_text(cases[i].in, cases[i].scale, &u, &len), 0);
        char *t = kc_decimal_to_text(u, len, cases[i].scale);
        if (strcmp(t, cases[i].out)) fail_msg("%s scale %d -> %s, expected %s", cases[i].in, cases[i].scale, t, cases[i].out);
        free(t);
        free(u);
    }
    uint8_t *u;
    size_t len;
    kc_decimal_from_text("128", 0, &u, &len); /* BigInteger(128).toByteArray() = 00 80 */
    assert_int_equal(len, 2);
    assert_int_equal(u[0], 0x00);
    assert_int_equal(u[1], 0x80);
    free(u);
    assert_int_equal(kc_decimal_from_text("12a", 0, &u, &len), -1);
}

static void test_string_and_bytearray_converters(void **st) {
    (void)st;
    kc_config cfg = {0};
    void *sc = NULL, *bc = NULL;
    kc_error err;
    assert_int_equal(kc_string_converter_desc.converter->configure(&cfg, 0, &sc, &err), KC_OK);
    assert_int_equal(kc_bytearray_converter_desc.converter->configure(&cfg, 0, &bc, &err), KC_OK);
    kc_schema *s;
    kc_value v;
    assert_int_equal(kc_string_converter_desc.converter->to_connect(sc, "t", (const uint8_t *)"abc", 3, &s, &v, &err), KC_OK);
    assert_int_equal(s->type, KC_SCHEMA_STRING);
    assert_true(s->optional);
    assert_string_equal(v.u.str.ptr, "abc");
    { /* every record shares the converter's one schema; a null reads as null with it */
        kc_schema *s2;
        kc_value v2;
        assert_int_equal(kc_string_converter_desc.converter->to_connect(sc, "t", NULL, 0, &s2, &v2, &err), KC_OK);
        assert_ptr_equal(s2, s);
        assert_int_equal(v2.type, KC_VAL_NULL);
        kc_schema_release(s2);
    }
    uint8_t *out;
    size_t len;
    /* ByteArrayConverter refuses a string schema */
    assert_int_equal(kc_bytearray_converter_desc.converter->from_connect(bc, "t", s, &v, &out, &len, &err), KC_EINVAL);
    kc_schema_release(s);
    kc_value_clear(&v);
    assert_int_equal(kc_bytearray_converter_desc.converter->to_connect(bc, "t", (const uint8_t *)"\0\1", 2, &s, &v, &err), KC_OK);
    assert_int_equal(v.type, KC_VAL_BYTES);
    assert_int_equal(kc_bytearray_converter_desc.converter->from_connect(bc, "t", s, &v, &out, &len, &err), KC_OK);
    assert_int_equal(len, 2);
    assert_memory_equal(out, "\0\1", 2);
    free(out);
    kc_schema_release(s);
    kc_value_clear(&v);
    /* StringConverter writes a non-string value as its text */
    kc_value_set_int(&v, 42);
    assert_int_equal(kc_string_converter_desc.converter->from_connect(sc, "t", NULL, &v, &out, &len, &err), KC_OK);
    assert_memory_equal(out, "42", 2);
    free(out);
    kc_string_converter_desc.converter->close(sc);
    kc_bytearray_converter_desc.converter->close(bc);
}

/* from_connect(v) must give exactly the bytes want (len n); reading them back gives a value equal
 * to v with the optional schema type st */
static void number_round_trip(const kc_plugin_desc *d, kc_value v, const uint8_t *want, size_t n, kc_stype st) {
    kc_error err;
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(d->converter->from_connect(NULL, "t", NULL, &v, &out, &len, &err), KC_OK);
    assert_int_equal(len, n);
    assert_memory_equal(out, want, n);
    kc_schema *s = NULL;
    kc_value back;
    assert_int_equal(d->converter->to_connect(NULL, "t", out, len, &s, &back, &err), KC_OK);
    assert_int_equal(s->type, st);
    assert_true(s->optional);
    assert_int_equal(back.type, v.type);
    if (v.type == KC_VAL_INT) assert_int_equal(back.u.i, v.u.i);
    if (v.type == KC_VAL_DOUBLE) assert_true(back.u.d == v.u.d);
    if (v.type == KC_VAL_BOOL) assert_int_equal(back.u.b, v.u.b);
    kc_schema_release(s);
    free(out);
}

static void test_number_converters_as_kafkas_serializers(void **st) {
    (void)st;
    number_round_trip(&kc_integer_converter_desc, (kc_value){.type = KC_VAL_INT, .u.i = -2}, (const uint8_t *)"\xff\xff\xff\xfe",
                      4, KC_SCHEMA_INT32);
    number_round_trip(&kc_short_converter_desc, (kc_value){.type = KC_VAL_INT, .u.i = 258}, (const uint8_t *)"\x01\x02", 2,
                      KC_SCHEMA_INT16);
    number_round_trip(&kc_long_converter_desc, (kc_value){.type = KC_VAL_INT, .u.i = INT64_MIN},
                      (const uint8_t *)"\x80\0\0\0\0\0\0\0", 8, KC_SCHEMA_INT64);
    number_round_trip(&kc_float_converter_desc, (kc_value){.type = KC_VAL_DOUBLE, .u.d = 1.5}, (const uint8_t *)"\x3f\xc0\0\0",
                      4, KC_SCHEMA_FLOAT32);
    number_round_trip(&kc_double_converter_desc, (kc_value){.type = KC_VAL_DOUBLE, .u.d = -0.25},
                      (const uint8_t *)"\xbf\xd0\0\0\0\0\0\0", 8, KC_SCHEMA_FLOAT64);
    number_round_trip(&kc_boolean_converter_desc, (kc_value){.type = KC_VAL_BOOL, .u.b = 1}, (const uint8_t *)"\x01", 1,
                      KC_SCHEMA_BOOLEAN);
    kc_error err;
    uint8_t *out = (uint8_t *)"x";
    size_t len = 9;
    kc_schema *s = NULL;
    kc_value v;
    /* null both ways: no bytes; the optional schema and no value */
    kc_value null = KC_VALUE_NULL_INIT;
    assert_int_equal(kc_long_converter_desc.converter->from_connect(NULL, "t", NULL, &null, &out, &len, &err), KC_OK);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_int_equal(kc_long_converter_desc.converter->to_connect(NULL, "t", NULL, 0, &s, &v, &err), KC_OK);
    assert_int_equal(v.type, KC_VAL_NULL);
    assert_true(s->type == KC_SCHEMA_INT64 && s->optional);
    kc_schema_release(s);
    /* out of range, another kind, bytes of the wrong size, a boolean byte neither 0 nor 1: errors */
    kc_value big = {.type = KC_VAL_INT, .u.i = 40000};
    assert_int_equal(kc_short_converter_desc.converter->from_connect(NULL, "t", NULL, &big, &out, &len, &err), KC_EINVAL);
    assert_non_null(strstr(err.msg, "40000"));
    kc_value text = {.type = KC_VAL_STRING, .u.str = {"7", 1}};
    assert_int_equal(kc_integer_converter_desc.converter->from_connect(NULL, "t", NULL, &text, &out, &len, &err),
                     KC_EINVAL);
    assert_non_null(strstr(err.msg, "Integer"));
    assert_int_equal(kc_integer_converter_desc.converter->to_connect(NULL, "t", (const uint8_t *)"abc", 3, &s, &v, &err),
                     KC_EINVAL);
    assert_non_null(strstr(err.msg, "size of data received is 3, not 4"));
    assert_int_equal(kc_boolean_converter_desc.converter->to_connect(NULL, "t", (const uint8_t *)"\x02", 1, &s, &v, &err),
                     KC_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_example_reads_and_writes_back),
        cmocka_unit_test(test_roundtrip_every_type_base64_decimal),
        cmocka_unit_test(test_roundtrip_every_type_numeric_decimal),
        cmocka_unit_test(test_every_type_without_envelope_is_the_bare_payload),
        cmocka_unit_test(test_schemaless_infers_types_and_roundtrips),
        cmocka_unit_test(test_schemaless_value_in_envelope_has_null_schema),
        cmocka_unit_test(test_tombstones),
        cmocka_unit_test(test_optional_null_in_envelope),
        cmocka_unit_test(test_replace_null_with_default),
        cmocka_unit_test(test_bad_input_gives_clear_errors),
        cmocka_unit_test(test_schema_cache_reads_as_the_full_parse),
        cmocka_unit_test(test_struct_payload_read_in_place_as_the_full_parse),
        cmocka_unit_test(test_decimal_text_conversions),
        cmocka_unit_test(test_string_and_bytearray_converters),
        cmocka_unit_test(test_number_converters_as_kafkas_serializers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
