/* libFuzzer target: Connect's Values parser (values.c), which reads every header through the
 * default SimpleHeaderConverter. Any bytes parse or fail cleanly; a parsed value fits its
 * inferred schema (the widening of array and map elements included) and prints back as text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kc_value_int.h"
#include "kc_values.h"

/* Elements of arrays and maps in arrays and maps keep the last one's schema, as in Connect, so
 * only elements of a primitive common schema are checked. */
static int is_container(const kc_schema *s) { return s && (s->type == KC_SCHEMA_ARRAY || s->type == KC_SCHEMA_MAP); }

static void check_fits(const kc_schema *s, const kc_value *v) {
    if (!s || v->type == KC_VAL_NULL) return;
    switch (s->type) {
    case KC_SCHEMA_INT8:
    case KC_SCHEMA_INT16:
    case KC_SCHEMA_INT32:
    case KC_SCHEMA_INT64:
        if (v->type != KC_VAL_INT && v->type != KC_VAL_DATE && v->type != KC_VAL_TIME && v->type != KC_VAL_TIMESTAMP)
            abort();
        if (s->type == KC_SCHEMA_INT8 && v->type == KC_VAL_INT && (v->u.i < -128 || v->u.i > 127)) abort();
        break;
    case KC_SCHEMA_FLOAT32:
    case KC_SCHEMA_FLOAT64: if (v->type != KC_VAL_DOUBLE) abort(); break;
    case KC_SCHEMA_BOOLEAN: if (v->type != KC_VAL_BOOL) abort(); break;
    case KC_SCHEMA_STRING: if (v->type != KC_VAL_STRING) abort(); break;
    case KC_SCHEMA_BYTES: if (v->type != KC_VAL_BYTES && v->type != KC_VAL_DECIMAL) abort(); break;
    case KC_SCHEMA_ARRAY:
        if (v->type != KC_VAL_ARRAY) abort();
        for (size_t i = 0; i < v->u.arr.len && !is_container(s->items); i++) check_fits(s->items, &v->u.arr.items[i]);
        break;
    case KC_SCHEMA_MAP:
        if (v->type != KC_VAL_MAP) abort();
        for (size_t i = 0; i < v->u.map.len; i++) {
            if (!is_container(s->keys)) check_fits(s->keys, &v->u.map.items[i].key);
            if (!is_container(s->values)) check_fits(s->values, &v->u.map.items[i].val);
        }
        break;
    case KC_SCHEMA_STRUCT: abort(); /* text never reads as a struct */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kc_schema *s = NULL;
    kc_value v;
    kc_error err;
    if (kc_values_parse((const char *)data, size, &s, &v, &err) == KC_OK) {
        check_fits(s, &v);
        kc_buf b = KC_BUF_INIT;
        kc_values_append_text(&b, s, &v);
        if (b.failed) abort();
        kc_buf_free(&b);
        kc_schema_release(s);
        kc_value_clear(&v);
    }
    return 0;
}
