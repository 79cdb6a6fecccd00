/* kc_group.h - a member of a classic Kafka consumer group of another protocol type (Connect's
 * "connect"): one blocking TCP connection to the group coordinator, one request in flight.
 * librdkafka cannot run such a member (its groups are protocol type "consumer" with its own
 * assignors), so kcd speaks the six requests itself; everything else stays on librdkafka.
 * Plaintext or TLS (OpenSSL), with SASL PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 on top; the worker
 * refuses any other security setting at start (kc_group_security_from_config).
 *
 * Calls return 0, a positive Kafka error code the broker answered (kc_group_codec.h: the caller
 * decides: rejoin, rediscover, give up), or a negative kc_error code with `err` filled (the
 * connection is then closed; the next call reconnects). */
#ifndef KC_GROUP_H
#define KC_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include <kc/kc_error.h>
#include "kc_group_codec.h"

/* How to reach the brokers: the worker's security.protocol, ssl.* and sasl.* keys, as its
 * librdkafka clients take them. Strings are copied by kc_group_new. */
typedef struct kc_group_security {
    int tls;                    /* security.protocol SSL or SASL_SSL */
    const char *ca_location;    /* ssl.ca.location: PEM file or directory; NULL: the system's CAs */
    const char *certificate_location, *key_location, *key_password; /* a client certificate (mutual TLS) */
    int verify_certificate;     /* enable.ssl.certificate.verification (default true) */
    int verify_hostname;        /* ssl.endpoint.identification.algorithm=https (default) */
    const char *sasl_mechanism; /* NULL: no SASL; else PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 */
    const char *sasl_username, *sasl_password;
} kc_group_security;

typedef struct kc_group_conf {
    const char *bootstrap;     /* bootstrap.servers: host:port[,host:port...] */
    const char *group_id;
    const char *client_id;
    const char *protocol_type; /* "connect" */
    int32_t session_timeout_ms, rebalance_timeout_ms;
    int32_t request_timeout_ms; /* any request but JoinGroup (which may wait a rebalance out) */
    kc_group_security security;
} kc_group_conf;

typedef struct kc_group kc_group;

/* Copies what it needs of conf. NULL with err filled on a bad bootstrap list or no memory. */
kc_group *kc_group_new(const kc_group_conf *conf, kc_error *err);
/* Closes the connection without leaving the group (a crash, as the group sees it). */
void kc_group_destroy(kc_group *g);

/* JoinGroup until the broker gives a member id and a generation (MEMBER_ID_REQUIRED answered
 * by joining again with the id given). out is the caller's (kc_join_result_clear). */
int kc_group_join(kc_group *g, const kc_group_protocol *protocols, size_t n, kc_join_result *out, kc_error *err);
/* SyncGroup: the leader passes every member's assignment, a follower none; *assignment handed over. */
int kc_group_sync(kc_group *g, const char *const *member_ids, const kc_buf *assignments, size_t n,
                  uint8_t **assignment, size_t *assignment_len, kc_error *err);
int kc_group_heartbeat(kc_group *g, kc_error *err);
/* LeaveGroup: the group rebalances at once instead of after the session timeout. */
int kc_group_leave(kc_group *g, kc_error *err);

/* LeaveGroup for another member, by its member id and static instance id (a consumer's, which
 * librdkafka does not take out of the group when it closes). */
int kc_group_remove_member(kc_group *g, const char *member_id, const char *instance_id, kc_error *err);

const char *kc_group_member_id(const kc_group *g);
int32_t kc_group_generation(const kc_group *g);
/* Forget the member id and generation (after UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION). */
void kc_group_reset(kc_group *g);

#endif
