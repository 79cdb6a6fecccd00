/* kc_assignor.h - the leader's assignment of connectors and tasks to the workers of a Connect
 * group: a pure function of the members' metadata and the leader's config snapshot.
 *
 * Cooperative protocols (compatible, sessioned): sticky and balanced, in Connect's two-round
 * form. Work stays where it runs; an item two workers hold, or one no longer configured, is
 * revoked from its holders; a worker over its share (connectors and tasks counted apart, shares
 * differing by one at most) gives up its surplus, but only in a round that revokes nothing else;
 * what nobody holds goes to the least loaded workers. An item revoked in a round is assigned in
 * the next one, after its holder stopped it, so no two workers ever run it at once. Lost work (a
 * worker that left) is reassigned at once: kcd sends no delay.
 *
 * Eager (default): everything to everyone anew, connectors then tasks dealt round robin over the
 * members sorted by id, as Connect's EagerAssignor does. */
#ifndef KC_ASSIGNOR_H
#define KC_ASSIGNOR_H

#include <stddef.h>
#include <stdint.h>

#include "kc_connect_protocol.h"

typedef struct kc_assignor_member {
    const char *member_id;                /* borrowed */
    const kc_connect_metadata *metadata;  /* borrowed: what it sent with JoinGroup */
} kc_assignor_member;

typedef struct kc_assignor_connector {
    const char *name; /* borrowed */
    int32_t tasks;    /* committed task configs */
} kc_assignor_connector;

typedef struct kc_assignor_input {
    int16_t version;             /* the group's protocol: 0 eager, 1 compatible, 2 sessioned */
    const char *leader_id, *leader_url;
    int64_t config_offset;       /* the leader's config snapshot position */
    const kc_assignor_connector *connectors;
    size_t nconnectors;
    const kc_assignor_member *members;
    size_t nmembers;
} kc_assignor_input;

/* Fills out[i] for members[i] (nmembers entries, released with kc_connect_assignment_clear).
 * A member whose config offset is ahead of the leader's makes every assignment CONFIG_MISMATCH
 * with no work (the leader must read further first). 0, or -1 out of memory (out cleared). */
int kc_assign(const kc_assignor_input *in, kc_connect_assignment *out);

#endif
