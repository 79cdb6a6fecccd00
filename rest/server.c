/* server.c - the REST API over HTTP(S) with libmicrohttpd, guarded for an untrusted network:
 * epoll with a thread pool (no select() limit, no thread per connection), a global and a
 * per-address connection limit, deadlines for a whole request head and a whole request that
 * slow senders cannot push back, authentication and size checks before any body byte is read. */
#define _GNU_SOURCE
#include "kc_rest.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "kc_buf.h"
#include "kc_log.h"

#define LOGGER "RestServer"

#if MHD_VERSION < 0x00097002
typedef int mhd_result;
#else
typedef enum MHD_Result mhd_result;
#endif

/* Deadlines by socket: 0 = none. A slot is live between MHD's STARTED and CLOSED
 * notifications; MHD sends CLOSED before it closes the socket, so the watchdog (which only
 * acts under the lock, on live slots) never shuts down a descriptor that was reused. */
typedef struct conn_slot {
    int live;
    int64_t deadline_ms;
} conn_slot;

struct kc_rest;

/* A listener's URL, split, and what it serves (its daemon's request callback gets it). */
typedef struct listener {
    char url[512];
    char host[256]; /* "": every interface */
    int port;
    int https;
    struct kc_rest *r;
    int metrics_only; /* metrics.listener: GET /metrics alone */
} listener;

struct kc_rest {
    struct MHD_Daemon *daemon;
    struct MHD_Daemon *metrics_daemon; /* metrics.listener: GET /metrics only; NULL when unset */
    kc_herder *h;
    int port, metrics_port;
    listener rest, metrics;
    kc_config credentials; /* user -> password, from rest.basic.auth.credentials.file; empty: no auth */
    char *tls_key, *tls_cert; /* PEM, for https:// listeners */
    int64_t header_timeout_ms, request_timeout_ms;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    conn_slot *slots;
    size_t nslots;
    size_t high; /* slots[0..high) may be live */
    int64_t watchdog_wakes_at; /* INT64_MAX: asleep until told */
    int stopping;
    pthread_t watchdog;
    int watchdog_started;
    unsigned long closed_slow; /* connections the watchdog ended, for the log */
};

/* One request's state across MHD's calls. */
typedef struct request {
    kc_buf body;
    unsigned refused; /* 401 or 413, decided from the head: the body is not kept */
} request;

int kc_rest_port(const kc_rest *r) { return r->port; }

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- deadlines ---------------------------------------------------------------------------- */

static int conn_fd(struct MHD_Connection *c) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? (int)info->connect_fd : -1;
}

/* Sets (ms > 0) or clears (0) the deadline of c's socket; live: 1 opens the slot, -1 closes it. */
static void set_deadline(kc_rest *r, struct MHD_Connection *c, int64_t ms, int live) {
    int fd = conn_fd(c);
    if (fd < 0 || (size_t)fd >= r->nslots) return; /* beyond the table: MHD's idle timeout only */
    pthread_mutex_lock(&r->lock);
    conn_slot *s = &r->slots[fd];
    if (live > 0) s->live = 1;
    if (s->live) s->deadline_ms = live < 0 ? 0 : ms ? now_ms() + ms : 0;
    if (live < 0) s->live = 0;
    if ((size_t)fd >= r->high) r->high = (size_t)fd + 1;
    if (s->deadline_ms && s->deadline_ms < r->watchdog_wakes_at) pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
}

/* Ends connections past their deadline: shutdown() makes MHD see the end of the stream and close
 * the connection itself, in its own thread. */
