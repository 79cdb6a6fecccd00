/* kc_plugin.h - the kcd plugin ABI. The only header a plugin includes.
 *
 * A plugin is a shared object exporting one function, kc_plugin_describe(), which returns a
 * static descriptor. The loader checks the descriptor's magic, ABI major/minor and struct size
 * before calling any other plugin code (as PostgreSQL checks a module's magic block), then hands
 * the plugin the host function table through init(). Plugins link against nothing from the
 * worker: every service comes through kc_host_api, which only ever grows at its end.
 *
 * Ownership words used below:
 *   borrowed - valid for the duration of the call only; copy what you keep.
 *   copied   - the callee copies; the caller keeps its buffer.
 *   moved    - ownership passes to the callee; the caller's value is left NULL.
 *   handed over - the caller must free (with kc_host_api::free) what it receives. */
#ifndef KC_PLUGIN_H
#define KC_PLUGIN_H

#include <stdint.h>

#include "kc_config.h"
#include "kc_error.h"
#include "kc_value.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KC_PLUGIN_MAGIC 0x4b434450u /* "KCDP" */
#define KC_ABI_MAJOR 1
#define KC_ABI_MINOR 5

#if defined(__GNUC__)
#define KC_EXPORT __attribute__((visibility("default")))
#define KC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define KC_EXPORT
#define KC_PRINTF(f, a)
#endif

typedef enum kc_plugin_kind {
    KC_PLUGIN_SOURCE = 1,
    KC_PLUGIN_SINK,
    KC_PLUGIN_TRANSFORM,
    KC_PLUGIN_PREDICATE,
    KC_PLUGIN_CONVERTER,
    /* ABI 1.5: a converter for header values only (header.converter), with the converter ops;
     * every CONVERTER serves as a header converter too, each header value converted alone. */
    KC_PLUGIN_HEADER_CONVERTER
} kc_plugin_kind;

typedef enum kc_log_level {
    KC_LOG_ERROR = 0,
    KC_LOG_WARN,
    KC_LOG_INFO,
    KC_LOG_DEBUG,
    KC_LOG_TRACE
} kc_log_level;

/* The worker's handle for one connector or task instance: logging context, offsets, stop flag. */
typedef struct kc_task_ctx kc_task_ctx;

typedef struct kc_topic_partition {
    const char *topic;
    int32_t partition;
} kc_topic_partition;

typedef struct kc_topic_partition_offset {
    const char *topic;
    int32_t partition;
    int64_t offset; /* the next offset to consume, as Kafka commits it */
} kc_topic_partition_offset;

/* Transform results (negative values are KC_E* errors). */
enum { KC_KEEP = 0, KC_DROP = 1 };

/* ---- Host function table ------------------------------------------------------------------ */

