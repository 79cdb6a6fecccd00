/* The Elasticsearch sink's readers of server replies (_bulk items, the root document, error
 * bodies): whatever a server or a proxy in front of it sends, they answer or refuse, never crash;
 * and the _bulk reply's scan (the usual reply of a _bulk that wrote everything) reads as
 * jansson's full reading of it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "es_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* the first byte says how many actions the reply should answer */
    if (size < 1) return 0;
    size_t n = data[0] % 16;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    es_item items[16];
    int errors = 0, major = 0, os = 0;
    char msg[256], text[128];
    int rc = es_bulk_parse(body, len, items, n, &errors, msg, sizeof msg);
    if (rc == KC_OK) {
        for (size_t i = 0; i < n; i++)
            if (items[i].cls > ES_ITEM_FATAL || strlen(items[i].error) >= sizeof items[i].error) __builtin_trap();
    }
    /* the scan of a reply that wrote everything answers as jansson's full reading does */
    es_item full[16];
    int full_errors = 0;
    if ((es_bulk_parse_full(body, len, full, n, &full_errors, msg, sizeof msg) == KC_OK) != (rc == KC_OK))
        __builtin_trap();
    if (rc == KC_OK) {
        if (full_errors != errors) __builtin_trap();
        for (size_t i = 0; i < n; i++)
            if (full[i].status != items[i].status || full[i].cls != items[i].cls || strcmp(full[i].error, items[i].error))
                __builtin_trap();
    }
    es_root_parse(body, len, &major, &os, msg, sizeof msg);
    es_error_text(body, len, text, sizeof text);
    if (strlen(text) >= sizeof text) __builtin_trap();
    return 0;
}
