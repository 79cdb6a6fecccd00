/* The MongoDB source's Debezium events, from change stream documents shaped as MongoDB documents
 * them (insert, update with updateLookup, replace, delete, drop, a transaction's) and from
 * copied documents. No server here has change streams (FerretDB has none): these recorded shapes
 * are what the change-stream path is tested on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "dbz_event.h"
#include "kc_plugin_int.h"
#include "kc_value_int.h"

static const dbz_origin origin = {"unifi", "rs0"};

static bson_t *doc(const char *json) {
    bson_error_t e;
    bson_t *b = bson_new_from_json((const uint8_t *)json, -1, &e);
    if (!b) fail_msg("%s: %s", json, e.message);
    return b;
}

static const char *str(const kc_value *st, const char *key) {
    const kc_value *v = kc_map_get_str(st, key);
    return v && v->type == KC_VAL_STRING ? v->u.str.ptr : NULL;
}

static int64_t num(const kc_value *st, const char *key) {
    const kc_value *v = kc_map_get_str(st, key);
    assert_non_null(v);
    assert_int_equal(v->type, KC_VAL_INT);
    return v->u.i;
}

/* a JSON string field parsed (so spacing does not matter) */
static json_t *json_field(const kc_value *st, const char *key) {
    const char *s = str(st, key);
    assert_non_null(s);
    json_t *j = json_loads(s, 0, NULL);
    if (!j) fail_msg("%s is not JSON: %s", key, s);
    return j;
}

static void expect_json(json_t *got, const char *want) {
    json_t *w = json_loads(want, 0, NULL);
    assert_non_null(w);
    if (!json_equal(got, w)) {
        char *g = json_dumps(got, JSON_SORT_KEYS);
        fail_msg("got %s, want %s", g, want);
    }
    json_decref(w);
    json_decref(got);
}

#define INSERT                                                                                                        \
    "{\"_id\": {\"_data\": \"8262E2B2E5000000012B022C0100296E5A1004\"}, \"operationType\": \"insert\","               \
    " \"clusterTime\": {\"$timestamp\": {\"t\": 1658936037, \"i\": 3}},"                                             \
    " \"fullDocument\": {\"_id\": {\"$oid\": \"599af247bb69cd89961c986d\"}, \"mac\": \"44:65:0d:e0:94:66\","        \
    " \"name\": \"Robin's Kindle\", \"is_guest\": false, \"first_seen\": {\"$numberLong\": \"1584802202\"}},"        \
    " \"ns\": {\"db\": \"ace\", \"coll\": \"user\"}, \"documentKey\": {\"_id\": {\"$oid\": \"599af247bb69cd89961c986d\"}}}"

