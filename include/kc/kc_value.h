/* kc_value.h - the value model: a small tagged union, Connect schemas, and records.
 *
 * Ownership: a kc_value owns everything it points to (strings, bytes, children). Values are
 * plain structs that live inside records, arrays and maps; kc_host_api::value_clear frees what
 * a value owns and leaves it NULL. Schemas are reference counted and immutable once shared.
 * Records are owned by the worker; a plugin borrows one for the duration of a callback and calls
 * kc_host_api::record_retain to keep it longer. */
#ifndef KC_VALUE_H
#define KC_VALUE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kc_vtype {
    KC_VAL_NULL = 0,
    KC_VAL_BOOL,
    KC_VAL_INT,       /* int8..int64; the schema, if any, says the width */
    KC_VAL_DOUBLE,    /* float32 and float64 */
    KC_VAL_STRING,    /* UTF-8, NUL-terminated, len excludes the NUL */
    KC_VAL_BYTES,
    KC_VAL_ARRAY,
    KC_VAL_MAP,       /* keys are values of any type (Connect maps may have non-string keys) */
    KC_VAL_STRUCT,    /* keys are strings, in schema field order */
    KC_VAL_TIMESTAMP, /* Connect logical Timestamp: ms since the epoch (u.i) */
    KC_VAL_DATE,      /* Connect logical Date: days since the epoch (u.i) */
    KC_VAL_TIME,      /* Connect logical Time: ms since midnight (u.i) */
    KC_VAL_DECIMAL    /* Connect logical Decimal: big-endian two's-complement unscaled + scale */
} kc_vtype;

typedef struct kc_value kc_value;
typedef struct kc_entry kc_entry;

struct kc_value {
    kc_vtype type;
    union {
        int b;
        int64_t i;
        double d;
        struct { char *ptr; size_t len; } str;   /* STRING and BYTES */
        struct { kc_value *items; size_t len, cap; } arr;
        struct { kc_entry *items; size_t len, cap; } map; /* MAP and STRUCT */
        struct { uint8_t *unscaled; size_t len; int32_t scale; } dec;
    } u;
};

struct kc_entry {
    kc_value key;
    kc_value val;
};

#define KC_VALUE_NULL_INIT {KC_VAL_NULL, {0}}

/* Connect schema types (org.apache.kafka.connect.data.Schema.Type). */
typedef enum kc_stype {
    KC_SCHEMA_INT8 = 0,
    KC_SCHEMA_INT16,
    KC_SCHEMA_INT32,
    KC_SCHEMA_INT64,
    KC_SCHEMA_FLOAT32,
    KC_SCHEMA_FLOAT64,
    KC_SCHEMA_BOOLEAN,
    KC_SCHEMA_STRING,
    KC_SCHEMA_BYTES,
    KC_SCHEMA_ARRAY,
    KC_SCHEMA_MAP,
    KC_SCHEMA_STRUCT
} kc_stype;

/* Names of Connect's logical types, carried in kc_schema::name. */
#define KC_LOGICAL_DECIMAL "org.apache.kafka.connect.data.Decimal"
#define KC_LOGICAL_DATE "org.apache.kafka.connect.data.Date"
#define KC_LOGICAL_TIME "org.apache.kafka.connect.data.Time"
#define KC_LOGICAL_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"

typedef struct kc_schema kc_schema;

typedef struct kc_field {
    char *name;
    kc_schema *schema;
} kc_field;

typedef struct kc_param {
    char *key;
    char *value;
} kc_param;

struct kc_schema {
    int refcnt;          /* managed by schema_retain / schema_release */
    kc_stype type;
    int optional;
    char *name;          /* NULL when unnamed */
    int has_version;
    int32_t version;
    char *doc;
    kc_param *params;    /* "parameters", e.g. scale of a Decimal */
    size_t nparams;
    kc_value *default_value; /* NULL: no default */
    kc_field *fields;    /* STRUCT */
    size_t nfields;
    kc_schema *items;    /* ARRAY */
    kc_schema *keys;     /* MAP */
    kc_schema *values;   /* MAP */
};

typedef struct kc_header {
    char *key;
    kc_schema *schema; /* may be NULL */
    kc_value value;
} kc_header;

/* A Connect record. Sink records carry topic/partition/offset from Kafka; source records carry
 * the source partition and offset maps (KC_VAL_MAP with string keys and primitive values). */
typedef struct kc_record {
    int refcnt;
    char *topic;
    int32_t partition;      /* -1: let the producer choose */
    int64_t offset;         /* Kafka offset; -1 for source records */
    int64_t timestamp;      /* ms since epoch; -1: none */
    kc_schema *key_schema;
    kc_value key;
    kc_schema *value_schema;
    kc_value value;
    kc_header *headers;
    size_t nheaders, headers_cap;
    kc_value source_partition;
    kc_value source_offset;
} kc_record;

/* A growable list of records; poll() hands records over to the worker by pushing them here. */
typedef struct kc_records {
    kc_record **items;
    size_t len, cap;
} kc_records;

#ifdef __cplusplus
}
#endif
#endif
