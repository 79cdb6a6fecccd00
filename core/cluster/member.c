/* member.c - a worker's membership of its Connect group (kc_member.h). */
#define _GNU_SOURCE
#include "kc_member.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kc_log.h"
#include "kc_worker_int.h"

struct kc_member {
    kc_group *group;
    kc_member_callbacks cb;
    void *opaque;
    char *url;
    const char *names[3];
    int16_t versions[3];
    size_t nprotocols;
    int32_t heartbeat_ms;
    pthread_t thread;
    int stopping, rejoin; /* atomics */
    kc_work_list held;    /* the member thread's own */
    int has_allocation;
    int eager;            /* the group runs the eager protocol (default) */
    int32_t session_timeout_ms;
};

/* The session is known to hold until sent + session.timeout.ms (less a second, for clocks). */
static void session_renewed(kc_member *m, int64_t sent_ms) {
    if (m->cb.session) m->cb.session(m->opaque, sent_ms + (m->session_timeout_ms > 2000 ? m->session_timeout_ms - 1000 : m->session_timeout_ms / 2));
}

static void sleep_ms(int64_t ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static int stopping(kc_member *m) { return __atomic_load_n(&m->stopping, __ATOMIC_ACQUIRE); }

/* Stops everything it holds (session lost, or leaving). */
static void drop_all(kc_member *m) {
    if (m->held.len) m->cb.stop(m->opaque, &m->held);
    kc_work_free(&m->held);
    m->has_allocation = 0;
}

static int join(kc_member *m, kc_join_result *j, kc_error *err) {
    kc_buf blobs[3] = {KC_BUF_INIT, KC_BUF_INIT, KC_BUF_INIT};
    kc_group_protocol protos[3];
    if (m->cb.joining) m->cb.joining(m->opaque);
    int64_t offset = m->cb.config_offset(m->opaque);
    for (size_t i = 0; i < m->nprotocols; i++) {
        kc_connect_metadata md = {.version = m->versions[i], .url = m->url, .config_offset = offset,
                                  .has_allocation = m->has_allocation};
        md.allocation = (kc_connect_assignment){.version = m->versions[i], .leader = "", .leader_url = "",
                                                .assigned = m->held};
        kc_connect_metadata_encode(&blobs[i], &md);
        protos[i] = (kc_group_protocol){m->names[i], blobs[i].data, blobs[i].len};
    }
    int failed = blobs[0].failed || blobs[1].failed || blobs[2].failed;
    int rc = failed ? kc_error_set(err, KC_ENOMEM, "out of memory") : kc_group_join(m->group, protos, m->nprotocols, j, err);
    for (int i = 0; i < 3; i++) kc_buf_free(&blobs[i]);
    return rc;
}

/* The leader's assignments, one per member, encoded (blobs[i] for j->members[i]). */
static int lead(kc_member *m, const kc_join_result *j, kc_buf *blobs, kc_error *err) {
    const kc_assignor_connector *conns = NULL;
    size_t nconns = 0;
    int64_t offset = -1;
    if (m->cb.snapshot(m->opaque, &conns, &nconns, &offset))
        return kc_error_set(err, KC_ERETRY, "no config snapshot to assign from");
    kc_connect_metadata *mds = calloc(j->nmembers, sizeof *mds);
    kc_assignor_member *members = calloc(j->nmembers, sizeof *members);
    kc_connect_assignment *out = calloc(j->nmembers, sizeof *out);
    int rc = mds && members && out ? KC_OK : kc_error_set(err, KC_ENOMEM, "out of memory");
    size_t decoded = 0;
    for (; decoded < j->nmembers && !rc; decoded++) {
        if (kc_connect_metadata_decode(j->members[decoded].metadata, j->members[decoded].len, &mds[decoded])) {
            rc = kc_error_set(err, KC_EFATAL, "group member %s sent metadata that is not Connect's",
                              j->members[decoded].member_id);
            break;
        }
        members[decoded] = (kc_assignor_member){j->members[decoded].member_id, &mds[decoded]};
    }
    int16_t version = !strcmp(j->protocol, KC_CONNECT_SESSIONED) ? 2 : !strcmp(j->protocol, KC_CONNECT_COMPATIBLE) ? 1 : 0;
    kc_assignor_input in = {version, j->member_id, m->url, offset, conns, nconns, members, j->nmembers};
    if (!rc && kc_assign(&in, out)) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    for (size_t i = 0; i < j->nmembers && !rc; i++) {
        kc_connect_assignment_encode(&blobs[i], &out[i]);
        if (blobs[i].failed) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; out && i < j->nmembers; i++) kc_connect_assignment_clear(&out[i]);
    for (size_t i = 0; i < decoded; i++) kc_connect_metadata_clear(&mds[i]);
    free(out);
    free(members);
    free(mds);
    return rc;
}

/* Applies an assignment: stop the revoked, catch up with the config, start the new. Returns 1
 * when the member must rejoin at once (something revoked, or a config mismatch). */
static int apply(kc_member *m, const kc_connect_assignment *a, int32_t generation) {
    if (a->error == KC_ASSIGN_CONFIG_MISMATCH) {
        KC_INFO("Member", "the leader's config is ahead (offset %lld): reading the config topic, then rejoining",
                (long long)a->config_offset);
        m->cb.catch_up(m->opaque, a->config_offset);
        return 1;
    }
    m->eager = a->version == 0; /* whole assignments: all of it stops before the next join */
    if (a->revoked.len) {
        m->cb.stop(m->opaque, &a->revoked);
        kc_work_list keep = {0};
        for (size_t i = 0; i < m->held.len; i++)
            if (!kc_work_has(&a->revoked, m->held.items[i].connector, m->held.items[i].task))
                kc_work_add(&keep, m->held.items[i].connector, m->held.items[i].task);
        kc_work_free(&m->held);
        m->held = keep;
    }
    if (m->cb.config_offset(m->opaque) < a->config_offset && m->cb.catch_up(m->opaque, a->config_offset)) return 1;
    for (size_t i = 0; i < a->assigned.len; i++) kc_work_add(&m->held, a->assigned.items[i].connector, a->assigned.items[i].task);
    m->has_allocation = 1;
    m->cb.start(m->opaque, &a->assigned, a->leader_url, generation, a->version);
    return a->revoked.len > 0; /* Connect rejoins once more after stopping what it gave up */
}

static void *run(void *arg) {
    kc_member *m = arg;
    while (!stopping(m)) {
        kc_error err = {0};
        kc_join_result j;
        /* eager: nothing runs across a rebalance (Connect's onJoinPrepare), since the leader may
         * hand any of it to another member */
        if (m->eager) drop_all(m);
        int64_t join_sent = kc_now_ms();
        int rc = join(m, &j, &err);
        if (rc) {
            KC_WARN("Member", "joining the group: %s", rc < 0 ? err.msg : kc_kafka_error_name((int16_t)rc));
            if (rc == KC_KERR_UNKNOWN_MEMBER_ID || rc == KC_KERR_ILLEGAL_GENERATION) {
                drop_all(m); /* the session is gone: someone else may run this work now */
                kc_group_reset(m->group);
            }
            sleep_ms(1000);
            continue;
        }
        int leader = !strcmp(j.leader, j.member_id);
        kc_buf *blobs = leader ? calloc(j.nmembers ? j.nmembers : 1, sizeof *blobs) : NULL;
        const char **ids = leader ? calloc(j.nmembers ? j.nmembers : 1, sizeof *ids) : NULL;
        size_t n = 0;
        if (leader && blobs && ids && !lead(m, &j, blobs, &err)) {
            n = j.nmembers;
            for (size_t i = 0; i < n; i++) ids[i] = j.members[i].member_id;
        } else if (leader) {
            KC_WARN("Member", "leading generation %d: %s", j.generation, err.msg);
        }
        uint8_t *bytes = NULL;
        size_t len = 0;
        rc = kc_group_sync(m->group, ids, blobs, n, &bytes, &len, &err);
        for (size_t i = 0; blobs && i < j.nmembers; i++) kc_buf_free(&blobs[i]);
        free(blobs);
        free(ids);
        int32_t generation = j.generation;
        kc_join_result_clear(&j);
        kc_connect_assignment a;
        if (rc || !bytes || kc_connect_assignment_decode(bytes, len, &a)) {
            if (rc) KC_INFO("Member", "sync: %s", rc < 0 ? err.msg : kc_kafka_error_name((int16_t)rc));
            free(bytes);
            continue;
        }
        free(bytes);
        session_renewed(m, join_sent);
        int again = apply(m, &a, generation);
        kc_connect_assignment_clear(&a);
        if (again) continue;
        /* heartbeat until the group rebalances, a rejoin is asked for, or the member stops */
        for (;;) {
            for (int64_t slept = 0; slept < m->heartbeat_ms && !stopping(m) &&
                                    !__atomic_load_n(&m->rejoin, __ATOMIC_ACQUIRE); slept += 50)
                sleep_ms(50);
            if (stopping(m)) break;
            if (__atomic_exchange_n(&m->rejoin, 0, __ATOMIC_ACQ_REL)) break;
            int64_t sent = kc_now_ms();
            rc = kc_group_heartbeat(m->group, &err);
            if (!rc) {
                session_renewed(m, sent);
                continue;
            }
            if (rc == KC_KERR_UNKNOWN_MEMBER_ID || rc == KC_KERR_ILLEGAL_GENERATION) {
                KC_WARN("Member", "the group's session is lost (%s): stopping everything this worker ran",
                        kc_kafka_error_name((int16_t)rc));
                drop_all(m);
                kc_group_reset(m->group);
            } else if (rc < 0) {
                KC_WARN("Member", "heartbeat: %s", err.msg);
            }
            break;
        }
    }
    kc_error err = {0};
    kc_group_leave(m->group, &err);
    drop_all(m);
    return NULL;
}

kc_member *kc_member_start(const kc_group_conf *conf, const char *protocol, const char *url, int32_t heartbeat_ms,
                           const kc_member_callbacks *cb, void *opaque, kc_error *err) {
    kc_member *m = calloc(1, sizeof *m);
    if (!m) {
        kc_error_set(err, KC_ENOMEM, "out of memory");
        return NULL;
    }
    m->nprotocols = kc_connect_protocols(protocol, m->names, m->versions);
    if (!m->nprotocols) {
        free(m);
        kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration connect.protocol: String must be one of: "
                     "eager, compatible, sessioned", protocol);
        return NULL;
    }
    m->cb = *cb, m->opaque = opaque, m->heartbeat_ms = heartbeat_ms > 0 ? heartbeat_ms : 3000;
    m->session_timeout_ms = conf->session_timeout_ms > 0 ? conf->session_timeout_ms : 10000;
    if (!(m->url = strdup(url)) || !(m->group = kc_group_new(conf, err))) {
        if (!m->url) kc_error_set(err, KC_ENOMEM, "out of memory");
        free(m->url);
        free(m);
        return NULL;
    }
    if (pthread_create(&m->thread, NULL, run, m)) {
        kc_group_destroy(m->group);
        free(m->url);
        free(m);
        kc_error_set(err, KC_EFATAL, "cannot start the group member's thread");
        return NULL;
    }
    return m;
}

void kc_member_request_rejoin(kc_member *m) { __atomic_store_n(&m->rejoin, 1, __ATOMIC_RELEASE); }

void kc_member_stop(kc_member *m) {
    if (!m) return;
    __atomic_store_n(&m->stopping, 1, __ATOMIC_RELEASE);
    pthread_join(m->thread, NULL);
    kc_group_destroy(m->group);
    kc_work_free(&m->held);
    free(m->url);
    free(m);
}
