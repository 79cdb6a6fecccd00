/* group.c - a classic group member over one blocking TCP connection (kc_group.h). */
#define _GNU_SOURCE
#include "kc_group.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_RESPONSE (64 * 1024 * 1024) /* a JoinGroup answer lists every member's metadata */

struct kc_group {
    char **servers; /* "host:port" */
    size_t nservers, next_server;
    char *group_id, *client_id, *protocol_type, *member_id;
    int32_t session_ms, rebalance_ms, request_ms, generation, corr;
    int fd; /* the coordinator, or -1 */
};

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_conn(kc_group *g) {
    if (g->fd >= 0) close(g->fd);
    g->fd = -1;
}

kc_group *kc_group_new(const kc_group_conf *conf, kc_error *err) {
    kc_group *g = calloc(1, sizeof *g);
    char *list = conf->bootstrap ? strdup(conf->bootstrap) : NULL;
    if (!g || !list) {
        free(g);
        free(list);
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    g->fd = -1;
    g->generation = -1;
    int ok = 1;
    for (char *save = NULL, *s = strtok_r(list, ",", &save); s && ok; s = strtok_r(NULL, ",", &save)) {
        while (*s == ' ') s++;
        size_t n = strlen(s);
        while (n && s[n - 1] == ' ') s[--n] = '\0';
        if (!n) continue;
        char *colon = strrchr(s, ':');
        if (!colon || colon == s || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
            kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration bootstrap.servers: not host:port", s);
            ok = 0;
            break;
        }
        char **more = realloc(g->servers, (g->nservers + 1) * sizeof *more);
        if (!more || !(more[g->nservers] = strdup(s))) {
            if (more) g->servers = more;
            kc_error_set(err, KC_ENOMEM, "out of memory");
            ok = 0;
            break;
        }
        g->servers = more;
        g->nservers++;
    }
    free(list);
    if (ok && !g->nservers) ok = 0, kc_error_set(err, KC_EINVAL, "bootstrap.servers names no broker");
    g->group_id = strdup(conf->group_id ? conf->group_id : "");
    g->client_id = strdup(conf->client_id ? conf->client_id : "kcd");
    g->protocol_type = strdup(conf->protocol_type ? conf->protocol_type : "connect");
    g->member_id = strdup("");
    if (ok && (!g->group_id || !g->client_id || !g->protocol_type || !g->member_id))
        ok = 0, kc_error_set(err, KC_ENOMEM, "out of memory");
    g->session_ms = conf->session_timeout_ms > 0 ? conf->session_timeout_ms : 10000;
    g->rebalance_ms = conf->rebalance_timeout_ms > 0 ? conf->rebalance_timeout_ms : 60000;
    g->request_ms = conf->request_timeout_ms > 0 ? conf->request_timeout_ms : 30000;
    if (!ok) {
        kc_group_destroy(g);
        return NULL;
    }
    return g;
}

void kc_group_destroy(kc_group *g) {
    if (!g) return;
    close_conn(g);
    for (size_t i = 0; i < g->nservers; i++) free(g->servers[i]);
    free(g->servers);
    free(g->group_id);
    free(g->client_id);
    free(g->protocol_type);
    free(g->member_id);
    free(g);
}

/* A connected socket to host:port within timeout_ms, or -1 with err filled. */
static int dial(const char *host, const char *port, int timeout_ms, kc_error *err) {
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc) {
        kc_error_set(err, KC_ERETRY, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) && errno != EINPROGRESS) {
            close(fd), fd = -1;
            continue;
        }
        struct pollfd p = {fd, POLLOUT, 0};
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr) {
            close(fd), fd = -1;
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    freeaddrinfo(res);
    if (fd < 0) kc_error_set(err, KC_ERETRY, "cannot connect to %s:%s", host, port);
    return fd;
}

static int dial_hostport(const char *hostport, int timeout_ms, kc_error *err) {
    char host[256];
    const char *colon = strrchr(hostport, ':');
    size_t hl = colon ? (size_t)(colon - hostport) : 0;
    if (!colon || hl >= sizeof host) return kc_error_set(err, KC_EINVAL, "not host:port: %s", hostport), -1;
    memcpy(host, hostport, hl);
    host[hl] = '\0';
    /* [v6]:port */
    if (hl > 1 && host[0] == '[' && host[hl - 1] == ']') memmove(host, host + 1, hl - 2), host[hl - 2] = '\0';
    return dial(host, colon + 1, timeout_ms, err);
}

static int io_wait(int fd, short events, int64_t deadline) {
    int64_t left = deadline - now_ms();
    if (left <= 0) return -1;
    struct pollfd p = {fd, events, 0};
    int rc;
    do rc = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
    while (rc < 0 && errno == EINTR);
    return rc == 1 ? 0 : -1;
}

