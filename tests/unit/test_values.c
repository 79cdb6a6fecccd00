/* Connect's Values as SimpleHeaderConverter uses them: text read back with its schema inferred,
 * values written as text. The expectations are Connect 4.1's (its ValuesTest and what its
 * SimpleHeaderConverter gives for the same text), quirks included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kc_converter_int.h"
#include "kc_value_int.h"
#include "kc_values.h"

typedef struct parsed {
    kc_schema *schema;
    kc_value v;
} parsed;

static parsed parse(const char *text) {
    parsed p;
    kc_error err;
    assert_int_equal(kc_values_parse(text, strlen(text), &p.schema, &p.v, &err), KC_OK);
    return p;
}

static void done(parsed *p) {
    kc_schema_release(p->schema);
    kc_value_clear(&p->v);
}

static char *text_of(const kc_schema *s, const kc_value *v) {
    kc_buf b = KC_BUF_INIT;
    kc_values_append_text(&b, s, v);
    assert_false(b.failed);
    kc_buf_putc(&b, '\0');
    return kc_buf_detach(&b);
}

static void expect_integer(const char *text, kc_stype type, int64_t want) {
    parsed p = parse(text);
    assert_non_null(p.schema);
    assert_int_equal(p.schema->type, type);
    assert_int_equal(p.v.type, KC_VAL_INT);
    assert_true(p.v.u.i == want);
    done(&p);
}

static void expect_text(const char *text, const char *want) {
    parsed p = parse(text);
    assert_non_null(p.schema);
    assert_int_equal(p.schema->type, KC_SCHEMA_STRING);
    assert_string_equal(p.v.u.str.ptr, want);
    done(&p);
}

static void test_literals(void **st) {
    (void)st;
    parsed p = parse("true");
    assert_int_equal(p.schema->type, KC_SCHEMA_BOOLEAN);
    assert_true(p.v.u.b);
    done(&p);
    p = parse(" false ");
    assert_int_equal(p.schema->type, KC_SCHEMA_BOOLEAN);
    assert_false(p.v.u.b);
    done(&p);
    p = parse("null");
    assert_null(p.schema);
    assert_int_equal(p.v.type, KC_VAL_NULL);
    done(&p);
    expect_text("true}", "true}"); /* a literal followed by more is the text */
    expect_text("", "");
    expect_text("   ", "   ");
    expect_text("hello, world", "hello, world");
    expect_text("{a:1}", "{a:1}"); /* a map key must be quoted: not a map, the text */
    expect_text("[1,,2]", "[1,,2]");
    expect_text("[1, null]", "[1, null]"); /* a null among required int8s fails the array */
}

static void test_numbers_take_the_smallest_type(void **st) {
    (void)st;
    expect_integer("42", KC_SCHEMA_INT8, 42);
    expect_integer("-128", KC_SCHEMA_INT8, -128);
    expect_integer("300", KC_SCHEMA_INT16, 300);
    expect_integer("70000", KC_SCHEMA_INT32, 70000);
    expect_integer("5000000000", KC_SCHEMA_INT64, 5000000000LL);
    expect_integer("-9223372036854775808", KC_SCHEMA_INT64, INT64_MIN);
    expect_integer("1.0", KC_SCHEMA_INT8, 1);  /* integral: an integer, whatever its scale */
    expect_integer("1e3", KC_SCHEMA_INT16, 1000);
    expect_integer("+5", KC_SCHEMA_INT8, 5);
    expect_integer("1:2", KC_SCHEMA_INT8, 1); /* Connect reads the first token only */
    parsed p = parse("1.5");
    assert_int_equal(p.schema->type, KC_SCHEMA_FLOAT32);
    assert_true(p.v.u.d == 1.5);
    done(&p);
    p = parse("0.1");
    assert_int_equal(p.schema->type, KC_SCHEMA_FLOAT32);
    assert_true(p.v.u.d == (double)0.1f);
    done(&p);
    p = parse("1e30"); /* integral but beyond a long, with an exponent: a float */
    assert_int_equal(p.schema->type, KC_SCHEMA_FLOAT32);
    done(&p);
    p = parse("1.5e39"); /* beyond a float */
    assert_int_equal(p.schema->type, KC_SCHEMA_FLOAT64);
    assert_true(p.v.u.d == 1.5e39);
    done(&p);
    p = parse("100000000000000000000"); /* beyond a long, no exponent: a Decimal of scale 0 */
    assert_int_equal(p.schema->type, KC_SCHEMA_BYTES);
    assert_string_equal(p.schema->name, KC_LOGICAL_DECIMAL);
    assert_string_equal(kc_schema_param(p.schema, "scale"), "0");
    char *t = text_of(p.schema, &p.v);
    assert_string_equal(t, "100000000000000000000");
    free(t);
    done(&p);
    char digits[1102];
    memset(digits, '7', 1101);
    digits[1101] = '\0';
    expect_text(digits, digits); /* past 1000 characters a number is text (values.c) */
    expect_text("12abc", "12abc");
    expect_text("1.2.3", "1.2.3");
    expect_text("-", "-");
}

