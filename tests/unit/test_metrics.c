/* test_metrics.c - the metrics registry and its Prometheus text (core/metrics): what tasks count
 * comes out under Connect's names with exact values, labels escaped, each family once, closed
 * tasks gone, plugin counters and librdkafka's statistics turned into samples. With
 * KCD_METRICS_SAMPLE=FILE the test writes a render holding every family there, for promtool
 * (tests/integration/metrics_scrape.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kc_metrics.h"
#include "kc_worker_int.h"

static char *render(kc_metrics *m) {
    kc_buf b = KC_BUF_INIT;
    kc_metrics_render(m, &b);
    assert_false(b.failed);
    return kc_buf_detach(&b);
}

/* 1 when text has the line exactly */
static int has_line(const char *text, const char *line) {
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n])) return 1;
    return 0;
}

static void assert_line(const char *text, const char *line) {
    if (!has_line(text, line)) fail_msg("missing line: %s", line);
}

static void source_task_counts(void **state) {
    (void)state;
    kc_metrics *m = kc_metrics_new();
    kc_task_metrics *tm = kc_metrics_task_open(m, "src", 0, 1);
    kc_metrics_task_state(tm, KC_STATE_RUNNING);
    kc_metrics_task_read(tm, 10);
    kc_metrics_task_batch(tm, 10, 2000);
    kc_metrics_task_read(tm, 4);
    kc_metrics_task_batch(tm, 4, 500);
    kc_metrics_task_written(tm, 7);
    kc_metrics_task_commit(tm, 1, 1500);
    kc_metrics_task_commit(tm, 0, 0);
    kc_metrics_task_error(tm, 1, 1);
    char *text = render(m);
    assert_line(text, "kafka_connect_source_task_source_record_poll_total{connector=\"src\",task=\"0\"} 14");
    assert_line(text, "kafka_connect_source_task_source_record_write_total{connector=\"src\",task=\"0\"} 7");
    assert_line(text, "kafka_connect_connector_task_batch_size_avg{connector=\"src\",task=\"0\"} 7");
    assert_line(text, "kafka_connect_connector_task_batch_size_max{connector=\"src\",task=\"0\"} 10");
    assert_line(text, "kafka_connect_source_task_poll_batch_max_time_seconds{connector=\"src\",task=\"0\"} 0.002");
    assert_line(text, "kafka_connect_connector_task_offset_commit_max_time_seconds{connector=\"src\",task=\"0\"} 0.0015");
    assert_line(text, "kafka_connect_connector_task_offset_commit_success_percentage{connector=\"src\",task=\"0\"} 0.5");
    assert_line(text, "kafka_connect_task_error_total_records_skipped{connector=\"src\",task=\"0\"} 1");
    assert_line(text, "kafka_connect_task_error_total_errors_logged{connector=\"src\",task=\"0\"} 1");
    assert_line(text, "kafka_connect_connector_task_status{connector=\"src\",task=\"0\",status=\"running\"} 1");
    assert_line(text, "kafka_connect_worker_task_count 1");
    assert_line(text, "kafka_connect_worker_task_startup_success_total 1");
    /* no sink families for a source task */
    assert_null(strstr(text, "kafka_connect_sink_task_"));
    /* a source task without transactions has no transaction sizes */
    assert_null(strstr(text, "transaction_size"));
    free(text);
    kc_metrics_task_close(tm);
    text = render(m);
    assert_null(strstr(text, "connector=\"src\""));
    assert_line(text, "kafka_connect_worker_task_count 0");
    free(text);
    kc_metrics_free(m);
}

static void every_family_declared_once(void **state) {
    (void)state;
    kc_metrics *m = kc_metrics_new();
    kc_task_metrics *a = kc_metrics_task_open(m, "a", 0, 0), *b = kc_metrics_task_open(m, "a", 1, 0);
    kc_connector_metrics *c = kc_metrics_connector_open(m, "a", "Cls", "sink", "1.0");
    kc_metrics_task_read(a, 1);
    kc_metrics_task_read(b, 2);
    char *text = render(m);
    for (char *p = text; (p = strstr(p, "# TYPE ")); p++) {
        char name[200];
        assert_int_equal(sscanf(p + 7, "%199s", name), 1);
        char want[220];
        snprintf(want, sizeof want, "# TYPE %s ", name);
        assert_ptr_equal(strstr(text, want), p); /* the first declaration is this one */
        char *again = strstr(p + 1, want);
        if (again) fail_msg("family %s declared twice", name);
    }
    assert_line(text, "kafka_connect_sink_task_sink_record_read_total{connector=\"a\",task=\"0\"} 1");
    assert_line(text, "kafka_connect_sink_task_sink_record_read_total{connector=\"a\",task=\"1\"} 2");
    assert_line(text, "kafka_connect_worker_connector_total_task_count{connector=\"a\"} 2");
    free(text);
    kc_metrics_task_close(a);
    kc_metrics_task_close(b);
    kc_metrics_connector_close(c);
    kc_metrics_free(m);
}

