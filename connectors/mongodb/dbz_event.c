/* dbz_event.c - see dbz_event.h. Field names, schema names and the envelope's layout are
 * Debezium's (MongoDB connector, change-stream capture). */
#include "dbz_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DBZ_VERSION "2.7.0.Final-kcd" /* source.version: the Debezium layout this follows, and who wrote it */
#define DBZ_JSON "io.debezium.data.Json"

/* ---- schemas ------------------------------------------------------------------------------ */

static kc_schema *named(const kc_host_api *h, kc_stype type, int optional, const char *name) {
    kc_schema *s = h->schema_new(type, optional);
    if (s && name && h->schema_set_name(s, name)) {
        h->schema_release(s);
        return NULL;
    }
    return s;
}

/* Adds fields to `st` from a list of (name, schema) pairs; the schemas are moved; any NULL
 * (an allocation that failed) fails the whole struct. */
static int add_fields(const kc_host_api *h, kc_schema *st, const char *const *names, kc_schema **schemas, size_t n) {
    int rc = st ? KC_OK : KC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!rc && schemas[i] && h->schema_add_field(st, names[i], schemas[i]) == KC_OK) continue;
        if (schemas[i]) h->schema_release(schemas[i]); /* not moved: the add failed or was not tried */
        rc = KC_ENOMEM;
    }
    return rc;
}

static kc_schema *source_schema(const kc_host_api *h) {
    static const char *const names[] = {"version", "connector", "name", "ts_ms", "snapshot", "db", "sequence",
                                        "rs", "collection", "ord", "lsid", "txnNumber"};
    kc_schema *snapshot = named(h, KC_SCHEMA_STRING, 1, "io.debezium.data.Enum");
    if (snapshot && h->schema_add_param(snapshot, "allowed", "true,last,false,incremental")) {
        h->schema_release(snapshot);
        snapshot = NULL;
    }
    kc_schema *fields[] = {
        h->schema_new(KC_SCHEMA_STRING, 0), h->schema_new(KC_SCHEMA_STRING, 0), h->schema_new(KC_SCHEMA_STRING, 0),
        h->schema_new(KC_SCHEMA_INT64, 0),  snapshot,                           h->schema_new(KC_SCHEMA_STRING, 0),
        h->schema_new(KC_SCHEMA_STRING, 1), h->schema_new(KC_SCHEMA_STRING, 0), h->schema_new(KC_SCHEMA_STRING, 0),
        h->schema_new(KC_SCHEMA_INT32, 0),  h->schema_new(KC_SCHEMA_STRING, 1), h->schema_new(KC_SCHEMA_INT64, 1),
    };
    kc_schema *st = named(h, KC_SCHEMA_STRUCT, 0, "io.debezium.connector.mongo.Source");
    if (add_fields(h, st, names, fields, 12)) {
        if (st) h->schema_release(st);
        return NULL;
    }
    return st;
}

static kc_schema *update_description_schema(const kc_host_api *h) {
    kc_schema *removed = h->schema_new(KC_SCHEMA_ARRAY, 1);
    if (removed && !(removed->items = h->schema_new(KC_SCHEMA_STRING, 0))) {
        h->schema_release(removed);
        removed = NULL;
    }
    kc_schema *truncated = h->schema_new(KC_SCHEMA_ARRAY, 1);
    kc_schema *item = h->schema_new(KC_SCHEMA_STRUCT, 0);
    static const char *const item_names[] = {"field", "size"};
    kc_schema *item_fields[] = {h->schema_new(KC_SCHEMA_STRING, 0), h->schema_new(KC_SCHEMA_INT32, 0)};
    if (add_fields(h, item, item_names, item_fields, 2) || !truncated) {
        if (item) h->schema_release(item);
        if (truncated) h->schema_release(truncated);
        truncated = NULL;
    } else {
        truncated->items = item;
    }
    static const char *const names[] = {"removedFields", "updatedFields", "truncatedArrays"};
    kc_schema *fields[] = {removed, named(h, KC_SCHEMA_STRING, 1, DBZ_JSON), truncated};
    kc_schema *st = named(h, KC_SCHEMA_STRUCT, 1, "io.debezium.connector.mongodb.changestream.updatedescription");
    if (add_fields(h, st, names, fields, 3)) {
        if (st) h->schema_release(st);
        return NULL;
    }
    return st;
}

