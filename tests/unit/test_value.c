/* Values, schemas and records: ownership, copies, equality, text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kc_value_int.h"

static void test_map_put_replaces_existing_key(void **st) {
    (void)st;
    kc_value m, v = KC_VALUE_NULL_INIT;
    kc_value_init_map(&m);
    kc_value_set_int(&v, 1);
    assert_int_equal(kc_map_put_str(&m, "a", &v), KC_OK);
    kc_value_set_cstr(&v, "two");
    assert_int_equal(kc_map_put_str(&m, "a", &v), KC_OK);
    assert_int_equal(m.u.map.len, 1);
    const kc_value *got = kc_map_get_str(&m, "a");
    assert_non_null(got);
    assert_int_equal(got->type, KC_VAL_STRING);
    assert_string_equal(got->u.str.ptr, "two");
    assert_int_equal(v.type, KC_VAL_NULL); /* moved */
    assert_null(kc_map_get_str(&m, "b"));
    kc_value_clear(&m);
}

static void test_copy_is_deep_and_equal(void **st) {
    (void)st;
    kc_value root, arr, item = KC_VALUE_NULL_INIT, copy;
    kc_value_init_struct(&root);
    kc_value_init_array(&arr);
    kc_value_set_cstr(&item, "x");
    kc_array_push(&arr, &item);
    kc_value_set_bytes(&item, "\0\1\2", 3);
    kc_array_push(&arr, &item);
    kc_map_put_str(&root, "list", &arr);
    kc_value dec = {.type = KC_VAL_DECIMAL};
    dec.u.dec.unscaled = malloc(2);
    dec.u.dec.unscaled[0] = 0x00;
    dec.u.dec.unscaled[1] = 0xE6;
    dec.u.dec.len = 2;
    dec.u.dec.scale = 2;
    kc_map_put_str(&root, "amt", &dec);
    assert_int_equal(kc_value_copy(&copy, &root), KC_OK);
    assert_true(kc_value_equal(&root, &copy));
    /* deep: changing the copy leaves the original alone */
    copy.u.map.items[0].val.u.arr.items[0].u.str.ptr[0] = 'y';
    assert_false(kc_value_equal(&root, &copy));
    kc_value_clear(&root);
    kc_value_clear(&copy);
}

static void test_value_to_text_is_json_with_bare_top_string(void **st) {
    (void)st;
    kc_value s = KC_VALUE_NULL_INIT, m;
    kc_value_set_cstr(&s, "he said \"hi\"");
    char *t = kc_value_to_text(&s);
    assert_string_equal(t, "he said \"hi\"");
    free(t);
    kc_value_init_map(&m);
    kc_map_put_str(&m, "q", &s);
    kc_value b = KC_VALUE_NULL_INIT;
    kc_value_set_bool(&b, 1);
    kc_map_put_str(&m, "ok", &b);
    t = kc_value_to_text(&m);
    assert_string_equal(t, "{\"q\":\"he said \\\"hi\\\"\",\"ok\":true}");
    free(t);
    kc_value_clear(&m);
}

static void test_schema_refcount_and_equality(void **st) {
    (void)st;
    kc_schema *a = kc_schema_new(KC_SCHEMA_STRUCT, 0), *b = kc_schema_new(KC_SCHEMA_STRUCT, 0);
    kc_schema_add_field(a, "id", kc_schema_new(KC_SCHEMA_INT64, 0));
    kc_schema_add_field(b, "id", kc_schema_new(KC_SCHEMA_INT64, 0));
    assert_true(kc_schema_equal(a, b));
    kc_schema_add_field(b, "name", kc_schema_new(KC_SCHEMA_STRING, 1));
    assert_false(kc_schema_equal(a, b));
    kc_schema_retain(a);
    assert_int_equal(a->refcnt, 2);
    kc_schema_release(a);
    assert_int_equal(a->refcnt, 1);
    kc_schema_release(a);
    kc_schema_release(b);
}

static void test_record_headers_and_list(void **st) {
    (void)st;
    kc_records list = {0};
    for (int i = 0; i < 100; i++) {
        kc_record *r = kc_record_new();
        assert_int_equal(r->partition, -1);
        assert_int_equal(r->timestamp, -1);
        kc_record_set_topic(r, "t");
        kc_value v = KC_VALUE_NULL_INIT;
        kc_value_set_cstr(&v, "hv");
        assert_int_equal(kc_record_add_header(r, "h", NULL, &v), KC_OK);
        assert_int_equal(kc_records_push(&list, r), KC_OK);
    }
    assert_int_equal(list.len, 100);
    kc_record *kept = kc_record_retain(list.items[7]);
    kc_records_free(&list);
    assert_string_equal(kept->headers[0].key, "h"); /* still alive: retained */
    kc_record_release(kept);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_put_replaces_existing_key),
        cmocka_unit_test(test_copy_is_deep_and_equal),
        cmocka_unit_test(test_value_to_text_is_json_with_bare_top_string),
        cmocka_unit_test(test_schema_refcount_and_equality),
        cmocka_unit_test(test_record_headers_and_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