static void test_insert_is_op_c_with_the_full_document(void **st) {
    (void)st;
    dbz_schemas s;
    assert_int_equal(dbz_schemas_build(&kc_host, "unifi", "ace", "user", &s), KC_OK);
    bson_t *change = doc(INSERT);
    dbz_change_kind kind;
    kc_record *r = NULL;
    char msg[256];
    assert_int_equal(dbz_change_record(&kc_host, &origin, &s, change, 1700000000000, &kind, &r, msg, sizeof msg), KC_OK);
    assert_int_equal(kind, DBZ_CHANGE_RECORD);
    assert_string_equal(r->topic, "unifi.ace.user");
    assert_string_equal(r->key_schema->name, "unifi.ace.user.Key");
    expect_json(json_loads(str(&r->key, "id"), 0, NULL), "{\"$oid\": \"599af247bb69cd89961c986d\"}");
    assert_string_equal(r->value_schema->name, "unifi.ace.user.Envelope");
    assert_string_equal(str(&r->value, "op"), "c");
    assert_int_equal(kc_map_get_str(&r->value, "before")->type, KC_VAL_NULL);
    assert_int_equal(kc_map_get_str(&r->value, "updateDescription")->type, KC_VAL_NULL);
    expect_json(json_field(&r->value, "after"),
                "{\"_id\": {\"$oid\": \"599af247bb69cd89961c986d\"}, \"mac\": \"44:65:0d:e0:94:66\","
                " \"name\": \"Robin's Kindle\", \"is_guest\": false, \"first_seen\": 1584802202}");
    const kc_value *src = kc_map_get_str(&r->value, "source");
    assert_string_equal(str(src, "connector"), "mongodb");
    assert_string_equal(str(src, "name"), "unifi");
    assert_string_equal(str(src, "rs"), "rs0");
    assert_string_equal(str(src, "db"), "ace");
    assert_string_equal(str(src, "collection"), "user");
    assert_int_equal(num(src, "ts_ms"), 1658936037000);
    assert_int_equal(num(src, "ord"), 3);
    assert_int_equal(kc_map_get_str(src, "snapshot")->type, KC_VAL_NULL);
    assert_int_equal(num(&r->value, "ts_ms"), 1700000000000);
    /* the offsets: where the stream resumes */
    assert_int_equal(num(&r->source_offset, "sec"), 1658936037);
    assert_int_equal(num(&r->source_offset, "ord"), 3);
    assert_string_equal(str(&r->source_offset, "resume_token"), "8262E2B2E5000000012B022C0100296E5A1004");
    assert_null(kc_map_get_str(&r->source_offset, "initsync"));
    assert_string_equal(str(&r->source_partition, "rs"), "rs0");
    assert_string_equal(str(&r->source_partition, "server_id"), "unifi");
    /* the struct follows its schema field for field */
    assert_int_equal(r->value.u.map.len, r->value_schema->nfields);
    for (size_t i = 0; i < r->value_schema->nfields; i++)
        assert_string_equal(r->value.u.map.items[i].key.u.str.ptr, r->value_schema->fields[i].name);
    kc_record_release(r);
    bson_destroy(change);
    dbz_schemas_release(&kc_host, &s);
}

static void test_update_carries_the_description_and_the_looked_up_document(void **st) {
    (void)st;
    dbz_schemas s;
    assert_int_equal(dbz_schemas_build(&kc_host, "unifi", "ace", "user", &s), KC_OK);
    bson_t *change = doc(
        "{\"_id\": {\"_data\": \"8262E2B2E5000000022B\"}, \"operationType\": \"update\","
        " \"clusterTime\": {\"$timestamp\": {\"t\": 1658936040, \"i\": 1}}, \"ns\": {\"db\": \"ace\", \"coll\": \"user\"},"
        " \"documentKey\": {\"_id\": \"guest-7\"},"
        " \"updateDescription\": {\"updatedFields\": {\"name\": \"Hall tablet\"}, \"removedFields\": [\"noted\"],"
        "   \"truncatedArrays\": [{\"field\": \"ips\", \"newSize\": 2}]},"
        " \"fullDocument\": {\"_id\": \"guest-7\", \"name\": \"Hall tablet\", \"ips\": [\"a\", \"b\"]},"
        " \"lsid\": {\"id\": {\"$binary\": {\"base64\": \"AAAAAAAAAAAAAAAAAAAAAA==\", \"subType\": \"04\"}}},"
        " \"txnNumber\": {\"$numberLong\": \"5\"}}");
    dbz_change_kind kind;
    kc_record *r = NULL;
    char msg[256];
    assert_int_equal(dbz_change_record(&kc_host, &origin, &s, change, 1, &kind, &r, msg, sizeof msg), KC_OK);
    assert_string_equal(str(&r->value, "op"), "u");
    assert_string_equal(str(&r->key, "id"), "\"guest-7\"");
    expect_json(json_field(&r->value, "after"), "{\"_id\": \"guest-7\", \"name\": \"Hall tablet\", \"ips\": [\"a\", \"b\"]}");
    const kc_value *ud = kc_map_get_str(&r->value, "updateDescription");
    assert_int_equal(ud->type, KC_VAL_STRUCT);
    expect_json(json_field(ud, "updatedFields"), "{\"name\": \"Hall tablet\"}");
    const kc_value *removed = kc_map_get_str(ud, "removedFields");
    assert_int_equal(removed->u.arr.len, 1);
    assert_string_equal(removed->u.arr.items[0].u.str.ptr, "noted");
    const kc_value *trunc = kc_map_get_str(ud, "truncatedArrays");
    assert_int_equal(trunc->u.arr.len, 1);
    assert_string_equal(str(&trunc->u.arr.items[0], "field"), "ips");
    assert_int_equal(num(&trunc->u.arr.items[0], "size"), 2);
    const kc_value *src = kc_map_get_str(&r->value, "source");
    assert_int_equal(num(src, "txnNumber"), 5);
    assert_non_null(strstr(str(src, "lsid"), "$binary"));
    kc_record_release(r);
    bson_destroy(change);
    dbz_schemas_release(&kc_host, &s);
}

