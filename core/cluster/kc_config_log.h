/* kc_config_log.h - Connect's config topic (config.storage.topic) as records and as the state
 * they add up to, read and written as Kafka Connect's KafkaConfigBackingStore does, so that kcd
 * workers read a Java cluster's topic and Java workers read kcd's.
 *
 * Keys and values (plain JSON, schemas.enable=false; a null value deletes):
 *   connector-NAME       {"properties":{...}}              the connector's config
 *   task-NAME-N          {"properties":{...}}              a task's config, pending until...
 *   commit-NAME          {"tasks":N}                       ...this applies tasks 0..N-1 at once
 *   target-state-NAME    {"state":"PAUSED","state.v2":"STOPPED"}   (state.v2 wins; none: STARTED)
 *   tasks-fencing-NAME   {"task-count":N}                  exactly-once: the last fenced generation
 *   session-key          {"key":BASE64,"algorithm":"HmacSHA256","creation-timestamp":MS}
 *   restart-connector-NAME, logger-cluster-NS             requests, not state: skipped here
 * A commit whose tasks are not all there marks the connector inconsistent (its leader must write
 * the task configs again) and applies nothing; a commit for a deleted connector drops its tasks. */
#ifndef KC_CONFIG_LOG_H
#define KC_CONFIG_LOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include <kc/kc_error.h>

typedef struct kc_cfg_connector {
    char *name;
    json_t *config;           /* {"key":"value",...}; NULL: none (deleted, or only tasks seen) */
    char *target;             /* "STARTED", "PAUSED", "STOPPED"; NULL: none written (STARTED) */
    json_t *tasks;            /* the committed task configs, task N at index N */
    json_t *pending;          /* {"N": config} written since the last commit */
    int inconsistent;         /* the last commit lacked tasks */
    int64_t task_generation;  /* commits applied */
    int pending_fencing;      /* a commit applied after the last tasks-fencing record */
    int64_t fenced_task_count; /* -1: no tasks-fencing record */
} kc_cfg_connector;

typedef struct kc_config_log {
    kc_cfg_connector *items;
    size_t len, cap;
    char *session_key, *session_algorithm; /* NULL: none yet */
    int64_t session_created_ms;
    int64_t next_offset;      /* offset after the last record applied (Connect's config offset); -1 none */
} kc_config_log;

/* Applies one record (value NULL: tombstone) at `offset`. 0 when it changed the state or was a
 * request record; KC_EINVAL for a record Connect would also drop (unknown key, malformed value),
 * with err naming the key and offset: the state is unchanged and reading goes on. */
int kc_config_log_apply(kc_config_log *s, const char *key, size_t key_len, const char *value, size_t value_len,
                        int64_t offset, kc_error *err);
const kc_cfg_connector *kc_config_log_find(const kc_config_log *s, const char *name);
/* The effective target state: "STARTED" when none was written. */
const char *kc_config_log_target(const kc_cfg_connector *c);
void kc_config_log_free(kc_config_log *s);

/* Record values as Connect writes them (compact JSON); handed over, NULL out of memory. */
char *kc_config_log_properties_value(const json_t *properties); /* connector- and task- records */
char *kc_config_log_commit_value(int tasks);
char *kc_config_log_target_value(const char *state); /* STARTED, PAUSED, STOPPED */
char *kc_config_log_fencing_value(int task_count);

#endif
