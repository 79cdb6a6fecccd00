/* group.c - a classic group member over one blocking TCP connection (kc_group.h). */
#define _GNU_SOURCE
#include "kc_group.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kc_sasl_scram.h"

#define MAX_RESPONSE (64 * 1024 * 1024) /* a JoinGroup answer lists every member's metadata */

struct kc_group {
    char **servers; /* "host:port" */
    size_t nservers, next_server;
    char *group_id, *client_id, *protocol_type, *member_id;
    int32_t session_ms, rebalance_ms, request_ms, generation, corr;
    int fd;      /* the coordinator, or -1 */
    SSL *ssl;    /* over fd with TLS */
    SSL_CTX *tls; /* NULL: plaintext */
    int verify_hostname;
    char *sasl_mechanism, *sasl_username, *sasl_password; /* mechanism NULL: no SASL */
};

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_conn(kc_group *g) {
    if (g->ssl) SSL_free(g->ssl); /* no close_notify: the socket goes anyway */
    g->ssl = NULL;
    if (g->fd >= 0) close(g->fd);
    g->fd = -1;
}

/* OpenSSL's first queued error, for a message. */
static const char *tls_error(void) {
    static __thread char buf[256];
    unsigned long e = ERR_get_error();
    if (!e) return "no detail";
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

static int password_cb(char *buf, int size, int rwflag, void *opaque) {
    (void)rwflag;
    const char *pw = opaque;
    if (!pw) return 0; /* only set while the key is read */
    int n = (int)strlen(pw);
    if (n > size) n = size;
    memcpy(buf, pw, (size_t)n);
    return n;
}

/* The TLS context from the security settings, each failure naming its key. */
static int tls_setup(kc_group *g, const kc_group_security *sec, kc_error *err) {
    g->tls = SSL_CTX_new(TLS_client_method());
    if (!g->tls) return kc_error_set(err, KC_ENOMEM, "cannot make a TLS context: %s", tls_error());
    SSL_CTX_set_min_proto_version(g->tls, TLS1_2_VERSION);
    SSL_CTX_set_verify(g->tls, sec->verify_certificate ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    int ok = 1;
    if (sec->ca_location) {
        struct stat st;
        int dir = stat(sec->ca_location, &st) == 0 && S_ISDIR(st.st_mode);
        ok = SSL_CTX_load_verify_locations(g->tls, dir ? NULL : sec->ca_location, dir ? sec->ca_location : NULL);
        if (!ok)
            return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration ssl.ca.location: %s",
                                sec->ca_location, tls_error());
    } else if (!SSL_CTX_set_default_verify_paths(g->tls)) {
        return kc_error_set(err, KC_EINVAL, "cannot load the system's CA certificates: %s", tls_error());
    }
    if (sec->key_password) { /* borrowed for the key's loading only (cleared below) */
        SSL_CTX_set_default_passwd_cb(g->tls, password_cb);
        SSL_CTX_set_default_passwd_cb_userdata(g->tls, (void *)sec->key_password);
    }
    if (sec->certificate_location && !SSL_CTX_use_certificate_chain_file(g->tls, sec->certificate_location))
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration ssl.certificate.location: %s",
                            sec->certificate_location, tls_error());
    if (sec->key_location && (!SSL_CTX_use_PrivateKey_file(g->tls, sec->key_location, SSL_FILETYPE_PEM) ||
                              !SSL_CTX_check_private_key(g->tls)))
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration ssl.key.location: %s",
                            sec->key_location, tls_error());
    /* the password was only needed to read the key */
    SSL_CTX_set_default_passwd_cb_userdata(g->tls, NULL);
    g->verify_hostname = sec->verify_certificate && sec->verify_hostname;
    return KC_OK;
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
    const kc_group_security *sec = &conf->security;
    if (ok && sec->tls && tls_setup(g, sec, err)) ok = 0;
    if (ok && sec->sasl_mechanism &&
        (!(g->sasl_mechanism = strdup(sec->sasl_mechanism)) || !(g->sasl_username = strdup(sec->sasl_username ? sec->sasl_username : "")) ||
         !(g->sasl_password = strdup(sec->sasl_password ? sec->sasl_password : ""))))
        ok = 0, kc_error_set(err, KC_ENOMEM, "out of memory");
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
    if (g->tls) SSL_CTX_free(g->tls);
    free(g->sasl_mechanism);
    free(g->sasl_username);
    if (g->sasl_password) OPENSSL_cleanse(g->sasl_password, strlen(g->sasl_password));
    free(g->sasl_password);
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

