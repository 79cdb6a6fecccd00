/* kc_group_security.h - the worker's security.protocol, ssl.* and sasl.* keys as kcd's own group
 * client takes them (kc_group.h), for the distributed herder's membership and for the removal
 * of sink tasks' static members. */
#ifndef KC_GROUP_SECURITY_H
#define KC_GROUP_SECURITY_H

#include "kc_group.h"
#include "kc_worker_int.h"

/* Fills sec from cfg; its strings are borrowed from cfg, but for the SASL username and password,
 * which are handed over in *owned_user / *owned_password (free with kc_group_security_free). */
void kc_group_security_from_config(const kc_config *cfg, kc_group_security *sec, char **owned_user,
                                   char **owned_password);
void kc_group_security_free(char *owned_user, char *owned_password);

/* Takes a sink task's static member (KIP-345: group.instance.id) out of its consumer group, so
 * that the group gives its partitions to the others at once instead of after its session; what
 * librdkafka's close does for a dynamic member. A kc_worker's leave_static_member. */
int kc_static_member_leave(kc_worker *w, const char *group, const char *member_id, const char *instance_id,
                           kc_error *err);

#endif