static void test_temporal_literals(void **st) {
    (void)st;
    parsed p = parse("2020-01-02");
    assert_string_equal(p.schema->name, KC_LOGICAL_DATE);
    assert_int_equal(p.v.type, KC_VAL_DATE);
    assert_int_equal(p.v.u.i, 18263);
    done(&p);
    p = parse("12:34:56.789Z");
    assert_string_equal(p.schema->name, KC_LOGICAL_TIME);
    assert_int_equal(p.v.type, KC_VAL_TIME);
    assert_int_equal(p.v.u.i, 45296789);
    done(&p);
    p = parse("2020-01-02T12:34:56.789Z");
    assert_string_equal(p.schema->name, KC_LOGICAL_TIMESTAMP);
    assert_int_equal(p.schema->type, KC_SCHEMA_INT64);
    assert_true(p.v.u.i == 18263LL * 86400000 + 45296789);
    done(&p);
    p = parse("[\"2020-01-02\"]"); /* a quoted date inside an array is a date too */
    assert_int_equal(p.schema->type, KC_SCHEMA_ARRAY);
    assert_string_equal(p.schema->items->name, KC_LOGICAL_DATE);
    done(&p);
    /* kcd's one departure (values.c): Connect's lenient date parser reads this as 2020-12-31 */
    expect_text("2020-13-0x", "2020-13-0x");
    p = parse("[2020-01-02, 5]"); /* a number among dates is days, as Connect converts it */
    assert_string_equal(p.schema->items->name, KC_LOGICAL_DATE);
    assert_int_equal(p.v.u.arr.items[1].type, KC_VAL_DATE);
    assert_int_equal(p.v.u.arr.items[1].u.i, 5);
    done(&p);
    expect_text("[12:00:00.000Z, 1.5]", "[12:00:00.000Z, 1.5]"); /* a time among floats fails the array */
}

