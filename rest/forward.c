/* forward.c - a request sent on to another worker of a distributed cluster (kc_rest_forward). */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_buf.h"
#include "kc_log.h"
#include "kc_rest.h"

/* Connect's default for requests between workers (RestServerConfig's rest.request.timeout). */
#define FORWARD_TIMEOUT_MS 90000L
#define FORWARD_MAX_ANSWER (16u * 1024 * 1024)

static void put_escaped(kc_buf *b, const char *s, int keep_slash) {
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch) ||
            (keep_slash && ch == '/'))
            kc_buf_putc(b, (char)ch);
        else
            kc_buf_printf(b, "%%%02X", ch);
    }
}

typedef struct answer {
    kc_buf body;
    char content_type[128];
    char location[2048];
    int too_large;
} answer;

static size_t on_body(char *p, size_t size, size_t n, void *opaque) {
    answer *a = opaque;
    if (a->body.len + size * n > FORWARD_MAX_ANSWER) {
        a->too_large = 1;
        return 0;
    }
    kc_buf_append(&a->body, p, size * n);
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *opaque) {
    answer *a = opaque;
    size_t len = size * n;
    if (len > 13 && !strncasecmp(p, "content-type:", 13)) {
        const char *v = p + 13;
        while (*v == ' ') v++;
        size_t vl = (size_t)(p + len - v);
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n')) vl--;
        snprintf(a->content_type, sizeof a->content_type, "%.*s", (int)vl, v);
    } else if (len > 9 && !strncasecmp(p, "location:", 9)) {
        const char *v = p + 9;
        while (*v == ' ') v++;
        size_t vl = (size_t)(p + len - v);
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n')) vl--;
        snprintf(a->location, sizeof a->location, "%.*s", (int)vl, v);
    }
    return len;
}

static void fail(kc_rest_response *out, unsigned status, const char *msg) {
    out->status = status;
    out->content_type = "application/json";
    kc_buf b = KC_BUF_INIT;
    kc_buf_printf(&b, "{\"error_code\":%u,\"message\":", status);
    kc_buf_json_string(&b, msg, strlen(msg));
    kc_buf_putc(&b, '}');
    kc_buf_putc(&b, '\0');
    out->body = b.failed ? NULL : b.data;
    if (b.failed) kc_buf_free(&b);
}

void kc_rest_forward(const kc_rest_request *rq, const char *base_url, const char *forward, kc_rest_response *out) {
    memset(out, 0, sizeof *out);
    kc_buf url = KC_BUF_INIT;
    size_t base = strlen(base_url);
    while (base && base_url[base - 1] == '/') base--; /* Connect's URLs end in one */
    kc_buf_append(&url, base_url, base);
    put_escaped(&url, rq->path, 1);
    kc_buf_printf(&url, "?forward=%s", forward);
    for (size_t i = 0; i < rq->nargs; i++) {
        if (!strcmp(rq->arg_names[i], "forward")) continue;
        kc_buf_putc(&url, '&');
        put_escaped(&url, rq->arg_names[i], 0);
        if (rq->arg_values[i]) {
            kc_buf_putc(&url, '=');
            put_escaped(&url, rq->arg_values[i], 0);
        }
    }
    kc_buf_putc(&url, '\0');
    CURL *curl = url.failed ? NULL : curl_easy_init();
    if (!curl) {
        kc_buf_free(&url);
        fail(out, 500, "out of memory");
        return;
    }
    struct curl_slist *headers = NULL;
    char line[8300];
    const char *pass[][2] = {{"Content-Type", rq->content_type},
                             {"Authorization", rq->authorization},
                             {"X-Connect-Authorization", rq->signature},
                             {"X-Connect-Request-Signature-Algorithm", rq->signature_algorithm}};
    for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++) {
        if (!pass[i][1]) continue;
        snprintf(line, sizeof line, "%s: %s", pass[i][0], pass[i][1]);
        headers = curl_slist_append(headers, line);
    }
    headers = curl_slist_append(headers, "Expect:"); /* no 100-continue round trip */
    answer a = {KC_BUF_INIT, "", "", 0};
    curl_easy_setopt(curl, CURLOPT_URL, url.data);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, rq->method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (rq->body_len || !strcmp(rq->method, "POST") || !strcmp(rq->method, "PUT") || !strcmp(rq->method, "PATCH")) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    }
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, FORWARD_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &a);
    CURLcode cc = curl_easy_perform(curl);
    long status = 0;
    if (cc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (cc != CURLE_OK || a.body.failed) {
        char msg[600];
        snprintf(msg, sizeof msg, "Cannot complete request because of a conflicting operation (e.g. worker "
                                  "rebalance): forwarding to %s failed: %s", base_url,
                 a.too_large ? "its answer is too large" : a.body.failed ? "out of memory" : curl_easy_strerror(cc));
        KC_WARN("RestServer", "%s", msg);
        fail(out, 409, msg);
    } else {
        out->status = (unsigned)status;
        if (a.location[0]) out->location = strdup(a.location);
        if (a.body.len) {
            kc_buf_putc(&a.body, '\0');
            out->body = a.body.failed ? NULL : a.body.data;
            a.body.data = NULL;
            /* a static type: the ones Connect answers with */
            out->content_type = !strncasecmp(a.content_type, "application/json", 16) ? "application/json"
                                : !strncasecmp(a.content_type, "application/yaml", 16) ? "application/yaml"
                                                                                        : "text/plain";
        }
    }
    kc_buf_free(&a.body);
    kc_buf_free(&url);
}
