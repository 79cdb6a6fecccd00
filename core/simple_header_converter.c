/* simple_header_converter.c - Connect's SimpleHeaderConverter, the default header.converter:
 * writes a header value as its text (Values.convertToString) and reads one back as the value
 * that text spells, its schema inferred (Values.parseString; see values.c). */
#include <stdlib.h>
#include <string.h>

#include "kc_converter_int.h"
#include "kc_value_int.h"
#include "kc_values.h"

static int simple_from_connect(void *state, const char *topic, const kc_schema *schema, const kc_value *v,
                               uint8_t **out, size_t *len, kc_error *err) {
    (void)state, (void)topic;
    *out = NULL;
    *len = 0;
    if (v->type == KC_VAL_NULL) return KC_OK; /* a null header stays null */
    kc_buf b = KC_BUF_INIT;
    kc_values_append_text(&b, schema, v);
    if (b.failed) {
        kc_buf_free(&b);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    *len = b.len;
    *out = (uint8_t *)kc_buf_detach(&b);
    if (!*out && !(*out = malloc(1))) return kc_error_set(err, KC_ENOMEM, "out of memory"); /* "" is not null */
    return KC_OK;
}

static int simple_to_connect(void *state, const char *topic, const uint8_t *data, size_t len, kc_schema **schema,
                             kc_value *v, kc_error *err) {
    (void)state, (void)topic;
    *schema = NULL;
    memset(v, 0, sizeof *v);
    if (!data) return KC_OK;
    int rc = kc_values_parse((const char *)data, len, schema, v, err);
    if (rc != KC_EINVAL) return rc;
    /* text Connect could not follow either: the bytes as they are, as its converter keeps them */
    if (kc_value_set_bytes(v, data, len) || !(*schema = kc_schema_new(KC_SCHEMA_BYTES, 0))) {
        kc_value_clear(v);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    return KC_OK;
}

static const kc_converter_ops simple_ops = {NULL, simple_from_connect, simple_to_connect, NULL};

const kc_plugin_desc kc_simple_header_converter_desc = {
    KC_PLUGIN_HEADER,
    KC_PLUGIN_HEADER_CONVERTER,
    "simple-header",
    "1.0.0",
    "Header values as their text, read back with their schema inferred (SimpleHeaderConverter)",
    (const char *const[]){"org.apache.kafka.connect.storage.SimpleHeaderConverter", NULL},
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    &simple_ops,
    0,
};