static void labels_escaped(void **state) {
    (void)state;
    kc_metrics *m = kc_metrics_new();
    kc_task_metrics *tm = kc_metrics_task_open(m, "we\"ird\\na\nme", 2, 1);
    char *text = render(m);
    assert_line(text, "kafka_connect_source_task_source_record_poll_total{connector=\"we\\\"ird\\\\na\\nme\",task=\"2\"} 0");
    free(text);
    kc_metrics_task_close(tm);
    kc_metrics_free(m);
}

static void connector_states_and_startups(void **state) {
    (void)state;
    kc_metrics *m = kc_metrics_new();
    kc_connector_metrics *c = kc_metrics_connector_open(m, "pg", "io.confluent.connect.jdbc.JdbcSinkConnector",
                                                        "sink", "2.1");
    kc_metrics_connector_state(c, KC_STATE_PAUSED);
    kc_metrics_startup(m, 0, 1);
    kc_metrics_startup(m, 0, 0);
    kc_metrics_startup(m, 0, 1);
    kc_task_metrics *tm = kc_metrics_task_open(m, "pg", 0, 0);
    kc_metrics_task_state(tm, KC_STATE_FAILED); /* failed before it ran: a failed task start */
    char *text = render(m);
    assert_line(text, "kafka_connect_connector_status{connector=\"pg\",status=\"paused\"} 1");
    assert_line(text, "kafka_connect_connector_connector_version{connector=\"pg\",connector_version=\"2.1\"} 1");
    assert_line(text, "kafka_connect_worker_connector_startup_attempts_total 3");
    assert_line(text, "kafka_connect_worker_connector_startup_failure_total 1");
    assert_line(text, "kafka_connect_worker_task_startup_failure_total 1");
    assert_line(text, "kafka_connect_worker_connector_failed_task_count{connector=\"pg\"} 1");
    assert_line(text, "kafka_connect_connector_task_status{connector=\"pg\",task=\"0\",status=\"failed\"} 1");
    /* standalone: no rebalance metrics */
    assert_null(strstr(text, "rebalance"));
    free(text);
    kc_metrics_task_close(tm);
    kc_metrics_connector_close(c);
    kc_metrics_free(m);
}

static void plugin_counters(void **state) {
    (void)state;
    kc_metrics *m = kc_metrics_new();
    kc_task_metrics *a = kc_metrics_task_open(m, "wifi", 0, 1), *b = kc_metrics_task_open(m, "wifi", 1, 1);
    kc_metrics_task_plugin_add(a, "pcap-kernel-drops", 3);
    kc_metrics_task_plugin_add(a, "pcap-kernel-drops", 2);
    kc_metrics_task_plugin_add(b, "pcap-kernel-drops", 1);
    char *text = render(m);
    assert_line(text, "# TYPE kcd_pcap_kernel_drops_total counter");
    assert_line(text, "kcd_pcap_kernel_drops_total{connector=\"wifi\",task=\"0\"} 5");
    assert_line(text, "kcd_pcap_kernel_drops_total{connector=\"wifi\",task=\"1\"} 1");
    free(text);
    kc_metrics_task_close(a);
    kc_metrics_task_close(b);
    kc_metrics_free(m);
}

static const char CONSUMER_STATS[] =
    "{\"name\":\"connector-consumer-s-0#consumer-1\",\"client_id\":\"connector-consumer-s-0\",\"type\":\"consumer\","
    "\"rxmsgs\":120,\"topics\":{\"t\":{\"partitions\":{\"0\":{\"consumer_lag\":7},\"1\":{\"consumer_lag\":-1},"
    "\"-1\":{\"consumer_lag\":99}}}}}";
static const char PRODUCER_STATS[] =
    "{\"client_id\":\"connector-producer-p-0\",\"type\":\"producer\",\"msg_cnt\":5,\"msg_size\":1000,"
    "\"msg_size_max\":1048576,\"txmsgs\":42}";

