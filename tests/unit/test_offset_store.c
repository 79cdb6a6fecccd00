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

/* A writer (the offsets topic) that records what it was handed; fails when asked to. */
typedef struct written {
    char keys[8][128], values[8][64];
    int null_value[8];
    size_t n;
    int fail;
} written;

static int record_writer(void *opaque, const char *const *keys, const char *const *values, size_t n, kc_error *err) {
    written *w = opaque;
    if (w->fail) return kc_error_set(err, KC_ERETRY, "broker away");
    w->n = 0;
    for (size_t i = 0; i < n && i < 8; i++, w->n++) {
        snprintf(w->keys[i], sizeof w->keys[i], "%s", keys[i]);
        snprintf(w->values[i], sizeof w->values[i], "%s", values[i] ? values[i] : "");
        w->null_value[i] = !values[i];
    }
    return KC_OK;
}

static void test_writer_gets_changes_and_tombstones_once(void **st) {
    (void)st;
    kc_error err;
    kc_offset_store *s = kc_offset_store_open(NULL, &err);
    written w = {0};
    kc_offset_store_set_writer(s, record_writer, &w);
    kc_value p = KC_VALUE_NULL_INIT, o = KC_VALUE_NULL_INIT, got = KC_VALUE_NULL_INIT;
    make_partition(&p, "a.txt");
    make_offset(&o, 42);
    /* read back from the topic: known, but not written again */
    const char *key = "[\"c1\",{\"filename\":\"a.txt\"}]";
    assert_int_equal(kc_offset_store_load_entry(s, key, strlen(key), "{\"position\":7}", 15), KC_OK);
    assert_int_equal(kc_offset_store_get(s, "c1", &p, &got), KC_OK);
    kc_value_clear(&got);
    assert_int_equal(kc_offset_store_flush(s, &err), KC_OK);
    assert_int_equal(w.n, 0);
    /* committed in a transaction: recorded, not written again */
    assert_int_equal(kc_offset_store_put_durable(s, "c1", &p, &o), KC_OK);
    assert_int_equal(kc_offset_store_flush(s, &err), KC_OK);
    assert_int_equal(w.n, 0);
    /* deleted through REST: a tombstone for the writer, gone for readers at once */
    assert_int_equal(kc_offset_store_put(s, "c1", &p, NULL), KC_OK);
    assert_int_equal(kc_offset_store_get(s, "c1", &p, &got), KC_ENOTFOUND);
    w.fail = 1; /* a failed write keeps the change for the next flush */
    assert_int_equal(kc_offset_store_flush(s, &err), KC_ERETRY);
    w.fail = 0;
    assert_int_equal(kc_offset_store_flush(s, &err), KC_OK);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.keys[0], key);
    assert_true(w.null_value[0]);
    w.n = 99;
    assert_int_equal(kc_offset_store_flush(s, &err), KC_OK); /* nothing left to write */
    assert_int_equal(w.n, 99);
    /* a tombstone read back removes the entry */
    assert_int_equal(kc_offset_store_load_entry(s, key, strlen(key), "{\"position\":9}", 15), KC_OK);
    assert_int_equal(kc_offset_store_load_entry(s, key, strlen(key), NULL, 0), KC_OK);
    assert_int_equal(kc_offset_store_get(s, "c1", &p, &got), KC_ENOTFOUND);
    kc_value_clear(&p);
    kc_value_clear(&o);
    kc_offset_store_close(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets_survive_reopen),
        cmocka_unit_test(test_corrupt_file_starts_empty),
        cmocka_unit_test(test_unwritable_location_is_an_error),
        cmocka_unit_test(test_writer_gets_changes_and_tombstones_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