static void *watchdog_main(void *arg) {
    kc_rest *r = arg;
    pthread_mutex_lock(&r->lock);
    while (!r->stopping) {
        int64_t now = now_ms(), next = INT64_MAX;
        for (size_t fd = 0; fd < r->high; fd++) {
            conn_slot *s = &r->slots[fd];
            if (!s->live || !s->deadline_ms) continue;
            if (s->deadline_ms <= now) {
                shutdown((int)fd, SHUT_RDWR);
                s->deadline_ms = 0;
                if (r->closed_slow++ % 1000 == 0)
                    KC_WARN(LOGGER, "Closed a connection that did not send a whole request in time (%lu so far; "
                                    "rest.request.header.timeout.ms=%lld, rest.request.timeout.ms=%lld)",
                            r->closed_slow, (long long)r->header_timeout_ms, (long long)r->request_timeout_ms);
            } else if (s->deadline_ms < next) {
                next = s->deadline_ms;
            }
        }
        r->watchdog_wakes_at = next;
        if (next == INT64_MAX) {
            pthread_cond_wait(&r->wake, &r->lock);
        } else {
            struct timespec ts = {(time_t)(next / 1000), (long)(next % 1000) * 1000000};
            pthread_cond_timedwait(&r->wake, &r->lock, &ts);
        }
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    (void)socket_context;
    kc_rest *r = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) set_deadline(r, c, r->header_timeout_ms, 1);
    else set_deadline(r, c, 0, -1);
}

/* ---- authentication ----------------------------------------------------------------------- */

/* Constant time for a given length: how long a comparison takes says nothing about the password. */
static int same_secret(const char *a, size_t la, const char *b, size_t lb) {
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++) diff |= (unsigned char)(a[i] ^ b[lb ? i % lb : 0]);
    return diff == 0;
}

/* RFC 7617: the scheme is case-insensitive; user-pass is base64 of "user:password", whose bytes
 * are taken whole (a NUL inside is refused, never a place to stop reading). */
static int authorized(kc_rest *r, struct MHD_Connection *c) {
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "basic", 5) || (h[5] != ' ' && h[5] != '\t')) return 0;
    const char *p = h + 6;
    while (*p == ' ' || *p == '\t') p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    uint8_t *raw;
    size_t len;
    if (kc_base64_decode(p, n, &raw, &len)) return 0;
    char *text = malloc(len + 1);
    int ok = 0;
    if (text && !memchr(raw, '\0', len)) {
        memcpy(text, raw, len);
        text[len] = '\0';
        char *colon = strchr(text, ':');
        if (colon) {
            *colon = '\0';
            const char *want = kc_config_get(&r->credentials, text);
            const char *pass = colon + 1;
            ok = want && same_secret(pass, len - (size_t)(pass - text), want, strlen(want));
        }
    }
    free(text);
    free(raw);
    return ok;
}

/* ---- requests ----------------------------------------------------------------------------- */

