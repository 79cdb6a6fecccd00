/* kc_group_codec.h - the six classic group requests a Connect worker needs (ApiVersions v0,
 * FindCoordinator v2, JoinGroup v5, SyncGroup v3, Heartbeat v3, LeaveGroup v1: non-flexible
 * versions every broker from 2.3 to 4.x serves), encoded as whole frames (size prefix and request
 * header v1) and their responses decoded after the size prefix. Pure functions on bytes: the
 * decoders take anything a network gives (fuzzed: tests/fuzz/fuzz_group_response.c). */
#ifndef KC_GROUP_CODEC_H
#define KC_GROUP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "kc_buf.h"

enum {
    KC_API_JOIN_GROUP = 11, KC_API_HEARTBEAT = 12, KC_API_LEAVE_GROUP = 13, KC_API_SYNC_GROUP = 14,
    KC_API_FIND_COORDINATOR = 10, KC_API_VERSIONS = 18, KC_API_SASL_HANDSHAKE = 17, KC_API_SASL_AUTHENTICATE = 36
};

/* Kafka error codes the group client acts on */
enum {
    KC_KERR_NONE = 0,
    KC_KERR_COORDINATOR_LOAD_IN_PROGRESS = 14,
    KC_KERR_COORDINATOR_NOT_AVAILABLE = 15,
    KC_KERR_NOT_COORDINATOR = 16,
    KC_KERR_ILLEGAL_GENERATION = 22,
    KC_KERR_INCONSISTENT_GROUP_PROTOCOL = 23,
    KC_KERR_UNKNOWN_MEMBER_ID = 25,
    KC_KERR_INVALID_SESSION_TIMEOUT = 26,
    KC_KERR_REBALANCE_IN_PROGRESS = 27,
    KC_KERR_GROUP_AUTHORIZATION_FAILED = 30,
    KC_KERR_MEMBER_ID_REQUIRED = 79,
    KC_KERR_FENCED_INSTANCE_ID = 82
};

/* Kafka's name for an error code ("REBALANCE_IN_PROGRESS"), or "UNKNOWN_SERVER_ERROR (n)". */
const char *kc_kafka_error_name(int16_t code);

typedef struct kc_group_protocol {
    const char *name;
    const void *metadata;
    size_t len;
} kc_group_protocol;

typedef struct kc_group_member {
    char *member_id;
    uint8_t *metadata;
    size_t len;
} kc_group_member;

typedef struct kc_join_result {
    int16_t error;
    int32_t generation;
    char *protocol, *leader, *member_id;
    kc_group_member *members; /* the leader's only */
    size_t nmembers;
} kc_join_result;

void kc_join_result_clear(kc_join_result *j);

/* Request frames, appended to b (check b->failed). */
void kc_group_req_api_versions(kc_buf *b, int32_t corr, const char *client);
void kc_group_req_find_coordinator(kc_buf *b, int32_t corr, const char *client, const char *group);
void kc_group_req_join(kc_buf *b, int32_t corr, const char *client, const char *group, int32_t session_ms,
                       int32_t rebalance_ms, const char *member_id, const char *protocol_type,
                       const kc_group_protocol *protocols, size_t nprotocols);
/* assignments: the leader's, one per member id (NULL/0 from a follower) */
void kc_group_req_sync(kc_buf *b, int32_t corr, const char *client, const char *group, int32_t generation,
                       const char *member_id, const char *const *member_ids, const kc_buf *assignments, size_t n);
void kc_group_req_heartbeat(kc_buf *b, int32_t corr, const char *client, const char *group, int32_t generation,
                            const char *member_id);
void kc_group_req_leave(kc_buf *b, int32_t corr, const char *client, const char *group, const char *member_id);
/* LeaveGroup v3 for one member by identity: how a static member (KIP-345), which does not leave
 * when its consumer closes, is removed (Java's Admin.removeMembersFromConsumerGroup). */
void kc_group_req_leave_member(kc_buf *b, int32_t corr, const char *client, const char *group, const char *member_id,
                               const char *instance_id);
/* SASL (SaslHandshake v1, then SaslAuthenticate v1 frames carrying the mechanism's messages) */
void kc_group_req_sasl_handshake(kc_buf *b, int32_t corr, const char *client, const char *mechanism);
void kc_group_req_sasl_authenticate(kc_buf *b, int32_t corr, const char *client, const void *auth, size_t len);

/* Response decoders: the bytes after the size prefix (correlation id first). 0, or -1 when the
 * bytes are not that response (nothing to free then). `corr` is checked against the request's. */

/* 0 when the broker serves every version the client sends; else -1 with *missing the first API
 * key it lacks (or error code set). */
int kc_group_resp_api_versions(const void *data, size_t len, int32_t corr, int16_t *error, int16_t *missing);
int kc_group_resp_find_coordinator(const void *data, size_t len, int32_t corr, int16_t *error, char **host,
                                   int32_t *port);
int kc_group_resp_join(const void *data, size_t len, int32_t corr, kc_join_result *out);
/* *assignment handed over (NULL when empty) */
int kc_group_resp_sync(const void *data, size_t len, int32_t corr, int16_t *error, uint8_t **assignment,
                       size_t *assignment_len);
/* Heartbeat and LeaveGroup answer the same shape: throttle time and an error code. */
int kc_group_resp_error_only(const void *data, size_t len, int32_t corr, int16_t *error);
/* LeaveGroup v3's answer: *error the group's error, else the member's. */
int kc_group_resp_leave_member(const void *data, size_t len, int32_t corr, int16_t *error);
/* *mechanisms: the broker's enabled mechanisms, comma-separated (handed over). */
int kc_group_resp_sasl_handshake(const void *data, size_t len, int32_t corr, int16_t *error, char **mechanisms);
/* *message (NULL when none) and *auth (NUL-terminated after auth_len bytes, NULL when none)
 * handed over. */
int kc_group_resp_sasl_authenticate(const void *data, size_t len, int32_t corr, int16_t *error, char **message,
                                    uint8_t **auth, size_t *auth_len);

#endif