typedef struct kc_host_api {
    uint32_t size;      /* sizeof(kc_host_api) of the worker: test before using newer members */
    uint32_t abi_minor; /* the worker's KC_ABI_MINOR */

    /* Logging; ctx may be NULL. Never pass secrets. */
    void (*log)(kc_task_ctx *ctx, kc_log_level level, const char *fmt, ...) KC_PRINTF(3, 4);
    void (*free)(void *ptr);

    /* Values. Setters copy their input; a value must be cleared (or NULL) before it is set. */
    void (*value_clear)(kc_value *v);
    int (*value_copy)(kc_value *dst, const kc_value *src);
    int (*value_set_string)(kc_value *v, const char *s, size_t len);
    int (*value_set_bytes)(kc_value *v, const void *data, size_t len);
    void (*value_init_array)(kc_value *v);
    void (*value_init_map)(kc_value *v);
    void (*value_init_struct)(kc_value *v);
    int (*array_push)(kc_value *array, kc_value *item /* moved */);
    int (*map_put)(kc_value *map, kc_value *key /* moved */, kc_value *val /* moved */);
    int (*map_put_str)(kc_value *map, const char *key /* copied */, kc_value *val /* moved */);
    const kc_value *(*map_get_str)(const kc_value *map, const char *key);
    /* JSON text of a value, strings unquoted at top level; handed over. */
    char *(*value_to_text)(const kc_value *v);

    /* Schemas: reference counted; the new schema starts with one reference. */
    kc_schema *(*schema_new)(kc_stype type, int optional);
    kc_schema *(*schema_retain)(kc_schema *s);
    void (*schema_release)(kc_schema *s);

    /* Records: a new record has one reference, topic NULL, partition/offset/timestamp -1. */
    kc_record *(*record_new)(void);
    kc_record *(*record_retain)(kc_record *r);
    void (*record_release)(kc_record *r);
    int (*record_set_topic)(kc_record *r, const char *topic /* copied */);
    int (*record_add_header)(kc_record *r, const char *key /* copied */, kc_schema *schema /* moved */,
                             kc_value *value /* moved */);
    int (*records_push)(kc_records *list, kc_record *r /* moved */);

    /* Configs. get() returns NULL for a key that is absent or null; typed getters return
     * KC_ENOTFOUND or KC_EINVAL without touching *out. */
    const char *(*config_get)(const kc_config *cfg, const char *key);
    int (*config_get_long)(const kc_config *cfg, const char *key, int64_t *out);
    int (*config_get_double)(const kc_config *cfg, const char *key, double *out);
    int (*config_get_bool)(const kc_config *cfg, const char *key, int *out);
    int (*config_set)(kc_config *cfg, const char *key /* copied */, const char *value /* copied */);
    int (*config_copy)(kc_config *dst, const kc_config *src);

    /* Task context. */
    int (*offset_read)(kc_task_ctx *ctx, const kc_value *source_partition, kc_value *offset_out);
    int (*should_stop)(kc_task_ctx *ctx);
    void (*request_reconfigure)(kc_task_ctx *ctx);
    void (*metric_add)(kc_task_ctx *ctx, const char *name, double delta);
    const char *(*connector_name)(kc_task_ctx *ctx);
    int (*task_id)(kc_task_ctx *ctx); /* -1 for the connector itself */
    void (*config_free)(kc_config *cfg); /* frees what config_set/config_copy allocated */

    /* Schema building (for transforms that reshape records); names copied, field moved. */
    int (*schema_set_name)(kc_schema *s, const char *name);
    int (*schema_add_field)(kc_schema *s, const char *name, kc_schema *field /* moved */);
    int (*schema_add_param)(kc_schema *s, const char *key, const char *value);
    const char *(*schema_param)(const kc_schema *s, const char *key);
    int (*value_equal)(const kc_value *a, const kc_value *b);
    /* Makes room for n entries in an array, map or struct (no allocation per later push). */
    int (*value_reserve)(kc_value *v, size_t n);

    /* ABI 1.1. Exactly-once sources with transaction.boundary=connector (Connect's
     * TransactionContext): commit, or abort, the open transaction right after `record` was
     * sent (borrowed, compared by address; NULL: after the whole current poll() batch).
     * KC_EINVAL when this task does not define its transaction boundaries. */
    int (*transaction_commit)(kc_task_ctx *ctx, const kc_record *record);
    int (*transaction_abort)(kc_task_ctx *ctx, const kc_record *record);
    /* ABI 1.1. Plain decimal text of a KC_VAL_DECIMAL ("-12.50"); handed over. */
    char *(*decimal_to_text)(const kc_value *v);
    /* ABI 1.1. Sink tasks (Connect's ErrantRecordReporter): a record put() cannot write, with
     * the reason. With errors.tolerance=all it goes to the dead letter queue (when configured),
     * byte for byte with the __connect.errors.* headers, and KC_OK tells the task to skip it;
     * otherwise an error comes back and the task should fail its put() with the message.
     * Only during put(), for the records of that call (borrowed). */
    int (*report_errant)(kc_task_ctx *ctx, const kc_record *record, const char *message);
    /* ABI 1.2. Appends key -> val (both moved) to a map or struct without looking for the key
     * first, for builders that know their keys are distinct (map_put and map_put_str replace an
     * existing key, which costs a search per entry). */
    int (*map_append)(kc_value *map, kc_value *key, kc_value *val);
    /* ABI 1.3. Sink tasks (Connect's SinkTaskContext.requestCommit): flush() and commit the
     * offsets soon after the current put() returns instead of waiting for
     * offset.flush.interval.ms; for tasks that hold records until flush() and want to bound
     * what they hold. Any thread; a no-op for other tasks. */
    void (*request_commit)(kc_task_ctx *ctx);
    /* ABI 1.4. The task runs, but something needs the user's attention (a file pattern that
     * matches nothing, a file skipped): message (copied; NULL clears it) is the trace of the
     * task's RUNNING status until the task says another. Log it too: the status keeps only the
     * latest. Any thread; a no-op for a connector's ctx. */
    void (*task_problem)(kc_task_ctx *ctx, const char *message);
    /* ABI 1.5. Reads text (len bytes, copied) as Connect's Values.parseString does (InsertHeader's
     * value.literal, SimpleHeaderConverter's headers): "null", booleans, the smallest integer
     * type, floats, decimals, ISO dates/times/timestamps, [..] and {..} with a common element
     * schema, else the text as a string. *schema (NULL for null) and *out are handed over. */
    int (*values_parse)(const char *text, size_t len, kc_schema **schema, kc_value *out, kc_error *err);
    /* New members go here, at the end, and bump KC_ABI_MINOR. */
} kc_host_api;