static void test_arrays_and_maps_widen_to_a_common_schema(void **st) {
    (void)st;
    parsed p = parse("[1, 2, 3]");
    assert_int_equal(p.schema->type, KC_SCHEMA_ARRAY);
    assert_int_equal(p.schema->items->type, KC_SCHEMA_INT8);
    assert_int_equal(p.v.u.arr.len, 3);
    done(&p);
    p = parse("[1, 2.5, 300]");
    assert_int_equal(p.schema->items->type, KC_SCHEMA_FLOAT32);
    assert_int_equal(p.v.u.arr.items[0].type, KC_VAL_DOUBLE);
    assert_true(p.v.u.arr.items[2].u.d == 300.0);
    done(&p);
    p = parse("[]");
    assert_int_equal(p.schema->type, KC_SCHEMA_ARRAY);
    assert_null(p.schema->items);
    done(&p);
    p = parse("[\"a\", \"b\\\"c\"]"); /* escapes stay as Connect keeps them */
    assert_int_equal(p.schema->items->type, KC_SCHEMA_STRING);
    assert_string_equal(p.v.u.arr.items[1].u.str.ptr, "b\\\"c");
    done(&p);
    p = parse("{\"a\": 1, \"b\": 70000}");
    assert_int_equal(p.schema->type, KC_SCHEMA_MAP);
    assert_int_equal(p.schema->keys->type, KC_SCHEMA_STRING);
    assert_int_equal(p.schema->values->type, KC_SCHEMA_INT32);
    assert_int_equal(p.v.u.map.len, 2);
    done(&p);
    p = parse("{\"a\": 1, \"b\": \"x\"}"); /* values without a common schema: a map of null values' schema */
    assert_int_equal(p.schema->type, KC_SCHEMA_MAP);
    assert_non_null(p.schema->keys);
    assert_null(p.schema->values);
    done(&p);
    p = parse("[[1], [2, 3]]");
    assert_int_equal(p.schema->items->type, KC_SCHEMA_ARRAY);
    assert_int_equal(p.v.u.arr.items[1].u.arr.len, 2);
    done(&p);
    p = parse("[1, 2] and more"); /* Connect stops after the array */
    assert_int_equal(p.schema->type, KC_SCHEMA_ARRAY);
    done(&p);
}

static void test_deep_nesting_is_an_error_not_a_crash(void **st) {
    (void)st;
    /* a map past 4096 entries is text (values.c): a megabyte of header is read in time */
    kc_buf big = KC_BUF_INIT;
    kc_buf_putc(&big, '{');
    for (int i = 0; i < 5000; i++) kc_buf_printf(&big, "%s\"k%d\":%d", i ? "," : "", i, i);
    kc_buf_putc(&big, '}');
    kc_buf_putc(&big, '\0');
    expect_text(big.data, big.data);
    kc_buf_free(&big);
    char text[400];
    memset(text, '[', 300);
    text[300] = '\0';
    kc_schema *s;
    kc_value v;
    kc_error err;
    assert_int_equal(kc_values_parse(text, 300, &s, &v, &err), KC_EINVAL);
    assert_non_null(strstr(err.msg, "nested"));
    expect_text("[[[[[[[[[[", "[[[[[[[[[["); /* unclosed but shallow: the text */
}

static void expect_double_text(double d, int is_float, const char *want) {
    kc_buf b = KC_BUF_INIT;
    kc_values_append_java_double(&b, d, is_float);
    kc_buf_putc(&b, '\0');
    assert_string_equal(b.data, want);
    kc_buf_free(&b);
}

static void test_java_number_text(void **st) {
    (void)st;
    expect_double_text(1.5, 0, "1.5");
    expect_double_text(100, 0, "100.0");
    expect_double_text(1e7, 0, "1.0E7");
    expect_double_text(1234567.0, 0, "1234567.0");
    expect_double_text(0.001, 0, "0.001");
    expect_double_text(1e-4, 0, "1.0E-4");
    expect_double_text(-2.5e-10, 0, "-2.5E-10");
    expect_double_text(0.1, 0, "0.1");
    expect_double_text((double)0.1f, 1, "0.1");
    expect_double_text((double)0.1f, 0, "0.10000000149011612");
    expect_double_text(0.0, 0, "0.0");
    expect_double_text(-0.0, 0, "-0.0");
    expect_double_text(1.0 / 0.0, 0, "Infinity");
}

