/* The herder under memory pressure, SQLite-style: the Nth allocation made by the worker's code
 * fails, for N = 0, 1, 2, ... until a call makes fewer than N allocations. Whatever N, a create
 * either happens whole or not at all, and a reconfiguration leaves the old config or puts the
 * new one, never half of each; valgrind (./dev test) checks that no failure path leaks.
 *
 * malloc, calloc, realloc, strdup, strndup and vasprintf are wrapped at link time
 * (-Wl,--wrap), so only calls from kc_core and this file fail, not those inside libc, jansson or
 * cmocka. Connectors are the idle-source fixture's: they run without tasks, so no Kafka. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kc_herder.h"

static long fail_countdown = -1; /* -1: nothing fails; 0: the next allocation fails */

static int injected_failure(void) {
    if (fail_countdown < 0) return 0;
    return fail_countdown-- == 0;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);

void *__wrap_malloc(size_t n) { return injected_failure() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return injected_failure() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return injected_failure() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return injected_failure() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n) { return injected_failure() ? NULL : __real_strndup(s, n); }
int __wrap_vasprintf(char **out, const char *fmt, va_list ap) {
    if (injected_failure()) {
        *out = NULL;
        return -1;
    }
    return __real_vasprintf(out, fmt, ap);
}

typedef struct fixture {
    kc_worker w;
    kc_herder *h;
} fixture;

static int setup(void **st) {
    static fixture f;
    char path[4096];
    snprintf(path, sizeof path, "%s/idle", getenv("KCD_TEST_PLUGINS"));
    kc_config cfg = {0};
    kc_strlist problems = {0};
    kc_error err;
    if (kc_config_set(&cfg, "plugin.path", path) || kc_config_set(&cfg, "log.level", "ERROR")) return -1;
    kc_worker_config_check(&cfg, &problems, NULL);
    if (kc_worker_init(&f.w, &cfg, &problems) || problems.len) return -1;
    f.h = kc_herder_new(&f.w, NULL, &err);
    kc_config_free(&cfg);
    kc_strlist_free(&problems);
    *st = &f;
    return f.h ? 0 : -1;
}

static int teardown(void **st) {
    fixture *f = *st;
    kc_herder_free(f->h);
    kc_worker_free(&f->w);
    return 0;
}

static kc_config connector_config(const char *name, const char *level) {
    kc_config c = {0};
    assert_int_equal(kc_config_set(&c, "name", name), 0);
    assert_int_equal(kc_config_set(&c, "connector.class", "com.example.kcd.IdleSourceConnector"), 0);
    assert_int_equal(kc_config_set(&c, "level", level), 0);
    return c;
}

/* The level a connector's shown config holds, or NULL when it does not exist. */
static char *shown_level(kc_herder *h, const char *name) {
    json_t *j = kc_herder_config(h, name);
    char *level = j ? __real_strdup(json_string_value(json_object_get(j, "level"))) : NULL;
    json_decref(j);
    return level;
}

/* Runs put with the Nth allocation failing; returns its code, *fired whether the failure happened. */
static int put_failing_at(kc_herder *h, const kc_config *cfg, long n, int replace, int *fired) {
    kc_strlist problems = {0};
    kc_error err;
    int created = 0;
    fail_countdown = n;
    int rc = kc_herder_put(h, cfg, KC_TARGET_STARTED, replace, &created, &problems, &err);
    *fired = fail_countdown < 0;
    fail_countdown = -1;
    if (rc) /* only memory may fail here: the configs are valid */
        assert_true(rc == KC_ENOMEM || (rc == KC_EINVAL && kc_problems_found(&problems)));
    kc_strlist_free(&problems);
    return rc;
}

static void test_create_is_whole_or_nothing(void **st) {
    fixture *f = *st;
    kc_config cfg = connector_config("oom-create", "3");
    int fired = 1, failures = 0;
    long n;
    for (n = 0; fired; n++) {
        int rc = put_failing_at(f->h, &cfg, n, 0, &fired);
        char *level = shown_level(f->h, "oom-create");
        if (rc) {
            assert_null(level); /* nothing half-made */
            failures++;
        } else {
            assert_non_null(level);
            assert_string_equal(level, "3");
            kc_error err;
            assert_int_equal(kc_herder_delete(f->h, "oom-create", &err), KC_OK);
        }
        free(level);
    }
    printf("create: %ld allocations tried, %d failed cleanly\n", n - 1, failures);
    assert_true(failures > 10); /* the loop really reached the herder's allocations */
    kc_config_free(&cfg);
}

static void test_reconfigure_keeps_old_or_puts_new(void **st) {
    fixture *f = *st;
    kc_config v1 = connector_config("oom-reconf", "1"), v2 = connector_config("oom-reconf", "2");
    int fired = 1, failures = 0;
    assert_int_equal(put_failing_at(f->h, &v1, -1, 0, &fired), KC_OK);
    long n;
    for (n = 0; fired; n++) {
        int rc = put_failing_at(f->h, &v2, n, 1, &fired);
        char *level = shown_level(f->h, "oom-reconf");
        assert_non_null(level); /* a failed reconfiguration never deletes */
        assert_string_equal(level, rc ? "1" : "2");
        failures += rc != 0;
        free(level);
        int unused;
        if (!rc) assert_int_equal(put_failing_at(f->h, &v1, -1, 1, &unused), KC_OK); /* back to v1 */
    }
    printf("reconfigure: %ld allocations tried, %d failed cleanly\n", n - 1, failures);
    assert_true(failures > 10);
    kc_error err;
    assert_int_equal(kc_herder_delete(f->h, "oom-reconf", &err), KC_OK);
    kc_config_free(&v1);
    kc_config_free(&v2);
}

static void test_validate_under_pressure(void **st) {
    fixture *f = *st;
    kc_config cfg = connector_config("oom-validate", "12"); /* level above its max: one error */
    long n;
    int fired = 1;
    for (n = 0; fired; n++) {
        fail_countdown = n;
        json_t *j = kc_herder_validate(f->h, "IdleSourceConnector", &cfg);
        fired = fail_countdown < 0;
        fail_countdown = -1;
        if (j) assert_true(json_integer_value(json_object_get(j, "error_count")) >= 1); /* never "valid" */
        json_decref(j);
    }
    printf("validate: %ld allocations tried\n", n - 1);
    kc_config_free(&cfg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_is_whole_or_nothing),
        cmocka_unit_test(test_reconfigure_keeps_old_or_puts_new),
        cmocka_unit_test(test_validate_under_pressure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