static int io_wait(int fd, short events, int64_t deadline) {
    int64_t left = deadline - now_ms();
    if (left <= 0) return -1;
    struct pollfd p = {fd, events, 0};
    int rc;
    do rc = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
    while (rc < 0 && errno == EINTR);
    return rc == 1 ? 0 : -1;
}

/* Moves n bytes over the connection (TLS or plain) by the deadline: 0, -1 when the connection
 * broke or closed, -2 when time ran out. */
static int io_all(kc_group *g, int sending, uint8_t *p, size_t n, int64_t deadline) {
    size_t done = 0;
    while (done < n) {
        short wait_for;
        if (g->ssl) {
            ERR_clear_error();
            int r = sending ? SSL_write(g->ssl, p + done, (int)(n - done)) : SSL_read(g->ssl, p + done, (int)(n - done));
            if (r > 0) {
                done += (size_t)r;
                continue;
            }
            int e = SSL_get_error(g->ssl, r);
            if (e == SSL_ERROR_WANT_READ) wait_for = POLLIN;
            else if (e == SSL_ERROR_WANT_WRITE) wait_for = POLLOUT;
            else return -1;
        } else {
            ssize_t r = sending ? send(g->fd, p + done, n - done, MSG_NOSIGNAL) : recv(g->fd, p + done, n - done, 0);
            if (r > 0) {
                done += (size_t)r;
                continue;
            }
            if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return -1;
            wait_for = sending ? POLLOUT : POLLIN;
        }
        if (io_wait(g->fd, wait_for, deadline)) return -2;
    }
    return 0;
}

/* TLS over the connected g->fd to host: the handshake, the broker's certificate checked against
 * the CAs and (ssl.endpoint.identification.algorithm=https) the host name or address. */
static int tls_connect(kc_group *g, const char *host, int timeout_ms, kc_error *err) {
    int64_t deadline = now_ms() + timeout_ms;
    struct in6_addr a6;
    struct in_addr a4;
    int is_ip = inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
    if (!(g->ssl = SSL_new(g->tls)) || !SSL_set_fd(g->ssl, g->fd)) {
        close_conn(g);
        return kc_error_set(err, KC_ENOMEM, "cannot start TLS: %s", tls_error());
    }
    if (!is_ip) SSL_set_tlsext_host_name(g->ssl, host);
    if (g->verify_hostname) {
        int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(g->ssl), host) : SSL_set1_host(g->ssl, host);
        if (!ok) {
            close_conn(g);
            return kc_error_set(err, KC_ENOMEM, "cannot set the TLS peer name %s", host);
        }
    }
    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(g->ssl);
        if (r == 1) return KC_OK;
        int e = SSL_get_error(g->ssl, r);
        short wait_for = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (wait_for && !io_wait(g->fd, wait_for, deadline)) continue;
        long verify = SSL_get_verify_result(g->ssl);
        kc_error_set(err, KC_ERETRY, "TLS handshake with %s failed: %s", host,
                     !wait_for && verify != X509_V_OK ? X509_verify_cert_error_string(verify)
                     : wait_for                       ? "timed out"
                                                      : tls_error());
        close_conn(g);
        return err->code;
    }
}

static int roundtrip(kc_group *g, const kc_buf *req, int timeout_ms, uint8_t **resp, size_t *resp_len, kc_error *err);