int dbz_schemas_build(const kc_host_api *h, const char *prefix, const char *db, const char *coll, dbz_schemas *out) {
    char name[1024];
    out->key = out->envelope = NULL;
    snprintf(name, sizeof name, "%s.%s.%s.Key", prefix, db, coll);
    out->key = named(h, KC_SCHEMA_STRUCT, 0, name);
    static const char *const key_names[] = {"id"};
    kc_schema *key_fields[] = {h->schema_new(KC_SCHEMA_STRING, 0)};
    int rc = add_fields(h, out->key, key_names, key_fields, 1);
    snprintf(name, sizeof name, "%s.%s.%s.Envelope", prefix, db, coll);
    out->envelope = named(h, KC_SCHEMA_STRUCT, 0, name);
    static const char *const names[] = {"before", "after", "updateDescription", "source", "op", "ts_ms"};
    kc_schema *fields[] = {named(h, KC_SCHEMA_STRING, 1, DBZ_JSON), named(h, KC_SCHEMA_STRING, 1, DBZ_JSON),
                           update_description_schema(h), source_schema(h), h->schema_new(KC_SCHEMA_STRING, 1),
                           h->schema_new(KC_SCHEMA_INT64, 1)};
    if (add_fields(h, out->envelope, names, fields, 6) || rc) {
        dbz_schemas_release(h, out);
        return KC_ENOMEM;
    }
    return KC_OK;
}

void dbz_schemas_release(const kc_host_api *h, dbz_schemas *s) {
    if (s->key) h->schema_release(s->key);
    if (s->envelope) h->schema_release(s->envelope);
    s->key = s->envelope = NULL;
}

/* ---- values ------------------------------------------------------------------------------- */

/* Builders that remember the first failure, so a record is built straight through and checked once. */
typedef struct builder {
    const kc_host_api *h;
    int failed;
} builder;

static void put_value(builder *b, kc_value *st, const char *key, kc_value *v) {
    if (b->h->map_put_str(st, key, v)) {
        b->failed = 1;
        b->h->value_clear(v);
    }
}

static void put_null(builder *b, kc_value *st, const char *key) {
    kc_value v = KC_VALUE_NULL_INIT;
    put_value(b, st, key, &v);
}

static void put_str(builder *b, kc_value *st, const char *key, const char *s, size_t n) {
    if (!s) {
        put_null(b, st, key);
        return;
    }
    kc_value v = KC_VALUE_NULL_INIT;
    if (b->h->value_set_string(&v, s, n)) b->failed = 1;
    else put_value(b, st, key, &v);
}

static void put_cstr(builder *b, kc_value *st, const char *key, const char *s) {
    put_str(b, st, key, s, s ? strlen(s) : 0);
}

static void put_int(builder *b, kc_value *st, const char *key, int64_t i) {
    kc_value v = KC_VALUE_NULL_INIT;
    v.type = KC_VAL_INT;
    v.u.i = i;
    put_value(b, st, key, &v);
}

static void put_bool(builder *b, kc_value *st, const char *key, int x) {
    kc_value v = KC_VALUE_NULL_INIT;
    v.type = KC_VAL_BOOL;
    v.u.b = x;
    put_value(b, st, key, &v);
}

/* A document as relaxed extended JSON, into st[key] (null for NULL). */
static void put_json(builder *b, kc_value *st, const char *key, const bson_t *doc) {
    if (!doc) {
        put_null(b, st, key);
        return;
    }
    size_t len = 0;
    char *json = bson_as_relaxed_extended_json(doc, &len);
    if (!json) b->failed = 1;
    else put_str(b, st, key, json, len);
    bson_free(json);
}

/* The key's id: the _id value as extended JSON ({"$oid": ...} for an ObjectId, "\"text\"" for a
 * string, 1004 for a number), as Debezium writes it. */
static char *id_json(const bson_iter_t *id) {
    bson_t wrap = BSON_INITIALIZER;
    if (!bson_append_value(&wrap, "id", 2, bson_iter_value((bson_iter_t *)id))) {
        bson_destroy(&wrap);
        return NULL;
    }
    size_t len = 0;
    char *json = bson_as_relaxed_extended_json(&wrap, &len);
    bson_destroy(&wrap);
    if (!json) return NULL;
    /* { "id" : <value> } */
    const char *start = strstr(json, ": ");
    char *out = NULL;
    if (start && len >= 2 && json[len - 1] == '}') {
        start += 2;
        size_t n = (size_t)(json + len - 2 - start); /* up to the " }" */
        out = malloc(n + 1);
        if (out) memcpy(out, start, n), out[n] = '\0';
    }
    bson_free(json);
    return out;
}

