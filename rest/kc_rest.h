/* kc_rest.h - the REST API (Kafka Connect's, section 1 of kafka-connect-compat.md). router.c
 * answers requests through the herder only; server.c serves it over HTTP with libmicrohttpd. */
#ifndef KC_REST_H
#define KC_REST_H

#include "kc_herder.h"

/* A path longer than this is refused with 414, never cut (a cut path can name another route). */
#define KC_REST_MAX_PATH 8192
/* Request bodies: larger ones are refused with 413 before they are read. */
#define KC_REST_MAX_BODY (4 * 1024 * 1024)

/* One request, borrowed for the call. The path is percent-decoded and has no query; query
 * arguments are decoded, in order, repeated names kept (a value may be NULL: "?a"). */
typedef struct kc_rest_request {
    const char *method;
    const char *path;
    const char *content_type; /* NULL when absent */
    const char *body;
    size_t body_len;
    const char *const *arg_names;
    const char *const *arg_values;
    size_t nargs;
    /* headers a distributed worker reads or passes on when it forwards (NULL when absent) */
    const char *authorization;
    const char *signature, *signature_algorithm; /* X-Connect-Authorization, ...-Signature-Algorithm */
} kc_rest_request;

/* The answer; body and location are owned (free with kc_rest_response_free), content_type is
 * static. A NULL body is an empty one. */
typedef struct kc_rest_response {
    unsigned status;
    char *body;
    const char *content_type;
    char *location;
} kc_rest_response;

/* Sends rq to another worker (distributed mode: the leader, or the worker running a connector):
 * base_url + rq's path, its query with forward=`forward`, its body and the headers above. The
 * other worker's answer, whatever it is, becomes *out; no answer at all is a 409, as Connect's. */
void kc_rest_forward(const kc_rest_request *rq, const char *base_url, const char *forward, kc_rest_response *out);

/* Answers one request in Connect's shapes. Never fails: out of memory is a 500. */
void kc_rest_handle(kc_herder *h, const kc_rest_request *rq, kc_rest_response *out);
void kc_rest_response_free(kc_rest_response *r);

typedef struct kc_rest kc_rest;

/* Listens on the worker's first `listeners` entry (default http://127.0.0.1:8083; port 0 picks a
 * free port, logged as "REST server listening on ..."), with the worker's rest.* limits. */
kc_rest *kc_rest_start(kc_herder *h, const kc_config *worker_cfg, kc_error *err);
void kc_rest_stop(kc_rest *r);
int kc_rest_port(const kc_rest *r);

#endif
