/* test_task_buffers.c - tasks.buffer.max.bytes: what each task client's buffers get from the
 * worker's budget (kc_worker_buffer_take / kc_worker_buffer_return). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kc_config_int.h"
#include "kc_worker_int.h"

#define MiB (1024 * 1024LL)

static void worker_with_budget(kc_worker *w, int64_t budget) {
    memset(w, 0, sizeof *w);
    w->buffer_budget = budget;
}

static long long conf_long(rd_kafka_conf_t *c, const char *key) {
    char v[64];
    size_t n = sizeof v;
    assert_int_equal(rd_kafka_conf_get(c, key, v, &n), RD_KAFKA_CONF_OK);
    return atoll(v);
}

/* Each task takes half of what is left, at most 8 MiB and at least 256 KiB. */
static void test_shares_halve_what_is_left(void **state) {
    (void)state;
    kc_worker w;
    worker_with_budget(&w, 64 * MiB);
    const int64_t want[] = {8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 4 * MiB,
                            2 * MiB, 1 * MiB, MiB / 2, MiB / 4, MiB / 4, MiB / 4};
    int64_t taken[sizeof want / sizeof want[0]];
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        rd_kafka_conf_t *c = rd_kafka_conf_new();
        taken[i] = kc_worker_buffer_take(&w, c, NULL, 1);
        assert_int_equal(taken[i], want[i]);
        /* half for the records' bytes, half for what each costs beyond them (256 bytes) */
        assert_int_equal(conf_long(c, "queued.max.messages.kbytes"), want[i] / 2 / 1024);
        assert_int_equal(conf_long(c, "queued.min.messages"), want[i] / 2 / 256);
        assert_int_equal(conf_long(c, "max.partition.fetch.bytes"), want[i] / 16 > 65536 ? want[i] / 16 : 65536);
        rd_kafka_conf_destroy(c);
    }
    /* the floor is where the budget is exceeded: the last task goes 256 KiB over */
    assert_int_equal(w.buffer_reserved, 64 * MiB + MiB / 4);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) kc_worker_buffer_return(&w, taken[i]);
    assert_int_equal(w.buffer_reserved, 0);
    /* given back, the budget serves a new task in full again */
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    assert_int_equal(kc_worker_buffer_take(&w, c, NULL, 1), 8 * MiB);
    rd_kafka_conf_destroy(c);
}

/* A producer gets its buffer's bytes and records; fetch sizes are a consumer's only. */
static void test_producer_share(void **state) {
    (void)state;
    kc_worker w;
    worker_with_budget(&w, 4 * MiB);
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    long long fetch_default = conf_long(c, "max.partition.fetch.bytes");
    assert_int_equal(kc_worker_buffer_take(&w, c, NULL, 0), 2 * MiB);
    assert_int_equal(conf_long(c, "queue.buffering.max.kbytes"), 1024);
    assert_int_equal(conf_long(c, "queue.buffering.max.messages"), MiB / 256);
    assert_int_equal(conf_long(c, "max.partition.fetch.bytes"), fetch_default);
    rd_kafka_conf_destroy(c);
    /* a small share still holds the largest record a producer may send (librdkafka refuses for
     * good one larger than its buffer) */
    worker_with_budget(&w, 1 * MiB);
    c = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(c, "message.max.bytes", "3000000", NULL, 0), RD_KAFKA_CONF_OK);
    assert_int_equal(kc_worker_buffer_take(&w, c, NULL, 0), MiB / 2);
    assert_int_equal(conf_long(c, "queue.buffering.max.kbytes"), (3000000 + 1023) / 1024);
    assert_int_equal(conf_long(c, "queue.buffering.max.messages"), MiB / 4 / 256);
    rd_kafka_conf_destroy(c);
}

/* What the worker (consumer.*) or the connector (consumer.override.*) sets wins: a set byte size
 * takes the client out of the budget; another key set keeps its value alone. */
static void test_user_settings_win(void **state) {
    (void)state;
    kc_worker w;
    worker_with_budget(&w, 64 * MiB);
    assert_int_equal(kc_config_set(&w.config, "consumer.queued.max.messages.kbytes", "1024"), 0);
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    long long min_default = conf_long(c, "queued.min.messages");
    assert_int_equal(kc_worker_buffer_take(&w, c, NULL, 1), 0);
    assert_int_equal(conf_long(c, "queued.min.messages"), min_default);
    assert_int_equal(w.buffer_reserved, 0);
    rd_kafka_conf_destroy(c);
    kc_config_free(&w.config);

    worker_with_budget(&w, 64 * MiB);
    kc_config conn = {0};
    assert_int_equal(kc_config_set(&conn, "consumer.override.queued.min.messages", "7"), 0);
    c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "queued.min.messages", "7", NULL, 0); /* as kc_kafka_conf applies the override */
    assert_int_equal(kc_worker_buffer_take(&w, c, &conn, 1), 8 * MiB);
    assert_int_equal(conf_long(c, "queued.max.messages.kbytes"), 4096);
    assert_int_equal(conf_long(c, "queued.min.messages"), 7);
    rd_kafka_conf_destroy(c);
    kc_config_free(&conn);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shares_halve_what_is_left),
        cmocka_unit_test(test_producer_share),
        cmocka_unit_test(test_user_settings_win),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