/* One SaslAuthenticate exchange: sends auth, *answer handed over (NUL-terminated). */
static int sasl_step(kc_group *g, const char *server, const void *auth, size_t len, uint8_t **answer, size_t *alen,
                     kc_error *err) {
    kc_buf req = KC_BUF_INIT;
    uint8_t *resp = NULL;
    size_t rl = 0;
    int32_t corr = ++g->corr;
    kc_group_req_sasl_authenticate(&req, corr, g->client_id, auth, len);
    int rc = req.failed ? kc_error_set(err, KC_ENOMEM, "out of memory") : roundtrip(g, &req, g->request_ms, &resp, &rl, err);
    kc_buf_free(&req);
    if (rc) return rc;
    int16_t error = 0;
    char *message = NULL;
    int bad = kc_group_resp_sasl_authenticate(resp, rl, corr, &error, &message, answer, alen);
    free(resp);
    if (bad) rc = kc_error_set(err, KC_ERETRY, "malformed SaslAuthenticate response from %s", server);
    else if (error)
        rc = kc_error_set(err, KC_ERETRY, "SASL authentication as %s with %s failed at %s: %s%s%s", g->sasl_username,
                          g->sasl_mechanism, server, kc_kafka_error_name(error), message ? ": " : "",
                          message ? message : "");
    free(message);
    if (rc) {
        free(*answer);
        *answer = NULL;
        close_conn(g);
    }
    return rc;
}

/* SASL on a new connection: SaslHandshake naming the mechanism, then its messages. */
static int sasl_authenticate(kc_group *g, const char *server, kc_error *err) {
    kc_buf req = KC_BUF_INIT;
    uint8_t *resp = NULL;
    size_t len = 0;
    int32_t corr = ++g->corr;
    kc_group_req_sasl_handshake(&req, corr, g->client_id, g->sasl_mechanism);
    int rc = req.failed ? kc_error_set(err, KC_ENOMEM, "out of memory") : roundtrip(g, &req, g->request_ms, &resp, &len, err);
    kc_buf_free(&req);
    if (rc) return rc;
    int16_t error = 0;
    char *mechanisms = NULL;
    int bad = kc_group_resp_sasl_handshake(resp, len, corr, &error, &mechanisms);
    free(resp);
    if (bad || error) {
        rc = bad ? kc_error_set(err, KC_ERETRY, "malformed SaslHandshake response from %s", server)
                 : kc_error_set(err, KC_ERETRY, "the broker %s does not enable sasl.mechanism %s (it enables %s)", server,
                                g->sasl_mechanism, mechanisms && *mechanisms ? mechanisms : "none");
        free(mechanisms);
        close_conn(g);
        return rc;
    }
    free(mechanisms);
    uint8_t *answer = NULL;
    size_t alen = 0;
    if (!strcmp(g->sasl_mechanism, "PLAIN")) { /* RFC 4616: authzid NUL authcid NUL password */
        kc_buf msg = KC_BUF_INIT;
        kc_buf_putc(&msg, '\0');
        kc_buf_puts(&msg, g->sasl_username);
        kc_buf_putc(&msg, '\0');
        kc_buf_puts(&msg, g->sasl_password);
        rc = msg.failed ? kc_error_set(err, KC_ENOMEM, "out of memory")
                        : sasl_step(g, server, msg.data, msg.len, &answer, &alen, err);
        if (msg.data) OPENSSL_cleanse(msg.data, msg.len);
        kc_buf_free(&msg);
        free(answer);
        return rc;
    }
    kc_scram scram;
    char *first = NULL, *final = NULL;
    rc = kc_scram_start(&scram, g->sasl_mechanism, g->sasl_username, NULL, &first, err);
    if (!rc) rc = sasl_step(g, server, first, strlen(first), &answer, &alen, err);
    if (!rc && kc_scram_final(&scram, g->sasl_password, (const char *)answer, alen, &final, err)) rc = err->code;
    free(answer);
    answer = NULL;
    if (!rc) rc = sasl_step(g, server, final, strlen(final), &answer, &alen, err);
    if (!rc && kc_scram_verify(&scram, (const char *)answer, alen, err)) rc = err->code;
    if (rc && g->fd >= 0) close_conn(g);
    if (rc && err->code == KC_EINVAL) err->code = KC_ERETRY; /* logged, then tried again */
    free(answer);
    free(first);
    free(final);
    kc_scram_clear(&scram);
    return rc;
}

