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
#include "kc_worker_int.h"

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

/* A prefix setting (KC_CFG_F_PREFIX) knows the keys that go on from it, is never a key itself,
 * and an exact name still wins over it. */
static void test_prefix_setting(void **st) {
    (void)st;
    static const kc_config_def pdefs[] = {
        {"topic.cypher.", KC_CFG_STRING, NULL, KC_CFG_F_PREFIX, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL, "", NULL, NULL},
        {"topic.cypher.all", KC_CFG_BOOL, "false", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "", NULL, NULL},
        KC_CONFIG_END,
    };
    assert_ptr_equal(kc_config_def_find(pdefs, "topic.cypher.pcap"), &pdefs[0]);
    assert_ptr_equal(kc_config_def_find(pdefs, "topic.cypher.all"), &pdefs[1]);
    assert_null(kc_config_def_find(pdefs, "topic.cypher."));
    assert_null(kc_config_def_find(pdefs, "topic.cyphe"));
    kc_config c = parse("topic.cypher.pcap=MERGE (n)\n");
    kc_strlist problems = {0}, warnings = {0};
    assert_int_equal(kc_config_validate(pdefs, "", &c, &problems, &warnings), 0);
    assert_false(kc_config_has(&c, "topic.cypher."));
    assert_string_equal(kc_config_get(&c, "topic.cypher.all"), "false");
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
    assert_int_equal(kc_list_split(" a, b ,,c ", &l), 0);
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
    assert_int_equal(kc_config_set(&c, "conn", v), 0);
    assert_int_equal(kc_config_set(&c, "e", "${env:KCD_TEST_ENV}"), 0);
    snprintf(v, sizeof v, "${dir:%s:dbpass}", dir);
    assert_int_equal(kc_config_set(&c, "d", v), 0);
    assert_int_equal(kc_config_set(&c, "other", "${notaprovider:x}"), 0);
    kc_error err;
    kc_resolved resolved = {0};
    assert_int_equal(kc_config_resolve(&p, &c, &resolved, &err), KC_OK);
    /* what came in is noted: the keys to show as written, the values never to show */
    assert_int_equal(resolved.keys.len, 3);
    assert_true(kc_strlist_has(&resolved.keys, "conn") && kc_strlist_has(&resolved.keys, "e"));
    assert_false(kc_strlist_has(&resolved.keys, "other"));
    assert_true(kc_strlist_has(&resolved.secrets, "s3cret") && kc_strlist_has(&resolved.secrets, "from-dir"));
    kc_resolved_free(&resolved);
    assert_string_equal(kc_config_get(&c, "conn"), "alice:s3cret");
    assert_string_equal(kc_config_get(&c, "e"), "from-env");
    assert_string_equal(kc_config_get(&c, "d"), "from-dir");
    assert_string_equal(kc_config_get(&c, "other"), "${notaprovider:x}");
    /* a missing key names the config key that referenced it */
    kc_config bad = {0};
    snprintf(v, sizeof v, "${file:%s:nokey}", path);
    assert_int_equal(kc_config_set(&bad, "connection.password", v), 0);
    assert_int_equal(kc_config_resolve(&p, &bad, NULL, &err), KC_ENOTFOUND);
    assert_non_null(strstr(err.msg, "connection.password"));
    assert_non_null(strstr(err.msg, "nokey"));
    /* a missing file says the same as a missing key: the answer tells nothing of what exists */
    char missing_key[KC_ERROR_MSG_MAX], *cut = strstr(err.msg, "}: ");
    snprintf(missing_key, sizeof missing_key, "%s", cut);
    assert_int_equal(kc_config_set(&bad, "connection.password", "${file:/nonexistent/kcd/x.properties:nokey}"), 0);
    assert_int_equal(kc_config_resolve(&p, &bad, NULL, &err), KC_ENOTFOUND);
    assert_string_equal(strstr(err.msg, "}: "), missing_key);
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

/* allowed.paths (KIP-993): only files under the allowed folders, resolved (symlinks, ".."),
 * with one error for everything else; allowlist.pattern: only matching variables. */
static void test_provider_restrictions(void **st) {
    (void)st;
    char dir[] = "/tmp/kcd-allowed-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char inside[512], link[512], worker_text[2048];
    snprintf(inside, sizeof inside, "%s/ok.properties", dir);
    FILE *f = fopen(inside, "w");
    fputs("pw=inside-secret\n", f);
    fclose(f);
    snprintf(link, sizeof link, "%s/passwd-link", dir);
    assert_int_equal(symlink("/etc/passwd", link), 0);
    setenv("KCD_ALLOWED_VAR", "allowed-value", 1);
    setenv("KCD_HIDDEN_VAR", "hidden-value", 1);
    snprintf(worker_text, sizeof worker_text,
             "config.providers=file,env,dir\nconfig.providers.file.class=FileConfigProvider\n"
             "config.providers.file.param.allowed.paths=%s\n"
             "config.providers.dir.class=DirectoryConfigProvider\nconfig.providers.dir.param.allowed.paths=%s\n"
             "config.providers.env.class=EnvVarConfigProvider\n"
             "config.providers.env.param.allowlist.pattern=KCD_ALLOWED_.*\n", dir, dir);
    kc_config worker = parse(worker_text);
    kc_config_providers p;
    kc_strlist problems = {0};
    kc_config_providers_init(&p, &worker, &problems);
    assert_int_equal(problems.len, 0);
    kc_config c = {0};
    kc_error err;
    char v[1024];
    snprintf(v, sizeof v, "${file:%s:pw}", inside);
    assert_int_equal(kc_config_set(&c, "a", v), 0);
    assert_int_equal(kc_config_set(&c, "b", "${env:KCD_ALLOWED_VAR}"), 0);
    assert_int_equal(kc_config_resolve(&p, &c, NULL, &err), KC_OK);
    assert_string_equal(kc_config_get(&c, "a"), "inside-secret");
    assert_string_equal(kc_config_get(&c, "b"), "allowed-value");
    const char *refused[] = {"${file:/etc/passwd:root}", "${dir:/etc:passwd}", "${env:KCD_HIDDEN_VAR}", NULL, NULL,
                             NULL};
    char dotdot[600], via_link[600], via_dir_link[600];
    snprintf(dotdot, sizeof dotdot, "${file:%s/../../etc/passwd:root}", dir);
    snprintf(via_link, sizeof via_link, "${file:%s:root}", link);
    snprintf(via_dir_link, sizeof via_dir_link, "${dir:%s:passwd-link}", dir);
    refused[3] = dotdot;
    refused[4] = via_link;
    refused[5] = via_dir_link;
    for (size_t i = 0; i < 6; i++) {
        kc_config r = {0};
        assert_int_equal(kc_config_set(&r, "tasks.max", refused[i]), 0);
        assert_int_equal(kc_config_resolve(&p, &r, NULL, &err), KC_ENOTFOUND);
        assert_non_null(strstr(err.msg, "no such value"));
        assert_null(strstr(err.msg, "root:"));
        kc_config_free(&r);
    }
    kc_config_providers_free(&p);
    kc_config_free(&worker);
    /* misconfigured: a relative or missing allowed path, a pattern that is no regex, an
     * allowlist on a file provider: the worker refuses them all (it would otherwise read anything) */
    worker = parse("config.providers=file,env\nconfig.providers.file.class=FileConfigProvider\n"
                   "config.providers.file.param.allowed.paths=relative/dir,/nonexistent/kcd\n"
                   "config.providers.env.class=EnvVarConfigProvider\n"
                   "config.providers.env.param.allowlist.pattern=(unclosed\n");
    kc_config_providers_init(&p, &worker, &problems);
    assert_int_equal(problems.len, 3);
    assert_non_null(strstr(problems.items[0], "relative/dir"));
    assert_non_null(strstr(problems.items[2], "allowlist.pattern"));
    kc_config_providers_free(&p);
    kc_config_free(&worker);
    kc_config_free(&c);
    kc_strlist_free(&problems);
    unlink(link);
    unlink(inside);
    rmdir(dir);
}

static void test_redaction(void **st) {
    (void)st;
    kc_strlist secrets = {0};
    assert_int_equal(kc_strlist_add(&secrets, "hunter2-long"), 0);
    assert_int_equal(kc_strlist_add(&secrets, "abc"), 0); /* shorter than KC_REDACT_MIN: not masked in free text */
    char *r = kc_redacted("password hunter2-long, again hunter2-long; abc stays", &secrets);
    assert_string_equal(r, "password [hidden], again [hidden]; abc stays");
    free(r);
    char buf[16] = "x hunter2-long";
    assert_true(kc_redact(buf, sizeof buf, &secrets));
    assert_string_equal(buf, "x [hidden]");
    kc_strlist_free(&secrets);
}

/* connector.allowed.paths: absolute, no "..", symlinks followed, globs by their folder. */
static void test_host_path_allowed(void **st) {
    (void)st;
    char dir[] = "/tmp/kcd-hostpath-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char link[600], p[700];
    snprintf(link, sizeof link, "%s/etc-link", dir);
    assert_int_equal(symlink("/etc", link), 0);
    kc_strlist allowed = {0};
    char *real = realpath(dir, NULL);
    assert_int_equal(kc_strlist_add(&allowed, real), 0);
    snprintf(p, sizeof p, "%s/out.txt", dir);
    assert_true(kc_host_path_allowed(&allowed, p));
    snprintf(p, sizeof p, "%s/new/sub/out.txt", dir); /* not there yet: judged as written */
    assert_true(kc_host_path_allowed(&allowed, p));
    snprintf(p, sizeof p, "%s/captures/*.pcap", dir);
    assert_true(kc_host_path_allowed(&allowed, p));
    snprintf(p, sizeof p, "%s/../etc/passwd", dir);
    assert_false(kc_host_path_allowed(&allowed, p));
    snprintf(p, sizeof p, "%s/passwd", link); /* through a symlink out of the folder */
    assert_false(kc_host_path_allowed(&allowed, p));
    snprintf(p, sizeof p, "%s-other/x", dir); /* a sibling sharing the prefix */
    assert_false(kc_host_path_allowed(&allowed, p));
    assert_false(kc_host_path_allowed(&allowed, "relative.txt"));
    assert_false(kc_host_path_allowed(&allowed, "/etc/*.conf"));
    unlink(link);
    rmdir(dir);
    free(real);
    kc_strlist_free(&allowed);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provider_restrictions),
        cmocka_unit_test(test_redaction),
        cmocka_unit_test(test_host_path_allowed),
        cmocka_unit_test(test_properties_syntax),
        cmocka_unit_test(test_properties_bad_unicode_escape),
        cmocka_unit_test(test_validate_fills_defaults),
        cmocka_unit_test(test_validate_reports_one_line_per_problem),
        cmocka_unit_test(test_prefix_setting),
        cmocka_unit_test(test_validate_never_shows_passwords),
        cmocka_unit_test(test_validate_deprecated_alias_with_prefix),
        cmocka_unit_test(test_list_split_trims),
        cmocka_unit_test(test_config_providers_resolve),
        cmocka_unit_test(test_unknown_provider_class_is_a_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
