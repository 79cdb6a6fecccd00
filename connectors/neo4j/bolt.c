/* bolt.c - see bolt.h. Spec: https://neo4j.com/docs/bolt/current/ */
#include "bolt.h"

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
#include <unistd.h>

#include "../common/monotonic.h"

struct bolt_conn {
    int fd;
    int version; /* major << 8 | minor */
    int broken;  /* I/O failed or the stream is out of step: close, connect again */
    bolt_options opt;
    strbuf in;   /* received bytes not yet taken */
    size_t in_pos;
    strbuf out;
    char agent[128];
};

int bolt_version(const bolt_conn *c) { return c->version; }
int bolt_usable(const bolt_conn *c) { return c && !c->broken; }

/* ---- I/O ---------------------------------------------------------------------------------- */

static int stopping(bolt_conn *c) { return c->opt.should_stop && c->opt.should_stop(c->opt.stop_arg); }

static int write_all(bolt_conn *c, const char *p, size_t n, kc_error *err) {
    while (n) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {c->fd, POLLOUT, 0};
            int r = poll(&pfd, 1, (int)(c->opt.io_timeout_ms > 0 ? c->opt.io_timeout_ms : 60000));
            if (r == 0) {
                c->broken = 1;
                return kc_error_set(err, KC_ERETRY, "Neo4j at %s:%s: sending timed out", c->opt.host, c->opt.port);
            }
            continue;
        }
        if (w <= 0) {
            c->broken = 1;
            return kc_error_set(err, KC_ERETRY, "Neo4j at %s:%s: connection lost while sending: %s", c->opt.host,
                                c->opt.port, strerror(errno));
        }
        p += w, n -= (size_t)w;
    }
    return KC_OK;
}