/* ---- Lifecycles (mirroring Kafka Connect) ------------------------------------------------- */

typedef struct kc_connector_ops {
    /* Optional cross-key checks beyond the config table. */
    int (*validate)(const kc_config *cfg, kc_error *err);
    int (*start)(const kc_config *cfg /* borrowed */, kc_task_ctx *ctx, void **state, kc_error *err);
    /* Fill out[0..max_tasks-1] (zeroed by the host) with task configs; set *n. */
    int (*task_configs)(void *state, int max_tasks, kc_config *out, int *n, kc_error *err);
    void (*stop)(void *state);
} kc_connector_ops;

typedef struct kc_source_task_ops {
    int (*start)(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err);
    /* Push new records to out (moved); return KC_OK with none when there is nothing yet.
     * Should return within about timeout_ms. Records pushed before a KC_ERETRY return are sent,
     * and poll() is called again after a backoff; after any other error the task fails and
     * they are dropped, their offsets not committed. */
    int (*poll)(void *state, kc_records *out, int timeout_ms, kc_error *err);
    /* Optional: called after the worker stored offsets (at-least-once) or committed a
     * transaction (exactly-once). */
    int (*commit)(void *state, kc_error *err);
    /* Optional: called as Kafka acknowledges each record (r borrowed for the call), with its
     * partition and offset; -1, -1 for a record a transform dropped or errors.tolerance skipped.
     * At-least-once mode only: with exactly-once, commit() follows each transaction. */
    int (*commit_record)(void *state, const kc_record *r, int32_t partition, int64_t offset, kc_error *err);
    void (*stop)(void *state);
} kc_source_task_ops;

typedef struct kc_sink_task_ops {
    int (*start)(const kc_config *cfg, kc_task_ctx *ctx, void **state, kc_error *err);
    int (*open)(void *state, const kc_topic_partition *tps, size_t n, kc_error *err);  /* optional */
    int (*close)(void *state, const kc_topic_partition *tps, size_t n, kc_error *err); /* optional */
    /* Records are borrowed. KC_ERETRY: the worker pauses and redelivers the same batch. Called
     * for every batch read, and with n = 0 when a read that waited brought nothing (as Connect
     * calls put() after every poll), so a task holding records can act on time. Only one
     * thread calls a task's put/flush/open/close, never two at once. */
    int (*put)(void *state, kc_record *const *records, size_t n, kc_error *err);
    /* Make everything put so far durable; offsets are what will be committed next. */
    int (*flush)(void *state, const kc_topic_partition_offset *offsets, size_t n, kc_error *err);
    void (*stop)(void *state);
} kc_sink_task_ops;

