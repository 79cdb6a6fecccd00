/* ExtractNewDocumentState (Debezium's MongoDB event flattening SMT, answering to its class name):
 * a change event of the MongoDB source becomes the document itself, `after` (relaxed extended
 * JSON text) parsed into a schemaless map, so sinks see the collection's fields (mac, name, ...)
 * instead of an envelope. Extended JSON wrappers ({"$oid": ...}, {"$date": ...}) stay maps.
 * Delete events (op d, after null) are dropped, or with delete.handling.mode=none become
 * tombstones, or with rewrite become {"_id": ..., "__deleted": true} (the key's id); the
 * tombstones that follow deletes are dropped unless drop.tombstones=false. */
#include <jansson.h>
#include <stdio.h>

#include "transform_common.h"

static const char *const delete_modes[] = {"drop", "rewrite", "none", NULL};

static const kc_config_def config[] = {
    {"drop.tombstones", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Drop the tombstones that follow delete events (false: pass them on, e.g. for a sink that deletes rows).",
     NULL, NULL},
    {"delete.handling.mode", KC_CFG_ENUM, "drop", 0, 0, 0, delete_modes, KC_IMPORTANCE_MEDIUM, NULL,
     "Delete events: drop them, rewrite them as {\"_id\", \"__deleted\": true}, or none (a tombstone).", NULL,
     NULL},
    KC_CONFIG_END,
};

typedef struct state {
    int drop_tombstones;
    enum { DELETE_DROP, DELETE_REWRITE, DELETE_NONE } deletes;
} state;

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    (void)is_key;
    state *s = calloc(1, sizeof *s);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    s->drop_tombstones = 1;
    host->config_get_bool(cfg, "drop.tombstones", &s->drop_tombstones);
    const char *mode = host->config_get(cfg, "delete.handling.mode");
    s->deletes = mode && !strcmp(mode, "rewrite") ? DELETE_REWRITE : mode && !strcmp(mode, "none") ? DELETE_NONE
                                                                                                   : DELETE_DROP;
    *out = s;
    return KC_OK;
}

/* j as a schemaless value in *v (cleared before); KC_OK or KC_ENOMEM. */
static int from_json(const json_t *j, kc_value *v) {
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        host->value_init_map(v);
        const char *k;
        json_t *item;
        if (host->value_reserve(v, json_object_size(j))) return KC_ENOMEM;
        json_object_foreach((json_t *)j, k, item) {
            kc_value key = KC_VALUE_NULL_INIT, val = KC_VALUE_NULL_INIT;
            int rc = host->value_set_string(&key, k, strlen(k));
            if (!rc) rc = from_json(item, &val);
            if (!rc) rc = host->map_append(v, &key, &val); /* JSON object keys are distinct */
            host->value_clear(&key);
            host->value_clear(&val);
            if (rc) return KC_ENOMEM;
        }
        return KC_OK;
    }
    case JSON_ARRAY: {
        host->value_init_array(v);
        if (host->value_reserve(v, json_array_size(j))) return KC_ENOMEM;
        size_t i;
        json_t *item;
        json_array_foreach(j, i, item) {
            kc_value val = KC_VALUE_NULL_INIT;
            int rc = from_json(item, &val);
            if (!rc) rc = host->array_push(v, &val);
            host->value_clear(&val);
            if (rc) return KC_ENOMEM;
        }
        return KC_OK;
    }
    case JSON_STRING: return host->value_set_string(v, json_string_value(j), json_string_length(j));
    case JSON_INTEGER: v->type = KC_VAL_INT, v->u.i = json_integer_value(j); return KC_OK;
    case JSON_REAL: v->type = KC_VAL_DOUBLE, v->u.d = json_real_value(j); return KC_OK;
    case JSON_TRUE: case JSON_FALSE: v->type = KC_VAL_BOOL, v->u.b = json_is_true(j); return KC_OK;
    case JSON_NULL: return KC_OK;
    }
    return KC_OK;
}

/* The record's value becomes v (moved), without a schema. */
static void set_value(kc_record *r, kc_value *v) {
    host->value_clear(&r->value);
    r->value = *v;
    memset(v, 0, sizeof *v);
    host->schema_release(r->value_schema);
    r->value_schema = NULL;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    if (r->value.type == KC_VAL_NULL) return s->drop_tombstones ? KC_DROP : KC_KEEP;
    if (r->value.type != KC_VAL_STRUCT && r->value.type != KC_VAL_MAP)
        return kc_error_set(err, KC_EINVAL, "ExtractNewDocumentState: the record of topic %s is not a change event "
                                            "(its value is no struct or map)", r->topic ? r->topic : "(none)");
    const kc_value *after = host->map_get_str(&r->value, "after"), *op = host->map_get_str(&r->value, "op");
    int deleted = op && op->type == KC_VAL_STRING && !strcmp(op->u.str.ptr, "d");
    if (!after || after->type == KC_VAL_NULL) {
        if (!deleted) return KC_DROP; /* an update without its document (capture.mode=change_streams) */
        if (s->deletes == DELETE_DROP) return KC_DROP;
        kc_value v = KC_VALUE_NULL_INIT;
        if (s->deletes == DELETE_REWRITE) { /* {"_id": the key's id, "__deleted": true} */
            const kc_value *id = r->key.type == KC_VAL_STRUCT || r->key.type == KC_VAL_MAP
                                     ? host->map_get_str(&r->key, "id") : NULL;
            kc_value idv = KC_VALUE_NULL_INIT, flag = {.type = KC_VAL_BOOL, .u.b = 1};
            host->value_init_map(&v);
            int rc = id ? host->value_copy(&idv, id) : KC_OK;
            if (!rc) rc = host->map_put_str(&v, "_id", &idv);
            if (!rc) rc = host->map_put_str(&v, "__deleted", &flag);
            host->value_clear(&idv);
            if (rc) {
                host->value_clear(&v);
                return kc_error_set(err, KC_ENOMEM, "out of memory");
            }
        }
        set_value(r, &v);
        return KC_KEEP;
    }
    if (after->type != KC_VAL_STRING)
        return kc_error_set(err, KC_EINVAL, "ExtractNewDocumentState: the event's after (topic %s) is no JSON text",
                            r->topic ? r->topic : "(none)");
    json_error_t jerr;
    json_t *doc = json_loadb(after->u.str.ptr, after->u.str.len, JSON_DECODE_ANY, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return kc_error_set(err, KC_EINVAL, "ExtractNewDocumentState: the event's after (topic %s) is no JSON "
                                            "document: %s", r->topic ? r->topic : "(none)", doc ? "not an object" : jerr.text);
    }
    kc_value v = KC_VALUE_NULL_INIT;
    int rc = from_json(doc, &v);
    json_decref(doc);
    if (rc) {
        host->value_clear(&v);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    set_value(r, &v);
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, free};

KC_TRANSFORM_PLUGIN("extract-new-document-state", "A MongoDB change event as its document (Debezium's SMT)",
    "io.debezium.connector.mongodb.transforms.ExtractNewDocumentState")