/* Reads more bytes into c->in, waiting in slices so a stopping task is not held up. */
static int read_more(bolt_conn *c, kc_error *err) {
    int64_t deadline = c->opt.io_timeout_ms > 0 ? monotonic_ms() + c->opt.io_timeout_ms : 0;
    for (;;) {
        struct pollfd pfd = {c->fd, POLLIN, 0};
        int r = poll(&pfd, 1, 200);
        if (r < 0 && errno == EINTR) continue;
        if (r > 0) break;
        if (stopping(c)) {
            c->broken = 1;
            return kc_error_set(err, KC_ERETRY, "stopping while waiting for Neo4j");
        }
        if (deadline && monotonic_ms() > deadline) {
            c->broken = 1;
            return kc_error_set(err, KC_ERETRY, "Neo4j at %s:%s sent nothing for %lld ms", c->opt.host, c->opt.port,
                                (long long)c->opt.io_timeout_ms);
        }
    }
    if (c->in_pos && c->in_pos == c->in.len) c->in.len = c->in_pos = 0;
    char tmp[65536];
    ssize_t n = recv(c->fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
        c->broken = 1;
        return kc_error_set(err, KC_ERETRY, "Neo4j at %s:%s closed the connection%s%s", c->opt.host, c->opt.port,
                            n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
    }
    strbuf_append(&c->in, tmp, (size_t)n);
    if (c->in.failed) {
        c->broken = 1;
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    return KC_OK;
}

static int read_exact(bolt_conn *c, uint8_t *p, size_t n, kc_error *err) {
    while (c->in.len - c->in_pos < n) {
        int rc = read_more(c, err);
        if (rc) return rc;
    }
    memcpy(p, c->in.data + c->in_pos, n);
    c->in_pos += n;
    return KC_OK;
}

/* The next whole message, decoded: a struct whose tag is the signature. */
static int read_message(bolt_conn *c, ps_val *msg, strbuf *raw, kc_error *err) {
    for (;;) {
        size_t used = 0;
        raw->len = 0;
        int rc = bolt_unchunk((const uint8_t *)c->in.data + c->in_pos, c->in.len - c->in_pos, &used, raw);
        if (rc == KC_OK) {
            c->in_pos += used;
            break;
        }
        if ((rc = read_more(c, err))) return rc;
    }
    char why[256];
    if (raw->failed) {
        c->broken = 1;
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    if (bolt_message_decode((const uint8_t *)raw->data, raw->len, msg, why, sizeof why)) {
        c->broken = 1;
        return kc_error_set(err, KC_EFATAL, "Neo4j at %s:%s sent a message that is not Bolt: %s", c->opt.host,
                            c->opt.port, why);
    }
    return KC_OK;
}

static int flush_out(bolt_conn *c, kc_error *err) {
    if (c->out.failed) {
        c->out.len = 0, c->out.failed = 0;
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    int rc = write_all(c, c->out.data, c->out.len, err);
    c->out.len = 0;
    return rc;
}

/* Appends one message: the struct in `body` (signature and fields) in chunks. */
static void queue_message(bolt_conn *c, const strbuf *body) {
    if (body->failed) c->out.failed = 1;
    else bolt_chunk(&c->out, (const uint8_t *)body->data, body->len);
}

/* ---- replies ------------------------------------------------------------------------------ */

/* A FAILURE's outcome class from its code (Neo.<Classification>.<Category>.<Title>). */
static int failure_class(const char *code) {
    if (!strncmp(code, "Neo.TransientError.", 19)) return KC_ERETRY;
    if (!strcmp(code, "Neo.ClientError.Cluster.NotALeader") ||
        !strcmp(code, "Neo.ClientError.Database.DatabaseUnavailable") ||
        !strcmp(code, "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase"))
        return KC_ERETRY;
    if (!strncmp(code, "Neo.ClientError.Security.", 25) || !strncmp(code, "Neo.ClientError.Statement.Syntax", 32) ||
        !strcmp(code, "Neo.ClientError.Statement.ParameterMissing") ||
        !strcmp(code, "Neo.ClientError.Database.DatabaseNotFound") ||
        !strncmp(code, "Neo.ClientError.Request.", 24) || !strncmp(code, "Neo.DatabaseError.", 18))
        return KC_EFATAL;
    if (!strncmp(code, "Neo.ClientError.", 16)) return KC_EINVAL; /* about the data: constraints, types */
    return KC_EFATAL;
}

/* Reads the reply to one request: SUCCESS (KC_OK), FAILURE (classified, message and code
 * kept) or IGNORED (KC_EINVAL with *ignored set). RECORDs before it are skipped. */
static int read_summary(bolt_conn *c, int *ignored, char *code, size_t code_size, kc_error *err) {
    strbuf raw = STRBUF_INIT;
    int rc;
    for (;;) {
        ps_val msg;
        if ((rc = read_message(c, &msg, &raw, err))) break;
        uint8_t sig = msg.u.st.tag;
        const ps_val *meta = msg.u.st.len ? &msg.u.st.fields[0] : NULL;
        if (sig == BOLT_RECORD) {
            ps_val_free(&msg);
            continue;
        }
        if (sig == BOLT_SUCCESS) {
            rc = KC_OK;
        } else if (sig == BOLT_IGNORED) {
            *ignored = 1;
            rc = KC_EINVAL;
        } else if (sig == BOLT_FAILURE) {
            char text[400];
            /* Bolt 5.7+ says neo4j_code (beside GQL's gql_status), earlier versions code */
            const ps_val *cv = ps_map_get(meta, "neo4j_code");
            ps_text(cv ? cv : ps_map_get(meta, "code"), code, code_size);
            ps_text(ps_map_get(meta, "message"), text, sizeof text);
            rc = kc_error_set(err, failure_class(code), "%s: %s", code, text);
        } else {
            c->broken = 1;
            rc = kc_error_set(err, KC_EFATAL, "Neo4j at %s:%s sent message 0x%02X where a summary belongs",
                              c->opt.host, c->opt.port, sig);
        }
        ps_val_free(&msg);
        break;
    }
    strbuf_free(&raw);
    return rc;
}

/* RESET: leaves the failed state (the server ignores everything until then). */
static int reset(bolt_conn *c) {
    strbuf m = STRBUF_INIT;
    kc_error e;
    ps_struct_header(&m, 0, BOLT_RESET);
    queue_message(c, &m);
    strbuf_free(&m);
    int ignored = 0;
    char code[128] = "";
    if (flush_out(c, &e) || read_summary(c, &ignored, code, sizeof code, &e)) c->broken = 1;
    return c->broken ? KC_ERETRY : KC_OK;
}

/* ---- connecting --------------------------------------------------------------------------- */

static int tcp_connect(bolt_conn *c, kc_error *err) {
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(c->opt.host, c->opt.port, &hints, &res);
    if (g) return kc_error_set(err, KC_ERETRY, "cannot resolve Neo4j host %s: %s", c->opt.host, gai_strerror(g));
    char why[200] = "no address";
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) continue;
        int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r < 0 && errno == EINPROGRESS) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            int64_t ms = c->opt.connect_timeout_ms > 0 ? c->opt.connect_timeout_ms : 30000;
            r = poll(&pfd, 1, (int)(ms > 0x7fffffff ? 0x7fffffff : ms));
            int so = 0;
            socklen_t sl = sizeof so;
            if (r == 1 && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) && so == 0) r = 0;
            else {
                snprintf(why, sizeof why, "%s", r == 0 ? "timed out" : strerror(so ? so : errno));
                r = -1;
            }
        } else if (r < 0) {
            snprintf(why, sizeof why, "%s", strerror(errno));
        }
        if (r == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
            c->fd = fd;
            freeaddrinfo(res);
            return KC_OK;
        }
        close(fd);
    }
    freeaddrinfo(res);
    return kc_error_set(err, KC_ERETRY, "cannot connect to Neo4j at %s:%s: %s", c->opt.host, c->opt.port, why);
}

