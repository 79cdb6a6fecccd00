/* The standalone offset store: Connect's key shape, durability across reopen, atomic files. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kc_offset_store.h"
#include "kc_value_int.h"

static void make_partition(kc_value *p, const char *file) {
    kc_value_init_map(p);
    kc_value v = KC_VALUE_NULL_INIT;
    kc_value_set_cstr(&v, file);
    kc_map_put_str(p, "filename", &v);
}

static void make_offset(kc_value *o, int64_t pos) {
    kc_value_init_map(o);
    kc_value v = KC_VALUE_NULL_INIT;
    kc_value_set_int(&v, pos);
    kc_map_put_str(o, "position", &v);
}

static void test_offsets_survive_reopen(void **st) {
    (void)st;
    char path[] = "/tmp/kcd-offsets-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path); /* a missing file is an empty store */
    kc_error err;
    kc_offset_store *s = kc_offset_store_open(path, &err);
    assert_non_null(s);
    kc_value p, o, got;
    make_partition(&p, "/data/in.txt");
    assert_int_equal(kc_offset_store_get(s, "c1", &p, &got), KC_ENOTFOUND);
    make_offset(&o, 4096);
    assert_int_equal(kc_offset_store_put(s, "c1", &p, &o), KC_OK);
    kc_value_clear(&o);
    make_offset(&o, 8192);
    assert_int_equal(kc_offset_store_put(s, "c1", &p, &o), KC_OK); /* replaces */
    assert_int_equal(kc_offset_store_flush(s, &err), KC_OK);
    kc_offset_store_close(s);

    /* Connect's key: ["connector",{partition}] as compact JSON */
    FILE *f = fopen(path, "r");
    char buf[4096] = {0};
    fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    assert_non_null(strstr(buf, "[\\\"c1\\\",{\\\"filename\\\":\\\"/data/in.txt\\\"}]"));

    s = kc_offset_store_open(path, &err);
    assert_int_equal(kc_offset_store_get(s, "c1", &p, &got), KC_OK);
    assert_true(kc_value_equal(&got, &o));
    kc_value_clear(&got);
    /* another connector with the same partition is a different key */
    assert_int_equal(kc_offset_store_get(s, "c2", &p, &got), KC_ENOTFOUND);
    /* deleting */
    assert_int_equal(kc_offset_store_put(s, "c1", &p, NULL), KC_OK);
    assert_int_equal(kc_offset_store_flush(s, &err), KC_OK);
    kc_offset_store_close(s);
    s = kc_offset_store_open(path, &err);
    assert_int_equal(kc_offset_store_get(s, "c1", &p, &got), KC_ENOTFOUND);
    kc_offset_store_close(s);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_not_equal(access(tmp, F_OK), 0); /* renamed into place, no leftovers */
    kc_value_clear(&p);
    kc_value_clear(&o);
    unlink(path);
}

static void test_corrupt_file_starts_empty(void **st) {
    (void)st;
    char path[] = "/tmp/kcd-offsets-XXXXXX";
    int fd = mkstemp(path);
    assert_int_equal(write(fd, "{\"version\":1,\"offs", 18), 18);
    close(fd);
    kc_error err;
    kc_offset_store *s = kc_offset_store_open(path, &err);
    assert_non_null(s);
    kc_value p, got;
    make_partition(&p, "x");
    assert_int_equal(kc_offset_store_get(s, "c", &p, &got), KC_ENOTFOUND);
    kc_offset_store_close(s);
    kc_value_clear(&p);
    unlink(path);
}

static void test_unwritable_location_is_an_error(void **st) {
    (void)st;
    kc_error err;
    kc_offset_store *s = kc_offset_store_open("/nonexistent-dir-kcd/offsets.json", &err);
    assert_non_null(s);
    kc_value p, o;
    make_partition(&p, "x");
    make_offset(&o, 1);
    kc_offset_store_put(s, "c", &p, &o);
    assert_int_equal(kc_offset_store_flush(s, &err), KC_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir-kcd/offsets.json"));
    kc_offset_store_close(s);
    kc_value_clear(&p);
    kc_value_clear(&o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets_survive_reopen),
        cmocka_unit_test(test_corrupt_file_starts_empty),
        cmocka_unit_test(test_unwritable_location_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
