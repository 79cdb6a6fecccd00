/* kc_member.h - a worker's membership of its Connect group, on a thread of its own: join with the
 * work it holds, lead when elected (the assignor over the caller's config snapshot), apply what
 * it is given (stop the revoked, start the assigned), heartbeat, and rejoin when the group
 * rebalances, as Connect's WorkerCoordinator and DistributedHerder do. Losing the session stops
 * everything before anyone else may run it. The herder sees it through callbacks, called on the
 * member's thread, one at a time; heartbeats wait while one runs, so they should hand slow work
 * (stopping a task) to another thread rather than outlast session.timeout.ms. */
#ifndef KC_MEMBER_H
#define KC_MEMBER_H

#include "kc_assignor.h"
#include "kc_connect_protocol.h"
#include "kc_group.h"

typedef struct kc_member_callbacks {
    /* The config snapshot to assign from (the leader only): connectors and their committed task
     * counts, valid until the next call, and the config offset it was taken at. 0, or an error
     * (the member then sends no assignment and rejoins). */
    int (*snapshot)(void *opaque, const kc_assignor_connector **conns, size_t *n, int64_t *offset);
    /* The config offset this worker has read to (sent with JoinGroup). */
    int64_t (*config_offset)(void *opaque);
    /* Read the config topic to at least this offset (an assignment computed further on). 0 when done. */
    int (*catch_up)(void *opaque, int64_t offset);
    /* Stop these now: revoked by the leader, or everything when the session was lost. */
    void (*stop)(void *opaque, const kc_work_list *items);
    /* An assignment applied: start these, newly assigned (maybe none). leader_url is where writes
     * go; version is the group's protocol (0 eager, 1 compatible, 2 sessioned: requests between
     * workers are signed). Called after every assignment, so the herder knows its generation. */
    void (*start)(void *opaque, const kc_work_list *items, const char *leader_url, int32_t generation,
                  int16_t version);
    /* (may be NULL) The coordinator answered: the session holds at least until valid_until_ms
     * (kc_now_ms clock), as it was a session.timeout.ms before the answered request was sent. */
    void (*session)(void *opaque, int64_t valid_until_ms);
    /* (may be NULL) A join begins: the group is rebalancing until the next start(). */
    void (*joining)(void *opaque);
} kc_member_callbacks;

typedef struct kc_member kc_member;

/* Starts the member's thread. protocol: connect.protocol (sessioned, compatible, eager). url: this
 * worker's REST URL (sent to the others). heartbeat_ms: heartbeat.interval.ms. conf, url, cb are
 * copied or kept for the member's life. */
kc_member *kc_member_start(const kc_group_conf *conf, const char *protocol, const char *url, int32_t heartbeat_ms,
                           const kc_member_callbacks *cb, void *opaque, kc_error *err);
/* Asks the group to rebalance soon (a config change: new connectors, new task counts). */
void kc_member_request_rejoin(kc_member *m);
/* Leaves the group (so the others rebalance at once), stops what it holds, ends the thread; may
 * first wait out a JoinGroup in flight (at most rebalance.timeout.ms). */
void kc_member_stop(kc_member *m);

#endif
