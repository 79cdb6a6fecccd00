/* group_codec.c - the group requests and responses (kc_group_codec.h). */
#define _GNU_SOURCE
#include "kc_group_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_wire.h"

/* the versions this client sends (the group's, checked against ApiVersions; SASL's every broker
 * since 1.0 serves) */
static const struct {
    int16_t key, version;
} used[] = {{KC_API_VERSIONS, 0},   {KC_API_FIND_COORDINATOR, 2}, {KC_API_JOIN_GROUP, 5},
            {KC_API_SYNC_GROUP, 3}, {KC_API_HEARTBEAT, 3},         {KC_API_LEAVE_GROUP, 1}};

static int16_t version_of(int16_t key) {
    if (key == KC_API_SASL_HANDSHAKE || key == KC_API_SASL_AUTHENTICATE) return 1;
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
        if (used[i].key == key) return used[i].version;
    return 0;
}

const char *kc_kafka_error_name(int16_t code) {
    switch (code) {
    case 0: return "NONE";
    case 14: return "COORDINATOR_LOAD_IN_PROGRESS";
    case 15: return "COORDINATOR_NOT_AVAILABLE";
    case 16: return "NOT_COORDINATOR";
    case 22: return "ILLEGAL_GENERATION";
    case 23: return "INCONSISTENT_GROUP_PROTOCOL";
    case 24: return "INVALID_GROUP_ID";
    case 25: return "UNKNOWN_MEMBER_ID";
    case 26: return "INVALID_SESSION_TIMEOUT";
    case 27: return "REBALANCE_IN_PROGRESS";
    case 30: return "GROUP_AUTHORIZATION_FAILED";
    case 33: return "UNSUPPORTED_SASL_MECHANISM";
    case 34: return "ILLEGAL_SASL_STATE";
    case 35: return "UNSUPPORTED_VERSION";
    case 58: return "SASL_AUTHENTICATION_FAILED";
    case 79: return "MEMBER_ID_REQUIRED";
    case 81: return "GROUP_MAX_SIZE_REACHED";
    case 82: return "FENCED_INSTANCE_ID";
    default: return "UNKNOWN_SERVER_ERROR";
    }
}

/* size placeholder and request header v1 at the given API version; returns where the size goes */
static size_t header_at(kc_buf *b, int16_t key, int16_t version, int32_t corr, const char *client) {
    size_t at = b->len;
    kc_wire_i32(b, 0);
    kc_wire_i16(b, key);
    kc_wire_i16(b, version);
    kc_wire_i32(b, corr);
    kc_wire_str(b, client);
    return at;
}

static size_t header(kc_buf *b, int16_t key, int32_t corr, const char *client) {
    return header_at(b, key, version_of(key), corr, client);
}

static void finish(kc_buf *b, size_t at) { kc_wire_patch_i32(b, at, (int32_t)(b->len - at - 4)); }

void kc_group_req_api_versions(kc_buf *b, int32_t corr, const char *client) {
    finish(b, header(b, KC_API_VERSIONS, corr, client));
}

void kc_group_req_find_coordinator(kc_buf *b, int32_t corr, const char *client, const char *group) {
    size_t at = header(b, KC_API_FIND_COORDINATOR, corr, client);
    kc_wire_str(b, group);
    kc_wire_i8(b, 0); /* key type: group */
    finish(b, at);
}

void kc_group_req_join(kc_buf *b, int32_t corr, const char *client, const char *group, int32_t session_ms,
                       int32_t rebalance_ms, const char *member_id, const char *protocol_type,
                       const kc_group_protocol *protocols, size_t nprotocols) {
    size_t at = header(b, KC_API_JOIN_GROUP, corr, client);
    kc_wire_str(b, group);
    kc_wire_i32(b, session_ms);
    kc_wire_i32(b, rebalance_ms);
    kc_wire_str(b, member_id ? member_id : "");
    kc_wire_str(b, NULL); /* no static membership: Connect has none */
    kc_wire_str(b, protocol_type);
    kc_wire_i32(b, (int32_t)nprotocols);
    for (size_t i = 0; i < nprotocols; i++) {
        kc_wire_str(b, protocols[i].name);
        kc_wire_bytes(b, protocols[i].metadata ? protocols[i].metadata : "", protocols[i].len);
    }
    finish(b, at);
}

void kc_group_req_sync(kc_buf *b, int32_t corr, const char *client, const char *group, int32_t generation,
                       const char *member_id, const char *const *member_ids, const kc_buf *assignments, size_t n) {
    size_t at = header(b, KC_API_SYNC_GROUP, corr, client);
    kc_wire_str(b, group);
    kc_wire_i32(b, generation);
    kc_wire_str(b, member_id);
    kc_wire_str(b, NULL);
    kc_wire_i32(b, (int32_t)n);
    for (size_t i = 0; i < n; i++) {
        kc_wire_str(b, member_ids[i]);
        kc_wire_bytes(b, assignments[i].data ? assignments[i].data : "", assignments[i].len);
    }
    finish(b, at);
}

