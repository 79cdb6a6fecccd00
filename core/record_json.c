/* record_json.c - records as JSON lines, for `kcd transform` and tests. */
#define _GNU_SOURCE
#include "kc_record_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_converter_int.h"
#include "kc_value_int.h"

static int read_part(const json_t *rec, const char *name, const char *schema_name, kc_schema **schema, kc_value *v,
                     kc_error *err) {
    int rc = kc_json_to_schema(json_object_get(rec, schema_name), schema, err);
    if (!rc) rc = kc_json_read_as_is(json_object_get(rec, name), *schema, v, err);
    if (rc) {
        char msg[KC_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        kc_error_set(err, rc, "%s: %s", name, msg);
    }
    return rc;
}

kc_record *kc_record_from_json(const json_t *j, kc_error *err) {
    kc_record *r = kc_record_new();
    if (!r) {
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    json_t *t = json_object_get(j, "topic");
    if (!json_is_string(t) || kc_record_set_topic(r, json_string_value(t))) {
        kc_record_release(r);
        kc_error_set(err, KC_EINVAL, "\"topic\" must be a string");
        return NULL;
    }
    if (json_is_integer(json_object_get(j, "partition"))) r->partition = (int32_t)json_integer_value(json_object_get(j, "partition"));
    if (json_is_integer(json_object_get(j, "offset"))) r->offset = json_integer_value(json_object_get(j, "offset"));
    json_t *ts = json_object_get(j, "timestamp");
    if (json_is_integer(ts)) r->timestamp = json_integer_value(ts);
    else if (json_is_string(ts)) r->timestamp = strtoll(json_string_value(ts), NULL, 10);
    if (read_part(j, "key", "key_schema", &r->key_schema, &r->key, err) ||
        read_part(j, "value", "value_schema", &r->value_schema, &r->value, err)) {
        kc_record_release(r);
        return NULL;
    }
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(j, "headers"), i, h) {
        const char *k = json_string_value(json_object_get(h, "key"));
        kc_value v = KC_VALUE_NULL_INIT;
        if (!k || kc_json_to_value(json_object_get(h, "value"), &v, err) || kc_record_add_header(r, k, NULL, &v)) {
            kc_value_clear(&v);
            kc_record_release(r);
            kc_error_set(err, KC_EINVAL, "headers[%zu] must be {\"key\": string, \"value\": ...}", i);
            return NULL;
        }
    }
    return r;
}

void kc_record_write_json(kc_buf *b, const kc_record *r) {
    kc_buf_puts(b, "{\"topic\":");
    kc_buf_json_string(b, r->topic, strlen(r->topic));
    if (r->partition >= 0) kc_buf_printf(b, ",\"partition\":%d", (int)r->partition);
    if (r->offset >= 0) kc_buf_printf(b, ",\"offset\":%lld", (long long)r->offset);
    if (r->timestamp >= 0) kc_buf_printf(b, ",\"timestamp\":%lld", (long long)r->timestamp);
    kc_buf_puts(b, ",\"key\":");
    if (kc_json_write_as_is(b, r->key_schema, &r->key, NULL)) kc_buf_puts(b, "null");
    if (r->key_schema) {
        kc_buf_puts(b, ",\"key_schema\":");
        kc_json_write_schema(b, r->key_schema);
    }
    kc_buf_puts(b, ",\"value\":");
    if (kc_json_write_as_is(b, r->value_schema, &r->value, NULL)) kc_buf_puts(b, "null");
    if (r->value_schema) {
        kc_buf_puts(b, ",\"value_schema\":");
        kc_json_write_schema(b, r->value_schema);
    }
    if (r->nheaders) {
        kc_buf_puts(b, ",\"headers\":[");
        for (size_t i = 0; i < r->nheaders; i++) {
            kc_buf_puts(b, i ? ",{\"key\":" : "{\"key\":");
            kc_buf_json_string(b, r->headers[i].key, strlen(r->headers[i].key));
            kc_buf_puts(b, ",\"value\":");
            kc_json_write_value(b, &r->headers[i].value);
            kc_buf_putc(b, '}');
        }
        kc_buf_putc(b, ']');
    }
    kc_buf_putc(b, '}');
}

