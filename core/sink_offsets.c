/* sink_offsets.c - a sink connector's offsets through the admin API (kc_sink_offsets.h). Each
 * call makes a short-lived client with the worker's admin settings: offsets are changed rarely,
 * by hand, and never while the connector runs. */
#include "kc_sink_offsets.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { ADMIN_TIMEOUT_MS = 30000 };

typedef enum { OP_LIST, OP_ALTER, OP_DELETE_OFFSETS, OP_DELETE_GROUP } admin_op;

static rd_kafka_t *admin_client(kc_worker *w, const char *connector, kc_error *err) {
    char client_id[300], errstr[512];
    snprintf(client_id, sizeof client_id, "connector-offsets-%s", connector);
    rd_kafka_conf_t *conf = kc_kafka_conf(w, NULL, "admin.", "", client_id, err);
    if (!conf) return NULL;
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        kc_error_set(err, KC_EFATAL, "cannot make an admin client: %s", errstr);
    }
    return rk;
}

/* Runs one admin call on group with partitions (may be NULL for OP_LIST and OP_DELETE_GROUP)
 * and waits for it. The group's result partitions (OP_LIST) are copied into *out. A broker
 * still loading groups, or a member of the stopped connector not yet gone, is waited for. */
static int run(kc_worker *w, const char *connector, admin_op op, const rd_kafka_topic_partition_list_t *partitions,
               rd_kafka_topic_partition_list_t **out, kc_error *err) {
    char group[300];
    snprintf(group, sizeof group, "connect-%s", connector);
    rd_kafka_t *rk = admin_client(w, connector, err);
    if (!rk) return err->code;
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
    char errstr[512];
    rd_kafka_AdminOptions_set_request_timeout(opts, ADMIN_TIMEOUT_MS, errstr, sizeof errstr);
    int rc = KC_EUNAVAILABLE;
    kc_error_set(err, KC_EUNAVAILABLE, "the consumer group %s did not answer in time", group);
    for (int attempt = 0; rc == KC_EUNAVAILABLE && attempt < 20; attempt++) {
        if (attempt) nanosleep(&(struct timespec){0, 500 * 1000 * 1000}, NULL);
        if (op == OP_LIST) {
            rd_kafka_ListConsumerGroupOffsets_t *r = rd_kafka_ListConsumerGroupOffsets_new(group, partitions);
            rd_kafka_ListConsumerGroupOffsets(rk, &r, 1, opts, q);
            rd_kafka_ListConsumerGroupOffsets_destroy(r);
        } else if (op == OP_ALTER) {
            rd_kafka_AlterConsumerGroupOffsets_t *r = rd_kafka_AlterConsumerGroupOffsets_new(group, partitions);
            rd_kafka_AlterConsumerGroupOffsets(rk, &r, 1, opts, q);
            rd_kafka_AlterConsumerGroupOffsets_destroy(r);
        } else if (op == OP_DELETE_OFFSETS) {
            rd_kafka_DeleteConsumerGroupOffsets_t *r = rd_kafka_DeleteConsumerGroupOffsets_new(group, partitions);
            rd_kafka_DeleteConsumerGroupOffsets(rk, &r, 1, opts, q);
            rd_kafka_DeleteConsumerGroupOffsets_destroy(r);
        } else {
            rd_kafka_DeleteGroup_t *r = rd_kafka_DeleteGroup_new(group);
            rd_kafka_DeleteGroups(rk, &r, 1, opts, q);
            rd_kafka_DeleteGroup_destroy(r);
        }
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, ADMIN_TIMEOUT_MS + 5000);
        if (!ev) break;
        const rd_kafka_group_result_t **groups = NULL;
        size_t n = 0;
        rd_kafka_resp_err_t code = rd_kafka_event_error(ev);
        if (!code) {
            if (op == OP_LIST)
                groups = rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
            else if (op == OP_ALTER)
                groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
            else if (op == OP_DELETE_OFFSETS)
                groups = rd_kafka_DeleteConsumerGroupOffsets_result_groups(rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
            else
                groups = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
            const rd_kafka_error_t *e = n == 1 ? rd_kafka_group_result_error(groups[0]) : NULL;
            code = n != 1 ? RD_KAFKA_RESP_ERR__FAIL : e ? rd_kafka_error_code(e) : RD_KAFKA_RESP_ERR_NO_ERROR;
        }
        const rd_kafka_topic_partition_list_t *parts = !code ? rd_kafka_group_result_partitions(groups[0]) : NULL;
        for (int i = 0; parts && i < parts->cnt && !code; i++) code = parts->elems[i].err; /* a partition refused */
        if (!code || (op == OP_DELETE_GROUP && code == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)) {
            rc = KC_OK;
            if (out) *out = parts ? rd_kafka_topic_partition_list_copy(parts) : rd_kafka_topic_partition_list_new(0);
        } else if (code == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS || code == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
                   code == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE || code == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP ||
                   code == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || code == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
                   code == RD_KAFKA_RESP_ERR__TIMED_OUT) {
            kc_error_set(err, KC_EUNAVAILABLE, "the consumer group %s: %s", group, rd_kafka_err2str(code));
        } else {
            rc = kc_error_set(err, KC_EINVAL, "the consumer group %s: %s", group, rd_kafka_err2str(code));
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}

json_t *kc_sink_offsets_list(kc_worker *w, const char *connector, kc_error *err) {
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (run(w, connector, OP_LIST, NULL, &parts, err)) return NULL;
    json_t *list = json_array();
    for (int i = 0; list && i < parts->cnt; i++) {
        const rd_kafka_topic_partition_t *p = &parts->elems[i];
        if (p->offset < 0) continue; /* nothing committed there */
        json_t *o = json_pack("{s:{s:s, s:i}, s:{s:I}}", "partition", "kafka_topic", p->topic, "kafka_partition",
                              (int)p->partition, "offset", "kafka_offset", (json_int_t)p->offset);
        if (!o || json_array_append_new(list, o)) {
            json_decref(list);
            list = NULL;
        }
    }
    rd_kafka_topic_partition_list_destroy(parts);
    if (!list) kc_error_set(err, KC_ENOMEM, "out of memory");
    return list;
}

json_t *kc_sink_offsets_answer(kc_worker *w, const char *connector) {
    kc_error err;
    json_t *list = kc_sink_offsets_list(w, connector, &err);
    if (list) return json_pack("{s:o}", "offsets", list);
    return json_pack("{s:i, s:s}", "error_code", 500, "message", err.msg);
}

/* One PATCH entry as a partition (and its offset; -1 for null): KC_EINVAL says which is wrong,
 * in Connect's words. */
static int parse_entry(size_t i, const json_t *item, const char **topic, int32_t *partition, int64_t *offset,
                       kc_error *err) {
    const json_t *p = json_object_get(item, "partition"), *o = json_object_get(item, "offset");
    const json_t *t = json_object_get(p, "kafka_topic"), *pn = json_object_get(p, "kafka_partition");
    if (!json_is_object(p) || !json_is_string(t) || !json_is_integer(pn) || json_integer_value(pn) < 0 ||
        json_integer_value(pn) > INT32_MAX)
        return kc_error_set(err, KC_EINVAL, "offsets[%zu]: the partition must be an object with the keys kafka_topic "
                                            "(a topic name) and kafka_partition (a partition number)", i);
    *topic = json_string_value(t);
    *partition = (int32_t)json_integer_value(pn);
    *offset = -1;
    if (!o || json_is_null(o)) return KC_OK;
    const json_t *ko = json_object_get(o, "kafka_offset");
    if (!json_is_object(o) || !json_is_integer(ko) || json_integer_value(ko) < 0)
        return kc_error_set(err, KC_EINVAL, "offsets[%zu]: the offset must be null or an object with the key "
                                            "kafka_offset, a non-negative number", i);
    *offset = json_integer_value(ko);
    return KC_OK;
}

int kc_sink_offsets_alter(kc_worker *w, const char *connector, const json_t *list, kc_error *err) {
    rd_kafka_topic_partition_list_t *set = rd_kafka_topic_partition_list_new(8), *drop = rd_kafka_topic_partition_list_new(8);
    int rc = KC_OK;
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        const char *topic = NULL;
        int32_t partition = 0;
        int64_t offset = -1;
        if ((rc = parse_entry(i, item, &topic, &partition, &offset, err))) break;
        if (offset >= 0) rd_kafka_topic_partition_list_add(set, topic, partition)->offset = offset;
        else rd_kafka_topic_partition_list_add(drop, topic, partition);
    }
    if (!rc && set->cnt) rc = run(w, connector, OP_ALTER, set, NULL, err);
    if (!rc && drop->cnt) rc = run(w, connector, OP_DELETE_OFFSETS, drop, NULL, err);
    rd_kafka_topic_partition_list_destroy(set);
    rd_kafka_topic_partition_list_destroy(drop);
    return rc;
}

int kc_sink_offsets_reset(kc_worker *w, const char *connector, kc_error *err) {
    return run(w, connector, OP_DELETE_GROUP, NULL, NULL, err);
}
