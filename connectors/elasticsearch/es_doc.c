/* es_doc.c - documents, action lines and mappings written; _bulk and root replies read. */
#include "es_doc.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text helpers ------------------------------------------------------------------------ */

static void put_i64(strbuf *b, int64_t v) {
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    strbuf_append(b, tmp, (size_t)n);
}

static void put_base64(strbuf *b, const uint8_t *d, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
        char o[4] = {tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
                     i + 2 < n ? tab[v & 63] : '='};
        strbuf_append(b, o, 4);
    }
}

/* ---- documents ---------------------------------------------------------------------------- */

static void encode_value(strbuf *b, const kc_value *v, int compact, int depth);

static void encode_value(strbuf *b, const kc_value *v, int compact, int depth) {
    if (depth > 200) { /* values are trees built by converters; this bounds a pathological one */
        strbuf_puts(b, "null");
        return;
    }
    switch (v->type) {
    case KC_VAL_NULL: strbuf_puts(b, "null"); break;
    case KC_VAL_BOOL: strbuf_puts(b, v->u.b ? "true" : "false"); break;
    case KC_VAL_INT:
    case KC_VAL_TIMESTAMP:
    case KC_VAL_TIME:
        put_i64(b, v->u.i);
        break;
    case KC_VAL_DATE: /* days since the epoch: Elasticsearch's date takes milliseconds */
        put_i64(b, v->u.i * 86400000);
        break;
    case KC_VAL_DOUBLE:
        if (isfinite(v->u.d)) {
            /* the shortest text that reads back as the same double, as Java prints it */
            char tmp[32];
            int n = 0;
            for (int prec = 15; prec <= 17; prec++) {
                n = snprintf(tmp, sizeof tmp, "%.*g", prec, v->u.d);
                if (strtod(tmp, NULL) == v->u.d) break;
            }
            strbuf_append(b, tmp, (size_t)n);
        } else {
            strbuf_puts(b, "null");
        }
        break;
    case KC_VAL_STRING: strbuf_json_string(b, v->u.str.ptr, v->u.str.len); break;
    case KC_VAL_BYTES:
        strbuf_putc(b, '"');
        put_base64(b, (const uint8_t *)v->u.str.ptr, v->u.str.len);
        strbuf_putc(b, '"');
        break;
    case KC_VAL_DECIMAL: strbuf_decimal(b, v->u.dec.unscaled, v->u.dec.len, v->u.dec.scale); break;
    case KC_VAL_ARRAY:
        strbuf_putc(b, '[');
        for (size_t i = 0; i < v->u.arr.len; i++) {
            if (i) strbuf_putc(b, ',');
            encode_value(b, &v->u.arr.items[i], compact, depth + 1);
        }
        strbuf_putc(b, ']');
        break;
    case KC_VAL_STRUCT:
    case KC_VAL_MAP: {
        int as_object = v->type == KC_VAL_STRUCT || depth == 0;
        if (!as_object) {
            as_object = compact;
            for (size_t i = 0; as_object && i < v->u.map.len; i++)
                if (v->u.map.items[i].key.type != KC_VAL_STRING) as_object = 0;
        }
        strbuf_putc(b, as_object ? '{' : '[');
        for (size_t i = 0; i < v->u.map.len; i++) {
            const kc_entry *e = &v->u.map.items[i];
            if (i) strbuf_putc(b, ',');
            if (as_object) {
                if (e->key.type == KC_VAL_STRING) {
                    strbuf_json_string(b, e->key.u.str.ptr, e->key.u.str.len);
                } else { /* the top level of a schemaless map with other keys: their text */
                    strbuf k = STRBUF_INIT;
                    encode_value(&k, &e->key, compact, depth + 1);
                    strbuf_json_string(b, k.data ? k.data : "", k.len);
                    if (k.failed) b->failed = 1;
                    strbuf_free(&k);
                }
                strbuf_putc(b, ':');
                encode_value(b, &e->val, compact, depth + 1);
            } else {
                strbuf_puts(b, "{\"key\":");
                encode_value(b, &e->key, compact, depth + 1);
                strbuf_puts(b, ",\"value\":");
                encode_value(b, &e->val, compact, depth + 1);
                strbuf_putc(b, '}');
            }
        }
        strbuf_putc(b, as_object ? '}' : ']');
        break;
    }
    }
}

static const char *type_word(kc_vtype t) {
    switch (t) {
    case KC_VAL_NULL: return "null";
    case KC_VAL_BOOL: return "a boolean";
    case KC_VAL_INT: return "an integer";
    case KC_VAL_DOUBLE: return "a number";
    case KC_VAL_STRING: return "a string";
    case KC_VAL_BYTES: return "bytes";
    case KC_VAL_ARRAY: return "an array";
    case KC_VAL_TIMESTAMP: return "a timestamp";
    case KC_VAL_DATE: return "a date";
    case KC_VAL_TIME: return "a time";
    case KC_VAL_DECIMAL: return "a decimal";
    default: return "a map";
    }
}

