/* number_converter.c - Connect's converters of single numbers and booleans
 * (org.apache.kafka.connect.converters.{Short,Integer,Long,Float,Double,Boolean}Converter): each
 * value is the bytes of Kafka's serializer of that type (big-endian two's complement, IEEE 754,
 * one byte 0 or 1), null is null, and reading gives the optional schema of that type. A value of
 * another kind, a number out of the type's range or bytes of the wrong length are errors that say
 * which, as Connect's DataException does. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kc_converter_int.h"
#include "kc_value_int.h"

typedef struct number_kind {
    const char *java;    /* the serializer's type, for messages */
    kc_stype type;   /* what reading gives */
    size_t size;         /* bytes of a value */
} number_kind;

static const number_kind SHORT = {"Short", KC_SCHEMA_INT16, 2}, INTEGER = {"Integer", KC_SCHEMA_INT32, 4},
                         LONG = {"Long", KC_SCHEMA_INT64, 8}, FLOAT = {"Float", KC_SCHEMA_FLOAT32, 4},
                         DOUBLE = {"Double", KC_SCHEMA_FLOAT64, 8}, BOOLEAN = {"Boolean", KC_SCHEMA_BOOLEAN, 1};

static int number_configure(const kc_config *cfg, int is_key, void **state, kc_error *err) {
    (void)cfg, (void)is_key, (void)err;
    *state = NULL; /* the kind is the ops table's */
    return KC_OK;
}

static void number_close(void *state) { (void)state; }

static void put_be(uint8_t *out, uint64_t bits, size_t size) {
    for (size_t i = 0; i < size; i++) out[i] = (uint8_t)(bits >> (8 * (size - 1 - i)));
}

static uint64_t get_be(const uint8_t *in, size_t size) {
    uint64_t bits = 0;
    for (size_t i = 0; i < size; i++) bits = bits << 8 | in[i];
    return bits;
}

static int to_bytes(const number_kind *k, const kc_value *v, uint8_t **out, size_t *len, kc_error *err) {
    *out = NULL;
    *len = 0;
    if (v->type == KC_VAL_NULL) return KC_OK;
    uint64_t bits;
    if (k->type == KC_SCHEMA_BOOLEAN) {
        if (v->type != KC_VAL_BOOL) goto wrong_kind;
        bits = v->u.b ? 1 : 0;
    } else if (k->type == KC_SCHEMA_FLOAT32 || k->type == KC_SCHEMA_FLOAT64) {
        if (v->type != KC_VAL_DOUBLE) goto wrong_kind;
        if (k->type == KC_SCHEMA_FLOAT32) {
            float f = (float)v->u.d;
            uint32_t b32;
            memcpy(&b32, &f, 4);
            bits = b32;
        } else {
            memcpy(&bits, &v->u.d, 8);
        }
    } else {
        if (v->type != KC_VAL_INT) goto wrong_kind;
        int64_t lo = k->size == 2 ? INT16_MIN : k->size == 4 ? INT32_MIN : INT64_MIN;
        int64_t hi = k->size == 2 ? INT16_MAX : k->size == 4 ? INT32_MAX : INT64_MAX;
        if (v->u.i < lo || v->u.i > hi)
            return kc_error_set(err, KC_EINVAL, "Failed to serialize to %s: %lld is out of its range", k->java,
                                (long long)v->u.i);
        bits = (uint64_t)v->u.i;
    }
    if (!(*out = malloc(k->size))) return kc_error_set(err, KC_ENOMEM, "out of memory");
    put_be(*out, bits, k->size);
    *len = k->size;
    return KC_OK;
wrong_kind:
    return kc_error_set(err, KC_EINVAL, "Failed to serialize to %s: the value is a %s", k->java,
                        v->type == KC_VAL_BOOL     ? "boolean"
                        : v->type == KC_VAL_INT    ? "integer"
                        : v->type == KC_VAL_DOUBLE ? "floating-point number"
                        : v->type == KC_VAL_STRING ? "string"
                                                   : "value of another kind");
}

