/* value.c - values, schemas and records. */
#include "kc_value_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kc_buf.h"

void kc_value_clear(kc_value *v) {
    if (!v) return;
    switch (v->type) {
    case KC_VAL_STRING:
    case KC_VAL_BYTES:
        free(v->u.str.ptr);
        break;
    case KC_VAL_ARRAY:
        for (size_t i = 0; i < v->u.arr.len; i++) kc_value_clear(&v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case KC_VAL_MAP:
    case KC_VAL_STRUCT:
        for (size_t i = 0; i < v->u.map.len; i++) {
            kc_value_clear(&v->u.map.items[i].key);
            kc_value_clear(&v->u.map.items[i].val);
        }
        free(v->u.map.items);
        break;
    case KC_VAL_DECIMAL:
        free(v->u.dec.unscaled);
        break;
    default:
        break;
    }
    memset(v, 0, sizeof *v);
}

int kc_value_set_string(kc_value *v, const char *s, size_t len) {
    char *p = malloc(len + 1);
    if (!p) return KC_ENOMEM;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    v->type = KC_VAL_STRING;
    v->u.str.ptr = p;
    v->u.str.len = len;
    return KC_OK;
}

int kc_value_set_cstr(kc_value *v, const char *s) { return kc_value_set_string(v, s, strlen(s)); }

int kc_value_set_bytes(kc_value *v, const void *data, size_t len) {
    int rc = kc_value_set_string(v, data, len);
    if (rc == KC_OK) v->type = KC_VAL_BYTES;
    return rc;
}

void kc_value_init_array(kc_value *v) {
    memset(v, 0, sizeof *v);
    v->type = KC_VAL_ARRAY;
}

void kc_value_init_map(kc_value *v) {
    memset(v, 0, sizeof *v);
    v->type = KC_VAL_MAP;
}

void kc_value_init_struct(kc_value *v) {
    memset(v, 0, sizeof *v);
    v->type = KC_VAL_STRUCT;
}

static int grow(void **items, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return KC_OK;
    size_t ncap = *cap ? *cap * 2 : 2;
    while (ncap < need) ncap *= 2;
    void *p = realloc(*items, ncap * elem);
    if (!p) return KC_ENOMEM;
    *items = p;
    *cap = ncap;
    return KC_OK;
}

int kc_value_reserve(kc_value *v, size_t n) {
    if (v->type == KC_VAL_ARRAY) return grow((void **)&v->u.arr.items, &v->u.arr.cap, n, sizeof(kc_value));
    if (v->type == KC_VAL_MAP || v->type == KC_VAL_STRUCT)
        return grow((void **)&v->u.map.items, &v->u.map.cap, n, sizeof(kc_entry));
    return KC_EINVAL;
}

int kc_array_push(kc_value *array, kc_value *item) {
    if (array->type != KC_VAL_ARRAY) return KC_EINVAL;
    if (grow((void **)&array->u.arr.items, &array->u.arr.cap, array->u.arr.len + 1, sizeof(kc_value)))
        return KC_ENOMEM;
    array->u.arr.items[array->u.arr.len++] = *item;
    memset(item, 0, sizeof *item);
    return KC_OK;
}

int kc_map_put(kc_value *map, kc_value *key, kc_value *val) {
    if (map->type != KC_VAL_MAP && map->type != KC_VAL_STRUCT) return KC_EINVAL;
    /* Replace an existing key so a map never holds duplicates. */
    for (size_t i = 0; i < map->u.map.len; i++) {
        if (kc_value_equal(&map->u.map.items[i].key, key)) {
            kc_value_clear(&map->u.map.items[i].val);
            map->u.map.items[i].val = *val;
            memset(val, 0, sizeof *val);
            kc_value_clear(key);
            return KC_OK;
        }
    }
    return kc_map_append(map, key, val);
}

int kc_map_append(kc_value *map, kc_value *key, kc_value *val) {
    if (map->type != KC_VAL_MAP && map->type != KC_VAL_STRUCT) return KC_EINVAL;
    if (grow((void **)&map->u.map.items, &map->u.map.cap, map->u.map.len + 1, sizeof(kc_entry)))
        return KC_ENOMEM;
    kc_entry *e = &map->u.map.items[map->u.map.len++];
    e->key = *key;
    e->val = *val;
    memset(key, 0, sizeof *key);
    memset(val, 0, sizeof *val);
    return KC_OK;
}

int kc_map_put_str(kc_value *map, const char *key, kc_value *val) {
    kc_value k = KC_VALUE_NULL_INIT;
    if (kc_value_set_cstr(&k, key)) return KC_ENOMEM;
    int rc = kc_map_put(map, &k, val);
    if (rc) kc_value_clear(&k);
    return rc;
}

const kc_value *kc_map_get_str(const kc_value *map, const char *key) {
    if (!map || (map->type != KC_VAL_MAP && map->type != KC_VAL_STRUCT)) return NULL;
    for (size_t i = 0; i < map->u.map.len; i++) {
        const kc_value *k = &map->u.map.items[i].key;
        if (k->type == KC_VAL_STRING && strcmp(k->u.str.ptr, key) == 0) return &map->u.map.items[i].val;
    }
    return NULL;
}

int kc_value_copy(kc_value *dst, const kc_value *src) {
    memset(dst, 0, sizeof *dst);
    switch (src->type) {
    case KC_VAL_STRING:
        return kc_value_set_string(dst, src->u.str.ptr, src->u.str.len);
    case KC_VAL_BYTES:
        return kc_value_set_bytes(dst, src->u.str.ptr, src->u.str.len);
    case KC_VAL_ARRAY:
        kc_value_init_array(dst);
        for (size_t i = 0; i < src->u.arr.len; i++) {
            kc_value item;
            if (kc_value_copy(&item, &src->u.arr.items[i]) || kc_array_push(dst, &item)) {
                kc_value_clear(&item);
                kc_value_clear(dst);
                return KC_ENOMEM;
            }
        }
        return KC_OK;
    case KC_VAL_MAP:
    case KC_VAL_STRUCT:
        dst->type = src->type;
        if (src->u.map.len) {
            dst->u.map.items = calloc(src->u.map.len, sizeof(kc_entry));
            if (!dst->u.map.items) return KC_ENOMEM;
            dst->u.map.cap = src->u.map.len;
        }
        for (size_t i = 0; i < src->u.map.len; i++) {
            kc_entry *d = &dst->u.map.items[i];
            dst->u.map.len = i + 1;
            if (kc_value_copy(&d->key, &src->u.map.items[i].key) ||
                kc_value_copy(&d->val, &src->u.map.items[i].val)) {
                kc_value_clear(dst);
                return KC_ENOMEM;
            }
        }
        return KC_OK;
    case KC_VAL_DECIMAL:
        *dst = *src;
        dst->u.dec.unscaled = malloc(src->u.dec.len ? src->u.dec.len : 1);
        if (!dst->u.dec.unscaled) {
            memset(dst, 0, sizeof *dst);
            return KC_ENOMEM;
        }
        if (src->u.dec.len) memcpy(dst->u.dec.unscaled, src->u.dec.unscaled, src->u.dec.len);
        return KC_OK;
    default:
        *dst = *src;
        return KC_OK;
    }
}

int kc_value_equal(const kc_value *a, const kc_value *b) {
    if (a->type != b->type) return 0;
    switch (a->type) {
    case KC_VAL_NULL: return 1;
    case KC_VAL_BOOL: return a->u.b == b->u.b;
    case KC_VAL_DOUBLE: return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
    case KC_VAL_STRING:
    case KC_VAL_BYTES:
        return a->u.str.len == b->u.str.len && memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
    case KC_VAL_ARRAY:
        if (a->u.arr.len != b->u.arr.len) return 0;
        for (size_t i = 0; i < a->u.arr.len; i++)
            if (!kc_value_equal(&a->u.arr.items[i], &b->u.arr.items[i])) return 0;
        return 1;
    case KC_VAL_MAP:
    case KC_VAL_STRUCT:
        if (a->u.map.len != b->u.map.len) return 0;
        for (size_t i = 0; i < a->u.map.len; i++)
            if (!kc_value_equal(&a->u.map.items[i].key, &b->u.map.items[i].key) ||
                !kc_value_equal(&a->u.map.items[i].val, &b->u.map.items[i].val))
                return 0;
        return 1;
    case KC_VAL_DECIMAL:
        return a->u.dec.scale == b->u.dec.scale && a->u.dec.len == b->u.dec.len &&
               memcmp(a->u.dec.unscaled, b->u.dec.unscaled, a->u.dec.len) == 0;
    default:
        return a->u.i == b->u.i;
    }
}

/* ---- text rendering (JSON; a top-level string is printed bare, as Java's toString would) -- */

static void text_value(kc_buf *b, const kc_value *v, int top) {
    switch (v->type) {
    case KC_VAL_NULL: kc_buf_puts(b, "null"); break;
    case KC_VAL_BOOL: kc_buf_puts(b, v->u.b ? "true" : "false"); break;
    case KC_VAL_INT:
    case KC_VAL_TIMESTAMP:
    case KC_VAL_DATE:
    case KC_VAL_TIME:
        kc_buf_printf(b, "%lld", (long long)v->u.i);
        break;
    case KC_VAL_DOUBLE:
        if (isfinite(v->u.d)) kc_buf_printf(b, "%.17g", v->u.d);
        else kc_buf_puts(b, "null");
        break;
    case KC_VAL_STRING:
        if (top) kc_buf_append(b, v->u.str.ptr, v->u.str.len);
        else kc_buf_json_string(b, v->u.str.ptr, v->u.str.len);
        break;
    case KC_VAL_BYTES:
        kc_buf_putc(b, '"');
        kc_buf_base64(b, (const uint8_t *)v->u.str.ptr, v->u.str.len);
        kc_buf_putc(b, '"');
        break;
    case KC_VAL_DECIMAL:
        kc_buf_putc(b, '"');
        kc_buf_base64(b, v->u.dec.unscaled, v->u.dec.len);
        kc_buf_putc(b, '"');
        break;
    case KC_VAL_ARRAY:
        kc_buf_putc(b, '[');
        for (size_t i = 0; i < v->u.arr.len; i++) {
            if (i) kc_buf_putc(b, ',');
            text_value(b, &v->u.arr.items[i], 0);
        }
        kc_buf_putc(b, ']');
        break;
    case KC_VAL_MAP:
    case KC_VAL_STRUCT:
        kc_buf_putc(b, '{');
        for (size_t i = 0; i < v->u.map.len; i++) {
            const kc_entry *e = &v->u.map.items[i];
            if (i) kc_buf_putc(b, ',');
            if (e->key.type == KC_VAL_STRING) {
                kc_buf_json_string(b, e->key.u.str.ptr, e->key.u.str.len);
            } else {
                kc_buf k = KC_BUF_INIT;
                text_value(&k, &e->key, 1);
                kc_buf_json_string(b, k.data ? k.data : "", k.len);
                kc_buf_free(&k);
            }
            kc_buf_putc(b, ':');
            text_value(b, &e->val, 0);
        }
        kc_buf_putc(b, '}');
        break;
    }
}

char *kc_value_to_text(const kc_value *v) {
    kc_buf b = KC_BUF_INIT;
    text_value(&b, v, 1);
    return kc_buf_detach(&b);
}

/* ---- schemas ------------------------------------------------------------------------------ */

kc_schema *kc_schema_new(kc_stype type, int optional) {
    kc_schema *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->refcnt = 1;
    s->type = type;
    s->optional = optional;
    return s;
}

kc_schema *kc_schema_retain(kc_schema *s) {
    if (s) __atomic_add_fetch(&s->refcnt, 1, __ATOMIC_RELAXED);
    return s;
}

void kc_schema_release(kc_schema *s) {
    if (!s || __atomic_sub_fetch(&s->refcnt, 1, __ATOMIC_ACQ_REL) > 0) return;
    free(s->name);
    free(s->doc);
    for (size_t i = 0; i < s->nparams; i++) {
        free(s->params[i].key);
        free(s->params[i].value);
    }
    free(s->params);
    if (s->default_value) {
        kc_value_clear(s->default_value);
        free(s->default_value);
    }
    for (size_t i = 0; i < s->nfields; i++) {
        free(s->fields[i].name);
        kc_schema_release(s->fields[i].schema);
    }
    free(s->fields);
    kc_schema_release(s->items);
    kc_schema_release(s->keys);
    kc_schema_release(s->values);
    free(s);
}

int kc_schema_set_name(kc_schema *s, const char *name) {
    char *n = strdup(name);
    if (!n) return KC_ENOMEM;
    free(s->name);
    s->name = n;
    return KC_OK;
}

int kc_schema_add_param(kc_schema *s, const char *key, const char *value) {
    kc_param *p = realloc(s->params, (s->nparams + 1) * sizeof *p);
    if (!p) return KC_ENOMEM;
    s->params = p;
    p[s->nparams].key = strdup(key);
    p[s->nparams].value = strdup(value);
    if (!p[s->nparams].key || !p[s->nparams].value) {
        free(p[s->nparams].key);
        free(p[s->nparams].value);
        return KC_ENOMEM;
    }
    s->nparams++;
    return KC_OK;
}

const char *kc_schema_param(const kc_schema *s, const char *key) {
    for (size_t i = 0; s && i < s->nparams; i++)
        if (strcmp(s->params[i].key, key) == 0) return s->params[i].value;
    return NULL;
}

int kc_schema_add_field(kc_schema *s, const char *name, kc_schema *field) {
    kc_field *f = realloc(s->fields, (s->nfields + 1) * sizeof *f);
    if (!f) return KC_ENOMEM;
    s->fields = f;
    f[s->nfields].name = strdup(name);
    if (!f[s->nfields].name) return KC_ENOMEM;
    f[s->nfields].schema = field;
    s->nfields++;
    return KC_OK;
}

static int str_eq(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

int kc_schema_equal(const kc_schema *a, const kc_schema *b) {
    if (a == b) return 1;
    if (!a || !b) return 0;
    if (a->type != b->type || a->optional != b->optional || !str_eq(a->name, b->name) ||
        a->has_version != b->has_version || (a->has_version && a->version != b->version) ||
        !str_eq(a->doc, b->doc) || a->nparams != b->nparams || a->nfields != b->nfields)
        return 0;
    for (size_t i = 0; i < a->nparams; i++)
        if (!str_eq(a->params[i].key, b->params[i].key) || !str_eq(a->params[i].value, b->params[i].value))
            return 0;
    if (!!a->default_value != !!b->default_value ||
        (a->default_value && !kc_value_equal(a->default_value, b->default_value)))
        return 0;
    for (size_t i = 0; i < a->nfields; i++)
        if (!str_eq(a->fields[i].name, b->fields[i].name) ||
            !kc_schema_equal(a->fields[i].schema, b->fields[i].schema))
            return 0;
    return kc_schema_equal(a->items, b->items) && kc_schema_equal(a->keys, b->keys) &&
           kc_schema_equal(a->values, b->values);
}

const char *kc_stype_name(kc_stype t) {
    static const char *names[] = {"int8",    "int16",  "int32",  "int64", "float", "double",
                                  "boolean", "string", "bytes",  "array", "map",   "struct"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

/* ---- records ------------------------------------------------------------------------------ */

kc_record *kc_record_new(void) {
    kc_record *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->refcnt = 1;
    r->partition = -1;
    r->offset = -1;
    r->timestamp = -1;
    return r;
}

kc_record *kc_record_retain(kc_record *r) {
    if (r) __atomic_add_fetch(&r->refcnt, 1, __ATOMIC_RELAXED);
    return r;
}

void kc_record_release(kc_record *r) {
    if (!r || __atomic_sub_fetch(&r->refcnt, 1, __ATOMIC_ACQ_REL) > 0) return;
    free(r->topic);
    kc_schema_release(r->key_schema);
    kc_value_clear(&r->key);
    kc_schema_release(r->value_schema);
    kc_value_clear(&r->value);
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].key);
        kc_schema_release(r->headers[i].schema);
        kc_value_clear(&r->headers[i].value);
    }
    free(r->headers);
    kc_value_clear(&r->source_partition);
    kc_value_clear(&r->source_offset);
    free(r);
}

int kc_record_set_topic(kc_record *r, const char *topic) {
    char *t = strdup(topic);
    if (!t) return KC_ENOMEM;
    free(r->topic);
    r->topic = t;
    return KC_OK;
}

int kc_record_add_header(kc_record *r, const char *key, kc_schema *schema, kc_value *value) {
    if (grow((void **)&r->headers, &r->headers_cap, r->nheaders + 1, sizeof(kc_header))) return KC_ENOMEM;
    char *k = strdup(key);
    if (!k) return KC_ENOMEM;
    kc_header *h = &r->headers[r->nheaders++];
    h->key = k;
    h->schema = schema;
    h->value = *value;
    memset(value, 0, sizeof *value);
    return KC_OK;
}

int kc_records_push(kc_records *list, kc_record *r) {
    if (grow((void **)&list->items, &list->cap, list->len + 1, sizeof(kc_record *))) {
        kc_record_release(r);
        return KC_ENOMEM;
    }
    list->items[list->len++] = r;
    return KC_OK;
}

void kc_records_clear(kc_records *list) {
    for (size_t i = 0; i < list->len; i++) kc_record_release(list->items[i]);
    list->len = 0;
}

void kc_records_free(kc_records *list) {
    kc_records_clear(list);
    free(list->items);
    memset(list, 0, sizeof *list);
}
