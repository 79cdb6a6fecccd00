/* Connect's config and status topic records and the state they add up to
 * (core/cluster/config_log.c, status_log.c): the rules of Kafka Connect's KafkaConfigBackingStore
 * and KafkaStatusBackingStore. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kc_config_log.h"
#include "kc_status_log.h"

static int64_t at;
static int put(kc_config_log *s, const char *key, const char *value) {
    kc_error err = {0};
    return kc_config_log_apply(s, key, strlen(key), value, value ? strlen(value) : 0, at++, &err);
}

static void test_commit_applies_the_tasks_at_once(void **st) {
    (void)st;
    kc_config_log s = {.next_offset = -1};
    at = 0;
    assert_int_equal(put(&s, "connector-wifi", "{\"properties\":{\"connector.class\":\"PcapSource\",\"tasks.max\":\"2\"}}"), 0);
    assert_int_equal(put(&s, "task-wifi-0", "{\"properties\":{\"task.class\":\"T\",\"n\":\"0\"}}"), 0);
    assert_int_equal(put(&s, "task-wifi-1", "{\"properties\":{\"task.class\":\"T\",\"n\":\"1\"}}"), 0);
    const kc_cfg_connector *c = kc_config_log_find(&s, "wifi");
    assert_int_equal(json_array_size(c->tasks), 0); /* not before the commit */
    assert_int_equal(put(&s, "commit-wifi", "{\"tasks\":2}"), 0);
    assert_int_equal(json_array_size(c->tasks), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(c->tasks, 1), "n")), "1");
    assert_int_equal(c->task_generation, 1);
    assert_true(c->pending_fencing);
    assert_int_equal(s.next_offset, 4);
    assert_string_equal(kc_config_log_target(c), "STARTED");
    /* fewer tasks next time: the commit replaces them all */
    assert_int_equal(put(&s, "task-wifi-0", "{\"properties\":{\"n\":\"new\"}}"), 0);
    assert_int_equal(put(&s, "commit-wifi", "{\"tasks\":1}"), 0);
    assert_int_equal(json_array_size(c->tasks), 1);
    assert_int_equal(c->task_generation, 2);
    assert_int_equal(put(&s, "tasks-fencing-wifi", "{\"task-count\":1}"), 0);
    assert_false(c->pending_fencing);
    assert_int_equal(c->fenced_task_count, 1);
    kc_config_log_free(&s);
}

static void test_incomplete_commit_marks_inconsistent(void **st) {
    (void)st;
    kc_config_log s = {.next_offset = -1};
    at = 0;
    put(&s, "connector-a", "{\"properties\":{}}");
    put(&s, "task-a-0", "{\"properties\":{\"x\":\"0\"}}");
    put(&s, "commit-a", "{\"tasks\":1}");
    put(&s, "task-a-1", "{\"properties\":{\"x\":\"1\"}}"); /* task 0 missing from this round */
    assert_int_equal(put(&s, "commit-a", "{\"tasks\":2}"), 0);
    const kc_cfg_connector *c = kc_config_log_find(&s, "a");
    assert_true(c->inconsistent);
    assert_int_equal(json_array_size(c->tasks), 1); /* the old ones stay */
    assert_int_equal(c->task_generation, 1);
    kc_config_log_free(&s);
}

static void test_deletion_and_target_states(void **st) {
    (void)st;
    kc_config_log s = {.next_offset = -1};
    at = 0;
    put(&s, "connector-my-conn", "{\"properties\":{\"k\":\"v\"}}");
    put(&s, "task-my-conn-0", "{\"properties\":{}}"); /* a name with dashes: the last part is the task */
    put(&s, "commit-my-conn", "{\"tasks\":1}");
    const kc_cfg_connector *c = kc_config_log_find(&s, "my-conn");
    assert_int_equal(json_array_size(c->tasks), 1);
    put(&s, "target-state-my-conn", "{\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}");
    assert_string_equal(kc_config_log_target(c), "STOPPED");
    put(&s, "target-state-my-conn", "{\"state\":\"PAUSED\"}"); /* a worker before 3.5 */
    assert_string_equal(kc_config_log_target(c), "PAUSED");
    put(&s, "connector-my-conn", NULL);
    assert_null(c->config);
    assert_int_equal(json_array_size(c->tasks), 0);
    /* tasks written for a deleted connector are dropped at their commit */
    put(&s, "task-my-conn-0", "{\"properties\":{}}");
    put(&s, "commit-my-conn", "{\"tasks\":1}");
    assert_int_equal(json_array_size(c->tasks), 0);
    put(&s, "target-state-my-conn", NULL);
    assert_string_equal(kc_config_log_target(c), "STARTED");
    kc_config_log_free(&s);
}