static int make_key(const kc_host_api *h, const dbz_schemas *s, const bson_iter_t *id, kc_record *r) {
    char *text = id_json(id);
    if (!text) return KC_ENOMEM;
    builder b = {h, 0};
    h->value_init_struct(&r->key);
    put_cstr(&b, &r->key, "id", text);
    free(text);
    r->key_schema = h->schema_retain(s->key);
    return b.failed ? KC_ENOMEM : KC_OK;
}

static char *topic_name(const char *prefix, const char *db, const char *coll) {
    size_t n = strlen(prefix) + strlen(db) + strlen(coll) + 3;
    char *t = malloc(n);
    if (t) snprintf(t, n, "%s.%s.%s", prefix, db, coll);
    return t;
}

int dbz_source_partition(const kc_host_api *h, const dbz_origin *o, kc_value *out) {
    builder b = {h, 0};
    h->value_init_map(out);
    put_cstr(&b, out, "rs", o->rs);
    put_cstr(&b, out, "server_id", o->prefix);
    return b.failed ? KC_ENOMEM : KC_OK;
}

/* The `source` block. */
static void put_source(builder *b, kc_value *env, const dbz_origin *o, const char *db, const char *coll,
                       const dbz_position *at, const char *snapshot, const char *lsid, int64_t txn, int has_txn) {
    kc_value src = KC_VALUE_NULL_INIT;
    b->h->value_init_struct(&src);
    put_cstr(b, &src, "version", DBZ_VERSION);
    put_cstr(b, &src, "connector", "mongodb");
    put_cstr(b, &src, "name", o->prefix);
    put_int(b, &src, "ts_ms", (int64_t)at->sec * 1000);
    put_cstr(b, &src, "snapshot", snapshot);
    put_cstr(b, &src, "db", db);
    put_null(b, &src, "sequence");
    put_cstr(b, &src, "rs", o->rs);
    put_cstr(b, &src, "collection", coll);
    kc_value ord = KC_VALUE_NULL_INIT;
    ord.type = KC_VAL_INT;
    ord.u.i = at->ord;
    put_value(b, &src, "ord", &ord);
    put_cstr(b, &src, "lsid", lsid);
    if (has_txn) put_int(b, &src, "txnNumber", txn);
    else put_null(b, &src, "txnNumber");
    put_value(b, env, "source", &src);
}

static kc_record *new_record(const kc_host_api *h, const dbz_origin *o, const char *db, const char *coll) {
    kc_record *r = h->record_new();
    if (!r) return NULL;
    char *topic = topic_name(o->prefix, db, coll);
    int bad = !topic || h->record_set_topic(r, topic) || dbz_source_partition(h, o, &r->source_partition);
    free(topic);
    if (bad) {
        h->record_release(r);
        return NULL;
    }
    return r;
}

/* A record of <prefix>.<db>.<coll> keyed by `id`, its envelope begun with before (always null:
 * Debezium has no pre-images without capture.mode=*_with_pre_image). */
static kc_record *begin_event(const kc_host_api *h, const dbz_origin *o, const dbz_schemas *s, const char *db,
                              const char *coll, const bson_iter_t *id, builder *b) {
    kc_record *r = new_record(h, o, db, coll);
    if (!r || make_key(h, s, id, r)) {
        if (r) h->record_release(r);
        return NULL;
    }
    h->value_init_struct(&r->value);
    put_null(b, &r->value, "before");
    return r;
}

static void put_offset(builder *b, kc_record *r, const dbz_position *at, int initsync);

/* Ends the envelope (op, ts_ms) and sets its schema and offset; KC_ENOMEM (record released) when
 * anything failed on the way. */
static int end_event(const kc_host_api *h, const dbz_schemas *s, builder *b, kc_record *r, const char *op,
                     int64_t now_ms, const dbz_position *at, int initsync, kc_record **out, char *msg,
                     size_t msg_size) {
    put_cstr(b, &r->value, "op", op);
    put_int(b, &r->value, "ts_ms", now_ms);
    r->value_schema = h->schema_retain(s->envelope);
    put_offset(b, r, at, initsync);
    if (b->failed) {
        h->record_release(r);
        snprintf(msg, msg_size, "out of memory");
        return KC_ENOMEM;
    }
    *out = r;
    return KC_OK;
}

static void put_offset(builder *b, kc_record *r, const dbz_position *at, int initsync) {
    b->h->value_init_map(&r->source_offset);
    put_int(b, &r->source_offset, "sec", at->sec);
    put_int(b, &r->source_offset, "ord", at->ord);
    if (at->resume_token) put_cstr(b, &r->source_offset, "resume_token", at->resume_token);
    if (initsync) put_bool(b, &r->source_offset, "initsync", 1);
}

