/* kc_rest.h - the REST API (Kafka Connect's, section 1 of kafka-connect-compat.md) on
 * libmicrohttpd. It talks to the worker only through the herder. */
#ifndef KC_REST_H
#define KC_REST_H

#include "kc_herder.h"

typedef struct kc_rest kc_rest;

/* Listens on the worker's first `listeners` entry (default http://127.0.0.1:8083; port 0 picks a
 * free port, logged as "REST server listening on ..."). */
kc_rest *kc_rest_start(kc_herder *h, const kc_config *worker_cfg, kc_error *err);
void kc_rest_stop(kc_rest *r);
int kc_rest_port(const kc_rest *r);

#endif
