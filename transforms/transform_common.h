/* transform_common.h - what the transform plugins share. Each transform is its own shared
 * object; this header gives each one its host pointer and a few helpers (static, per .so). */
#ifndef KC_TRANSFORM_COMMON_H
#define KC_TRANSFORM_COMMON_H

#include <kc/kc_plugin.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const kc_host_api *host;

static int transform_init(const kc_host_api *h, kc_error *err) {
    (void)err;
    if (h->size < offsetof(kc_host_api, value_reserve) + sizeof h->value_reserve)
        return kc_error_set(err, KC_EABI, "this transform needs a newer kcd (host table too small)");
    host = h;
    return KC_OK;
}

/* The descriptor and entry point of a transform (its `config` table and `ops` defined before),
 * answering to the Java class names given (NULL-terminated list built here). */
#define KC_TRANSFORM_PLUGIN(name, summary, ...) \
    static const kc_plugin_desc desc = {KC_PLUGIN_HEADER, KC_PLUGIN_TRANSFORM, name, "1.0.0", summary, \
                                        (const char *const[]){__VA_ARGS__, NULL}, config, transform_init, \
                                        NULL, NULL, NULL, &ops, NULL, NULL, 0}; \
    KC_PLUGIN_DEFINE(desc)

/* The same for a predicate. */
#define KC_PREDICATE_PLUGIN(name, summary, ...) \
    static const kc_plugin_desc desc = {KC_PLUGIN_HEADER, KC_PLUGIN_PREDICATE, name, "1.0.0", summary, \
                                        (const char *const[]){__VA_ARGS__, NULL}, config, transform_init, \
                                        NULL, NULL, NULL, NULL, &ops, NULL, 0}; \
    KC_PLUGIN_DEFINE(desc)

/* The part of the record a $Key or $Value variant works on. */
typedef struct record_part {
    kc_schema **schema;
    kc_value *value;
} record_part;

__attribute__((unused)) static record_part part_of(kc_record *r, int is_key) {
    record_part p = {is_key ? &r->key_schema : &r->value_schema, is_key ? &r->key : &r->value};
    return p;
}

/* A comma-separated list, trimmed, empty items dropped. Free with list_free. */
typedef struct str_list {
    char **items;
    size_t len;
} str_list;

__attribute__((unused)) static void list_free(str_list *l) {
    for (size_t i = 0; i < l->len; i++) free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = 0;
}

__attribute__((unused)) static int list_parse(const char *s, str_list *out) {
    out->items = NULL;
    out->len = 0;
    if (!s) return KC_OK;
    size_t n = 1;
    for (const char *p = s; *p; p++) n += *p == ',';
    out->items = calloc(n, sizeof *out->items);
    if (!out->items) return KC_ENOMEM;
    while (*s) {
        const char *end = strchr(s, ',');
        if (!end) end = s + strlen(s);
        const char *a = s, *b = end;
        while (a < b && (*a == ' ' || *a == '\t')) a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
        if (b > a) {
            char *item = malloc((size_t)(b - a) + 1);
            if (!item) {
                list_free(out);
                return KC_ENOMEM;
            }
            memcpy(item, a, (size_t)(b - a));
            item[b - a] = '\0';
            out->items[out->len++] = item;
        }
        s = *end ? end + 1 : end;
    }
    return KC_OK;
}

__attribute__((unused)) static int list_has(const str_list *l, const char *s) {
    for (size_t i = 0; i < l->len; i++)
        if (!strcmp(l->items[i], s)) return 1;
    return 0;
}

__attribute__((unused)) static const char *kind_name(kc_vtype t) {
    static const char *names[] = {"null", "Boolean", "Long", "Double", "String", "byte[]", "List", "Map",
                                  "Struct", "Timestamp", "Date", "Time", "Decimal"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

/* The schema of a struct field, or NULL; *index (optional) gets its position. */
__attribute__((unused)) static const kc_schema *struct_field_schema(const kc_schema *s, const char *name, size_t *index) {
    for (size_t i = 0; s && s->type == KC_SCHEMA_STRUCT && i < s->nfields; i++)
        if (!strcmp(s->fields[i].name, name)) {
            if (index) *index = i;
            return s->fields[i].schema;
        }
    return NULL;
}

/* A struct schema to fill: the name, version and optionality of `like`, no fields yet. */
__attribute__((unused)) static kc_schema *struct_like(const kc_schema *like) {
    kc_schema *out = host->schema_new(KC_SCHEMA_STRUCT, like->optional);
    if (!out) return NULL;
    if (like->name) host->schema_set_name(out, like->name);
    out->has_version = like->has_version;
    out->version = like->version;
    return out;
}

/* The last input schema and the schema built from it: records of one topic share a schema, so
 * one slot saves rebuilding it per record (Connect's transforms keep a cache too). */
typedef struct schema_cache {
    const kc_schema *in;
    kc_schema *out;
} schema_cache;

/* A new reference to the cached output for `in`, or NULL. */
__attribute__((unused)) static kc_schema *cache_get(schema_cache *c, const kc_schema *in) {
    return c->in == in && c->out ? host->schema_retain(c->out) : NULL;
}

__attribute__((unused)) static void cache_put(schema_cache *c, const kc_schema *in, kc_schema *out) {
    host->schema_release((kc_schema *)c->in);
    host->schema_release(c->out);
    c->in = host->schema_retain((kc_schema *)in);
    c->out = host->schema_retain(out);
}

__attribute__((unused)) static void cache_clear(schema_cache *c) {
    host->schema_release((kc_schema *)c->in);
    host->schema_release(c->out);
    c->in = NULL;
    c->out = NULL;
}

/* Connect reads struct fields with Struct.get(), which gives a null field its schema default:
 * with replace.null.with.default=true (the default) transforms do the same, in place. */
__attribute__((unused)) static int fill_null_defaults(kc_value *v, const kc_schema *schema) {
    if (!schema || schema->type != KC_SCHEMA_STRUCT || (v->type != KC_VAL_STRUCT && v->type != KC_VAL_MAP))
        return KC_OK;
    for (size_t i = 0; i < schema->nfields; i++) {
        const kc_schema *fs = schema->fields[i].schema;
        if (!fs->default_value) continue;
        kc_value *fv = (kc_value *)host->map_get_str(v, schema->fields[i].name);
        if (fv && fv->type == KC_VAL_NULL && host->value_copy(fv, fs->default_value)) return KC_ENOMEM;
    }
    return KC_OK;
}

__attribute__((unused)) static int replace_null_option(const kc_config *cfg) {
    int b = 1;
    host->config_get_bool(cfg, "replace.null.with.default", &b);
    return b;
}

#endif