static void client_statistics(void **state) {
    (void)state;
    kc_metrics *m = kc_metrics_new();
    kc_task_metrics *s = kc_metrics_task_open(m, "s", 0, 0), *p = kc_metrics_task_open(m, "p", 0, 1);
    kc_metrics_task_client_stats(s, CONSUMER_STATS, sizeof CONSUMER_STATS - 1);
    kc_metrics_task_client_stats(p, PRODUCER_STATS, sizeof PRODUCER_STATS - 1);
    char *text = render(m);
    assert_line(text, "kafka_consumer_fetch_manager_records_lag{clientid=\"connector-consumer-s-0\",topic=\"t\","
                      "partition=\"0\"} 7");
    assert_null(strstr(text, "partition=\"1\"")); /* lag unknown */
    assert_null(strstr(text, "partition=\"-1\"")); /* librdkafka's internal partition */
    assert_line(text, "kafka_consumer_fetch_manager_records_lag_max{clientid=\"connector-consumer-s-0\"} 7");
    assert_line(text, "kafka_connect_sink_task_sink_record_lag_max{connector=\"s\",task=\"0\"} 7");
    assert_line(text, "kafka_consumer_fetch_manager_records_consumed_total{clientid=\"connector-consumer-s-0\"} 120");
    assert_line(text, "kafka_producer_buffer_available_bytes{clientid=\"connector-producer-p-0\"} 1047576");
    assert_line(text, "kcd_producer_queue_messages{clientid=\"connector-producer-p-0\"} 5");
    assert_line(text, "kafka_producer_record_send_total{clientid=\"connector-producer-p-0\"} 42");
    free(text);
    /* statistics that are not JSON are left out, not a failed scrape */
    kc_metrics_task_client_stats(s, "{not json", 9);
    text = render(m);
    assert_null(strstr(text, "records_lag"));
    free(text);
    kc_metrics_task_close(s);
    kc_metrics_task_close(p);
    kc_metrics_free(m);
}

static void rebalances(void **state) {
    (void)state;
    kc_metrics *m = kc_metrics_new();
    kc_metrics_rebalance_begin(m);
    char *text = render(m);
    assert_null(strstr(text, "rebalance")); /* shown once the worker completed one */
    free(text);
    kc_metrics_rebalance_end(m, 4, "http://w1:8083/", "sessioned");
    text = render(m);
    assert_line(text, "kafka_connect_worker_rebalance_completed_rebalances_total 1");
    assert_line(text, "kafka_connect_worker_rebalance_epoch 4");
    assert_line(text, "kafka_connect_worker_rebalance_rebalancing 0");
    assert_line(text, "kafka_connect_worker_rebalance_leader_name{leader_name=\"http://w1:8083/\"} 1");
    assert_line(text, "kafka_connect_worker_rebalance_connect_protocol{connect_protocol=\"sessioned\"} 1");
    free(text);
    kc_metrics_free(m);
}

static void process_metrics(void **state) {
    (void)state;
    char *text = render(NULL);
    assert_non_null(strstr(text, "\nprocess_resident_memory_bytes "));
    assert_non_null(strstr(text, "\nprocess_open_fds "));
    assert_non_null(strstr(text, "# TYPE process_cpu_seconds_total counter"));
    free(text);
}

/* Every family at once, for promtool (KCD_METRICS_SAMPLE). */
static void write_sample(void **state) {
    (void)state;
    const char *path = getenv("KCD_METRICS_SAMPLE");
    if (!path) skip();
    kc_metrics *m = kc_metrics_new();
    kc_connector_metrics *c1 = kc_metrics_connector_open(m, "p", "P", "source", "1"),
                         *c2 = kc_metrics_connector_open(m, "s", "S", "sink", "1");
    kc_task_metrics *p = kc_metrics_task_open(m, "p", 0, 1), *s = kc_metrics_task_open(m, "s", 0, 0);
    kc_metrics_task_state(p, KC_STATE_RUNNING);
    kc_metrics_task_state(s, KC_STATE_PAUSED);
    kc_metrics_task_transaction(p, 3);
    kc_metrics_task_error(s, 0, 1);
    kc_metrics_task_plugin_add(p, "pcap-kernel-drops", 1);
    kc_metrics_task_client_stats(s, CONSUMER_STATS, sizeof CONSUMER_STATS - 1);
    kc_metrics_task_client_stats(p, PRODUCER_STATS, sizeof PRODUCER_STATS - 1);
    kc_metrics_rebalance_end(m, 1, "http://w1:8083/", "sessioned");
    char *text = render(m);
    assert_non_null(strstr(text, "transaction_size_min"));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(text);
    kc_metrics_task_close(p);
    kc_metrics_task_close(s);
    kc_metrics_connector_close(c1);
    kc_metrics_connector_close(c2);
    kc_metrics_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(source_task_counts),   cmocka_unit_test(every_family_declared_once),
        cmocka_unit_test(labels_escaped),       cmocka_unit_test(connector_states_and_startups),
        cmocka_unit_test(plugin_counters),      cmocka_unit_test(client_statistics),
        cmocka_unit_test(rebalances),           cmocka_unit_test(process_metrics),
        cmocka_unit_test(write_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