void kc_group_req_heartbeat(kc_buf *b, int32_t corr, const char *client, const char *group, int32_t generation,
                            const char *member_id) {
    size_t at = header(b, KC_API_HEARTBEAT, corr, client);
    kc_wire_str(b, group);
    kc_wire_i32(b, generation);
    kc_wire_str(b, member_id);
    kc_wire_str(b, NULL);
    finish(b, at);
}

void kc_group_req_leave(kc_buf *b, int32_t corr, const char *client, const char *group, const char *member_id) {
    size_t at = header(b, KC_API_LEAVE_GROUP, corr, client);
    kc_wire_str(b, group);
    kc_wire_str(b, member_id);
    finish(b, at);
}

void kc_group_req_leave_member(kc_buf *b, int32_t corr, const char *client, const char *group, const char *member_id,
                               const char *instance_id) {
    size_t at = header_at(b, KC_API_LEAVE_GROUP, 3, corr, client); /* v3: members by identity (KIP-345) */
    kc_wire_str(b, group);
    kc_wire_i32(b, 1);
    kc_wire_str(b, member_id ? member_id : "");
    kc_wire_str(b, instance_id);
    finish(b, at);
}

void kc_group_req_sasl_handshake(kc_buf *b, int32_t corr, const char *client, const char *mechanism) {
    size_t at = header(b, KC_API_SASL_HANDSHAKE, corr, client);
    kc_wire_str(b, mechanism);
    finish(b, at);
}

void kc_group_req_sasl_authenticate(kc_buf *b, int32_t corr, const char *client, const void *auth, size_t len) {
    size_t at = header(b, KC_API_SASL_AUTHENTICATE, corr, client);
    kc_wire_bytes(b, auth ? auth : "", len);
    finish(b, at);
}

static int start(kc_wire_reader *r, int32_t corr) {
    return kc_wire_get_i32(r) == corr && !r->bad ? 0 : -1;
}

int kc_group_resp_api_versions(const void *data, size_t len, int32_t corr, int16_t *error, int16_t *missing) {
    kc_wire_reader r = kc_wire_reader_of(data, len);
    *missing = -1;
    if (start(&r, corr)) return -1;
    *error = kc_wire_get_i16(&r);
    int32_t n = kc_wire_get_count(&r, 6);
    int found[sizeof used / sizeof used[0]] = {0};
    for (int32_t i = 0; i < n && !r.bad; i++) {
        int16_t key = kc_wire_get_i16(&r), min = kc_wire_get_i16(&r), max = kc_wire_get_i16(&r);
        for (size_t u = 0; u < sizeof used / sizeof used[0]; u++)
            if (used[u].key == key && used[u].version >= min && used[u].version <= max) found[u] = 1;
    }
    if (r.bad) return -1;
    if (*error) return -1;
    for (size_t u = 0; u < sizeof used / sizeof used[0]; u++)
        if (!found[u]) {
            *missing = used[u].key;
            return -1;
        }
    return 0;
}

int kc_group_resp_find_coordinator(const void *data, size_t len, int32_t corr, int16_t *error, char **host,
                                   int32_t *port) {
    kc_wire_reader r = kc_wire_reader_of(data, len);
    *host = NULL;
    if (start(&r, corr)) return -1;
    kc_wire_get_i32(&r); /* throttle */
    *error = kc_wire_get_i16(&r);
    size_t ml;
    kc_wire_get_str(&r, &ml); /* error message */
    kc_wire_get_i32(&r);      /* node id */
    *host = kc_wire_get_strdup(&r);
    *port = kc_wire_get_i32(&r);
    if (r.bad || (!*error && (!*host || *port <= 0 || *port > 65535))) {
        free(*host);
        *host = NULL;
        return -1;
    }
    return 0;
}

int kc_group_resp_join(const void *data, size_t len, int32_t corr, kc_join_result *out) {
    memset(out, 0, sizeof *out);
    kc_wire_reader r = kc_wire_reader_of(data, len);
    if (start(&r, corr)) return -1;
    kc_wire_get_i32(&r);
    out->error = kc_wire_get_i16(&r);
    out->generation = kc_wire_get_i32(&r);
    out->protocol = kc_wire_get_strdup(&r); /* null when the join failed */
    out->leader = kc_wire_get_strdup(&r);
    out->member_id = kc_wire_get_strdup(&r);
    int32_t n = kc_wire_get_count(&r, 8);
    if (n > 0 && !r.bad) {
        out->members = calloc((size_t)n, sizeof *out->members);
        if (!out->members) r.bad = 1;
    }
    for (int32_t i = 0; i < n && !r.bad; i++) {
        kc_group_member *m = &out->members[out->nmembers++];
        m->member_id = kc_wire_get_strdup(&r);
        size_t il;
        kc_wire_get_str(&r, &il); /* group instance id: none in a Connect group */
        size_t ml;
        const uint8_t *md = kc_wire_get_bytes(&r, &ml);
        if (!m->member_id) r.bad = 1;
        if (md && !r.bad) {
            m->metadata = malloc(ml ? ml : 1);
            if (!m->metadata) r.bad = 1;
            else memcpy(m->metadata, md, ml), m->len = ml;
        }
    }
    if (!r.bad && !out->error && (!out->member_id || !out->leader || !out->protocol)) r.bad = 1;
    if (r.bad) {
        kc_join_result_clear(out);
        return -1;
    }
    return 0;
}