/* Sends one frame and reads its response (after the size prefix) into *resp (handed over). */
static int roundtrip(kc_group *g, const kc_buf *req, int timeout_ms, uint8_t **resp, size_t *resp_len, kc_error *err) {
    int64_t deadline = now_ms() + timeout_ms;
    *resp = NULL;
    for (size_t off = 0; off < req->len;) {
        ssize_t n = send(g->fd, req->data + off, req->len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR) && !io_wait(g->fd, POLLOUT, deadline)) continue;
        close_conn(g);
        return kc_error_set(err, KC_ERETRY, "the group coordinator connection broke while sending");
    }
    uint8_t size[4];
    uint8_t *body = NULL;
    size_t want = 4, got = 0;
    while (got < want) {
        uint8_t *into = body ? body + got : size + got;
        ssize_t n = recv(g->fd, into, want - got, 0);
        if (n > 0) {
            got += (size_t)n;
            if (!body && got == 4) {
                uint32_t len = (uint32_t)size[0] << 24 | (uint32_t)size[1] << 16 | (uint32_t)size[2] << 8 | size[3];
                if (len < 4 || len > MAX_RESPONSE) {
                    close_conn(g);
                    return kc_error_set(err, KC_ERETRY, "the group coordinator sent a frame of %u bytes", len);
                }
                body = malloc(len);
                if (!body) {
                    close_conn(g);
                    return kc_error_set(err, KC_ENOMEM, "out of memory");
                }
                want = len, got = 0;
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR) && !io_wait(g->fd, POLLIN, deadline)) continue;
        free(body);
        close_conn(g);
        return kc_error_set(err, KC_ERETRY, n == 0 ? "the group coordinator closed the connection"
                                                   : "no answer from the group coordinator within %d ms",
                            timeout_ms);
    }
    *resp = body, *resp_len = want;
    return 0;
}

static int malformed(kc_group *g, const char *what, kc_error *err) {
    close_conn(g);
    return kc_error_set(err, KC_ERETRY, "malformed %s response from the group coordinator", what);
}

/* A bootstrap broker checked for the versions used, then the coordinator it names. */
static int connect_coordinator(kc_group *g, kc_error *err) {
    if (g->fd >= 0) return 0;
    kc_error last = {0};
    for (size_t tries = 0; tries < g->nservers; tries++) {
        const char *server = g->servers[g->next_server++ % g->nservers];
        g->fd = dial_hostport(server, g->request_ms, &last);
        if (g->fd < 0) continue;
        kc_buf req = KC_BUF_INIT;
        uint8_t *resp = NULL;
        size_t len = 0;
        int32_t corr = ++g->corr;
        kc_group_req_api_versions(&req, corr, g->client_id);
        int rc = req.failed ? kc_error_set(&last, KC_ENOMEM, "out of memory")
                            : roundtrip(g, &req, g->request_ms, &resp, &len, &last);
        kc_buf_free(&req);
        if (rc) continue;
        int16_t error = 0, missing = -1;
        int bad = kc_group_resp_api_versions(resp, len, corr, &error, &missing);
        free(resp);
        if (bad) {
            close_conn(g);
            if (missing >= 0)
                return kc_error_set(err, KC_EFATAL, "the broker %s does not serve API %d at the version kcd's "
                                    "group client speaks (Kafka 2.3 or newer needed)", server, missing);
            kc_error_set(&last, KC_ERETRY, "%s answered ApiVersions with error %d", server, error);
            continue;
        }
        /* the coordinator of the group, then a connection to it */
        corr = ++g->corr;
        kc_group_req_find_coordinator(&req, corr, g->client_id, g->group_id);
        rc = req.failed ? kc_error_set(&last, KC_ENOMEM, "out of memory")
                        : roundtrip(g, &req, g->request_ms, &resp, &len, &last);
        kc_buf_free(&req);
        if (rc) continue;
        char *host = NULL;
        int32_t port = 0;
        bad = kc_group_resp_find_coordinator(resp, len, corr, &error, &host, &port);
        free(resp);
        close_conn(g);
        if (bad || error) {
            free(host);
            kc_error_set(&last, KC_ERETRY, "%s answered FindCoordinator with %s", server,
                         bad ? "a malformed response" : kc_kafka_error_name(error));
            continue;
        }
        char p[16];
        snprintf(p, sizeof p, "%d", (int)port);
        g->fd = dial(host, p, g->request_ms, &last);
        free(host);
        if (g->fd >= 0) return 0;
    }
    *err = last;
    if (!err->code) kc_error_set(err, KC_ERETRY, "no broker of bootstrap.servers answered");
    return err->code;
}

