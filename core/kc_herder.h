/* kc_herder.h - the herder: the one interface through which the CLI and the REST API create,
 * change, pause, stop, restart and delete connectors and read their state. Every call is
 * serialized by the herder's lock; answers are JSON in Kafka Connect's REST shapes. */
#ifndef KC_HERDER_H
#define KC_HERDER_H

#include <jansson.h>

#include "kc_buf.h"
#include "kc_worker_int.h"

/* Beyond kc_error.h's codes: the connector already exists (REST 409). */
#define KC_EEXIST (-100)
/* The connector is in the wrong state for the call (REST 400, e.g. offsets while running). */
#define KC_ESTATE (-101)

/* The call belongs to another worker of the cluster (distributed mode): err's message is the URL
 * of the worker to send the request to, empty when none is known (a rebalance is under way). */
#define KC_EFORWARD (-102)
/* The call conflicts with a change under way (REST 409 with the message). */
#define KC_ECONFLICT (-103)
/* A signed request between workers whose signature does not match (REST 403). */
#define KC_EFORBIDDEN (-104)
/* Not answerable yet, e.g. no session key read (REST 503). */
#define KC_EUNAVAILABLE (-105)

typedef struct kc_herder kc_herder;

/* store_path: where connectors created or changed at run time are kept (NULL: not kept). */
kc_herder *kc_herder_new(kc_worker *w, const char *store_path, kc_error *err);
/* Stops every connector within the worker's graceful timeout, then frees the herder. */
void kc_herder_free(kc_herder *h);
/* Starts the connectors kept in the store (target states included). A kept connector that is
 * also given on the command line (given[i], same name) starts with the given config, never
 * with the kept one first; given_used[i] (may be NULL) is set for those. */
int kc_herder_load_store(kc_herder *h, const kc_config *given, int ngiven, char *given_used, kc_strlist *problems);

/* Creates (or with allow_replace, replaces) a connector from its raw config. Invalid configs
 * return KC_EINVAL with one problem per line. *created tells which happened. */
int kc_herder_put(kc_herder *h, const kc_config *raw, kc_target_state initial, int allow_replace, int *created,
                  kc_strlist *problems, kc_error *err);
int kc_herder_delete(kc_herder *h, const char *name, kc_error *err);
int kc_herder_set_target(kc_herder *h, const char *name, kc_target_state target, kc_error *err);
int kc_herder_restart(kc_herder *h, const char *name, int include_tasks, int only_failed, kc_error *err);
int kc_herder_restart_task(kc_herder *h, const char *name, int task, kc_error *err);
int kc_herder_reset_topics(kc_herder *h, const char *name, kc_error *err);
/* offsets: NULL (reset all) or a parsed {"offsets":[...]} body. */
int kc_herder_alter_offsets(kc_herder *h, const char *name, const json_t *offsets, kc_error *err);

/* Readers: a new JSON reference for the caller, or NULL when the connector is unknown. */
json_t *kc_herder_list(kc_herder *h);
json_t *kc_herder_info(kc_herder *h, const char *name);
json_t *kc_herder_status(kc_herder *h, const char *name);
json_t *kc_herder_config(kc_herder *h, const char *name);
json_t *kc_herder_tasks(kc_herder *h, const char *name);
json_t *kc_herder_task_status(kc_herder *h, const char *name, int task); /* NULL: unknown task too */
json_t *kc_herder_topics(kc_herder *h, const char *name);
/* {"offsets":[...]}; for a sink whose group the broker could not list, {"error_code","message"} */
json_t *kc_herder_offsets(kc_herder *h, const char *name);
int kc_herder_exists(kc_herder *h, const char *name);

/* Plugins and validation. */
json_t *kc_herder_plugins(kc_herder *h, int connectors_only);
json_t *kc_herder_plugin_config(kc_herder *h, const char *plugin); /* NULL: unknown plugin */
/* ConfigInfos for cfg checked as `plugin` (NULL: unknown plugin). */
json_t *kc_herder_validate(kc_herder *h, const char *plugin, const kc_config *cfg);
const kc_plugin *kc_herder_find_connector_plugin(kc_herder *h, const char *name);

/* Internal (distributed mode, Connect's POST /connectors/{name}/tasks): task configs the worker
 * running the connector generated, for the leader to write, signed with the session key over
 * the request body (algorithm and signature: the headers' values, NULL when absent). */
int kc_herder_put_task_configs(kc_herder *h, const char *name, const char *body, size_t body_len,
                               const char *algorithm, const char *signature, kc_error *err);

/* Internal (distributed mode, Connect's PUT /connectors/{name}/fence, KIP-618): a worker about
 * to start an exactly-once source task asks the leader to fence the producers of the
 * connector's earlier task generation; signed as above (the body is empty). */
int kc_herder_fence(kc_herder *h, const char *name, const char *body, size_t body_len, const char *algorithm,
                    const char *signature, kc_error *err);

/* A second implementation of the calls above (the distributed herder of core/cluster): set once,
 * before any call, every connector call goes to it; plugins and validation stay the worker's.
 * self is the implementation's (freed by its free, called from kc_herder_free). */
typedef struct kc_herder_impl {
    void *self;
    void (*free)(void *self);
    int (*put)(void *self, const kc_config *raw, kc_target_state initial, int allow_replace, int *created,
               kc_strlist *problems, kc_error *err);
    int (*remove)(void *self, const char *name, kc_error *err);
    int (*set_target)(void *self, const char *name, kc_target_state target, kc_error *err);
    int (*restart)(void *self, const char *name, int include_tasks, int only_failed, kc_error *err);
    int (*restart_task)(void *self, const char *name, int task, kc_error *err);
    int (*reset_topics)(void *self, const char *name, kc_error *err);
    int (*alter_offsets)(void *self, const char *name, const json_t *offsets, kc_error *err);
    int (*put_task_configs)(void *self, const char *name, const char *body, size_t body_len, const char *algorithm,
                            const char *signature, kc_error *err);
    json_t *(*list)(void *self);
    json_t *(*info)(void *self, const char *name);
    json_t *(*status)(void *self, const char *name);
    json_t *(*config)(void *self, const char *name);
    json_t *(*tasks)(void *self, const char *name);
    json_t *(*task_status)(void *self, const char *name, int task);
    json_t *(*topics)(void *self, const char *name);
    json_t *(*offsets)(void *self, const char *name);
    int (*exists)(void *self, const char *name);
    int (*ready)(void *self); /* startup done: GET /health answers 200 */
    int (*fence)(void *self, const char *name, const char *body, size_t body_len, const char *algorithm,
                 const char *signature, kc_error *err);
} kc_herder_impl;

void kc_herder_set_impl(kc_herder *h, const kc_herder_impl *impl);

/* 1 once the worker has completed startup (a distributed worker: joined its group and given its
 * first assignment); a standalone worker always. */
int kc_herder_ready(kc_herder *h);

const char *kc_herder_worker_id(kc_herder *h);
/* The worker's metrics in Prometheus's text format (GET /metrics); out->failed when out of memory. */
void kc_herder_metrics(kc_herder *h, kc_buf *out);
/* The Kafka cluster id (fetched once, then cached); NULL while the cluster cannot be reached. */
const char *kc_herder_cluster_id(kc_herder *h);

#endif