void kc_join_result_clear(kc_join_result *j) {
    for (size_t i = 0; i < j->nmembers; i++) {
        free(j->members[i].member_id);
        free(j->members[i].metadata);
    }
    free(j->members);
    free(j->protocol);
    free(j->leader);
    free(j->member_id);
    memset(j, 0, sizeof *j);
}

int kc_group_resp_sync(const void *data, size_t len, int32_t corr, int16_t *error, uint8_t **assignment,
                       size_t *assignment_len) {
    kc_wire_reader r = kc_wire_reader_of(data, len);
    *assignment = NULL, *assignment_len = 0;
    if (start(&r, corr)) return -1;
    kc_wire_get_i32(&r);
    *error = kc_wire_get_i16(&r);
    size_t n;
    const uint8_t *a = kc_wire_get_bytes(&r, &n);
    if (r.bad) return -1;
    if (a && n) {
        *assignment = malloc(n);
        if (!*assignment) return -1;
        memcpy(*assignment, a, n);
        *assignment_len = n;
    }
    return 0;
}

int kc_group_resp_error_only(const void *data, size_t len, int32_t corr, int16_t *error) {
    kc_wire_reader r = kc_wire_reader_of(data, len);
    if (start(&r, corr)) return -1;
    kc_wire_get_i32(&r);
    *error = kc_wire_get_i16(&r);
    return r.bad ? -1 : 0;
}

int kc_group_resp_sasl_handshake(const void *data, size_t len, int32_t corr, int16_t *error, char **mechanisms) {
    kc_wire_reader r = kc_wire_reader_of(data, len);
    *mechanisms = NULL;
    if (start(&r, corr)) return -1;
    *error = kc_wire_get_i16(&r);
    int32_t n = kc_wire_get_count(&r, 2);
    kc_buf list = KC_BUF_INIT;
    for (int32_t i = 0; i < n && !r.bad; i++) {
        size_t ml;
        const char *m = kc_wire_get_str(&r, &ml);
        if (!m) r.bad = 1;
        else kc_buf_printf(&list, "%s%.*s", i ? "," : "", (int)ml, m);
    }
    kc_buf_putc(&list, '\0');
    if (r.bad || list.failed) {
        kc_buf_free(&list);
        return -1;
    }
    *mechanisms = (char *)list.data; /* handed over */
    return 0;
}

int kc_group_resp_sasl_authenticate(const void *data, size_t len, int32_t corr, int16_t *error, char **message,
                                    uint8_t **auth, size_t *auth_len) {
    kc_wire_reader r = kc_wire_reader_of(data, len);
    *message = NULL, *auth = NULL, *auth_len = 0;
    if (start(&r, corr)) return -1;
    *error = kc_wire_get_i16(&r);
    *message = kc_wire_get_strdup(&r);
    size_t n;
    const uint8_t *a = kc_wire_get_bytes(&r, &n);
    kc_wire_get_i64(&r); /* session lifetime: re-authentication (KIP-368) is not done */
    if (!r.bad && a) {
        *auth = malloc(n + 1); /* NUL-terminated: SCRAM messages are text */
        if (*auth) memcpy(*auth, a, n), (*auth)[n] = 0, *auth_len = n;
        else r.bad = 1;
    }
    if (r.bad) {
        free(*message);
        free(*auth);
        *message = NULL, *auth = NULL, *auth_len = 0;
        return -1;
    }
    return 0;
}

int kc_group_resp_leave_member(const void *data, size_t len, int32_t corr, int16_t *error) {
    kc_wire_reader r = kc_wire_reader_of(data, len);
    if (start(&r, corr)) return -1;
    kc_wire_get_i32(&r); /* throttle */
    *error = kc_wire_get_i16(&r);
    int32_t n = kc_wire_get_count(&r, 8);
    for (int32_t i = 0; i < n && !r.bad; i++) {
        size_t l;
        kc_wire_get_str(&r, &l); /* member id */
        kc_wire_get_str(&r, &l); /* group instance id */
        int16_t member_error = kc_wire_get_i16(&r);
        if (!*error) *error = member_error; /* one member asked for: its answer is the answer */
    }
    return r.bad ? -1 : 0;
}
