/* field_value.h - one top-level field of a record's key or value, as text, for kcd's
 * content-based plugins (FieldMatches, FieldRouter), which Kafka's transforms do not offer. */
#ifndef KC_FIELD_VALUE_H
#define KC_FIELD_VALUE_H
#include "transform_common.h"

/* The field `name` of v (a map or a struct), or NULL when v is neither, has no such field, or
 * it is null. */
__attribute__((unused)) static const kc_value *field_of(const kc_value *v, const char *name) {
    if (v->type != KC_VAL_MAP && v->type != KC_VAL_STRUCT) return NULL;
    const kc_value *f = host->map_get_str(v, name);
    return f && f->type != KC_VAL_NULL ? f : NULL;
}

/* A scalar as text, handed over: a string as it is, a number or boolean in its JSON text; NULL
 * for null, bytes, arrays, maps and structs (nothing to compare), or out of memory. */
__attribute__((unused)) static char *scalar_text(const kc_value *v) {
    switch (v->type) {
    case KC_VAL_STRING: return strndup(v->u.str.ptr, v->u.str.len);
    case KC_VAL_BOOL:
    case KC_VAL_INT:
    case KC_VAL_DOUBLE:
    case KC_VAL_TIMESTAMP:
    case KC_VAL_DATE:
    case KC_VAL_TIME:
    case KC_VAL_DECIMAL: {
        char *t = v->type == KC_VAL_DECIMAL ? host->decimal_to_text(v) : host->value_to_text(v);
        char *copy = t ? strdup(t) : NULL; /* the host's allocation goes back to the host */
        host->free(t);
        return copy;
    }
    default: return NULL;
    }
}

#endif
