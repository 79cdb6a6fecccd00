/* The plugin loader: ABI checks before any plugin code runs, refusals that name the file and
 * both versions, and Connect's ways of naming a class. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kc_converter_int.h"
#include "kc_plugin_int.h"

static char plugins_dir[1024];

static const char *fixture(const char *rel) {
    static char path[2048];
    snprintf(path, sizeof path, "%s/%s", getenv("KCD_TEST_PLUGINS"), rel);
    return path;
}

static void test_other_abi_major_is_refused_naming_file_and_versions(void **st) {
    (void)st;
    kc_registry r;
    kc_registry_init(&r);
    kc_error err;
    const char *path = fixture("bad-abi/kcd-test-bad-abi.so");
    /* the fixture's init() aborts: reaching it would kill this test */
    assert_int_equal(kc_registry_load_file(&r, path, &err), KC_EABI);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "plugin built for ABI 2.0"));
    char provides[64];
    snprintf(provides, sizeof provides, "kcd provides ABI %d.%d", KC_ABI_MAJOR, KC_ABI_MINOR);
    assert_non_null(strstr(err.msg, provides));
    assert_int_equal(r.len, 0);
    kc_registry_free(&r);
}

static void test_object_without_describe_is_refused(void **st) {
    (void)st;
    kc_registry r;
    kc_registry_init(&r);
    kc_error err;
    assert_int_equal(kc_registry_load_file(&r, fixture("not-a-plugin/kcd-test-not-a-plugin.so"), &err), KC_EABI);
    assert_non_null(strstr(err.msg, "missing kc_plugin_describe()"));
    kc_registry_free(&r);
}

static void test_descriptor_checks(void **st) {
    (void)st;
    kc_plugin_desc d = kc_json_converter_desc;
    kc_error err;
    assert_int_equal(kc_plugin_check(&d, "x.so", &err), KC_OK);
    d.magic = 0x12345678;
    assert_int_equal(kc_plugin_check(&d, "x.so", &err), KC_EABI);
    assert_non_null(strstr(err.msg, "bad magic"));
    d = kc_json_converter_desc;
    d.abi_minor = KC_ABI_MINOR + 1;
    assert_int_equal(kc_plugin_check(&d, "x.so", &err), KC_EABI);
    assert_non_null(strstr(err.msg, "upgrade kcd"));
    d = kc_json_converter_desc;
    d.struct_size = 8;
    assert_int_equal(kc_plugin_check(&d, "x.so", &err), KC_EABI);
    assert_non_null(strstr(err.msg, "descriptor size 8"));
    /* a plugin built against ABI 1.0 has the shorter descriptor without flags: accepted, no flags */
    d = kc_json_converter_desc;
    d.abi_minor = 0;
    d.struct_size = offsetof(kc_plugin_desc, flags);
    d.flags = KC_PLUGIN_EXACTLY_ONCE; /* beyond its struct_size: must not be read */
    assert_int_equal(kc_plugin_check(&d, "x.so", &err), KC_OK);
    kc_plugin p10 = {.desc = &d};
    assert_int_equal(kc_plugin_flags(&p10), 0);
    d.struct_size = sizeof d;
    assert_int_equal(kc_plugin_flags(&p10), KC_PLUGIN_EXACTLY_ONCE);
    d = kc_json_converter_desc;
    d.converter = NULL;
    assert_int_equal(kc_plugin_check(&d, "x.so", &err), KC_EABI);
    assert_int_equal(kc_plugin_check(NULL, "x.so", &err), KC_EABI);
}

static void test_bad_plugin_does_not_stop_the_others(void **st) {
    (void)st;
    kc_registry r;
    kc_registry_init(&r);
    char path[4200];
    snprintf(path, sizeof path, "%s,%s", plugins_dir, fixture("bad-abi"));
    kc_strlist errors = {0};
    kc_registry_load_path(&r, path, &errors);
    assert_int_equal(errors.len, 1);
    assert_non_null(strstr(errors.items[0], "kcd-test-bad-abi.so"));
    assert_non_null(kc_registry_find(&r, "file-source", 0));
    assert_non_null(kc_registry_find(&r, "file-sink", 0));
    assert_int_equal(r.searched.len, 2);
    kc_strlist_free(&errors);
    kc_registry_free(&r);
}

static void test_class_name_forms(void **st) {
    (void)st;
    kc_registry r;
    kc_registry_init(&r);
    kc_strlist errors = {0};
    kc_registry_load_path(&r, plugins_dir, &errors);
    assert_int_equal(errors.len, 0);
    const char *names[] = {"org.apache.kafka.connect.file.FileStreamSinkConnector", "FileStreamSinkConnector",
                           "FileStreamSink", "file-sink"};
    for (size_t i = 0; i < 4; i++) {
        const kc_plugin *p = kc_registry_find(&r, names[i], KC_PLUGIN_SINK);
        if (!p) fail_msg("%s not found", names[i]);
        assert_string_equal(p->desc->name, "file-sink");
    }
    assert_null(kc_registry_find(&r, "FileStreamSin", 0));
    assert_null(kc_registry_find(&r, "FileStreamSink", KC_PLUGIN_SOURCE)); /* kind must match */
    assert_null(kc_registry_find(&r, "com.example.FileStreamSinkConnectorX", 0));
    kc_registry_free(&r);
}

static void test_duplicate_plugin_is_refused(void **st) {
    (void)st;
    kc_registry r;
    kc_registry_init(&r);
    kc_error err;
    assert_int_equal(kc_registry_add_builtin(&r, &kc_json_converter_desc, &err), KC_OK);
    assert_int_equal(kc_registry_add_builtin(&r, &kc_json_converter_desc, &err), KC_EINVAL);
    assert_non_null(strstr(err.msg, "already loaded"));
    kc_registry_free(&r);
}

int main(void) {
    const char *base = getenv("KCD_TEST_PLUGINS");
    if (!base) {
        fprintf(stderr, "KCD_TEST_PLUGINS is not set (run through ctest)\n");
        return 1;
    }
    snprintf(plugins_dir, sizeof plugins_dir, "%s/../../lib/kcd/plugins", base);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_other_abi_major_is_refused_naming_file_and_versions),
        cmocka_unit_test(test_object_without_describe_is_refused),
        cmocka_unit_test(test_descriptor_checks),
        cmocka_unit_test(test_bad_plugin_does_not_stop_the_others),
        cmocka_unit_test(test_class_name_forms),
        cmocka_unit_test(test_duplicate_plugin_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