/* Transforms, predicates and converters: one instance serves one task (key and value apart),
 * called by one thread at a time, not always the same one (a sink task converts its next batch
 * on a helper thread while put() runs). */
typedef struct kc_transform_ops {
    int (*configure)(const kc_config *cfg, int is_key, void **state, kc_error *err);
    /* Edit r in place; return KC_KEEP, KC_DROP or a negative error. */
    int (*apply)(void *state, kc_record *r, kc_error *err);
    void (*close)(void *state);
} kc_transform_ops;

typedef struct kc_predicate_ops {
    int (*configure)(const kc_config *cfg, void **state, kc_error *err);
    int (*test)(void *state, const kc_record *r); /* 1 true, 0 false */
    void (*close)(void *state);
} kc_predicate_ops;

typedef struct kc_converter_ops {
    int (*configure)(const kc_config *cfg, int is_key, void **state, kc_error *err);
    /* Serialize; *out is handed over (NULL with *len 0 for a null record). */
    int (*from_connect)(void *state, const char *topic, const kc_schema *schema, const kc_value *v,
                        uint8_t **out, size_t *len, kc_error *err);
    /* Deserialize; data may be NULL (tombstone). *schema is handed over (may be NULL). */
    int (*to_connect)(void *state, const char *topic, const uint8_t *data, size_t len,
                      kc_schema **schema, kc_value *v, kc_error *err);
    void (*close)(void *state);
} kc_converter_ops;

/* ---- Descriptor --------------------------------------------------------------------------- */

typedef struct kc_plugin_desc {
    uint32_t magic;          /* KC_PLUGIN_MAGIC */
    uint16_t abi_major;      /* KC_ABI_MAJOR the plugin was built with: must equal the worker's */
    uint16_t abi_minor;      /* must be <= the worker's */
    uint32_t struct_size;    /* sizeof(kc_plugin_desc) */
    kc_plugin_kind kind;
    const char *name;        /* short name, e.g. "file-source" */
    const char *version;
    const char *description;
    const char *const *aliases; /* NULL-terminated Java class names, e.g. org.apache...FileStreamSourceConnector */
    const kc_config_def *config; /* terminated by KC_CONFIG_END */
    /* Called once after the checks, before anything else; may be NULL. */
    int (*init)(const kc_host_api *host, kc_error *err);
    const kc_connector_ops *connector;   /* SOURCE, SINK */
    const kc_source_task_ops *source;    /* SOURCE */
    const kc_sink_task_ops *sink;        /* SINK */
    const kc_transform_ops *transform;   /* TRANSFORM */
    const kc_predicate_ops *predicate;   /* PREDICATE */
    const kc_converter_ops *converter;   /* CONVERTER, HEADER_CONVERTER */
    /* ABI 1.1: KC_PLUGIN_* capability flags (Connect's exactlyOnceSupport() and
     * canDefineTransactionBoundaries()); the worker reads them only if struct_size covers them. */
    uint32_t flags;
} kc_plugin_desc;

/* The source connector's offsets say exactly where to resume: a restart from the offsets
 * committed with a transaction neither repeats nor skips records (exactly.once.support=required). */
#define KC_PLUGIN_EXACTLY_ONCE 0x1u
/* Its tasks call transaction_commit()/transaction_abort() (transaction.boundary=connector). */
#define KC_PLUGIN_TRANSACTION_BOUNDARIES 0x2u

#define KC_PLUGIN_DESCRIBE_SYMBOL "kc_plugin_describe"
typedef const kc_plugin_desc *(*kc_plugin_describe_fn)(void);

/* Fills the header fields of a descriptor initializer. */
#define KC_PLUGIN_HEADER KC_PLUGIN_MAGIC, KC_ABI_MAJOR, KC_ABI_MINOR, sizeof(kc_plugin_desc)

/* Defines the exported entry point returning `desc`. One per shared object. */
#define KC_PLUGIN_DEFINE(desc) \
    KC_EXPORT const kc_plugin_desc *kc_plugin_describe(void) { return &(desc); }

#ifdef __cplusplus
}
#endif
#endif
