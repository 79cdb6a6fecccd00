/* dbz_event.h - Debezium MongoDB change events from MongoDB documents: the key {id}, and the
 * envelope {before, after, updateDescription, source, op, ts_ms} of Debezium's change-stream
 * capture (after filled for updates too: capture.mode=change_streams_update_full), built as
 * Connect structs with their schemas. Pure: BSON in, records out, no server; unit-tested and
 * fuzzed on its own. Documents are written as relaxed extended JSON strings (Debezium's
 * io.debezium.data.Json). */
#ifndef KCD_DBZ_EVENT_H
#define KCD_DBZ_EVENT_H

#include <bson/bson.h>
#include <kc/kc_plugin.h>

/* Where an event comes from: the connector's logical name (topic.prefix / mongodb.name) and
 * replica set, which name the topics (<prefix>.<db>.<collection>) and fill `source`. */
typedef struct dbz_origin {
    const char *prefix;
    const char *rs;
} dbz_origin;

/* A position in the change stream: the operation's cluster time, and the resume token's _data
 * (NULL for snapshot reads). */
typedef struct dbz_position {
    uint32_t sec, ord;
    const char *resume_token;
} dbz_position;

/* Schemas of one collection's topic, built once and shared by its records. */
typedef struct dbz_schemas {
    kc_schema *key, *envelope;
} dbz_schemas;

int dbz_schemas_build(const kc_host_api *host, const char *prefix, const char *db, const char *coll, dbz_schemas *out);
void dbz_schemas_release(const kc_host_api *host, dbz_schemas *s);

/* An op=r record of a snapshot: `doc` as read, `last` for the snapshot's final record. The
 * source offset says the snapshot is not done (initsync) until the last record. */
int dbz_snapshot_record(const kc_host_api *host, const dbz_origin *o, const dbz_schemas *s, const char *db,
                        const char *coll, const bson_t *doc, const dbz_position *at, int last, int64_t now_ms,
                        kc_record **out, char *msg, size_t msg_size);

/* What a change stream document becomes. */
typedef enum dbz_change_kind {
    DBZ_CHANGE_RECORD,  /* insert (c), update or replace (u), delete (d): *out set */
    DBZ_CHANGE_SKIP     /* drop, rename, dropDatabase, invalidate and the like: nothing to emit */
} dbz_change_kind;

/* The namespace of a change document (pointers into it; NULL when it has none). */
void dbz_change_ns(const bson_t *change, const char **db, const char **coll);

/* A change stream document as a Debezium event. KC_EINVAL with a message for a document that is
 * not a change event (no _id token, no documentKey, no clusterTime). */
int dbz_change_record(const kc_host_api *host, const dbz_origin *o, const dbz_schemas *s, const bson_t *change,
                      int64_t now_ms, dbz_change_kind *kind, kc_record **out, char *msg, size_t msg_size);

/* The tombstone Debezium sends after a delete (tombstones.on.delete): the delete's key and
 * offsets, a null value. */
int dbz_tombstone(const kc_host_api *host, const kc_record *deleted, kc_record **out);

/* The source partition of a connector: {"rs": rs, "server_id": prefix}. */
int dbz_source_partition(const kc_host_api *host, const dbz_origin *o, kc_value *out);

#endif