static void test_values_as_text(void **st) {
    (void)st;
    kc_value v = KC_VALUE_NULL_INIT;
    kc_value_set_cstr(&v, "a \"b\"");
    char *t = text_of(NULL, &v); /* top-level strings bare */
    assert_string_equal(t, "a \"b\"");
    free(t);
    kc_value arr;
    kc_value_init_array(&arr);
    kc_array_push(&arr, &v);
    kc_value_set_int(&v, 7);
    kc_array_push(&arr, &v);
    t = text_of(NULL, &arr); /* inside: quoted, escaped */
    assert_string_equal(t, "[\"a \\\"b\\\"\",7]");
    free(t);
    kc_value_clear(&arr);

    kc_value m;
    kc_value_init_map(&m);
    kc_value k = KC_VALUE_NULL_INIT, x = KC_VALUE_NULL_INIT;
    kc_value_set_cstr(&k, "k");
    kc_value_set_bool(&x, 1);
    kc_map_put(&m, &k, &x);
    t = text_of(NULL, &m);
    assert_string_equal(t, "{\"k\":true}");
    free(t);
    kc_value_clear(&m);

    kc_value_set_bytes(&v, "hi", 2);
    t = text_of(NULL, &v);
    assert_string_equal(t, "aGk=");
    free(t);
    kc_value_clear(&v);

    v.type = KC_VAL_DATE;
    v.u.i = 18263;
    t = text_of(NULL, &v);
    assert_string_equal(t, "2020-01-02");
    free(t);
    v.type = KC_VAL_TIME;
    v.u.i = 45296789;
    t = text_of(NULL, &v);
    assert_string_equal(t, "12:34:56.789Z");
    free(t);
    v.type = KC_VAL_TIMESTAMP;
    v.u.i = 18263LL * 86400000 + 45296789;
    t = text_of(NULL, &v);
    assert_string_equal(t, "2020-01-02T12:34:56.789Z");
    free(t);
    v.u.i = 18263LL * 86400000; /* a timestamp at midnight prints as a date, as in Java */
    t = text_of(NULL, &v);
    assert_string_equal(t, "2020-01-02");
    free(t);

    struct { const char *digits; int32_t scale; const char *want; } decimals[] = {
        {"12345", 2, "123.45"}, {"-5", 3, "-0.005"}, {"1", -3, "1E+3"}, {"1", 10, "1E-10"}, {"7", 0, "7"}};
    for (size_t i = 0; i < sizeof decimals / sizeof decimals[0]; i++) {
        kc_value d = {.type = KC_VAL_DECIMAL};
        assert_int_equal(kc_decimal_from_text(decimals[i].digits, 0, &d.u.dec.unscaled, &d.u.dec.len), 0);
        d.u.dec.scale = decimals[i].scale;
        t = text_of(NULL, &d);
        assert_string_equal(t, decimals[i].want);
        free(t);
        kc_value_clear(&d);
    }

    kc_value f = KC_VALUE_NULL_INIT;
    kc_value_set_double(&f, (double)0.1f);
    kc_schema *f32 = kc_schema_new(KC_SCHEMA_FLOAT32, 0);
    t = text_of(f32, &f);
    assert_string_equal(t, "0.1");
    free(t);
    kc_schema_release(f32);
}

/* What Connect writes, kcd reads back to the same text. */
static void test_text_round_trips(void **st) {
    (void)st;
    const char *texts[] = {"42", "-1.5", "true", "[1,2,3]", "{\"a\":1,\"b\":2}", "[\"x\",\"y\"]", "2020-01-02",
                           "12:34:56.789Z", "2020-01-02T12:34:56.789Z", "[[1],[2,3]]", "plain text", "1.0E10",
                           "{\"k\":[true,false]}"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        parsed p = parse(texts[i]);
        char *t = text_of(p.schema, &p.v);
        assert_string_equal(t, strcmp(texts[i], "1.0E10") ? texts[i] : "10000000000");
        free(t);
        done(&p);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_numbers_take_the_smallest_type),
        cmocka_unit_test(test_temporal_literals),
        cmocka_unit_test(test_arrays_and_maps_widen_to_a_common_schema),
        cmocka_unit_test(test_deep_nesting_is_an_error_not_a_crash),
        cmocka_unit_test(test_java_number_text),
        cmocka_unit_test(test_values_as_text),
        cmocka_unit_test(test_text_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