static void test_replace_delete_and_the_tombstone(void **st) {
    (void)st;
    dbz_schemas s;
    assert_int_equal(dbz_schemas_build(&kc_host, "unifi", "ace", "device", &s), KC_OK);
    char msg[256];
    dbz_change_kind kind;
    kc_record *r = NULL;
    bson_t *replace = doc("{\"_id\": {\"_data\": \"82AA\"}, \"operationType\": \"replace\","
                          " \"clusterTime\": {\"$timestamp\": {\"t\": 1700000000, \"i\": 1}},"
                          " \"ns\": {\"db\": \"ace\", \"coll\": \"device\"}, \"documentKey\": {\"_id\": 1004},"
                          " \"fullDocument\": {\"_id\": 1004, \"name\": \"AP\"}}");
    assert_int_equal(dbz_change_record(&kc_host, &origin, &s, replace, 1, &kind, &r, msg, sizeof msg), KC_OK);
    assert_string_equal(str(&r->value, "op"), "u");
    assert_string_equal(str(&r->key, "id"), "1004");
    assert_int_equal(kc_map_get_str(&r->value, "updateDescription")->type, KC_VAL_NULL);
    kc_record_release(r);
    bson_t *del = doc("{\"_id\": {\"_data\": \"82AB\"}, \"operationType\": \"delete\","
                      " \"clusterTime\": {\"$timestamp\": {\"t\": 1700000001, \"i\": 2}},"
                      " \"ns\": {\"db\": \"ace\", \"coll\": \"device\"}, \"documentKey\": {\"_id\": 1004}}");
    assert_int_equal(dbz_change_record(&kc_host, &origin, &s, del, 1, &kind, &r, msg, sizeof msg), KC_OK);
    assert_string_equal(str(&r->value, "op"), "d");
    assert_int_equal(kc_map_get_str(&r->value, "after")->type, KC_VAL_NULL);
    kc_record *tomb = NULL;
    assert_int_equal(dbz_tombstone(&kc_host, r, &tomb), KC_OK);
    assert_string_equal(tomb->topic, "unifi.ace.device");
    assert_int_equal(tomb->value.type, KC_VAL_NULL);
    assert_null(tomb->value_schema);
    assert_string_equal(str(&tomb->key, "id"), "1004");
    assert_string_equal(str(&tomb->source_offset, "resume_token"), "82AB");
    kc_record_release(tomb);
    kc_record_release(r);
    bson_destroy(replace);
    bson_destroy(del);
    dbz_schemas_release(&kc_host, &s);
}