int dbz_snapshot_record(const kc_host_api *h, const dbz_origin *o, const dbz_schemas *s, const char *db,
                        const char *coll, const bson_t *doc, const dbz_position *at, int last, int64_t now_ms,
                        kc_record **out, char *msg, size_t msg_size) {
    *out = NULL;
    bson_iter_t id;
    if (!bson_iter_init_find(&id, doc, "_id")) {
        snprintf(msg, msg_size, "a document of %s.%s has no _id", db, coll);
        return KC_EINVAL;
    }
    builder b = {h, 0};
    kc_record *r = begin_event(h, o, s, db, coll, &id, &b);
    if (!r) {
        snprintf(msg, msg_size, "out of memory");
        return KC_ENOMEM;
    }
    put_json(&b, &r->value, "after", doc);
    put_null(&b, &r->value, "updateDescription");
    put_source(&b, &r->value, o, db, coll, at, last ? "last" : "true", NULL, 0, 0);
    /* the copy is done once its last record is acknowledged */
    return end_event(h, s, &b, r, "r", now_ms, at, !last, out, msg, msg_size);
}

void dbz_change_ns(const bson_t *change, const char **db, const char **coll) {
    bson_iter_t it, ns;
    *db = *coll = NULL;
    if (bson_iter_init_find(&it, change, "ns") && BSON_ITER_HOLDS_DOCUMENT(&it) && bson_iter_recurse(&it, &ns)) {
        while (bson_iter_next(&ns)) {
            if (!BSON_ITER_HOLDS_UTF8(&ns)) continue;
            if (!strcmp(bson_iter_key(&ns), "db")) *db = bson_iter_utf8(&ns, NULL);
            else if (!strcmp(bson_iter_key(&ns), "coll")) *coll = bson_iter_utf8(&ns, NULL);
        }
    }
}

/* A sub-document of `doc` as a bson_t (static, pointing into doc); 0 when key is not a document. */
static int sub_document(const bson_t *doc, const char *key, bson_t *out) {
    bson_iter_t it;
    uint32_t len = 0;
    const uint8_t *data = NULL;
    if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_DOCUMENT(&it)) return 0;
    bson_iter_document(&it, &len, &data);
    return bson_init_static(out, data, len);
}

/* updateDescription: removedFields, updatedFields (JSON), truncatedArrays. */
static void put_update_description(builder *b, kc_value *env, const bson_t *desc) {
    const kc_host_api *h = b->h;
    kc_value ud = KC_VALUE_NULL_INIT, removed = KC_VALUE_NULL_INIT, truncated = KC_VALUE_NULL_INIT;
    h->value_init_struct(&ud);
    bson_iter_t it, arr;
    if (bson_iter_init_find(&it, desc, "removedFields") && BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &arr)) {
        h->value_init_array(&removed);
        while (bson_iter_next(&arr)) {
            if (!BSON_ITER_HOLDS_UTF8(&arr)) continue;
            uint32_t n = 0;
            const char *s = bson_iter_utf8(&arr, &n);
            kc_value item = KC_VALUE_NULL_INIT;
            if (h->value_set_string(&item, s, n) || h->array_push(&removed, &item)) b->failed = 1, h->value_clear(&item);
        }
    }
    put_value(b, &ud, "removedFields", &removed);
    bson_t updated;
    put_json(b, &ud, "updatedFields", sub_document(desc, "updatedFields", &updated) ? &updated : NULL);
    if (bson_iter_init_find(&it, desc, "truncatedArrays") && BSON_ITER_HOLDS_ARRAY(&it) &&
        bson_iter_recurse(&it, &arr)) {
        h->value_init_array(&truncated);
        while (bson_iter_next(&arr)) {
            bson_iter_t f;
            const char *field = NULL;
            int64_t size = 0;
            if (!BSON_ITER_HOLDS_DOCUMENT(&arr) || !bson_iter_recurse(&arr, &f)) continue;
            while (bson_iter_next(&f)) {
                if (!strcmp(bson_iter_key(&f), "field") && BSON_ITER_HOLDS_UTF8(&f)) field = bson_iter_utf8(&f, NULL);
                else if (!strcmp(bson_iter_key(&f), "newSize") && BSON_ITER_HOLDS_NUMBER(&f)) size = bson_iter_as_int64(&f);
            }
            if (!field) continue;
            kc_value item = KC_VALUE_NULL_INIT;
            h->value_init_struct(&item);
            put_cstr(b, &item, "field", field);
            put_int(b, &item, "size", size);
            if (h->array_push(&truncated, &item)) b->failed = 1, h->value_clear(&item);
        }
    }
    put_value(b, &ud, "truncatedArrays", &truncated);
    put_value(b, env, "updateDescription", &ud);
}