static int from_bytes(const number_kind *k, const uint8_t *data, size_t len, kc_schema **schema, kc_value *v,
                      kc_error *err) {
    memset(v, 0, sizeof *v);
    *schema = NULL;
    if (data && len != k->size)
        return kc_error_set(err, KC_EINVAL, "Failed to deserialize %s: size of data received is %zu, not %zu", k->java,
                            len, k->size);
    uint64_t bits = data ? get_be(data, len) : 0;
    if (data && k->type == KC_SCHEMA_BOOLEAN && bits > 1)
        return kc_error_set(err, KC_EINVAL, "Failed to deserialize Boolean: unexpected byte %u", (unsigned)bits);
    if (!(*schema = kc_schema_new(k->type, 1))) return kc_error_set(err, KC_ENOMEM, "out of memory");
    if (!data) return KC_OK; /* null: the optional schema, no value */
    switch (k->type) {
    case KC_SCHEMA_BOOLEAN:
        v->type = KC_VAL_BOOL, v->u.b = bits == 1;
        break;
    case KC_SCHEMA_FLOAT32: {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, 4);
        v->type = KC_VAL_DOUBLE, v->u.d = f;
        break;
    }
    case KC_SCHEMA_FLOAT64:
        v->type = KC_VAL_DOUBLE;
        memcpy(&v->u.d, &bits, 8);
        break;
    default: /* sign-extended from the type's width */
        v->type = KC_VAL_INT;
        v->u.i = k->size == 2 ? (int16_t)bits : k->size == 4 ? (int32_t)bits : (int64_t)bits;
    }
    return KC_OK;
}

#define NUMBER_CONVERTER(NAME, KIND, JAVA, DESCRIPTION)                                                                \
    static int NAME##_from_connect(void *state, const char *topic, const kc_schema *schema, const kc_value *v,        \
                                   uint8_t **out, size_t *len, kc_error *err) {                                     \
        (void)state, (void)topic, (void)schema;                                                                     \
        return to_bytes(&KIND, v, out, len, err);                                                                   \
    }                                                                                                                \
    static int NAME##_to_connect(void *state, const char *topic, const uint8_t *data, size_t len, kc_schema **schema, \
                                 kc_value *v, kc_error *err) {                                                      \
        (void)state, (void)topic;                                                                                   \
        return from_bytes(&KIND, data, len, schema, v, err);                                                        \
    }                                                                                                                \
    static const kc_converter_ops NAME##_ops = {number_configure, NAME##_from_connect, NAME##_to_connect,          \
                                                number_close};                                                      \
    const kc_plugin_desc kc_##NAME##_converter_desc = {                                                             \
        KC_PLUGIN_HEADER, KC_PLUGIN_CONVERTER, #NAME, "1.0.0", DESCRIPTION,                                         \
        (const char *const[]){"org.apache.kafka.connect.converters." JAVA, NULL}, number_config,                    \
        NULL, NULL, NULL, NULL, NULL, NULL, &NAME##_ops, 0};

static const kc_config_def number_config[] = {
    {"converter.type", KC_CFG_ENUM, NULL, 0, 0, 0, (const char *const[]){"key", "value", "header", NULL},
     KC_IMPORTANCE_LOW, NULL, "Set by the worker.", NULL, NULL},
    KC_CONFIG_END,
};

NUMBER_CONVERTER(short, SHORT, "ShortConverter", "16-bit integers, big-endian (ShortConverter)")
NUMBER_CONVERTER(integer, INTEGER, "IntegerConverter", "32-bit integers, big-endian (IntegerConverter)")
NUMBER_CONVERTER(long, LONG, "LongConverter", "64-bit integers, big-endian (LongConverter)")
NUMBER_CONVERTER(float, FLOAT, "FloatConverter", "32-bit IEEE 754 floats, big-endian (FloatConverter)")
NUMBER_CONVERTER(double, DOUBLE, "DoubleConverter", "64-bit IEEE 754 floats, big-endian (DoubleConverter)")
NUMBER_CONVERTER(boolean, BOOLEAN, "BooleanConverter", "Booleans as one byte, 1 or 0 (BooleanConverter)")
