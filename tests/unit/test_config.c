/* Java properties, validation against definition tables, config providers. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kc_config_int.h"

static kc_config parse(const char *text) {
    kc_config c = {0};
    kc_error err;
    assert_int_equal(kc_props_parse(text, strlen(text), &c, &err), KC_OK);
    return c;
}

static void test_properties_syntax(void **st) {
    (void)st;
    kc_config c = parse("# comment\n! also comment\n"
                        "a=1\n"
                        "b : two words  \n"
                        "c three\n"
                        "  d=continued \\\n     line\n"
                        "e=tab\\tnew\\nline\n"
                        "f\\ key=spaced key\n"
                        "g=\\u00e9t\\u00e9\n"
                        "h=\n"
                        "a=override\r\n"
                        "path=C:\\\\temp\n");
    assert_string_equal(kc_config_get(&c, "a"), "override");
    assert_string_equal(kc_config_get(&c, "b"), "two words  ");
    assert_string_equal(kc_config_get(&c, "c"), "three");
    assert_string_equal(kc_config_get(&c, "d"), "continued line");
    assert_string_equal(kc_config_get(&c, "e"), "tab\tnew\nline");
    assert_string_equal(kc_config_get(&c, "f key"), "spaced key");
    assert_string_equal(kc_config_get(&c, "g"), "\xc3\xa9t\xc3\xa9");
    assert_string_equal(kc_config_get(&c, "h"), "");
    assert_string_equal(kc_config_get(&c, "path"), "C:\\temp");
    assert_int_equal(c.len, 9);
    kc_config_free(&c);
}

static void test_properties_bad_unicode_escape(void **st) {
    (void)st;
    kc_config c = {0};
    kc_error err;
    const char *text = "ok=1\nbad=\\u12\n";
    assert_int_equal(kc_props_parse(text, strlen(text), &c, &err), KC_EINVAL);
    assert_non_null(strstr(err.msg, "line 2"));
    kc_config_free(&c);
}

static const char *const modes[] = {"insert", "upsert", NULL};
static const kc_config_def defs[] = {
    {"url", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL, "", NULL, NULL},
    {"count", KC_CFG_INT, "5", KC_CFG_F_HAS_MIN | KC_CFG_F_HAS_MAX, 1, 10, NULL, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
    {"mode", KC_CFG_ENUM, "insert", 0, 0, 0, modes, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
    {"flag", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
    {"secret", KC_CFG_PASSWORD, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
    {"include", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
    {"whitelist", KC_CFG_LIST, NULL, KC_CFG_F_DEPRECATED, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "", "include", NULL},
    KC_CONFIG_END,
};

static void test_validate_fills_defaults(void **st) {
    (void)st;
    kc_config c = parse("url=x\n");
    kc_strlist problems = {0}, warnings = {0};
    assert_int_equal(kc_config_validate(defs, "", &c, &problems, &warnings), 0);
    assert_string_equal(kc_config_get(&c, "count"), "5");
    assert_string_equal(kc_config_get(&c, "mode"), "insert");
    assert_null(kc_config_get(&c, "secret"));
    kc_strlist_free(&problems);
    kc_strlist_free(&warnings);
    kc_config_free(&c);
}

static void test_validate_reports_one_line_per_problem(void **st) {
    (void)st;
    kc_config c = parse("count=11\nmode=merge\nflag=yes\nsecret=hunter2\n");
    kc_strlist problems = {0}, warnings = {0};
    assert_int_equal(kc_config_validate(defs, "", &c, &problems, &warnings), 4);
    assert_string_equal(problems.items[0], "Missing required configuration \"url\" which has no default value.");
    assert_string_equal(problems.items[1], "Invalid value 11 for configuration count: Value must be no more than 10");
    assert_string_equal(problems.items[2],
                        "Invalid value merge for configuration mode: String must be one of: insert, upsert");
    assert_string_equal(problems.items[3],
                        "Invalid value yes for configuration flag: Expected value to be either true or false");
    kc_strlist_free(&problems);
    kc_strlist_free(&warnings);
    kc_config_free(&c);
}

static void test_validate_never_shows_passwords(void **st) {
    (void)st;
    static const kc_config_def pw[] = {
        {"p", KC_CFG_PASSWORD, NULL, KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
        {"n", KC_CFG_INT, NULL, KC_CFG_F_SENSITIVE, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
        KC_CONFIG_END};
    kc_config c = parse("n=topsecret\n");
    kc_strlist problems = {0};
    assert_int_equal(kc_config_validate(pw, "", &c, &problems, NULL), 1);
    assert_null(strstr(problems.items[0], "topsecret"));
    assert_non_null(strstr(problems.items[0], "[hidden]"));
    kc_strlist_free(&problems);
    kc_config_free(&c);
}

static void test_validate_deprecated_alias_with_prefix(void **st) {
    (void)st;
    kc_config c = parse("transforms.x.url=u\ntransforms.x.whitelist=a,b\n");
    kc_strlist problems = {0}, warnings = {0};
    assert_int_equal(kc_config_validate(defs, "transforms.x.", &c, &problems, &warnings), 0);
    assert_string_equal(kc_config_get(&c, "transforms.x.include"), "a,b");
    assert_int_equal(warnings.len, 1);
    assert_non_null(strstr(warnings.items[0], "transforms.x.whitelist is deprecated"));
    kc_strlist_free(&problems);
    kc_strlist_free(&warnings);
    kc_config_free(&c);
}

static void test_list_split_trims(void **st) {
    (void)st;
    kc_strlist l = {0};
    kc_list_split(" a, b ,,c ", &l);
    assert_int_equal(l.len, 3);
    assert_string_equal(l.items[0], "a");
    assert_string_equal(l.items[1], "b");
    assert_string_equal(l.items[2], "c");
    kc_strlist_free(&l);
}

static void test_config_providers_resolve(void **st) {
    (void)st;
    char dir[] = "/tmp/kcd-cfgtest-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512], secret[512];
    snprintf(path, sizeof path, "%s/creds.properties", dir);
    snprintf(secret, sizeof secret, "%s/dbpass", dir);
    FILE *f = fopen(path, "w");
    fputs("user=alice\npassword=s3cret\n", f);
    fclose(f);
    f = fopen(secret, "w");
    fputs("from-dir", f);
    fclose(f);
    setenv("KCD_TEST_ENV", "from-env", 1);
    kc_config worker = parse("config.providers=file,env,dir\n"
                             "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n"
                             "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider\n"
                             "config.providers.dir.class=DirectoryConfigProvider\n");
    kc_config_providers p;
    kc_strlist problems = {0};
    kc_config_providers_init(&p, &worker, &problems);
    assert_int_equal(problems.len, 0);
    kc_config c = {0};
    char v[2048];
    snprintf(v, sizeof v, "${file:%s:user}:${file:%s:password}", path, path);
    kc_config_set(&c, "conn", v);
    kc_config_set(&c, "e", "${env:KCD_TEST_ENV}");
    snprintf(v, sizeof v, "${dir:%s:dbpass}", dir);
    kc_config_set(&c, "d", v);
    kc_config_set(&c, "other", "${notaprovider:x}");
    kc_error err;
    assert_int_equal(kc_config_resolve(&p, &c, &err), KC_OK);
    assert_string_equal(kc_config_get(&c, "conn"), "alice:s3cret");
    assert_string_equal(kc_config_get(&c, "e"), "from-env");
    assert_string_equal(kc_config_get(&c, "d"), "from-dir");
    assert_string_equal(kc_config_get(&c, "other"), "${notaprovider:x}");
    /* a missing key names the config key that referenced it */
    kc_config bad = {0};
    snprintf(v, sizeof v, "${file:%s:nokey}", path);
    kc_config_set(&bad, "connection.password", v);
    assert_int_equal(kc_config_resolve(&p, &bad, &err), KC_ENOTFOUND);
    assert_non_null(strstr(err.msg, "connection.password"));
    assert_non_null(strstr(err.msg, "nokey"));
    unlink(path);
    unlink(secret);
    rmdir(dir);
    kc_config_free(&bad);
    kc_config_free(&c);
    kc_config_free(&worker);
    kc_config_providers_free(&p);
    kc_strlist_free(&problems);
}

static void test_unknown_provider_class_is_a_problem(void **st) {
    (void)st;
    kc_config worker = parse("config.providers=vault\nconfig.providers.vault.class=com.example.Vault\n");
    kc_config_providers p;
    kc_strlist problems = {0};
    kc_config_providers_init(&p, &worker, &problems);
    assert_int_equal(problems.len, 1);
    assert_non_null(strstr(problems.items[0], "config.providers.vault.class"));
    kc_config_providers_free(&p);
    kc_strlist_free(&problems);
    kc_config_free(&worker);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_properties_syntax),
        cmocka_unit_test(test_properties_bad_unicode_escape),
        cmocka_unit_test(test_validate_fills_defaults),
        cmocka_unit_test(test_validate_reports_one_line_per_problem),
        cmocka_unit_test(test_validate_never_shows_passwords),
        cmocka_unit_test(test_validate_deprecated_alias_with_prefix),
        cmocka_unit_test(test_list_split_trims),
        cmocka_unit_test(test_config_providers_resolve),
        cmocka_unit_test(test_unknown_provider_class_is_a_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