int es_doc_encode(strbuf *b, const kc_value *v, int compact_maps, char *msg, size_t msg_size) {
    if (v->type != KC_VAL_MAP && v->type != KC_VAL_STRUCT) {
        snprintf(msg, msg_size, "the value is %s, not an object: Elasticsearch documents are JSON objects "
                 "(a JSON value converter, or HoistField$Value, makes one)", type_word(v->type));
        return KC_EINVAL;
    }
    encode_value(b, v, compact_maps, 0);
    if (b->failed) {
        snprintf(msg, msg_size, "out of memory");
        return KC_ENOMEM;
    }
    return KC_OK;
}

int es_doc_id(strbuf *b, const kc_record *r, int key_ignore, char *msg, size_t msg_size) {
    if (key_ignore) { /* replays write the same id again: idempotent */
        char tmp[64];
        strbuf_puts(b, r->topic ? r->topic : "");
        int n = snprintf(tmp, sizeof tmp, "+%d+%" PRId64, (int)r->partition, r->offset);
        strbuf_append(b, tmp, (size_t)n);
    } else if (r->key.type == KC_VAL_STRING) {
        strbuf_append(b, r->key.u.str.ptr, r->key.u.str.len);
    } else if (r->key.type == KC_VAL_INT) {
        put_i64(b, r->key.u.i);
    } else {
        snprintf(msg, msg_size, r->key.type == KC_VAL_NULL
                 ? "the key is the document id (key.ignore=false) and cannot be null"
                 : "the key is the document id (key.ignore=false) and must be a string or an integer, not %s",
                 type_word(r->key.type));
        return KC_EINVAL;
    }
    if (b->failed) {
        snprintf(msg, msg_size, "out of memory");
        return KC_ENOMEM;
    }
    return KC_OK;
}

void es_action_line(strbuf *b, es_action action, const char *index, const char *type_name, const char *id,
                    size_t id_len, int64_t version) {
    strbuf_puts(b, action == ES_ACTION_INDEX ? "{\"index\":{\"_index\":"
                   : action == ES_ACTION_UPSERT ? "{\"update\":{\"_index\":" : "{\"delete\":{\"_index\":");
    strbuf_json_string(b, index, strlen(index));
    if (type_name) {
        strbuf_puts(b, ",\"_type\":");
        strbuf_json_string(b, type_name, strlen(type_name));
    }
    strbuf_puts(b, ",\"_id\":");
    strbuf_json_string(b, id, id_len);
    if (version >= 0 && action != ES_ACTION_UPSERT) {
        strbuf_puts(b, ",\"version\":");
        put_i64(b, version);
        strbuf_puts(b, ",\"version_type\":\"external\"");
    }
    strbuf_puts(b, "}}\n");
}

char *es_index_name(const char *topic, const char *map) {
    size_t tlen = strlen(topic);
    for (const char *p = map; p && *p;) { /* "topic:index,topic:index" */
        while (*p == ' ' || *p == ',') p++;
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (colon) {
            const char *k = p, *ke = colon;
            while (ke > k && ke[-1] == ' ') ke--;
            if ((size_t)(ke - k) == tlen && !memcmp(k, topic, tlen)) {
                const char *v = colon + 1, *ve = end;
                while (v < ve && *v == ' ') v++;
                while (ve > v && ve[-1] == ' ') ve--;
                char *out = malloc((size_t)(ve - v) + 1);
                if (out) memcpy(out, v, (size_t)(ve - v)), out[ve - v] = '\0';
                return out;
            }
        }
        p = end;
    }
    char *out = malloc(tlen + 1);
    if (!out) return NULL;
    for (size_t i = 0; i <= tlen; i++) out[i] = (char)tolower((unsigned char)topic[i]);
    return out;
}

/* ---- mappings ----------------------------------------------------------------------------- */

