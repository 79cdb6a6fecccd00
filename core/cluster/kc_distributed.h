/* kc_distributed.h - the distributed herder (Connect's DistributedHerder): the workers of one
 * group share the connectors and tasks the config topic holds. Membership (kc_member.h) says what
 * this worker runs; a reconcile thread makes what runs match it and the config topic (start,
 * stop, restart with new configs, pause), writes statuses to the status topic, and, on the worker
 * that runs a connector's instance, publishes its task configs (the leader writes them; a follower
 * sends them to the leader, signed). REST answers come from the topics, so every worker answers
 * for every connector; writes the leader must make answer KC_EFORWARD with its URL. */
#ifndef KC_DISTRIBUTED_H
#define KC_DISTRIBUTED_H

#include "kc_herder.h"
#include "kc_worker_int.h"

/* Checks the distributed keys of a worker config (group.id and the three topics required;
 * security.protocol other than PLAINTEXT refused, naming the key, as the group client speaks only
 * plaintext so far); one problem per line. */
void kc_distributed_config_check(const kc_config *cfg, kc_strlist *problems);

/* Opens the config and status topics (making them as Connect does), starts membership and the
 * reconcile thread; the worker's offset store must already be on the offsets topic. The herder
 * returned is freed with kc_herder_free (which leaves the group and stops everything). */
kc_herder *kc_distributed_herder_new(kc_worker *w, kc_error *err);

#endif