int dbz_change_record(const kc_host_api *h, const dbz_origin *o, const dbz_schemas *s, const bson_t *change,
                      int64_t now_ms, dbz_change_kind *kind, kc_record **out, char *msg, size_t msg_size) {
    *out = NULL;
    *kind = DBZ_CHANGE_SKIP;
    bson_iter_t it;
    const char *type = NULL;
    if (bson_iter_init_find(&it, change, "operationType") && BSON_ITER_HOLDS_UTF8(&it)) type = bson_iter_utf8(&it, NULL);
    if (!type) {
        snprintf(msg, msg_size, "a change event without operationType");
        return KC_EINVAL;
    }
    const char *op = !strcmp(type, "insert") ? "c"
                     : !strcmp(type, "update") || !strcmp(type, "replace") ? "u"
                     : !strcmp(type, "delete") ? "d"
                     : NULL;
    if (!op) return KC_OK; /* drop, rename, dropDatabase, invalidate, ...: Debezium emits nothing */
    const char *db, *coll;
    dbz_change_ns(change, &db, &coll);
    bson_t token, key_doc;
    bson_iter_t data, id;
    const char *token_data = NULL;
    if (sub_document(change, "_id", &token) && bson_iter_init_find(&data, &token, "_data") && BSON_ITER_HOLDS_UTF8(&data))
        token_data = bson_iter_utf8(&data, NULL);
    dbz_position at = {0, 0, token_data};
    if (bson_iter_init_find(&it, change, "clusterTime") && BSON_ITER_HOLDS_TIMESTAMP(&it))
        bson_iter_timestamp(&it, &at.sec, &at.ord);
    if (!db || !coll || !token_data || !at.sec || !sub_document(change, "documentKey", &key_doc) ||
        !bson_iter_init_find(&id, &key_doc, "_id")) {
        snprintf(msg, msg_size, "a %s event without %s", type,
                 !db || !coll ? "ns.db and ns.coll" : !token_data ? "a resume token (_id._data)"
                 : !at.sec ? "clusterTime" : "documentKey._id");
        return KC_EINVAL;
    }
    builder b = {h, 0};
    kc_record *r = begin_event(h, o, s, db, coll, &id, &b);
    if (!r) {
        snprintf(msg, msg_size, "out of memory");
        return KC_ENOMEM;
    }
    bson_t full, desc;
    put_json(&b, &r->value, "after", op[0] != 'd' && sub_document(change, "fullDocument", &full) ? &full : NULL);
    if (!strcmp(type, "update") && sub_document(change, "updateDescription", &desc))
        put_update_description(&b, &r->value, &desc);
    else
        put_null(&b, &r->value, "updateDescription");
    /* a transaction's session and number, when the change was part of one */
    bson_t lsid_doc;
    char *lsid = NULL;
    if (sub_document(change, "lsid", &lsid_doc)) lsid = bson_as_relaxed_extended_json(&lsid_doc, NULL);
    int has_txn = bson_iter_init_find(&it, change, "txnNumber") && BSON_ITER_HOLDS_NUMBER(&it);
    int64_t txn = has_txn ? bson_iter_as_int64(&it) : 0;
    put_source(&b, &r->value, o, db, coll, &at, NULL, lsid, txn, has_txn);
    bson_free(lsid);
    int rc = end_event(h, s, &b, r, op, now_ms, &at, 0, out, msg, msg_size);
    if (rc == KC_OK) *kind = DBZ_CHANGE_RECORD;
    return rc;
}

int dbz_tombstone(const kc_host_api *h, const kc_record *deleted, kc_record **out) {
    kc_record *r = h->record_new();
    *out = NULL;
    if (!r) return KC_ENOMEM;
    if (h->record_set_topic(r, deleted->topic) || h->value_copy(&r->key, &deleted->key) ||
        h->value_copy(&r->source_partition, &deleted->source_partition) ||
        h->value_copy(&r->source_offset, &deleted->source_offset)) {
        h->record_release(r);
        return KC_ENOMEM;
    }
    r->key_schema = h->schema_retain(deleted->key_schema);
    *out = r;
    return KC_OK;
}
