/* InsertField$Key / $Value: adds the record's topic, partition, offset and timestamp, and a
 * static value, as fields. A name ending in '!' makes the field required, '?' (default)
 * optional. Tombstones pass through. */
#include <stdio.h>

#include "transform_common.h"

static const kc_config_def config[] = {
    {"topic.field", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Field name for Kafka topic. Suffix with ! to make this a required field, or ? to keep it optional (the "
     "default).", NULL, NULL},
    {"partition.field", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Field name for Kafka partition.", NULL, NULL},
    {"offset.field", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Field name for Kafka offset - only applicable to sink connectors.", NULL, NULL},
    {"timestamp.field", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Field name for record timestamp.", NULL, NULL},
    {"static.field", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Field name for static data field.", NULL, NULL},
    {"static.value", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Static field value, if field name configured.", NULL, NULL},
    {"replace.null.with.default", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Whether to replace fields that have a default value and that are null to the default value.", NULL, NULL},
    KC_CONFIG_END,
};

enum { F_TOPIC, F_PARTITION, F_OFFSET, F_TIMESTAMP, F_STATIC, F_COUNT };

typedef struct field_spec {
    char *name; /* NULL: not inserted */
    int required;
} field_spec;

typedef struct state {
    int is_key;
    int replace_null; /* replace.null.with.default */
    field_spec f[F_COUNT];
    char *static_value;
    schema_cache cache;
} state;

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    for (int i = 0; i < F_COUNT; i++) free(s->f[i].name);
    free(s->static_value);
    cache_clear(&s->cache);
    free(s);
}

static void parse_spec(field_spec *f, const char *v) {
    if (!v || !*v) return;
    size_t n = strlen(v);
    f->required = v[n - 1] == '!';
    if (v[n - 1] == '!' || v[n - 1] == '?') n--;
    f->name = strndup(v, n);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    state *s = calloc(1, sizeof *s);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    s->is_key = is_key;
    s->replace_null = replace_null_option(cfg);
    static const char *keys[F_COUNT] = {"topic.field", "partition.field", "offset.field", "timestamp.field",
                                        "static.field"};
    for (int i = 0; i < F_COUNT; i++) parse_spec(&s->f[i], host->config_get(cfg, keys[i]));
    const char *sv = host->config_get(cfg, "static.value");
    if (sv) s->static_value = strdup(sv);
    if (s->f[F_STATIC].name && !s->static_value) {
        close_state(s);
        return kc_error_set(err, KC_EINVAL, "Invalid value null for configuration static.value: static.field is set, "
                                            "so static.value is required");
    }
    *out = s;
    return KC_OK;
}

static kc_schema *field_schema(int which, int required) {
    static const kc_stype types[F_COUNT] = {KC_SCHEMA_STRING, KC_SCHEMA_INT32, KC_SCHEMA_INT64, KC_SCHEMA_INT64,
                                            KC_SCHEMA_STRING};
    kc_schema *s = host->schema_new(types[which], !required);
    if (s && which == F_TIMESTAMP) {
        host->schema_set_name(s, "org.apache.kafka.connect.data.Timestamp");
        s->has_version = 1;
        s->version = 1;
    }
    return s;
}

static kc_schema *build_schema(state *s, const kc_schema *in) {
    kc_schema *out = cache_get(&s->cache, in);
    if (out) return out;
    if (!(out = struct_like(in))) return NULL;
    for (size_t i = 0; i < in->nfields; i++)
        host->schema_add_field(out, in->fields[i].name, host->schema_retain(in->fields[i].schema));
    for (int i = 0; i < F_COUNT; i++)
        if (s->f[i].name) host->schema_add_field(out, s->f[i].name, field_schema(i, s->f[i].required));
    cache_put(&s->cache, in, out);
    return out;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    record_part part = part_of(r, s->is_key);
    if (s->replace_null && fill_null_defaults(part.value, *part.schema))
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    kc_value *v = part.value;
    if (v->type == KC_VAL_NULL) return KC_KEEP; /* tombstones pass through */
    const kc_schema *schema = *part.schema;
    if (schema ? schema->type != KC_SCHEMA_STRUCT : v->type != KC_VAL_MAP)
        return kc_error_set(err, KC_EINVAL, "Only %s objects supported for [field insertion], found: %s",
                            schema ? "Struct" : "Map", kind_name(v->type));
    if (s->f[F_OFFSET].name && r->offset < 0)
        return kc_error_set(err, KC_EINVAL, "Only SinkRecord supported for [field insertion] with offset.field");
    kc_value add[F_COUNT];
    memset(add, 0, sizeof add);
    if (r->topic) host->value_set_string(&add[F_TOPIC], r->topic, strlen(r->topic));
    if (r->partition >= 0) add[F_PARTITION] = (kc_value){.type = KC_VAL_INT, .u.i = r->partition};
    add[F_OFFSET] = (kc_value){.type = KC_VAL_INT, .u.i = r->offset};
    /* schemaless: the timestamp as epoch ms; with a schema: Connect's Timestamp */
    if (r->timestamp >= 0) add[F_TIMESTAMP] = (kc_value){.type = schema ? KC_VAL_TIMESTAMP : KC_VAL_INT, .u.i = r->timestamp};
    if (s->static_value) host->value_set_string(&add[F_STATIC], s->static_value, strlen(s->static_value));
    if (host->value_reserve(v, v->u.map.len + F_COUNT)) {
        for (int j = 0; j < F_COUNT; j++) host->value_clear(&add[j]);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    for (int i = 0; i < F_COUNT; i++) {
        if (!s->f[i].name) {
            host->value_clear(&add[i]);
            continue;
        }
        if (schema && s->f[i].required && add[i].type == KC_VAL_NULL) {
            for (int j = i; j < F_COUNT; j++) host->value_clear(&add[j]);
            return kc_error_set(err, KC_EINVAL, "Required field %s has no value (the record has none)", s->f[i].name);
        }
        if (host->map_put_str(v, s->f[i].name, &add[i])) {
            for (int j = i; j < F_COUNT; j++) host->value_clear(&add[j]);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
    }
    if (schema) {
        kc_schema *ns = build_schema(s, schema);
        if (!ns) return kc_error_set(err, KC_ENOMEM, "out of memory");
        host->schema_release(*part.schema);
        *part.schema = ns;
    }
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("insert-field", "Insert topic, partition, offset, timestamp or a static value as fields",
    "org.apache.kafka.connect.transforms.InsertField$Value", "org.apache.kafka.connect.transforms.InsertField$Key")