static void test_bad_records_named_and_skipped(void **st) {
    (void)st;
    kc_config_log s = {.next_offset = -1};
    kc_error err = {0};
    const char *k = "connector-x";
    assert_int_equal(kc_config_log_apply(&s, k, strlen(k), "{\"schema\":null,\"payload\":{}}", 28, 7, &err), KC_EINVAL);
    assert_string_equal(err.msg, "config topic record connector-x at offset 7: 'properties' is not a map of strings");
    assert_int_equal(s.next_offset, 8); /* read past, as Connect does */
    k = "nonsense";
    assert_int_equal(kc_config_log_apply(&s, k, strlen(k), "{}", 2, 8, &err), KC_EINVAL);
    k = "task-x";
    assert_int_equal(kc_config_log_apply(&s, k, strlen(k), "{\"properties\":{}}", 17, 9, &err), KC_EINVAL);
    k = "commit-x";
    assert_int_equal(kc_config_log_apply(&s, k, strlen(k), "not json", 8, 10, &err), KC_EINVAL);
    assert_null(kc_config_log_find(&s, "x")->config);
    k = "restart-connector-x";
    assert_int_equal(kc_config_log_apply(&s, k, strlen(k), "{\"include-tasks\":true,\"only-failed\":false}", 42, 11, &err), 0);
    k = "session-key";
    const char *v = "{\"key\":\"AAEC\",\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1732700000000}";
    assert_int_equal(kc_config_log_apply(&s, k, strlen(k), v, strlen(v), 12, &err), 0);
    assert_string_equal(s.session_algorithm, "HmacSHA256");
    assert_true(s.session_created_ms == 1732700000000LL);
    kc_config_log_free(&s);
}

static void test_values_as_connect_writes_them(void **st) {
    (void)st;
    char *v = kc_config_log_target_value("STOPPED");
    assert_string_equal(v, "{\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}");
    free(v);
    v = kc_config_log_commit_value(3);
    assert_string_equal(v, "{\"tasks\":3}");
    free(v);
    json_t *p = json_pack("{s:s}", "topic", "pcap");
    v = kc_config_log_properties_value(p);
    assert_string_equal(v, "{\"properties\":{\"topic\":\"pcap\"}}");
    free(v);
    json_decref(p);
    v = kc_config_log_fencing_value(2);
    assert_string_equal(v, "{\"task-count\":2}");
    free(v);
}

static int status(kc_status_log *s, const char *key, const char *value) {
    kc_error err = {0};
    return kc_status_log_apply(s, key, strlen(key), value, value ? strlen(value) : 0, at++, &err);
}

static void test_statuses(void **st) {
    (void)st;
    kc_status_log s = {0};
    at = 0;
    char *v = kc_status_log_value("RUNNING", NULL, "10.0.0.5:8083", 7);
    assert_string_equal(v, "{\"state\":\"RUNNING\",\"trace\":null,\"worker_id\":\"10.0.0.5:8083\",\"generation\":7}");
    char *k = kc_status_log_key("my-conn", -1);
    assert_string_equal(k, "status-connector-my-conn");
    assert_int_equal(status(&s, k, v), 0);
    free(k);
    free(v);
    assert_int_equal(status(&s, "status-task-my-conn-3",
                            "{\"state\":\"FAILED\",\"trace\":\"boom\",\"worker_id\":\"w2:8083\",\"generation\":8}"), 0);
    const kc_status_entry *t = kc_status_log_find(&s, "my-conn", 3);
    assert_non_null(t);
    assert_string_equal(t->state, "FAILED");
    assert_string_equal(t->trace, "boom");
    assert_int_equal(t->generation, 8);
    assert_string_equal(kc_status_log_find(&s, "my-conn", -1)->worker_id, "10.0.0.5:8083");
    assert_int_equal(status(&s, "status-topic-pcap:connector-my-conn",
                            "{\"topic\":{\"name\":\"pcap\",\"connector\":\"my-conn\",\"task\":0,\"discoverTimestamp\":1732700000000}}"), 0);
    assert_int_equal(s.ntopics, 1);
    assert_string_equal(s.topics[0].topic, "pcap");
    /* deletions */
    assert_int_equal(status(&s, "status-connector-my-conn", NULL), 0);
    assert_null(kc_status_log_find(&s, "my-conn", -1));
    assert_int_equal(status(&s, "status-topic-pcap:connector-my-conn", NULL), 0);
    assert_int_equal(s.ntopics, 0);
    /* what Connect would drop */
    assert_int_equal(status(&s, "status-task-x", "{}"), KC_EINVAL);
    assert_int_equal(status(&s, "status-connector-x", "{\"state\":\"RUNNING\"}"), KC_EINVAL);
    assert_int_equal(status(&s, "other", "{}"), KC_EINVAL);
    assert_null(kc_status_log_find(&s, "x", -1));
    kc_status_log_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_applies_the_tasks_at_once),
        cmocka_unit_test(test_incomplete_commit_marks_inconsistent),
        cmocka_unit_test(test_deletion_and_target_states),
        cmocka_unit_test(test_bad_records_named_and_skipped),
        cmocka_unit_test(test_values_as_connect_writes_them),
        cmocka_unit_test(test_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
