/* es_doc.h - the Elasticsearch sink's pure parts, apart from the HTTP client so that unit tests
 * and the fuzzer reach them: documents and _bulk action lines from records, index mappings from
 * Connect schemas, and the server's replies (the root document's version, _bulk items) read back.
 * No libcurl here; jansson only to read replies. */
#ifndef KCD_ES_DOC_H
#define KCD_ES_DOC_H

#include <kc/kc_plugin.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/strbuf.h"

/* The document of a record value: a JSON object. Maps with string keys are objects when
 * compact_maps (compact.map.entries), else, like maps with other keys, arrays of
 * {"key":..,"value":..}; bytes are base64, decimals plain numbers, timestamps and dates epoch
 * milliseconds, non-finite doubles null. KC_EINVAL with a message when the value is not a
 * map or struct (Elasticsearch stores objects only). */
int es_doc_encode(strbuf *b, const kc_value *v, int compact_maps, char *msg, size_t msg_size);

/* The document id: the record key as text (string or integer keys only, as the Confluent sink
 * allows), or topic+partition+offset when key_ignore. KC_EINVAL with a message otherwise. */
int es_doc_id(strbuf *b, const kc_record *r, int key_ignore, char *msg, size_t msg_size);

typedef enum es_action { ES_ACTION_INDEX, ES_ACTION_UPSERT, ES_ACTION_DELETE } es_action;

/* One action line, newline included. type_name NULL: no _type (Elasticsearch 7+, OpenSearch).
 * version >= 0: external versioning (index and delete only). */
void es_action_line(strbuf *b, es_action action, const char *index, const char *type_name, const char *id,
                    size_t id_len, int64_t version);

/* The index a topic is written to: the topic.index.map entry, else the topic lowercased (as the
 * 5.x sink does: Elasticsearch refuses upper case). Handed over (malloc). */
char *es_index_name(const char *topic, const char *topic_index_map);

/* A mapping for a struct value schema: {"properties":{...}} (Confluent's Mapping: int8 byte,
 * int16 short, int32 integer, int64 long, float32 float, float64 double, boolean, string text,
 * bytes binary, Date/Time/Timestamp date, Decimal double, arrays as their items, maps object).
 * KC_EINVAL with a message when the schema is not a struct. */
int es_mapping_encode(strbuf *b, const kc_schema *s, char *msg, size_t msg_size);

/* ---- replies ------------------------------------------------------------------------------ */

typedef enum es_item_class {
    ES_ITEM_OK = 0,     /* written (a delete of a missing document counts) */
    ES_ITEM_CONFLICT,   /* version conflict: a newer record or this very one already won */
    ES_ITEM_RETRY,      /* rejected for now: 429, 5xx */
    ES_ITEM_MALFORMED,  /* this document was refused: behavior.on.malformed.documents decides */
    ES_ITEM_FATAL       /* anything else: the task cannot go on */
} es_item_class;

typedef struct es_item {
    int status;
    es_item_class cls;
    char error[384]; /* "type: reason" when the item failed */
} es_item;

/* Reads a _bulk reply into items[0..n) (one per action sent, in order). KC_OK; KC_EINVAL with a
 * message when the reply is not a _bulk reply for n actions. *errors: the reply's "errors". */
int es_bulk_parse(const char *body, size_t len, es_item *items, size_t n, int *errors, char *msg, size_t msg_size);
/* The same read by jansson whatever the reply's shape (es_bulk_parse scans the usual reply of
 * a _bulk that wrote everything first); apart for the fuzz target that holds the two equal. */
int es_bulk_parse_full(const char *body, size_t len, es_item *items, size_t n, int *errors, char *msg,
                       size_t msg_size);

/* The server's root document (GET /): version major and whether it is OpenSearch. KC_EINVAL with
 * a message when it is not one. */
int es_root_parse(const char *body, size_t len, int *major, int *opensearch, char *msg, size_t msg_size);

/* The message of an error reply ({"error":{"type","reason"},"status"}), or the start of the body;
 * always NUL-terminated. */
void es_error_text(const char *body, size_t len, char *out, size_t out_size);

#endif
