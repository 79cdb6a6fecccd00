/* json_converter.c - org.apache.kafka.connect.json.JsonConverter: the {"schema","payload"}
 * envelope, Connect's schema JSON, logical types, and the schemaless form. Parsing uses
 * jansson; writing goes straight into a kc_buf (exact numbers, no intermediate tree). */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_config_int.h"
#include "kc_converter_int.h"
#include "kc_value_int.h"

/* ---- decimals ----------------------------------------------------------------------------- */

char *kc_decimal_to_text(const uint8_t *unscaled, size_t len, int32_t scale) {
    int neg = len && (unscaled[0] & 0x80);
    uint8_t *mag = malloc(len ? len : 1);
    if (!mag) return NULL;
    if (len) memcpy(mag, unscaled, len);
    if (neg) { /* two's complement negate */
        int carry = 1;
        for (size_t i = len; i-- > 0;) {
            int v = (uint8_t)~mag[i] + carry;
            mag[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    /* repeated division by 10 gives the digits, least significant first */
    kc_buf digits = KC_BUF_INIT;
    for (;;) {
        int nonzero = 0, rem = 0;
        for (size_t i = 0; i < len; i++) {
            int cur = rem * 256 + mag[i];
            mag[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
            if (mag[i]) nonzero = 1;
        }
        kc_buf_putc(&digits, (char)('0' + rem));
        if (!nonzero) break;
    }
    free(mag);
    if (digits.failed) {
        kc_buf_free(&digits);
        return NULL;
    }
    kc_buf out = KC_BUF_INIT;
    if (neg) kc_buf_putc(&out, '-');
    long nd = (long)digits.len;
    if (scale <= 0) {
        for (long i = nd - 1; i >= 0; i--) kc_buf_putc(&out, digits.data[i]);
        for (long i = 0; i < -(long)scale && !(nd == 1 && digits.data[0] == '0'); i++) kc_buf_putc(&out, '0');
    } else {
        long intd = nd - scale;
        if (intd <= 0) {
            kc_buf_puts(&out, "0.");
            for (long i = 0; i < -intd; i++) kc_buf_putc(&out, '0');
            for (long i = nd - 1; i >= 0; i--) kc_buf_putc(&out, digits.data[i]);
        } else {
            for (long i = nd - 1; i >= 0; i--) {
                kc_buf_putc(&out, digits.data[i]);
                if (i == scale) kc_buf_putc(&out, '.');
            }
        }
    }
    kc_buf_free(&digits);
    return kc_buf_detach(&out);
}

int kc_decimal_from_text(const char *text, int32_t scale, uint8_t **unscaled, size_t *len) {
    const char *p = text;
    int neg = 0;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    kc_buf digits = KC_BUF_INIT;
    long frac = 0;
    int seen_dot = 0, any = 0;
    for (; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            kc_buf_putc(&digits, *p);
            if (seen_dot) frac++;
            any = 1;
        } else if (*p == '.' && !seen_dot) {
            seen_dot = 1;
        } else {
            break;
        }
    }
    long exp = 0;
    if (*p == 'e' || *p == 'E') {
        char *end;
        exp = strtol(p + 1, &end, 10);
        p = end;
    }
    if (!any || *p || labs(exp) > 10000 || digits.failed) {
        kc_buf_free(&digits);
        return -1;
    }
    long shift = exp - frac + scale;
    int round_up = 0;
    if (shift >= 0) {
        for (long i = 0; i < shift; i++) kc_buf_putc(&digits, '0');
    } else {
        long drop = -shift;
        if (drop >= (long)digits.len) {
            round_up = drop == (long)digits.len && digits.data[0] >= '5';
            digits.len = 0;
        } else {
            round_up = digits.data[digits.len - (size_t)drop] >= '5'; /* HALF_UP */
            digits.len -= (size_t)drop;
        }
    }
    /* decimal digits -> big-endian magnitude */
    size_t cap = digits.len / 2 + 2;
    uint8_t *mag = calloc(cap, 1);
    if (!mag || digits.failed) {
        free(mag);
        kc_buf_free(&digits);
        return -1;
    }
    for (size_t d = 0; d <= digits.len; d++) {
        int add = d < digits.len ? digits.data[d] - '0' : round_up;
        int mul = d < digits.len ? 10 : 1;
        for (size_t i = cap; i-- > 0;) {
            int v = mag[i] * mul + add;
            mag[i] = (uint8_t)v;
            add = v >> 8;
        }
    }
    kc_buf_free(&digits);
    if (neg) {
        int carry = 1;
        for (size_t i = cap; i-- > 0;) {
            int v = (uint8_t)~mag[i] + carry;
            mag[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    /* minimal two's complement length, as BigInteger.toByteArray */
    size_t start = 0;
    while (start + 1 < cap && ((mag[start] == 0 && !(mag[start + 1] & 0x80)) ||
                               (mag[start] == 0xFF && (mag[start + 1] & 0x80))))
        start++;
    *len = cap - start;
    memmove(mag, mag + start, *len);
    *unscaled = mag;
    return 0;
}

/* ---- writing ------------------------------------------------------------------------------ */

static void write_double(kc_buf *b, double d) {
    if (!isfinite(d)) {
        kc_buf_puts(b, isnan(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d) break;
    }
    kc_buf_puts(b, tmp);
    if (!strpbrk(tmp, ".eE")) kc_buf_puts(b, ".0"); /* keep it a float on the way back */
}

void kc_json_write_value(kc_buf *b, const kc_value *v) {
    switch (v->type) {
    case KC_VAL_NULL: kc_buf_puts(b, "null"); return;
    case KC_VAL_BOOL: kc_buf_puts(b, v->u.b ? "true" : "false"); return;
    case KC_VAL_INT:
    case KC_VAL_TIMESTAMP:
    case KC_VAL_DATE:
    case KC_VAL_TIME: kc_buf_printf(b, "%lld", (long long)v->u.i); return;
    case KC_VAL_DOUBLE: write_double(b, v->u.d); return;
    case KC_VAL_STRING: kc_buf_json_string(b, v->u.str.ptr, v->u.str.len); return;
    case KC_VAL_BYTES:
        kc_buf_putc(b, '"');
        kc_buf_base64(b, (const uint8_t *)v->u.str.ptr, v->u.str.len);
        kc_buf_putc(b, '"');
        return;
    case KC_VAL_DECIMAL: {
        char *t = kc_decimal_to_text(v->u.dec.unscaled, v->u.dec.len, v->u.dec.scale);
        kc_buf_puts(b, t ? t : "null");
        free(t);
        return;
    }
    case KC_VAL_ARRAY:
        kc_buf_putc(b, '[');
        for (size_t i = 0; i < v->u.arr.len; i++) {
            if (i) kc_buf_putc(b, ',');
            kc_json_write_value(b, &v->u.arr.items[i]);
        }
        kc_buf_putc(b, ']');
        return;
    case KC_VAL_MAP:
    case KC_VAL_STRUCT: {
        int all_str = 1;
        for (size_t i = 0; i < v->u.map.len; i++)
            if (v->u.map.items[i].key.type != KC_VAL_STRING) all_str = 0;
        if (!all_str) { /* a map with non-string keys: array of [key, value] pairs */
            kc_buf_putc(b, '[');
            for (size_t i = 0; i < v->u.map.len; i++) {
                if (i) kc_buf_putc(b, ',');
                kc_buf_putc(b, '[');
                kc_json_write_value(b, &v->u.map.items[i].key);
                kc_buf_putc(b, ',');
                kc_json_write_value(b, &v->u.map.items[i].val);
                kc_buf_putc(b, ']');
            }
            kc_buf_putc(b, ']');
            return;
        }
        kc_buf_putc(b, '{');
        for (size_t i = 0; i < v->u.map.len; i++) {
            if (i) kc_buf_putc(b, ',');
            kc_buf_json_string(b, v->u.map.items[i].key.u.str.ptr, v->u.map.items[i].key.u.str.len);
            kc_buf_putc(b, ':');
            kc_json_write_value(b, &v->u.map.items[i].val);
        }
        kc_buf_putc(b, '}');
        return;
    }
    }
}

void kc_json_write_schema(kc_buf *b, const kc_schema *s) {
    kc_buf_puts(b, "{\"type\":\"");
    kc_buf_puts(b, kc_stype_name(s->type));
    kc_buf_putc(b, '"');
    if (s->type == KC_SCHEMA_ARRAY && s->items) {
        kc_buf_puts(b, ",\"items\":");
        kc_json_write_schema(b, s->items);
    } else if (s->type == KC_SCHEMA_MAP && s->keys && s->values) {
        kc_buf_puts(b, ",\"keys\":");
        kc_json_write_schema(b, s->keys);
        kc_buf_puts(b, ",\"values\":");
        kc_json_write_schema(b, s->values);
    } else if (s->type == KC_SCHEMA_STRUCT) {
        kc_buf_puts(b, ",\"fields\":[");
        for (size_t i = 0; i < s->nfields; i++) {
            if (i) kc_buf_putc(b, ',');
            /* the field schema, then "field": reopen the object to append the name */
            kc_buf fb = KC_BUF_INIT;
            kc_json_write_schema(&fb, s->fields[i].schema);
            if (fb.data && fb.len) {
                kc_buf_append(b, fb.data, fb.len - 1);
                kc_buf_puts(b, ",\"field\":");
                kc_buf_json_string(b, s->fields[i].name, strlen(s->fields[i].name));
                kc_buf_putc(b, '}');
            }
            kc_buf_free(&fb);
        }
        kc_buf_putc(b, ']');
    }
    kc_buf_puts(b, s->optional ? ",\"optional\":true" : ",\"optional\":false");
    if (s->name) {
        kc_buf_puts(b, ",\"name\":");
        kc_buf_json_string(b, s->name, strlen(s->name));
    }
    if (s->has_version) kc_buf_printf(b, ",\"version\":%d", (int)s->version);
    if (s->doc) {
        kc_buf_puts(b, ",\"doc\":");
        kc_buf_json_string(b, s->doc, strlen(s->doc));
    }
    if (s->nparams) {
        kc_buf_puts(b, ",\"parameters\":{");
        for (size_t i = 0; i < s->nparams; i++) {
            if (i) kc_buf_putc(b, ',');
            kc_buf_json_string(b, s->params[i].key, strlen(s->params[i].key));
            kc_buf_putc(b, ':');
            kc_buf_json_string(b, s->params[i].value, strlen(s->params[i].value));
        }
        kc_buf_putc(b, '}');
    }
    if (s->default_value) {
        kc_buf_puts(b, ",\"default\":");
        if (kc_json_write_value_with_schema(b, s, s->default_value, 0, NULL)) kc_buf_puts(b, "null");
    }
    kc_buf_putc(b, '}');
}

static int logical_is(const kc_schema *s, const char *name) { return s->name && strcmp(s->name, name) == 0; }

static int decimal_scale(const kc_schema *s, int32_t *scale) {
    const char *p = kc_schema_param(s, "scale");
    char *end;
    long v = p ? strtol(p, &end, 10) : 0;
    if (!p || *end || v < -1000 || v > 1000) return -1;
    *scale = (int32_t)v;
    return 0;
}

/* err, which a field's value set, prefixed with the field's name; returns rc */
static int in_field(kc_error *err, int rc, const char *name) {
    char msg[KC_ERROR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
    return kc_error_set(err, rc, "field %s: %s", name, msg);
}

static int mismatch(kc_error *err, const kc_schema *s, const kc_value *v) {
    return kc_error_set(err, KC_EINVAL, "Invalid Java object for schema with type %s%s%s: value of kind %d",
                        kc_stype_name(s->type), s->name ? " " : "", s->name ? s->name : "", (int)v->type);
}

static int write_with_schema(kc_buf *b, const kc_schema *s, const kc_value *v, int decimal_numeric,
                             int replace_null, kc_error *err);

int kc_json_write_as_is(kc_buf *b, const kc_schema *s, const kc_value *v, kc_error *err) {
    return write_with_schema(b, s, v, 0, 0, err);
}

int kc_json_write_value_with_schema(kc_buf *b, const kc_schema *s, const kc_value *v, int decimal_numeric,
                                    kc_error *err) {
    return write_with_schema(b, s, v, decimal_numeric, 1, err);
}

/* replace_null: JsonConverter's replace.null.with.default (a null with a schema default is
 * written as the default). */
static int write_with_schema(kc_buf *b, const kc_schema *s, const kc_value *v, int decimal_numeric,
                             int replace_null, kc_error *err) {
    if (!s) {
        kc_json_write_value(b, v);
        return KC_OK;
    }
    if (v->type == KC_VAL_NULL) {
        if (s->default_value && replace_null)
            return write_with_schema(b, s, s->default_value, decimal_numeric, replace_null, err);
        if (!s->optional)
            return kc_error_set(err, KC_EINVAL, "Conversion error: null value for field that is required and has "
                                                "no default value");
        kc_buf_puts(b, "null");
        return KC_OK;
    }
    if (logical_is(s, KC_LOGICAL_DECIMAL)) {
        int32_t scale;
        if (v->type != KC_VAL_DECIMAL || decimal_scale(s, &scale)) return mismatch(err, s, v);
        if (decimal_numeric) {
            kc_json_write_value(b, v);
        } else {
            kc_buf_putc(b, '"');
            kc_buf_base64(b, v->u.dec.unscaled, v->u.dec.len);
            kc_buf_putc(b, '"');
        }
        return KC_OK;
    }
    switch (s->type) {
    case KC_SCHEMA_INT8:
    case KC_SCHEMA_INT16:
    case KC_SCHEMA_INT32:
    case KC_SCHEMA_INT64:
        if (v->type != KC_VAL_INT && v->type != KC_VAL_TIMESTAMP && v->type != KC_VAL_DATE &&
            v->type != KC_VAL_TIME)
            return mismatch(err, s, v);
        kc_buf_printf(b, "%lld", (long long)v->u.i);
        return KC_OK;
    case KC_SCHEMA_FLOAT32:
    case KC_SCHEMA_FLOAT64:
        if (v->type == KC_VAL_DOUBLE) write_double(b, s->type == KC_SCHEMA_FLOAT32 ? (double)(float)v->u.d : v->u.d);
        else if (v->type == KC_VAL_INT) write_double(b, (double)v->u.i);
        else return mismatch(err, s, v);
        return KC_OK;
    case KC_SCHEMA_BOOLEAN:
        if (v->type != KC_VAL_BOOL) return mismatch(err, s, v);
        break;
    case KC_SCHEMA_STRING:
        if (v->type != KC_VAL_STRING) return mismatch(err, s, v);
        break;
    case KC_SCHEMA_BYTES:
        if (v->type != KC_VAL_BYTES) return mismatch(err, s, v);
        break;
    case KC_SCHEMA_ARRAY:
        if (v->type != KC_VAL_ARRAY) return mismatch(err, s, v);
        kc_buf_putc(b, '[');
        for (size_t i = 0; i < v->u.arr.len; i++) {
            if (i) kc_buf_putc(b, ',');
            int rc = write_with_schema(b, s->items, &v->u.arr.items[i], decimal_numeric, replace_null, err);
            if (rc) return rc;
        }
        kc_buf_putc(b, ']');
        return KC_OK;
    case KC_SCHEMA_MAP: {
        if (v->type != KC_VAL_MAP) return mismatch(err, s, v);
        int obj = s->keys && s->keys->type == KC_SCHEMA_STRING;
        kc_buf_putc(b, obj ? '{' : '[');
        for (size_t i = 0; i < v->u.map.len; i++) {
            const kc_entry *e = &v->u.map.items[i];
            if (i) kc_buf_putc(b, ',');
            int rc;
            if (obj) {
                if (e->key.type != KC_VAL_STRING) return mismatch(err, s->keys, &e->key);
                kc_buf_json_string(b, e->key.u.str.ptr, e->key.u.str.len);
                kc_buf_putc(b, ':');
            } else {
                kc_buf_putc(b, '[');
                if ((rc = write_with_schema(b, s->keys, &e->key, decimal_numeric, replace_null, err))) return rc;
                kc_buf_putc(b, ',');
            }
            if ((rc = write_with_schema(b, s->values, &e->val, decimal_numeric, replace_null, err))) return rc;
            if (!obj) kc_buf_putc(b, ']');
        }
        kc_buf_putc(b, obj ? '}' : ']');
        return KC_OK;
    }
    case KC_SCHEMA_STRUCT:
        if (v->type != KC_VAL_STRUCT && v->type != KC_VAL_MAP) return mismatch(err, s, v);
        kc_buf_putc(b, '{');
        for (size_t i = 0; i < s->nfields; i++) {
            if (i) kc_buf_putc(b, ',');
            kc_buf_json_string(b, s->fields[i].name, strlen(s->fields[i].name));
            kc_buf_putc(b, ':');
            /* a struct's entries are in field order: look there before searching */
            const kc_entry *at = i < v->u.map.len ? &v->u.map.items[i] : NULL;
            const kc_value *fv = at && at->key.type == KC_VAL_STRING && !strcmp(at->key.u.str.ptr, s->fields[i].name)
                                     ? &at->val
                                     : kc_map_get_str(v, s->fields[i].name);
            kc_value null = KC_VALUE_NULL_INIT;
            int rc = write_with_schema(b, s->fields[i].schema, fv ? fv : &null, decimal_numeric, replace_null, err);
            if (rc) return in_field(err, rc, s->fields[i].name);
        }
        kc_buf_putc(b, '}');
        return KC_OK;
    }
    kc_json_write_value(b, v);
    return KC_OK;
}

/* ---- reading ------------------------------------------------------------------------------ */

int kc_json_to_value(const json_t *j, kc_value *out, kc_error *err) {
    memset(out, 0, sizeof *out);
    if (!j) return KC_OK; /* absent: null */
    switch (json_typeof(j)) {
    case JSON_NULL: return KC_OK;
    case JSON_TRUE:
    case JSON_FALSE: kc_value_set_bool(out, json_is_true(j)); return KC_OK;
    case JSON_INTEGER: kc_value_set_int(out, json_integer_value(j)); return KC_OK;
    case JSON_REAL: kc_value_set_double(out, json_real_value(j)); return KC_OK;
    case JSON_STRING:
        return kc_value_set_string(out, json_string_value(j), json_string_length(j))
                   ? kc_error_set(err, KC_ENOMEM, "out of memory")
                   : KC_OK;
    case JSON_ARRAY: {
        kc_value_init_array(out);
        size_t i;
        json_t *item;
        json_array_foreach(j, i, item) {
            kc_value v;
            int rc = kc_json_to_value(item, &v, err);
            if (rc || (rc = kc_array_push(out, &v))) {
                kc_value_clear(&v);
                kc_value_clear(out);
                return rc;
            }
        }
        return KC_OK;
    }
    case JSON_OBJECT: {
        kc_value_init_map(out);
        const char *k;
        json_t *item;
        json_object_foreach((json_t *)j, k, item) {
            kc_value v;
            int rc = kc_json_to_value(item, &v, err);
            if (rc || (rc = kc_map_put_str(out, k, &v))) {
                kc_value_clear(&v);
                kc_value_clear(out);
                return rc;
            }
        }
        return KC_OK;
    }
    }
    return kc_error_set(err, KC_EINVAL, "unsupported JSON node");
}

static const char *const type_names[] = {"int8",    "int16",  "int32", "int64", "float", "double",
                                         "boolean", "string", "bytes", "array", "map",   "struct"};

int kc_json_to_schema(const json_t *j, kc_schema **out, kc_error *err) {
    *out = NULL;
    if (!j || json_is_null(j)) return KC_OK; /* absent or null: no schema */
    if (!json_is_object(j)) return kc_error_set(err, KC_EINVAL, "Schema must be a JSON object");
    const char *tn = json_string_value(json_object_get(j, "type"));
    if (!tn) return kc_error_set(err, KC_EINVAL, "Schema must contain 'type' field");
    int t = -1;
    for (int i = 0; i < (int)(sizeof type_names / sizeof type_names[0]); i++)
        if (strcmp(tn, type_names[i]) == 0) t = i;
    if (t < 0) return kc_error_set(err, KC_EINVAL, "Unknown schema type: %s", tn);
    json_t *opt = json_object_get(j, "optional");
    if (opt && !json_is_boolean(opt)) return kc_error_set(err, KC_EINVAL, "Schema 'optional' must be a boolean");
    kc_schema *s = kc_schema_new((kc_stype)t, opt && json_is_true(opt));
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    int rc = KC_OK;
    json_t *f;
    if ((f = json_object_get(j, "name")) && !json_is_null(f)) {
        if (!json_is_string(f)) rc = kc_error_set(err, KC_EINVAL, "Schema 'name' must be a string");
        else if (kc_schema_set_name(s, json_string_value(f))) rc = KC_ENOMEM;
    }
    if (!rc && (f = json_object_get(j, "version")) && !json_is_null(f)) {
        if (!json_is_integer(f)) rc = kc_error_set(err, KC_EINVAL, "Schema 'version' must be an integer");
        s->has_version = 1;
        s->version = (int32_t)json_integer_value(f);
    }
    if (!rc && (f = json_object_get(j, "doc")) && !json_is_null(f)) {
        if (!json_is_string(f)) rc = kc_error_set(err, KC_EINVAL, "Schema 'doc' must be a string");
        else if (!(s->doc = strdup(json_string_value(f)))) rc = KC_ENOMEM;
    }
    if (!rc && (f = json_object_get(j, "parameters")) && !json_is_null(f)) {
        const char *k;
        json_t *pv;
        if (!json_is_object(f)) rc = kc_error_set(err, KC_EINVAL, "Schema 'parameters' must be an object");
        else json_object_foreach(f, k, pv) {
                if (!json_is_string(pv)) {
                    rc = kc_error_set(err, KC_EINVAL, "Schema parameter %s must be a string", k);
                    break;
                }
                if ((rc = kc_schema_add_param(s, k, json_string_value(pv)))) break;
            }
    }
    if (!rc && t == KC_SCHEMA_ARRAY) {
        rc = kc_json_to_schema(json_object_get(j, "items"), &s->items, err);
        if (!rc && !s->items) rc = kc_error_set(err, KC_EINVAL, "Array schema did not specify the items type");
    } else if (!rc && t == KC_SCHEMA_MAP) {
        rc = kc_json_to_schema(json_object_get(j, "keys"), &s->keys, err);
        if (!rc) rc = kc_json_to_schema(json_object_get(j, "values"), &s->values, err);
        if (!rc && (!s->keys || !s->values))
            rc = kc_error_set(err, KC_EINVAL, "Map schema did not specify the key and value types");
    } else if (!rc && t == KC_SCHEMA_STRUCT) {
        json_t *fields = json_object_get(j, "fields");
        if (!json_is_array(fields)) {
            rc = kc_error_set(err, KC_EINVAL, "Struct schema's \"fields\" argument is not an array.");
        } else {
            size_t i;
            json_t *fj;
            json_array_foreach(fields, i, fj) {
                const char *fname = json_string_value(json_object_get(fj, "field"));
                if (!fname) {
                    rc = kc_error_set(err, KC_EINVAL, "Struct schema's field name not specified properly");
                    break;
                }
                kc_schema *fs;
                if ((rc = kc_json_to_schema(fj, &fs, err))) break;
                if (!fs) {
                    rc = kc_error_set(err, KC_EINVAL, "Struct field %s has no schema", fname);
                    break;
                }
                for (size_t k = 0; !rc && k < s->nfields; k++) /* as Connect's SchemaBuilder refuses it */
                    if (!strcmp(s->fields[k].name, fname))
                        rc = kc_error_set(err, KC_EINVAL, "Cannot create field because of field name duplication %s",
                                          fname);
                if (rc || (rc = kc_schema_add_field(s, fname, fs))) {
                    kc_schema_release(fs);
                    break;
                }
            }
        }
    }
    if (!rc && (f = json_object_get(j, "default")) && !json_is_null(f)) {
        kc_value *dv = calloc(1, sizeof *dv);
        if (!dv) rc = KC_ENOMEM;
        else if ((rc = kc_json_to_value_with_schema(f, s, dv, err))) free(dv);
        else s->default_value = dv;
    }
    if (rc) {
        kc_schema_release(s);
        return rc == KC_ENOMEM ? kc_error_set(err, rc, "out of memory") : rc;
    }
    *out = s;
    return KC_OK;
}

static int want(kc_error *err, const kc_schema *s, const char *what) {
    return kc_error_set(err, KC_EINVAL, "Invalid JSON for %s%s%s schema: expected %s", s->name ? s->name : "",
                        s->name ? " " : "", kc_stype_name(s->type), what);
}

static int read_with_schema(const json_t *j, const kc_schema *s, kc_value *out, int replace_null, kc_error *err);
static int fit_schema(kc_value *in, const kc_schema *s, kc_value *out, int replace_null, kc_error *err);

int kc_json_read_as_is(const json_t *j, const kc_schema *s, kc_value *out, kc_error *err) {
    return read_with_schema(j, s, out, 0, err);
}

int kc_json_to_value_with_schema(const json_t *j, const kc_schema *s, kc_value *out, kc_error *err) {
    return read_with_schema(j, s, out, 1, err);
}

/* jansson's value as a schemaless one, then fitted to the schema: one set of rules for both
 * parsers (fit_schema, below) */
static int read_with_schema(const json_t *j, const kc_schema *s, kc_value *out, int replace_null, kc_error *err) {
    kc_value raw = KC_VALUE_NULL_INIT;
    memset(out, 0, sizeof *out);
    if (j && !json_is_null(j)) {
        int rc = kc_json_to_value(j, &raw, err);
        if (rc) return rc;
    }
    return fit_schema(&raw, s, out, replace_null, err);
}

/* ---- a schemaless value fitted to a schema ------------------------------------------------- */

/* A schemaless value (json_fast's, or jansson's converted) read against the schema: JsonConverter's
 * checks and errors, strings moved instead of copied. in is consumed. */
static int fit_failed(kc_value *in, int rc) {
    kc_value_clear(in);
    return rc;
}

static int fit_schema(kc_value *in, const kc_schema *s, kc_value *out, int replace_null, kc_error *err) {
    memset(out, 0, sizeof *out);
    if (!s) {
        *out = *in;
        memset(in, 0, sizeof *in);
        return KC_OK;
    }
    if (in->type == KC_VAL_NULL) {
        if (s->default_value && replace_null) return kc_value_copy(out, s->default_value);
        if (s->optional) return KC_OK;
        return kc_error_set(err, KC_EINVAL, "Invalid null value for required %s field", kc_stype_name(s->type));
    }
    if (logical_is(s, KC_LOGICAL_DECIMAL)) {
        int32_t scale;
        if (decimal_scale(s, &scale)) return fit_failed(in, kc_error_set(err, KC_EINVAL, "Decimal schema has no valid scale"));
        uint8_t *u;
        size_t len;
        if (in->type == KC_VAL_STRING) {
            if (kc_base64_decode(in->u.str.ptr, strlen(in->u.str.ptr), &u, &len))
                return fit_failed(in, kc_error_set(err, KC_EINVAL, "Invalid bytes for Decimal field"));
        } else {
            char text[64];
            if (in->type == KC_VAL_INT) {
                snprintf(text, sizeof text, "%lld", (long long)in->u.i);
            } else if (in->type == KC_VAL_DOUBLE) {
                for (int prec = 15; prec <= 17; prec++) {
                    snprintf(text, sizeof text, "%.*g", prec, in->u.d);
                    if (strtod(text, NULL) == in->u.d) break;
                }
            }
            if ((in->type != KC_VAL_INT && in->type != KC_VAL_DOUBLE) || kc_decimal_from_text(text, scale, &u, &len))
                return fit_failed(in, want(err, s, "a number or a Base64 string"));
        }
        kc_value_clear(in);
        out->type = KC_VAL_DECIMAL;
        out->u.dec.unscaled = u;
        out->u.dec.len = len;
        out->u.dec.scale = scale;
        return KC_OK;
    }
    switch (s->type) {
    case KC_SCHEMA_INT8:
    case KC_SCHEMA_INT16:
    case KC_SCHEMA_INT32:
    case KC_SCHEMA_INT64: {
        if (in->type != KC_VAL_INT) return fit_failed(in, want(err, s, "an integer"));
        int64_t v = in->u.i;
        static const int64_t lim[] = {INT8_MAX, INT16_MAX, INT32_MAX};
        if (s->type != KC_SCHEMA_INT64 && (v > lim[s->type] || v < -lim[s->type] - 1))
            return kc_error_set(err, KC_EINVAL, "Value %lld out of range for %s", (long long)v, kc_stype_name(s->type));
        kc_value_set_int(out, v);
        if (logical_is(s, KC_LOGICAL_TIMESTAMP)) out->type = KC_VAL_TIMESTAMP;
        else if (logical_is(s, KC_LOGICAL_DATE)) out->type = KC_VAL_DATE;
        else if (logical_is(s, KC_LOGICAL_TIME)) out->type = KC_VAL_TIME;
        return KC_OK;
    }
    case KC_SCHEMA_FLOAT32:
    case KC_SCHEMA_FLOAT64:
        if (in->type != KC_VAL_INT && in->type != KC_VAL_DOUBLE) return fit_failed(in, want(err, s, "a number"));
        kc_value_set_double(out, in->type == KC_VAL_INT ? (double)in->u.i : in->u.d);
        return KC_OK;
    case KC_SCHEMA_BOOLEAN:
        if (in->type != KC_VAL_BOOL) return fit_failed(in, want(err, s, "a boolean"));
        kc_value_set_bool(out, in->u.b);
        return KC_OK;
    case KC_SCHEMA_STRING:
        if (in->type != KC_VAL_STRING) return fit_failed(in, want(err, s, "a string"));
        *out = *in;
        memset(in, 0, sizeof *in);
        return KC_OK;
    case KC_SCHEMA_BYTES: {
        uint8_t *u;
        size_t len;
        if (in->type != KC_VAL_STRING) return fit_failed(in, want(err, s, "a Base64 string"));
        int bad = kc_base64_decode(in->u.str.ptr, in->u.str.len, &u, &len);
        kc_value_clear(in);
        if (bad) return kc_error_set(err, KC_EINVAL, "Invalid Base64 in bytes field");
        out->type = KC_VAL_BYTES;
        out->u.str.ptr = (char *)u;
        out->u.str.len = len;
        return KC_OK;
    }
    case KC_SCHEMA_ARRAY: {
        if (in->type != KC_VAL_ARRAY) return fit_failed(in, want(err, s, "an array"));
        kc_value_init_array(out);
        int rc = kc_value_reserve(out, in->u.arr.len);
        for (size_t i = 0; !rc && i < in->u.arr.len; i++) {
            kc_value v;
            if ((rc = fit_schema(&in->u.arr.items[i], s->items, &v, replace_null, err))) break;
            if ((rc = kc_array_push(out, &v))) kc_value_clear(&v);
        }
        kc_value_clear(in);
        if (rc) kc_value_clear(out);
        return rc;
    }
    case KC_SCHEMA_MAP: {
        int rc = KC_OK;
        kc_value_init_map(out);
        if (s->keys && s->keys->type == KC_SCHEMA_STRING) {
            if (in->type != KC_VAL_MAP) return fit_failed(in, want(err, s, "an object"));
            for (size_t i = 0; !rc && i < in->u.map.len; i++) { /* json_fast's keys are distinct */
                kc_entry *e = &in->u.map.items[i];
                kc_value v;
                if ((rc = fit_schema(&e->val, s->values, &v, replace_null, err))) break;
                if ((rc = kc_map_append(out, &e->key, &v))) kc_value_clear(&v);
            }
        } else {
            if (in->type != KC_VAL_ARRAY) return fit_failed(in, want(err, s, "an array of [key, value] pairs"));
            for (size_t i = 0; !rc && i < in->u.arr.len; i++) {
                kc_value *pair = &in->u.arr.items[i];
                if (pair->type != KC_VAL_ARRAY || pair->u.arr.len != 2) {
                    rc = want(err, s, "an array of [key, value] pairs");
                    break;
                }
                kc_value k, v = KC_VALUE_NULL_INIT;
                if ((rc = fit_schema(&pair->u.arr.items[0], s->keys, &k, replace_null, err))) break;
                if ((rc = fit_schema(&pair->u.arr.items[1], s->values, &v, replace_null, err)) ||
                    (rc = kc_map_put(out, &k, &v))) {
                    kc_value_clear(&k);
                    kc_value_clear(&v);
                }
            }
        }
        kc_value_clear(in);
        if (rc) kc_value_clear(out);
        return rc;
    }
    case KC_SCHEMA_STRUCT: {
        if (in->type != KC_VAL_MAP) return fit_failed(in, want(err, s, "an object"));
        kc_value_init_struct(out);
        int rc = kc_value_reserve(out, s->nfields);
        for (size_t i = 0; !rc && i < s->nfields; i++) {
            const char *name = s->fields[i].name;
            size_t nlen = strlen(name);
            kc_value *member = NULL, *member_key = NULL, absent = KC_VALUE_NULL_INIT, v, key;
            for (size_t m = 0; m < in->u.map.len && !member; m++) {
                kc_value *k = &in->u.map.items[m].key;
                if (k->type == KC_VAL_STRING && k->u.str.len == nlen && !memcmp(k->u.str.ptr, name, nlen))
                    member = &in->u.map.items[m].val, member_key = k;
            }
            if ((rc = fit_schema(member ? member : &absent, s->fields[i].schema, &v, replace_null, err))) {
                in_field(err, rc, name);
                break;
            }
            if (member_key) { /* the parsed name is the field's: moved, not copied */
                key = *member_key;
                *member_key = (kc_value)KC_VALUE_NULL_INIT;
            } else if ((rc = kc_value_set_string(&key, name, nlen))) {
                kc_value_clear(&v);
                break;
            }
            if ((rc = kc_map_append(out, &key, &v))) {
                kc_value_clear(&key);
                kc_value_clear(&v);
            }
        }
        kc_value_clear(in);
        if (rc) kc_value_clear(out);
        return rc;
    }
    }
    return fit_failed(in, kc_error_set(err, KC_EINVAL, "unsupported schema type"));
}

/* ---- a struct payload read straight into its fields ---------------------------------------- */

#define DIRECT_MAX_FIELDS 64 /* wider structs take the general path */

/* The payload's members placed in their fields' slots as they are parsed: no object built first,
 * no field looked for among its members. */
typedef struct struct_slots {
    const kc_schema *s;
    size_t next; /* where the next member is looked for first: JsonConverter writes schema order */
    kc_value slot[DIRECT_MAX_FIELDS];
} struct_slots;

static int place_member(void *ctx, const char *key, size_t key_len, kc_value *val) {
    struct_slots *st = ctx;
    size_t n = st->s->nfields;
    for (size_t k = 0, f = st->next; k < n; k++, f = f + 1 == n ? 0 : f + 1) {
        const char *name = st->s->fields[f].name; /* the key holds no NUL: strncmp sees it whole */
        if (!strncmp(name, key, key_len) && name[key_len] == '\0') {
            kc_value_clear(&st->slot[f]); /* a repeated member: its last value, as jansson keeps */
            st->slot[f] = *val;
            st->next = f + 1 == n ? 0 : f + 1;
            return KC_OK;
        }
    }
    kc_value_clear(val); /* not a field of the schema: ignored, as JsonConverter does */
    return KC_OK;
}

/* The struct payload p read against s with fit_schema's rules and errors, field by field.
 * KC_ENOTFOUND: not taken here (not a struct schema this reads, or input json_fast leaves to
 * jansson); the general path then reads it. */
static int read_struct_direct(const uint8_t *p, size_t len, const kc_schema *s, kc_value *out, int replace_null,
                              kc_error *err) {
    if (!s || s->type != KC_SCHEMA_STRUCT || s->nfields > DIRECT_MAX_FIELDS || logical_is(s, KC_LOGICAL_DECIMAL))
        return KC_ENOTFOUND;
    struct_slots st;
    st.s = s;
    st.next = 0;
    memset(st.slot, 0, s->nfields * sizeof st.slot[0]);
    int rc = kc_json_parse_fast_members(p, len, place_member, &st);
    size_t i = 0;
    if (rc == KC_OK) {
        kc_value_init_struct(out);
        rc = kc_value_reserve(out, s->nfields);
    }
    for (; rc == KC_OK && i < s->nfields; i++) {
        kc_entry *e = &out->u.map.items[i];
        if ((rc = fit_schema(&st.slot[i], s->fields[i].schema, &e->val, replace_null, err))) {
            in_field(err, rc, s->fields[i].name);
        } else if ((rc = kc_value_set_string(&e->key, s->fields[i].name, strlen(s->fields[i].name)))) {
            kc_value_clear(&e->val);
        } else {
            out->u.map.len = i + 1;
        }
    }
    if (rc) {
        for (; i < s->nfields; i++) kc_value_clear(&st.slot[i]);
        kc_value_clear(out);
    }
    return rc;
}

/* ---- the envelope, split without parsing it ------------------------------------------------ */

static const uint8_t *ws_end(const uint8_t *p, const uint8_t *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* Where the JSON value starting at p ends (strings, nesting and escapes followed, nothing else
 * checked: the parsers that read the span say whether it is valid); NULL when it does not. */
static const uint8_t *value_end(const uint8_t *p, const uint8_t *end) {
    int depth = 0;
    while (p < end) {
        uint8_t c = *p;
        if (c == '"') {
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\') p++;
            if (p >= end) return NULL;
            p++;
            if (!depth) return p;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (!depth) return p;
            if (--depth == 0) return p + 1;
        } else if (!depth && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            return p;
        }
        p++;
    }
    return depth ? NULL : p;
}

/* The payload's span: from p to the record's closing brace. Whatever else that holds (another
 * member, a second brace) makes the payload's parse fail, and the jansson path says why. */
static int payload_span(const uint8_t *p, const uint8_t *end, const uint8_t **payload, size_t *payload_len) {
    p = ws_end(p, end);
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) end--;
    if (end == p || end[-1] != '}') return 0;
    *payload = p, *payload_len = (size_t)(end - 1 - p);
    return 1;
}

/* {"schema": S, "payload": P} in that order, as JsonConverter writes it: the spans of S and P.
 * 0 when the record is shaped otherwise (the jansson path then reads it, or says what is wrong). */
static int split_envelope(const uint8_t *data, size_t len, const uint8_t **schema, size_t *schema_len,
                          const uint8_t **payload, size_t *payload_len) {
    static const char key_schema[] = "\"schema\"", key_payload[] = "\"payload\"";
    const uint8_t *p = ws_end(data, data + len), *end = data + len, *e;
    if (p == end || *p++ != '{') return 0;
    p = ws_end(p, end);
    if ((size_t)(end - p) < sizeof key_schema || memcmp(p, key_schema, sizeof key_schema - 1)) return 0;
    p = ws_end(p + sizeof key_schema - 1, end);
    if (p == end || *p++ != ':') return 0;
    p = ws_end(p, end);
    if (!(e = value_end(p, end)) || e == p) return 0;
    *schema = p, *schema_len = (size_t)(e - p);
    p = ws_end(e, end);
    if (p == end || *p++ != ',') return 0;
    p = ws_end(p, end);
    if ((size_t)(end - p) < sizeof key_payload || memcmp(p, key_payload, sizeof key_payload - 1)) return 0;
    p = ws_end(p + sizeof key_payload - 1, end);
    if (p == end || *p++ != ':') return 0;
    return payload_span(p, end, payload, payload_len);
}

/* The common case: the record's schema is the one the last record had, written as
 * JsonConverter writes it ({"schema":S,"payload":P} without spaces): found by one comparison,
 * without scanning or hashing S. */
static int same_schema_as_last(const uint8_t *last, size_t last_len, const uint8_t *data, size_t len,
                               const uint8_t **payload, size_t *payload_len) {
    static const char head[] = "{\"schema\":", middle[] = ",\"payload\":";
    size_t h = sizeof head - 1, m = sizeof middle - 1;
    if (!last || len < h + last_len + m || memcmp(data, head, h) || memcmp(data + h, last, last_len) ||
        memcmp(data + h + last_len, middle, m))
        return 0;
    return payload_span(data + h + last_len + m, data + len, payload, payload_len);
}

/* ---- the converter plugin ----------------------------------------------------------------- */

/* A schema read before, found again by its bytes (Connect keeps schemas.cache.size of them). */
typedef struct cached_schema {
    uint64_t hash;
    uint8_t *bytes;
    size_t len;
    kc_schema *schema;
} cached_schema;

typedef struct json_conv {
    int schemas_enable;
    int decimal_numeric;
    int replace_null; /* replace.null.with.default */
    /* reading: schemas by their bytes, open addressing; emptied when cache_max are held */
    cached_schema *cache;
    size_t cache_slots, cache_len, cache_max;
    const cached_schema *last; /* the entry the last record found, NULL after the cache emptied */
    /* writing: the last schema written and its JSON (schemas are immutable once shared) */
    kc_schema *written;
    kc_buf written_json;
} json_conv;

static uint64_t bytes_hash(const uint8_t *p, size_t n) { /* FNV-1a */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void cache_clear(json_conv *c) {
    for (size_t i = 0; i < c->cache_slots; i++) {
        free(c->cache[i].bytes);
        kc_schema_release(c->cache[i].schema);
    }
    if (c->cache) memset(c->cache, 0, c->cache_slots * sizeof *c->cache);
    c->cache_len = 0;
    c->last = NULL;
}

/* The schema of these bytes: the cached one (a new reference), or read now and cached. */
static int schema_of(json_conv *c, const uint8_t *bytes, size_t len, kc_schema **out, kc_error *err) {
    uint64_t h = bytes_hash(bytes, len);
    size_t mask = c->cache_slots - 1, i = c->cache_slots ? (size_t)h & mask : 0;
    for (; c->cache_slots && c->cache[i].bytes; i = (i + 1) & mask)
        if (c->cache[i].hash == h && c->cache[i].len == len && !memcmp(c->cache[i].bytes, bytes, len)) {
            c->last = &c->cache[i];
            *out = kc_schema_retain(c->cache[i].schema);
            return KC_OK;
        }
    json_error_t jerr;
    json_t *j = json_loadb((const char *)bytes, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j) return KC_ENOTFOUND; /* the whole record's parse says what is wrong, as before */
    int rc = kc_json_to_schema(j, out, err);
    json_decref(j);
    if (rc || !c->cache_slots) return rc;
    if (c->cache_len == c->cache_max) { /* full: start over (Connect's is an LRU) */
        cache_clear(c);
        for (i = (size_t)h & mask; c->cache[i].bytes; i = (i + 1) & mask) continue;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return KC_OK; /* not cached, still read */
    memcpy(copy, bytes, len);
    c->cache[i] = (cached_schema){h, copy, len, kc_schema_retain(*out)};
    c->cache_len++;
    c->last = &c->cache[i];
    return KC_OK;
}

static const char *const decimal_formats[] = {"BASE64", "NUMERIC", NULL};

static const kc_config_def json_config[] = {
    {"schemas.enable", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Schemas",
     "Include schemas within each of the serialized values and keys.", NULL, NULL},
    {"schemas.cache.size", KC_CFG_INT, "1000", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_HIGH, "Schemas",
     "Maximum number of schemas that can be cached in the JSON converter.", NULL, NULL},
    {"decimal.format", KC_CFG_ENUM, "BASE64", 0, 0, 0, decimal_formats, KC_IMPORTANCE_LOW, "Schemas",
     "How to serialize Decimal values: BASE64 (Base64 of the unscaled bytes) or NUMERIC (a JSON number).",
     NULL, NULL},
    {"replace.null.with.default", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, "Schemas",
     "Replace null fields that have a schema default with the default.", NULL, NULL},
    {"converter.type", KC_CFG_ENUM, NULL, 0, 0, 0, (const char *const[]){"key", "value", "header", NULL},
     KC_IMPORTANCE_LOW, NULL, "Set by the worker: whether this converter is for keys, values or headers.", NULL,
     NULL},
    KC_CONFIG_END,
};

static int json_configure(const kc_config *cfg, int is_key, void **state, kc_error *err) {
    (void)is_key;
    json_conv *c = calloc(1, sizeof *c);
    if (!c) return kc_error_set(err, KC_ENOMEM, "out of memory");
    c->schemas_enable = 1;
    int b;
    if (kc_config_get_bool(cfg, "schemas.enable", &b) == KC_OK) c->schemas_enable = b;
    const char *df = kc_config_get(cfg, "decimal.format");
    c->decimal_numeric = df && strcasecmp(df, "NUMERIC") == 0;
    c->replace_null = 1;
    if (kc_config_get_bool(cfg, "replace.null.with.default", &b) == KC_OK) c->replace_null = b;
    long size = 1000;
    kc_config_get_long(cfg, "schemas.cache.size", &size);
    if (c->schemas_enable && size > 0) {
        c->cache_max = (size_t)size;
        for (c->cache_slots = 8; c->cache_slots < 2 * c->cache_max; c->cache_slots *= 2) continue;
        if (!(c->cache = calloc(c->cache_slots, sizeof *c->cache))) c->cache_slots = c->cache_max = 0;
    }
    *state = c;
    return KC_OK;
}

static int json_from_connect(void *state, const char *topic, const kc_schema *schema, const kc_value *v,
                             uint8_t **out, size_t *len, kc_error *err) {
    (void)topic;
    json_conv *c = state;
    *out = NULL;
    *len = 0;
    if (!schema && v->type == KC_VAL_NULL) return KC_OK; /* tombstone */
    kc_buf b = KC_BUF_INIT;
    int rc = KC_OK;
    if (c->schemas_enable) {
        kc_buf_puts(&b, "{\"schema\":");
        if (schema && schema != c->written) { /* written once per schema in a row */
            kc_schema_release(c->written);
            c->written = kc_schema_retain((kc_schema *)schema);
            c->written_json.len = 0;
            c->written_json.failed = 0;
            kc_json_write_schema(&c->written_json, schema);
        }
        if (schema && !c->written_json.failed) kc_buf_append(&b, c->written_json.data, c->written_json.len);
        else if (schema) kc_json_write_schema(&b, schema);
        else kc_buf_puts(&b, "null");
        kc_buf_puts(&b, ",\"payload\":");
    }
    rc = write_with_schema(&b, schema, v, c->decimal_numeric, c->replace_null, err);
    if (c->schemas_enable) kc_buf_putc(&b, '}');
    if (rc) {
        kc_buf_free(&b);
        return rc;
    }
    *len = b.len;
    *out = (uint8_t *)kc_buf_detach(&b);
    return *out ? KC_OK : kc_error_set(err, KC_ENOMEM, "out of memory");
}

static int json_to_connect(void *state, const char *topic, const uint8_t *data, size_t len, kc_schema **schema,
                           kc_value *v, kc_error *err) {
    (void)topic;
    json_conv *c = state;
    *schema = NULL;
    memset(v, 0, sizeof *v);
    if (!data) return KC_OK;
    if (!c->schemas_enable) {
        int rc = kc_json_parse_fast(data, len, v);
        if (rc != KC_ENOTFOUND) return rc == KC_OK ? KC_OK : kc_error_set(err, rc, "out of memory");
    } else { /* the envelope split by a scan, its schema found by its bytes, its payload parsed once */
        const uint8_t *sb, *pb;
        size_t sl, pl;
        kc_value raw = KC_VALUE_NULL_INIT;
        int same = c->last && same_schema_as_last(c->last->bytes, c->last->len, data, len, &pb, &pl);
        if (same || split_envelope(data, len, &sb, &sl, &pb, &pl)) {
            int rc = same ? (*schema = kc_schema_retain(c->last->schema), KC_OK) : schema_of(c, sb, sl, schema, err);
            if (rc == KC_OK) { /* else the schema's error comes from the jansson path below */
                rc = read_struct_direct(pb, pl, *schema, v, c->replace_null, err);
                if (rc == KC_ENOTFOUND && (rc = kc_json_parse_fast(pb, pl, &raw)) == KC_OK)
                    rc = fit_schema(&raw, *schema, v, c->replace_null, err);
                if (rc == KC_OK) return KC_OK;
                kc_schema_release(*schema);
                *schema = NULL;
                if (rc == KC_ENOMEM) return kc_error_set(err, rc, "out of memory");
                if (rc != KC_ENOTFOUND) return rc;
            }
        }
    }
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!root)
        return kc_error_set(err, KC_EINVAL, "Converting byte[] to Kafka Connect data failed due to serialization "
                                            "error: %s at line %d column %d",
                            jerr.text, jerr.line, jerr.column);
    int rc;
    if (!c->schemas_enable) {
        rc = kc_json_to_value(root, v, err);
    } else {
        if (!json_is_object(root) || json_object_size(root) != 2 || !json_object_get(root, "schema") ||
            !json_object_get(root, "payload")) {
            json_decref(root);
            return kc_error_set(err, KC_EINVAL,
                                "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and "
                                "may not contain additional fields. If you are trying to deserialize plain JSON "
                                "data, set schemas.enable=false in your converter configuration.");
        }
        rc = kc_json_to_schema(json_object_get(root, "schema"), schema, err);
        if (!rc) rc = read_with_schema(json_object_get(root, "payload"), *schema, v, c->replace_null, err);
        if (rc) {
            kc_schema_release(*schema);
            *schema = NULL;
        }
    }
    json_decref(root);
    return rc;
}

static void json_close(void *state) {
    json_conv *c = state;
    if (!c) return;
    cache_clear(c);
    free(c->cache);
    kc_schema_release(c->written);
    kc_buf_free(&c->written_json);
    free(c);
}

static const kc_converter_ops json_ops = {json_configure, json_from_connect, json_to_connect, json_close};

const kc_plugin_desc kc_json_converter_desc = {
    KC_PLUGIN_HEADER,
    KC_PLUGIN_CONVERTER,
    "json",
    "1.0.0",
    "JSON with Connect's {\"schema\",\"payload\"} envelope (JsonConverter)",
    (const char *const[]){"org.apache.kafka.connect.json.JsonConverter", NULL},
    json_config,
    NULL, NULL, NULL, NULL, NULL, NULL, &json_ops,
    0, /* flags */
};

/* ---- StringConverter and ByteArrayConverter ----------------------------------------------- */

static const kc_config_def string_config[] = {
    {"converter.encoding", KC_CFG_STRING, "UTF-8", 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "The character encoding; kcd supports UTF-8.", NULL, NULL},
    {"converter.type", KC_CFG_ENUM, NULL, 0, 0, 0, (const char *const[]){"key", "value", "header", NULL},
     KC_IMPORTANCE_LOW, NULL, "Set by the worker.", NULL, NULL},
    KC_CONFIG_END,
};

/* StringConverter and ByteArrayConverter: the state is the one optional schema every record they
 * read shares (schemas are immutable once shared, as JsonConverter's cached ones are), instead of
 * two allocations a record. */
static int simple_configure(const kc_config *cfg, kc_stype type, void **state, kc_error *err) {
    const char *enc = kc_config_get(cfg, "converter.encoding");
    if (enc && strcasecmp(enc, "UTF-8") && strcasecmp(enc, "UTF8"))
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration converter.encoding: kcd supports UTF-8",
                            enc);
    if (!(*state = kc_schema_new(type, 1))) return kc_error_set(err, KC_ENOMEM, "out of memory");
    return KC_OK;
}

static int string_configure(const kc_config *cfg, int is_key, void **state, kc_error *err) {
    (void)is_key;
    return simple_configure(cfg, KC_SCHEMA_STRING, state, err);
}

static int bytes_configure(const kc_config *cfg, int is_key, void **state, kc_error *err) {
    (void)is_key;
    return simple_configure(cfg, KC_SCHEMA_BYTES, state, err);
}

static void simple_close(void *state) { kc_schema_release(state); }

static int string_from_connect(void *state, const char *topic, const kc_schema *schema, const kc_value *v,
                               uint8_t **out, size_t *len, kc_error *err) {
    (void)state, (void)topic, (void)schema;
    *out = NULL;
    *len = 0;
    if (v->type == KC_VAL_NULL) return KC_OK;
    char *t;
    if (v->type == KC_VAL_STRING) {
        t = malloc(v->u.str.len + 1);
        if (t) memcpy(t, v->u.str.ptr, v->u.str.len + 1);
        *len = v->u.str.len;
    } else {
        t = kc_value_to_text(v);
        if (t) *len = strlen(t);
    }
    if (!t) return kc_error_set(err, KC_ENOMEM, "out of memory");
    *out = (uint8_t *)t;
    return KC_OK;
}

static int string_to_connect(void *state, const char *topic, const uint8_t *data, size_t len, kc_schema **schema,
                             kc_value *v, kc_error *err) {
    (void)topic;
    memset(v, 0, sizeof *v);
    *schema = NULL;
    if (data && kc_value_set_string(v, (const char *)data, len)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    *schema = kc_schema_retain(state);
    return KC_OK;
}

static const kc_converter_ops string_ops = {string_configure, string_from_connect, string_to_connect, simple_close};

const kc_plugin_desc kc_string_converter_desc = {
    KC_PLUGIN_HEADER,
    KC_PLUGIN_CONVERTER,
    "string",
    "1.0.0",
    "UTF-8 strings (StringConverter); other values are written as their text",
    (const char *const[]){"org.apache.kafka.connect.storage.StringConverter", NULL},
    string_config,
    NULL, NULL, NULL, NULL, NULL, NULL, &string_ops,
    0, /* flags */
};

static int bytes_from_connect(void *state, const char *topic, const kc_schema *schema, const kc_value *v,
                              uint8_t **out, size_t *len, kc_error *err) {
    (void)state, (void)topic;
    *out = NULL;
    *len = 0;
    if (schema && schema->type != KC_SCHEMA_BYTES)
        return kc_error_set(err, KC_EINVAL, "Invalid schema type for ByteArrayConverter: %s",
                            kc_stype_name(schema->type));
    if (v->type == KC_VAL_NULL) return KC_OK;
    if (v->type != KC_VAL_BYTES)
        return kc_error_set(err, KC_EINVAL, "ByteArrayConverter is not compatible with objects of kind %d",
                            (int)v->type);
    *out = malloc(v->u.str.len ? v->u.str.len : 1);
    if (!*out) return kc_error_set(err, KC_ENOMEM, "out of memory");
    memcpy(*out, v->u.str.ptr, v->u.str.len);
    *len = v->u.str.len;
    return KC_OK;
}

static int bytes_to_connect(void *state, const char *topic, const uint8_t *data, size_t len, kc_schema **schema,
                            kc_value *v, kc_error *err) {
    (void)topic;
    memset(v, 0, sizeof *v);
    *schema = NULL;
    if (data && kc_value_set_bytes(v, data, len)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    *schema = kc_schema_retain(state);
    return KC_OK;
}

static const kc_config_def bytes_config[] = {
    {"converter.type", KC_CFG_ENUM, NULL, 0, 0, 0, (const char *const[]){"key", "value", "header", NULL},
     KC_IMPORTANCE_LOW, NULL, "Set by the worker.", NULL, NULL},
    KC_CONFIG_END,
};

static const kc_converter_ops bytes_ops = {bytes_configure, bytes_from_connect, bytes_to_connect, simple_close};

const kc_plugin_desc kc_bytearray_converter_desc = {
    KC_PLUGIN_HEADER,
    KC_PLUGIN_CONVERTER,
    "bytearray",
    "1.0.0",
    "Raw bytes, unchanged (ByteArrayConverter)",
    (const char *const[]){"org.apache.kafka.connect.converters.ByteArrayConverter", NULL},
    bytes_config,
    NULL, NULL, NULL, NULL, NULL, NULL, &bytes_ops,
    0, /* flags */
};