/* A connection to host:port ready for group requests: TCP, TLS, SASL as configured. */
static int open_conn(kc_group *g, const char *host, const char *port, kc_error *err) {
    g->fd = dial(host, port, g->request_ms, err);
    if (g->fd < 0) return err->code;
    if (g->tls && tls_connect(g, host, g->request_ms, err)) return err->code;
    char server[300];
    snprintf(server, sizeof server, "%s:%s", host, port);
    if (g->sasl_mechanism && sasl_authenticate(g, server, err)) return err->code;
    return KC_OK;
}

static int open_hostport(kc_group *g, const char *hostport, kc_error *err) {
    char host[256];
    const char *colon = strrchr(hostport, ':');
    size_t hl = colon ? (size_t)(colon - hostport) : 0;
    if (!colon || hl >= sizeof host) return kc_error_set(err, KC_EINVAL, "not host:port: %s", hostport);
    memcpy(host, hostport, hl);
    host[hl] = '\0';
    /* [v6]:port */
    if (hl > 1 && host[0] == '[' && host[hl - 1] == ']') memmove(host, host + 1, hl - 2), host[hl - 2] = '\0';
    return open_conn(g, host, colon + 1, err);
}

/* Sends one frame and reads its response (after the size prefix) into *resp (handed over). */
static int roundtrip(kc_group *g, const kc_buf *req, int timeout_ms, uint8_t **resp, size_t *resp_len, kc_error *err) {
    int64_t deadline = now_ms() + timeout_ms;
    *resp = NULL;
    if (io_all(g, 1, (uint8_t *)req->data, req->len, deadline)) {
        close_conn(g);
        return kc_error_set(err, KC_ERETRY, "the group coordinator connection broke while sending");
    }
    uint8_t size[4];
    int rc = io_all(g, 0, size, 4, deadline);
    uint32_t len = (uint32_t)size[0] << 24 | (uint32_t)size[1] << 16 | (uint32_t)size[2] << 8 | size[3];
    if (!rc && (len < 4 || len > MAX_RESPONSE)) {
        close_conn(g);
        return kc_error_set(err, KC_ERETRY, "the group coordinator sent a frame of %u bytes", len);
    }
    uint8_t *body = rc ? NULL : malloc(len);
    if (!rc && !body) {
        close_conn(g);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    if (!rc) rc = io_all(g, 0, body, len, deadline);
    if (rc) {
        free(body);
        close_conn(g);
        return kc_error_set(err, KC_ERETRY, rc == -1 ? "the group coordinator closed the connection"
                                                     : "no answer from the group coordinator within %d ms",
                            timeout_ms);
    }
    *resp = body, *resp_len = len;
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
        if (open_hostport(g, server, &last)) continue;
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
        rc = open_conn(g, host, p, &last);
        free(host);
        if (!rc) return 0;
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

int kc_group_remove_member(kc_group *g, const char *member_id, const char *instance_id, kc_error *err) {
    uint8_t *resp = NULL;
    size_t len = 0;
    int32_t corr;
    REQUEST(g, err, g->request_ms, resp, len, corr,
            kc_group_req_leave_member(&req_, corr, g->client_id, g->group_id, member_id, instance_id));
    int16_t error = 0;
    int bad = kc_group_resp_leave_member(resp, len, corr, &error);
    free(resp);
    return bad ? malformed(g, "LeaveGroup", err) : check(g, error);
}

const char *kc_group_member_id(const kc_group *g) { return g->member_id; }
int32_t kc_group_generation(const kc_group *g) { return g->generation; }

void kc_group_reset(kc_group *g) {
    g->member_id[0] = '\0';
    g->generation = -1;
}
