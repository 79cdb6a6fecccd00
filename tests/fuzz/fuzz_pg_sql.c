/* libFuzzer target for the postgres sink's text handling: connection.url translation and the
 * COPY encoding of any JSON value under every column type. The property checked beyond "no
 * crash": an encoded field never holds a raw tab, newline or CR (they would split COPY's row). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kc_converter_int.h"
#include "kc_plugin_int.h"
#include "kc_value_int.h"
#include "pg_sql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *url = NULL, *dropped = NULL;
    kc_error err;
    if (pg_url_from_jdbc(text, &url, &dropped, &err) == KC_OK && !url) abort();
    free(url);
    free(dropped);
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    kc_value v = KC_VALUE_NULL_INIT;
    if (j && kc_json_to_value(j, &v, NULL) == KC_OK) {
        pg_coltype types[] = {pg_type_of_value(&v), {PG_TEXT, 0}, {PG_TEXT, 1}, {PG_JSONB, 0}, {PG_BIGINT, 1}};
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            strbuf b = {0};
            if (pg_copy_field(&b, &v, types[i], &kc_host) == KC_OK && b.data &&
                (memchr(b.data, '\t', b.len) || memchr(b.data, '\n', b.len) || memchr(b.data, '\r', b.len)))
                abort();
            strbuf_free(&b);
        }
    }
    kc_value_clear(&v);
    json_decref(j);
    free(text);
    return 0;
}