static void auth_entries(strbuf *m, const bolt_options *o) {
    if (!o->user) {
        ps_string(m, "scheme", 6), ps_string(m, "none", 4);
        return;
    }
    ps_string(m, "scheme", 6), ps_string(m, "basic", 5);
    ps_string(m, "principal", 9), ps_string(m, o->user, strlen(o->user));
    const char *pw = o->password ? o->password : "";
    ps_string(m, "credentials", 11), ps_string(m, pw, strlen(pw));
    if (o->realm && *o->realm) ps_string(m, "realm", 5), ps_string(m, o->realm, strlen(o->realm));
}

static size_t auth_count(const bolt_options *o) { return !o->user ? 1 : o->realm && *o->realm ? 4 : 3; }

static int handshake(bolt_conn *c, kc_error *err) {
    /* magic, then four proposals: 5.8 down to 5.0, 4.4 down to 4.1, 4.0, none */
    static const uint8_t hello[20] = {0x60, 0x60, 0xB0, 0x17, 0, 8, 8, 5, 0, 3, 4, 4, 0, 0, 0, 4, 0, 0, 0, 0};
    int rc = write_all(c, (const char *)hello, sizeof hello, err);
    uint8_t v[4];
    if (!rc) rc = read_exact(c, v, 4, err);
    if (rc) return rc;
    if (v[0] == 'H' && v[1] == 'T' && v[2] == 'T' && v[3] == 'P')
        return kc_error_set(err, KC_EFATAL, "%s:%s answers HTTP, not Bolt: neo4j.server.uri names the Bolt port "
                            "(7687), not the HTTP one", c->opt.host, c->opt.port);
    if (!v[2] && !v[3])
        return kc_error_set(err, KC_EFATAL, "Neo4j at %s:%s speaks none of Bolt 4.0 to 5.8 (Neo4j 4.0 or newer is "
                            "needed)", c->opt.host, c->opt.port);
    c->version = v[3] << 8 | v[2];
    if (v[3] < 4 || v[3] > 5)
        return kc_error_set(err, KC_EFATAL, "Neo4j at %s:%s chose Bolt %d.%d, which was not offered", c->opt.host,
                            c->opt.port, v[3], v[2]);
    return KC_OK;
}