static mhd_result queue(struct MHD_Connection *c, unsigned status, const char *body, const char *ctype,
                        const char *location, int auth_challenge) {
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(body ? strlen(body) : 0, (void *)(body ? body : ""), MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    if (ctype) MHD_add_response_header(resp, "Content-Type", ctype);
    if (location) MHD_add_response_header(resp, "Location", location);
    if (auth_challenge) MHD_add_response_header(resp, "WWW-Authenticate", "Basic realm=\"kcd\"");
    mhd_result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

#define UNAUTHORIZED_BODY "{\"error_code\":401,\"message\":\"Credentials are required (HTTP basic authentication)\"}"
#define TOO_LARGE_BODY "{\"error_code\":413,\"message\":\"Request body larger than 4194304 bytes\"}"

typedef struct args {
    const char **names, **values;
    size_t len, cap;
    int failed;
} args;

static mhd_result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    args *a = cls;
    if (a->len == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        const char **n = realloc(a->names, cap * sizeof *n);
        if (n) a->names = n;
        const char **v = n ? realloc(a->values, cap * sizeof *v) : NULL;
        if (v) a->values = v;
        if (!n || !v) {
            a->failed = 1;
            return MHD_NO;
        }
        a->cap = cap;
    }
    a->names[a->len] = key ? key : "";
    a->values[a->len++] = value;
    return MHD_YES;
}

static mhd_result answer(const listener *l, struct MHD_Connection *c, const char *url, const char *method,
                         request *rq) {
    kc_rest *r = l->r;
    args a = {0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
    kc_rest_request req = {
        .method = method,
        .path = url,
        .content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
        .body = rq->body.data,
        .body_len = rq->body.len,
        .arg_names = a.names,
        .arg_values = a.values,
        .nargs = a.len,
        .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .signature = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Connect-Authorization"),
        .signature_algorithm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Connect-Request-Signature-Algorithm"),
    };
    kc_rest_response resp = {0};
    if (a.failed) resp.status = 500;
    else if (l->metrics_only && strcmp(url, "/metrics"))
        resp = (kc_rest_response){404, strdup("{\"error_code\":404,\"message\":\"HTTP 404 Not Found: this listener "
                                              "(metrics.listener) serves GET /metrics only\"}"),
                                  "application/json", NULL};
    else kc_rest_handle(r->h, &req, &resp);
    free(a.names);
    free(a.values);
    mhd_result rc = queue(c, resp.status, resp.body, resp.content_type, resp.location, 0);
    kc_rest_response_free(&resp);
    return rc;
}

/* A request refused from its head (401, 413) is answered at once when the client waits for
 * "100 Continue" or announces a body too large to drain; otherwise its body is drained without
 * being kept, so a client that sends before it reads gets the answer rather than a reset. */
#define DRAIN_MAX (64u * 1024 * 1024)

static int refuse_now(struct MHD_Connection *c) {
    const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return (expect && !strcasecmp(expect, "100-continue")) || !cl || strtoull(cl, NULL, 10) > DRAIN_MAX;
}

static mhd_result refusal(struct MHD_Connection *c, unsigned status) {
    return status == 401 ? queue(c, 401, UNAUTHORIZED_BODY, "application/json", NULL, 1)
                         : queue(c, 413, TOO_LARGE_BODY, "application/json", NULL, 0);
}

static mhd_result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    (void)version;
    const listener *l = cls;
    kc_rest *r = l->r;
    request *rq = *con_cls;
    if (!rq) { /* the head is in; nothing of the body has been read */
        rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        *con_cls = rq;
        set_deadline(r, c, r->request_timeout_ms, 0);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (r->credentials.len && !authorized(r, c)) rq->refused = 401;
        else if (cl && strtoull(cl, NULL, 10) > KC_REST_MAX_BODY) rq->refused = 413;
        if (rq->refused && refuse_now(c)) return refusal(c, rq->refused);
        return MHD_YES;
    }
    if (*upload_size) { /* kept up to the limit; a chunked body has no length up front */
        if (!rq->refused && rq->body.len + *upload_size > KC_REST_MAX_BODY) {
            rq->refused = 413;
            kc_buf_free(&rq->body);
        }
        if (!rq->refused) kc_buf_append(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    set_deadline(r, c, 0, 0); /* answering: MHD's idle timeout covers a slow reader */
    if (rq->refused) return refusal(c, rq->refused);
    if (rq->body.failed) return queue(c, 500, "{\"error_code\":500,\"message\":\"out of memory\"}", "application/json", NULL, 0);
    return answer(l, c, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
    kc_rest *r = cls;
    request *rq = *con_cls;
    if (rq) {
        kc_buf_free(&rq->body);
        free(rq);
    }
    *con_cls = NULL;
    /* a kept-alive connection has the head timeout again for its next request */
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) set_deadline(r, c, r->header_timeout_ms, 0);
}

/* ---- TLS and credentials ------------------------------------------------------------------ */

/* Every PEM block of `kind` ("PRIVATE KEY" also matches "RSA PRIVATE KEY", "EC PRIVATE KEY"). */
static char *pem_blocks(const char *pem, const char *kind) {
    kc_buf b = KC_BUF_INIT;
    const char *p = pem;
    while ((p = strstr(p, "-----BEGIN "))) {
        const char *label_end = strstr(p + 11, "-----");
        if (!label_end) break;
        char endmark[128];
        snprintf(endmark, sizeof endmark, "-----END %.*s-----", (int)(label_end - (p + 11)), p + 11);
        const char *end = strstr(label_end, endmark);
        if (!end) break;
        end += strlen(endmark);
        int label_len = (int)(label_end - (p + 11));
        int klen = (int)strlen(kind);
        if (label_len >= klen && !strncmp(label_end - klen, kind, (size_t)klen)) {
            kc_buf_append(&b, p, (size_t)(end - p));
            kc_buf_putc(&b, '\n');
        }
        p = end;
    }
    return b.len ? kc_buf_detach(&b) : (kc_buf_free(&b), NULL);
}

/* Basic authentication credentials and the TLS key and certificate. */
static int rest_security(kc_rest *r, const kc_config *cfg, kc_error *err) {
    const char *creds = kc_config_get(cfg, "rest.basic.auth.credentials.file");
    if (creds && *creds) {
        if (kc_props_load(creds, &r->credentials, err)) return KC_EINVAL;
        if (!r->credentials.len)
            return kc_error_set(err, KC_EINVAL, "rest.basic.auth.credentials.file %s holds no user", creds);
    }
    if (!r->rest.https && !r->metrics.https) return KC_OK;
    const char *store = kc_config_get(cfg, "listeners.https.ssl.keystore.location");
    if (!store) store = kc_config_get(cfg, "ssl.keystore.location");
    const char *type = kc_config_get(cfg, "listeners.https.ssl.keystore.type");
    if (!type) type = kc_config_get(cfg, "ssl.keystore.type");
    if (!store) return kc_error_set(err, KC_EINVAL, "An https:// listener needs listeners.https.ssl.keystore.location "
                                                    "(a PEM file with the private key and certificate chain)");
    if (type && strcasecmp(type, "PEM"))
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration listeners.https.ssl.keystore.type: kcd "
                                            "reads PEM keystores", type);
    char *pem;
    size_t pem_len;
    if (kc_read_file(store, &pem, &pem_len, err)) return KC_EIO;
    r->tls_key = pem_blocks(pem, "PRIVATE KEY");
    r->tls_cert = pem_blocks(pem, "CERTIFICATE");
    free(pem);
    if (!r->tls_key || !r->tls_cert)
        return kc_error_set(err, KC_EINVAL, "keystore %s must hold an unencrypted PEM private key and a certificate",
                            store);
    return KC_OK;
}

/* ---- the daemon --------------------------------------------------------------------------- */

static int64_t setting(const kc_config *cfg, const char *key, int64_t dflt) {
    int64_t v;
    return kc_config_get_long(cfg, key, &v) == 0 ? v : dflt;
}

/* Splits the first URL of cfg's `key` (dflt when unset; NULL: none, l->url left empty). */
static int parse_listener(const kc_config *cfg, const char *key, const char *dflt, listener *l, kc_error *err) {
    kc_strlist urls = {0};
    if (kc_list_split(kc_config_get(cfg, key), &urls)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    snprintf(l->url, sizeof l->url, "%s", urls.len ? urls.items[0] : dflt ? dflt : "");
    kc_strlist_free(&urls);
    if (!*l->url) return KC_OK;
    const char *hp;
    if (!strncmp(l->url, "http://", 7)) {
        hp = l->url + 7;
    } else if (!strncmp(l->url, "https://", 8)) {
        hp = l->url + 8;
        l->https = 1;
    } else {
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration %s: expected http:// or https://",
                            l->url, key);
    }
    const char *colon = strrchr(hp, ':');
    snprintf(l->host, sizeof l->host, "%.*s", colon ? (int)(colon - hp) : (int)strlen(hp), hp);
    l->port = colon ? atoi(colon + 1) : 8083;
    return KC_OK;
}

/* A daemon serving l with the worker's limits; its bound port in *port. NULL and err set. */
static struct MHD_Daemon *start_daemon(kc_rest *r, const listener *l, const char *key, const kc_config *cfg, int *port,
                                       kc_error *err) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)l->port)};
    if (!*l->host) addr.sin_addr.s_addr = htonl(INADDR_ANY); /* "http://:8083" binds every interface, as Connect */
    else if (!strcmp(l->host, "localhost")) addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, l->host, &addr.sin_addr) != 1) {
        kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration %s: host must be an IPv4 address", l->url, key);
        return NULL;
    }
    unsigned threads = (unsigned)setting(cfg, "rest.threads", 4);
    unsigned max_conns = (unsigned)setting(cfg, "rest.max.connections", 4096);
    unsigned per_ip = (unsigned)setting(cfg, "rest.max.connections.per.ip", 128);
    /* the connection limit must leave descriptors for Kafka clients, plugins and files */
    if ((size_t)max_conns > r->nslots / 2) {
        KC_WARN(LOGGER, "rest.max.connections=%u lowered to %lu: half the open-files limit (%lu)", max_conns,
                (unsigned long)(r->nslots / 2), (unsigned long)r->nslots);
        max_conns = (unsigned)(r->nslots / 2);
    }
    unsigned idle_s = (unsigned)((r->request_timeout_ms > r->header_timeout_ms ? r->request_timeout_ms
                                                                                 : r->header_timeout_ms) / 1000 + 1);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | (l->https ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, r->tls_key},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, r->tls_cert},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)l->port, NULL, NULL, (MHD_AccessHandlerCallback)on_request, (void *)l, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_TIMEOUT, idle_s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, r, MHD_OPTION_NOTIFY_COMPLETED, on_completed, r,
        MHD_OPTION_ARRAY, l->https ? tls : tls + 2, MHD_OPTION_END);
    if (!d) {
        kc_error_set(err, KC_EIO, "cannot listen on %s (address in use%s?)", l->url,
                     l->https ? ", or a bad certificate or key" : "");
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : l->port;
    return d;
}

