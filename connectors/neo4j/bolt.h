/* bolt.h - a Bolt client connection (Neo4j 4.x and 5.x servers, Bolt 4.0 to 5.8): TCP connect,
 * version handshake, HELLO/LOGON, and transactions of one statement with parameters, pipelined
 * (BEGIN, RUN, DISCARD, COMMIT in one write). Plain TCP only. */
#ifndef KCD_BOLT_H
#define KCD_BOLT_H

#include <stdint.h>

#include "packstream.h"

typedef struct bolt_conn bolt_conn;

typedef struct bolt_options {
    const char *host, *port;
    const char *user, *password, *realm; /* user NULL: scheme "none" */
    const char *database;                /* NULL: the server's default */
    int64_t connect_timeout_ms;
    int64_t io_timeout_ms;               /* nothing received for this long: the connection is lost */
    int64_t tx_timeout_ms;               /* 0: the server's */
    const char *user_agent;
    int (*should_stop)(void *arg);       /* polled while waiting; may be NULL */
    void *stop_arg;
} bolt_options;

/* Outcomes: KC_OK; KC_ERETRY (connection lost or refused, a Neo.TransientError, a database
 * unavailable: try again); KC_EINVAL (a Neo.ClientError about this data, e.g. a constraint);
 * KC_EFATAL (credentials refused, a statement that cannot run: syntax, missing parameters,
 * or a reply that is not Bolt). Messages name the server's code. */
int bolt_connect(bolt_conn **out, const bolt_options *opt, kc_error *err);
void bolt_close(bolt_conn *c); /* GOODBYE when connected; NULL is fine */
/* The negotiated version, e.g. 0x0504 for 5.4. */
int bolt_version(const bolt_conn *c);

/* Runs `query` with parameters (a PackStream map, already encoded) in its own transaction and
 * commits it; the results are discarded. After a failure the connection is reset (or, when
 * that fails, closed: bolt_usable() says which). *code gets the server's code ("" otherwise). */
int bolt_run_tx(bolt_conn *c, const char *query, const strbuf *params, char *code, size_t code_size, kc_error *err);
int bolt_usable(const bolt_conn *c);

#endif