static int hello(bolt_conn *c, kc_error *err) {
    int major = c->version >> 8, minor = c->version & 0xFF;
    int logon = major > 5 || (major == 5 && minor >= 1); /* 5.1+: credentials in LOGON */
    int agent = major > 5 || (major == 5 && minor >= 3); /* 5.3+: bolt_agent required */
    strbuf m = STRBUF_INIT;
    ps_struct_header(&m, 1, BOLT_HELLO);
    ps_map_header(&m, 1 + (size_t)agent + (logon ? 0 : auth_count(&c->opt)));
    ps_string(&m, "user_agent", 10), ps_string(&m, c->agent, strlen(c->agent));
    if (agent) {
        ps_string(&m, "bolt_agent", 10);
        ps_map_header(&m, 1);
        ps_string(&m, "product", 7), ps_string(&m, c->agent, strlen(c->agent));
    }
    if (!logon) auth_entries(&m, &c->opt);
    queue_message(c, &m);
    if (logon) {
        m.len = 0;
        ps_struct_header(&m, 1, BOLT_LOGON);
        ps_map_header(&m, auth_count(&c->opt));
        auth_entries(&m, &c->opt);
        queue_message(c, &m);
    }
    if (m.data) explicit_bzero(m.data, m.cap); /* it held the password */
    strbuf_free(&m);
    int rc = flush_out(c, err);
    if (c->out.data) explicit_bzero(c->out.data, c->out.cap);
    int ignored = 0;
    char code[128] = "";
    for (int i = 0; i < (logon ? 2 : 1) && !rc; i++) rc = read_summary(c, &ignored, code, sizeof code, err);
    if (rc && !strncmp(code, "Neo.ClientError.Security.", 25)) {
        char msg[KC_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return kc_error_set(err, KC_EFATAL, "Neo4j at %s:%s refused the credentials of %s: %s", c->opt.host,
                            c->opt.port, c->opt.user ? c->opt.user : "(none)", msg);
    }
    return rc;
}

int bolt_connect(bolt_conn **out, const bolt_options *opt, kc_error *err) {
    *out = NULL;
    bolt_conn *c = calloc(1, sizeof *c);
    if (!c) return kc_error_set(err, KC_ENOMEM, "out of memory");
    c->fd = -1;
    c->opt = *opt;
    snprintf(c->agent, sizeof c->agent, "%s", opt->user_agent ? opt->user_agent : "kcd/1.0");
    int rc = tcp_connect(c, err);
    if (!rc) rc = handshake(c, err);
    if (!rc) rc = hello(c, err);
    if (rc) {
        c->broken = 1;
        bolt_close(c);
        return rc;
    }
    *out = c;
    return KC_OK;
}

void bolt_close(bolt_conn *c) {
    if (!c) return;
    if (c->fd >= 0) {
        if (!c->broken) { /* GOODBYE: the server closes without logging an error */
            static const char goodbye[] = {0x00, 0x02, (char)0xB0, BOLT_GOODBYE, 0x00, 0x00};
            (void)!send(c->fd, goodbye, sizeof goodbye, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        close(c->fd);
    }
    strbuf_free(&c->in);
    strbuf_free(&c->out);
    free(c);
}

/* ---- transactions ------------------------------------------------------------------------- */

static void tx_extra(bolt_conn *c, strbuf *m) {
    size_t n = (c->opt.database && *c->opt.database) + (c->opt.tx_timeout_ms > 0);
    ps_map_header(m, n);
    if (c->opt.database && *c->opt.database)
        ps_string(m, "db", 2), ps_string(m, c->opt.database, strlen(c->opt.database));
    if (c->opt.tx_timeout_ms > 0) ps_string(m, "tx_timeout", 10), ps_int(m, c->opt.tx_timeout_ms);
}

int bolt_run_tx(bolt_conn *c, const char *query, const strbuf *params, char *code, size_t code_size, kc_error *err) {
    code[0] = '\0';
    if (c->broken) return kc_error_set(err, KC_ERETRY, "the connection to Neo4j is broken");
    strbuf m = STRBUF_INIT;
    ps_struct_header(&m, 1, BOLT_BEGIN);
    tx_extra(c, &m);
    queue_message(c, &m);
    m.len = 0;
    ps_struct_header(&m, 3, BOLT_RUN);
    ps_string(&m, query, strlen(query));
    strbuf_append(&m, params->data ? params->data : "\xA0", params->data ? params->len : 1);
    if (params->failed) m.failed = 1;
    ps_map_header(&m, 0);
    queue_message(c, &m);
    m.len = 0;
    ps_struct_header(&m, 1, BOLT_DISCARD);
    ps_map_header(&m, 1);
    ps_string(&m, "n", 1), ps_int(&m, -1);
    queue_message(c, &m);
    m.len = 0;
    ps_struct_header(&m, 0, BOLT_COMMIT);
    queue_message(c, &m);
    strbuf_free(&m);
    int rc = flush_out(c, err);
    /* four replies; after a FAILURE the rest are IGNORED */
    int first = KC_OK;
    kc_error first_err = {0, ""};
    for (int i = 0; i < 4 && !rc; i++) {
        int ignored = 0;
        kc_error e;
        char ecode[128] = "";
        int r = read_summary(c, &ignored, ecode, sizeof ecode, &e);
        if (c->broken) {
            rc = r;
            *err = e;
            break;
        }
        if (r && !ignored && first == KC_OK) {
            first = r;
            first_err = e;
            snprintf(code, code_size, "%s", ecode);
        }
    }
    if (rc) return rc;
    if (first) {
        *err = first_err;
        if (reset(c)) c->broken = 1;
        return first;
    }
    return KC_OK;
}