static void test_other_operations_emit_nothing_and_broken_events_are_refused(void **st) {
    (void)st;
    dbz_schemas s;
    assert_int_equal(dbz_schemas_build(&kc_host, "unifi", "ace", "device", &s), KC_OK);
    char msg[256];
    dbz_change_kind kind;
    kc_record *r = NULL;
    bson_t *drop = doc("{\"_id\": {\"_data\": \"82AC\"}, \"operationType\": \"drop\","
                       " \"clusterTime\": {\"$timestamp\": {\"t\": 1700000002, \"i\": 1}}, \"ns\": {\"db\": \"ace\", \"coll\": \"device\"}}");
    assert_int_equal(dbz_change_record(&kc_host, &origin, &s, drop, 1, &kind, &r, msg, sizeof msg), KC_OK);
    assert_int_equal(kind, DBZ_CHANGE_SKIP);
    assert_null(r);
    const char *broken[][2] = {
        {"{\"operationType\": \"insert\", \"ns\": {\"db\": \"a\", \"coll\": \"b\"}, \"documentKey\": {\"_id\": 1},"
         " \"clusterTime\": {\"$timestamp\": {\"t\": 1, \"i\": 1}}}", "resume token"},
        {"{\"_id\": {\"_data\": \"82\"}, \"operationType\": \"insert\", \"ns\": {\"db\": \"a\", \"coll\": \"b\"},"
         " \"clusterTime\": {\"$timestamp\": {\"t\": 1, \"i\": 1}}}", "documentKey._id"},
        {"{\"_id\": {\"_data\": \"82\"}, \"operationType\": \"insert\", \"documentKey\": {\"_id\": 1},"
         " \"clusterTime\": {\"$timestamp\": {\"t\": 1, \"i\": 1}}}", "ns.db"},
        {"{\"_id\": {\"_data\": \"82\"}, \"operationType\": \"delete\", \"ns\": {\"db\": \"a\", \"coll\": \"b\"},"
         " \"documentKey\": {\"_id\": 1}}", "clusterTime"},
        {"{\"_id\": {\"_data\": \"82\"}}", "operationType"},
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        bson_t *b = doc(broken[i][0]);
        assert_int_equal(dbz_change_record(&kc_host, &origin, &s, b, 1, &kind, &r, msg, sizeof msg), KC_EINVAL);
        if (!strstr(msg, broken[i][1])) fail_msg("case %zu: %s", i, msg);
        assert_null(r);
        bson_destroy(b);
    }
    bson_destroy(drop);
    dbz_schemas_release(&kc_host, &s);
}

static void test_snapshot_records(void **st) {
    (void)st;
    dbz_schemas s;
    assert_int_equal(dbz_schemas_build(&kc_host, "unifi", "ace", "device", &s), KC_OK);
    bson_t *d = doc("{\"_id\": {\"$oid\": \"5d1f0c8e2a4b3c0001a1b2c1\"}, \"name\": \"Office AP\"}");
    dbz_position at = {1700000000, 7, NULL};
    kc_record *r = NULL;
    char msg[256];
    assert_int_equal(dbz_snapshot_record(&kc_host, &origin, &s, "ace", "device", d, &at, 0, 5, &r, msg, sizeof msg), KC_OK);
    assert_string_equal(str(&r->value, "op"), "r");
    assert_string_equal(str(kc_map_get_str(&r->value, "source"), "snapshot"), "true");
    assert_true(kc_map_get_str(&r->source_offset, "initsync")->u.b); /* not done until the last record */
    assert_int_equal(num(&r->source_offset, "sec"), 1700000000);
    kc_record_release(r);
    assert_int_equal(dbz_snapshot_record(&kc_host, &origin, &s, "ace", "device", d, &at, 1, 5, &r, msg, sizeof msg), KC_OK);
    assert_string_equal(str(kc_map_get_str(&r->value, "source"), "snapshot"), "last");
    assert_null(kc_map_get_str(&r->source_offset, "initsync"));
    kc_record_release(r);
    bson_t *no_id = doc("{\"name\": \"x\"}");
    assert_int_equal(dbz_snapshot_record(&kc_host, &origin, &s, "ace", "device", no_id, &at, 0, 5, &r, msg, sizeof msg),
                     KC_EINVAL);
    assert_non_null(strstr(msg, "no _id"));
    bson_destroy(no_id);
    bson_destroy(d);
    dbz_schemas_release(&kc_host, &s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_is_op_c_with_the_full_document),
        cmocka_unit_test(test_update_carries_the_description_and_the_looked_up_document),
        cmocka_unit_test(test_replace_delete_and_the_tombstone),
        cmocka_unit_test(test_other_operations_emit_nothing_and_broken_events_are_refused),
        cmocka_unit_test(test_snapshot_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