static void mapping_of(strbuf *b, const kc_schema *s, int depth) {
    if (s->name) {
        if (!strcmp(s->name, KC_LOGICAL_DECIMAL)) {
            strbuf_puts(b, "{\"type\":\"double\"}");
            return;
        }
        if (!strcmp(s->name, KC_LOGICAL_DATE) || !strcmp(s->name, KC_LOGICAL_TIME) ||
            !strcmp(s->name, KC_LOGICAL_TIMESTAMP)) {
            strbuf_puts(b, "{\"type\":\"date\"}");
            return;
        }
    }
    switch (s->type) {
    case KC_SCHEMA_INT8: strbuf_puts(b, "{\"type\":\"byte\"}"); break;
    case KC_SCHEMA_INT16: strbuf_puts(b, "{\"type\":\"short\"}"); break;
    case KC_SCHEMA_INT32: strbuf_puts(b, "{\"type\":\"integer\"}"); break;
    case KC_SCHEMA_INT64: strbuf_puts(b, "{\"type\":\"long\"}"); break;
    case KC_SCHEMA_FLOAT32: strbuf_puts(b, "{\"type\":\"float\"}"); break;
    case KC_SCHEMA_FLOAT64: strbuf_puts(b, "{\"type\":\"double\"}"); break;
    case KC_SCHEMA_BOOLEAN: strbuf_puts(b, "{\"type\":\"boolean\"}"); break;
    case KC_SCHEMA_STRING: strbuf_puts(b, "{\"type\":\"text\"}"); break;
    case KC_SCHEMA_BYTES: strbuf_puts(b, "{\"type\":\"binary\"}"); break;
    case KC_SCHEMA_ARRAY: /* Elasticsearch has no array type: a field holds one or many */
        if (s->items && depth < 64) mapping_of(b, s->items, depth + 1);
        else strbuf_puts(b, "{\"type\":\"object\"}");
        break;
    case KC_SCHEMA_MAP: strbuf_puts(b, "{\"type\":\"object\"}"); break;
    case KC_SCHEMA_STRUCT:
        strbuf_puts(b, "{\"properties\":{");
        for (size_t i = 0; i < s->nfields && depth < 64; i++) {
            if (i) strbuf_putc(b, ',');
            strbuf_json_string(b, s->fields[i].name, strlen(s->fields[i].name));
            strbuf_putc(b, ':');
            mapping_of(b, s->fields[i].schema, depth + 1);
        }
        strbuf_puts(b, "}}");
        break;
    }
}

int es_mapping_encode(strbuf *b, const kc_schema *s, char *msg, size_t msg_size) {
    if (!s || s->type != KC_SCHEMA_STRUCT) {
        snprintf(msg, msg_size, "a mapping needs a struct value schema");
        return KC_EINVAL;
    }
    mapping_of(b, s, 0);
    if (b->failed) {
        snprintf(msg, msg_size, "out of memory");
        return KC_ENOMEM;
    }
    return KC_OK;
}

/* ---- replies ------------------------------------------------------------------------------ */

static es_item_class classify(int status, const char *type) {
    if (status >= 200 && status < 300) return ES_ITEM_OK;
    if (status == 409 || (type && !strcmp(type, "version_conflict_engine_exception"))) return ES_ITEM_CONFLICT;
    if (status == 429 || status >= 500) return ES_ITEM_RETRY;
    /* a read-only index (disk watermark) or a closed shard clears by itself; Connect retries it too */
    if (type && (!strcmp(type, "cluster_block_exception") || !strcmp(type, "unavailable_shards_exception")))
        return ES_ITEM_RETRY;
    if (status == 400) return ES_ITEM_MALFORMED;
    return ES_ITEM_FATAL;
}

/* The literal lit at *p: stepped over (1), or not there (0). */
static int scan_literal(const char **p, const char *end, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(end - *p) < n || memcmp(*p, lit, n)) return 0;
    *p += n;
    return 1;
}

/* A word of lowercase letters and '_' (an action or a result), up to its closing quote. */
static int scan_word(const char **p, const char *end) {
    const char *q = *p;
    while (q < end && ((*q >= 'a' && *q <= 'z') || *q == '_')) q++;
    if (q == *p || q == end || *q != '"') return 0;
    *p = q + 1;
    return 1;
}

/* The reply of a _bulk that wrote every action, as the request's filter_path shapes it:
 * {"errors":false,"items":[{"index":{"result":"created","status":201}},...]}, n items, read
 * by a scan: jansson building a 2,000-item reply cost the task thread more than encoding the
 * documents did. 0 for any other shape, which the full reader then reads. */
static int bulk_all_written(const char *body, size_t len, es_item *items, size_t n) {
    const char *p = body, *end = body + len;
    if (!scan_literal(&p, end, "{\"errors\":false,\"items\":[")) return 0;
    for (size_t i = 0; i < n; i++) {
        if ((i && !scan_literal(&p, end, ",")) || !scan_literal(&p, end, "{\"") || !scan_word(&p, end) ||
            !scan_literal(&p, end, ":{\"result\":\"") || !scan_word(&p, end) ||
            !scan_literal(&p, end, ",\"status\":2") || end - p < 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' ||
            p[1] > '9')
            return 0;
        items[i].status = 200 + (p[0] - '0') * 10 + (p[1] - '0');
        items[i].cls = ES_ITEM_OK;
        items[i].error[0] = '\0';
        p += 2;
        if (!scan_literal(&p, end, "}}")) return 0;
    }
    if (!scan_literal(&p, end, "]}")) return 0;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    return p == end;
}