/* One request to the coordinator: the frame built by `build` with a new correlation id. */
#define REQUEST(g, err, timeout, resp, len, corr, build)                                                          \
    do {                                                                                                          \
        int rc_ = connect_coordinator(g, err);                                                                    \
        if (rc_) return rc_;                                                                                      \
        kc_buf req_ = KC_BUF_INIT;                                                                                \
        corr = ++(g)->corr;                                                                                       \
        build;                                                                                                    \
        rc_ = req_.failed ? kc_error_set(err, KC_ENOMEM, "out of memory")                                        \
                          : roundtrip(g, &req_, timeout, &resp, &len, err);                                       \
        kc_buf_free(&req_);                                                                                       \
        if (rc_) return rc_;                                                                                      \
    } while (0)

/* What a coordinator error means for the connection: rediscover on the next call. */
static int check(kc_group *g, int16_t error) {
    if (error == KC_KERR_NOT_COORDINATOR || error == KC_KERR_COORDINATOR_NOT_AVAILABLE) close_conn(g);
    return error;
}

static int set_str(char **slot, const char *v) {
    char *c = strdup(v ? v : "");
    if (!c) return -1;
    free(*slot);
    *slot = c;
    return 0;
}

int kc_group_join(kc_group *g, const kc_group_protocol *protocols, size_t n, kc_join_result *out, kc_error *err) {
    memset(out, 0, sizeof *out);
    for (int attempt = 0; attempt < 2; attempt++) {
        uint8_t *resp = NULL;
        size_t len = 0;
        int32_t corr;
        /* the broker may hold a JoinGroup until the rebalance ends: up to rebalance.timeout.ms */
        REQUEST(g, err, g->rebalance_ms + 5000, resp, len, corr,
                kc_group_req_join(&req_, corr, g->client_id, g->group_id, g->session_ms, g->rebalance_ms,
                                  g->member_id, g->protocol_type, protocols, n));
        int bad = kc_group_resp_join(resp, len, corr, out);
        free(resp);
        if (bad) return malformed(g, "JoinGroup", err);
        if (out->error == KC_KERR_MEMBER_ID_REQUIRED && out->member_id && attempt == 0) {
            if (set_str(&g->member_id, out->member_id)) return kc_error_set(err, KC_ENOMEM, "out of memory");
            kc_join_result_clear(out);
            continue;
        }
        if (out->error) return check(g, out->error);
        if (set_str(&g->member_id, out->member_id)) return kc_error_set(err, KC_ENOMEM, "out of memory");
        g->generation = out->generation;
        return 0;
    }
    return KC_KERR_MEMBER_ID_REQUIRED;
}

int kc_group_sync(kc_group *g, const char *const *member_ids, const kc_buf *assignments, size_t n,
                  uint8_t **assignment, size_t *assignment_len, kc_error *err) {
    uint8_t *resp = NULL;
    size_t len = 0;
    int32_t corr;
    *assignment = NULL, *assignment_len = 0;
    REQUEST(g, err, g->rebalance_ms + 5000, resp, len, corr,
            kc_group_req_sync(&req_, corr, g->client_id, g->group_id, g->generation, g->member_id, member_ids,
                              assignments, n));
    int16_t error = 0;
    int bad = kc_group_resp_sync(resp, len, corr, &error, assignment, assignment_len);
    free(resp);
    if (bad) return malformed(g, "SyncGroup", err);
    if (error) {
        free(*assignment);
        *assignment = NULL, *assignment_len = 0;
    }
    return check(g, error);
}

int kc_group_heartbeat(kc_group *g, kc_error *err) {
    uint8_t *resp = NULL;
    size_t len = 0;
    int32_t corr;
    REQUEST(g, err, g->request_ms, resp, len, corr,
            kc_group_req_heartbeat(&req_, corr, g->client_id, g->group_id, g->generation, g->member_id));
    int16_t error = 0;
    int bad = kc_group_resp_error_only(resp, len, corr, &error);
    free(resp);
    return bad ? malformed(g, "Heartbeat", err) : check(g, error);
}

int kc_group_leave(kc_group *g, kc_error *err) {
    if (!g->member_id[0]) return 0;
    uint8_t *resp = NULL;
    size_t len = 0;
    int32_t corr;
    REQUEST(g, err, g->request_ms, resp, len, corr,
            kc_group_req_leave(&req_, corr, g->client_id, g->group_id, g->member_id));
    int16_t error = 0;
    int bad = kc_group_resp_error_only(resp, len, corr, &error);
    free(resp);
    if (bad) return malformed(g, "LeaveGroup", err);
    kc_group_reset(g);
    return check(g, error);
}

const char *kc_group_member_id(const kc_group *g) { return g->member_id; }
int32_t kc_group_generation(const kc_group *g) { return g->generation; }

void kc_group_reset(kc_group *g) {
    g->member_id[0] = '\0';
    g->generation = -1;
}