kc_rest *kc_rest_start(kc_herder *h, const kc_config *worker_cfg, kc_error *err) {
    kc_rest *r = calloc(1, sizeof *r);
    if (!r) {
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    r->h = h;
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wake, &ca);
    pthread_condattr_destroy(&ca);
    r->watchdog_wakes_at = INT64_MAX;
    r->rest.r = r->metrics.r = r;
    r->metrics.metrics_only = 1;
    if (parse_listener(worker_cfg, "listeners", "http://127.0.0.1:8083", &r->rest, err) ||
        parse_listener(worker_cfg, "metrics.listener", NULL, &r->metrics, err) || rest_security(r, worker_cfg, err)) {
        kc_rest_stop(r);
        return NULL;
    }
    r->header_timeout_ms = setting(worker_cfg, "rest.request.header.timeout.ms", 20000);
    r->request_timeout_ms = setting(worker_cfg, "rest.request.timeout.ms", 60000);
    struct rlimit rl; /* a slot per descriptor the process may open */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) r->nslots = (size_t)rl.rlim_cur;
    if (!r->nslots || r->nslots > (1u << 20)) r->nslots = 1u << 20;
    r->slots = calloc(r->nslots, sizeof *r->slots);
    if (!r->slots || pthread_create(&r->watchdog, NULL, watchdog_main, r)) {
        kc_error_set(err, KC_ENOMEM, "out of memory (REST connection table)");
        kc_rest_stop(r);
        return NULL;
    }
    r->watchdog_started = 1;
    if (!(r->daemon = start_daemon(r, &r->rest, "listeners", worker_cfg, &r->port, err)) ||
        (*r->metrics.url &&
         !(r->metrics_daemon = start_daemon(r, &r->metrics, "metrics.listener", worker_cfg, &r->metrics_port, err)))) {
        kc_rest_stop(r);
        return NULL;
    }
    const char *auth = r->credentials.len ? " (basic authentication)" : "";
    KC_INFO(LOGGER, "REST server listening on %s://%s:%d%s", r->rest.https ? "https" : "http",
            *r->rest.host ? r->rest.host : "0.0.0.0", r->port, auth);
    if (r->metrics_daemon)
        KC_INFO(LOGGER, "Metrics listening on %s://%s:%d/metrics%s", r->metrics.https ? "https" : "http",
                *r->metrics.host ? r->metrics.host : "0.0.0.0", r->metrics_port, auth);
    return r;
}

void kc_rest_stop(kc_rest *r) {
    if (!r) return;
    if (r->metrics_daemon) MHD_stop_daemon(r->metrics_daemon);
    if (r->daemon) MHD_stop_daemon(r->daemon);
    if (r->watchdog_started) {
        pthread_mutex_lock(&r->lock);
        r->stopping = 1;
        pthread_cond_signal(&r->wake);
        pthread_mutex_unlock(&r->lock);
        pthread_join(r->watchdog, NULL);
    }
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    free(r->slots);
    kc_config_free(&r->credentials);
    free(r->tls_key);
    free(r->tls_cert);
    free(r);
}