int es_bulk_parse(const char *body, size_t len, es_item *items, size_t n, int *errors, char *msg, size_t msg_size) {
    if (bulk_all_written(body, len, items, n)) {
        *errors = 0;
        return KC_OK;
    }
    return es_bulk_parse_full(body, len, items, n, errors, msg, msg_size);
}

int es_bulk_parse_full(const char *body, size_t len, es_item *items, size_t n, int *errors, char *msg,
                       size_t msg_size) {
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    int rc = KC_EINVAL;
    if (!root) {
        snprintf(msg, msg_size, "the _bulk reply is not JSON: %s at byte %d", jerr.text, jerr.position);
        return KC_EINVAL;
    }
    json_t *arr = json_object_get(root, "items");
    json_t *errs = json_object_get(root, "errors");
    if (!json_is_array(arr) || !json_is_boolean(errs)) {
        snprintf(msg, msg_size, "the _bulk reply has no \"items\" array or \"errors\" flag");
        goto out;
    }
    if (json_array_size(arr) != n) {
        snprintf(msg, msg_size, "the _bulk reply has %zu items for %zu actions", json_array_size(arr), n);
        goto out;
    }
    *errors = json_is_true(errs);
    for (size_t i = 0; i < n; i++) {
        json_t *wrap = json_array_get(arr, i), *item = NULL;
        const char *action;
        json_t *v;
        if (json_is_object(wrap) && json_object_size(wrap) == 1)
            json_object_foreach(wrap, action, v) item = v;
        json_t *status = item ? json_object_get(item, "status") : NULL;
        if (!json_is_object(item) || !json_is_integer(status) || json_integer_value(status) < 100 ||
            json_integer_value(status) > 599) {
            snprintf(msg, msg_size, "the _bulk reply's item %zu has no action object with an HTTP status", i);
            goto out;
        }
        es_item *it = &items[i];
        it->status = (int)json_integer_value(status);
        it->error[0] = '\0';
        json_t *error = json_object_get(item, "error");
        const char *type = NULL;
        if (json_is_object(error)) {
            type = json_string_value(json_object_get(error, "type"));
            const char *reason = json_string_value(json_object_get(error, "reason"));
            json_t *cause = json_object_get(error, "caused_by");
            const char *cause_reason =
                json_is_object(cause) ? json_string_value(json_object_get(cause, "reason")) : NULL;
            snprintf(it->error, sizeof it->error, "%s: %s%s%s", type ? type : "error", reason ? reason : "",
                     cause_reason ? " (" : "", cause_reason ? cause_reason : "");
            if (cause_reason) strncat(it->error, ")", sizeof it->error - strlen(it->error) - 1);
        } else if (json_is_string(error)) {
            snprintf(it->error, sizeof it->error, "%s", json_string_value(error));
        }
        it->cls = classify(it->status, type);
        if (it->cls == ES_ITEM_OK || it->status == 404) {
            /* a delete of a document that is not there is done too */
            json_t *result = json_object_get(item, "result");
            if (it->status == 404 && json_is_string(result) && !strcmp(json_string_value(result), "not_found"))
                it->cls = ES_ITEM_OK;
        }
        if (it->cls != ES_ITEM_OK && !it->error[0]) snprintf(it->error, sizeof it->error, "HTTP status %d", it->status);
    }
    rc = KC_OK;
out:
    json_decref(root);
    return rc;
}

int es_root_parse(const char *body, size_t len, int *major, int *opensearch, char *msg, size_t msg_size) {
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *version = root ? json_object_get(root, "version") : NULL;
    const char *number = json_string_value(json_object_get(version, "number"));
    const char *dist = json_string_value(json_object_get(version, "distribution"));
    int rc = KC_EINVAL;
    if (!number || !isdigit((unsigned char)number[0])) {
        snprintf(msg, msg_size, "the server's root document has no version.number: not Elasticsearch or OpenSearch");
    } else {
        *major = atoi(number);
        *opensearch = dist && !strcmp(dist, "opensearch");
        rc = KC_OK;
    }
    json_decref(root);
    return rc;
}

void es_error_text(const char *body, size_t len, char *out, size_t out_size) {
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *error = root ? json_object_get(root, "error") : NULL;
    out[0] = '\0';
    if (json_is_object(error)) {
        const char *type = json_string_value(json_object_get(error, "type"));
        const char *reason = json_string_value(json_object_get(error, "reason"));
        snprintf(out, out_size, "%s: %s", type ? type : "error", reason ? reason : "");
    } else if (json_is_string(error)) {
        snprintf(out, out_size, "%s", json_string_value(error));
    } else {
        size_t n = len < out_size - 1 ? len : out_size - 1;
        for (size_t i = 0; i < n; i++) out[i] = isprint((unsigned char)body[i]) ? body[i] : ' ';
        out[n] = '\0';
    }
    json_decref(root);
}
