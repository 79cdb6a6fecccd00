/* kc_status_log.h - Connect's status topic (status.storage.topic) as records and the statuses
 * they add up to, as Kafka Connect's KafkaStatusBackingStore reads and writes them, so that every
 * worker of a cluster (kcd or Java) answers for every connector:
 *   status-connector-NAME                  {"state":S,"trace":T|null,"worker_id":"host:port","generation":G}
 *   status-task-NAME-N                     the same for a task
 *   status-topic-TOPIC:connector-NAME      {"topic":{"name":TOPIC,"connector":NAME,"task":N,"discoverTimestamp":MS}}
 * A null value deletes (a connector's DESTROYED, a topic reset). The topic has several partitions;
 * records of one key stay in one (murmur2), so reading partitions in any order gives the last. */
#ifndef KC_STATUS_LOG_H
#define KC_STATUS_LOG_H

#include <stddef.h>
#include <stdint.h>

#include <kc/kc_error.h>

typedef struct kc_status_entry {
    char *connector;
    int32_t task;       /* -1: the connector's own status */
    char *state;        /* UNASSIGNED, RUNNING, PAUSED, STOPPED, FAILED, RESTARTING */
    char *trace;        /* NULL: none */
    char *worker_id;
    int32_t generation;
} kc_status_entry;

typedef struct kc_topic_use {
    char *connector, *topic;
    int32_t task;
    int64_t discovered_ms;
} kc_topic_use;

typedef struct kc_status_log {
    kc_status_entry *entries;
    size_t len, cap;
    kc_topic_use *topics;
    size_t ntopics, topics_cap;
} kc_status_log;

/* Applies one record (value NULL: tombstone). 0, or KC_EINVAL for a record Connect would also
 * drop (err names key and offset; the state is unchanged), KC_ENOMEM. */
int kc_status_log_apply(kc_status_log *s, const char *key, size_t key_len, const char *value, size_t value_len,
                        int64_t offset, kc_error *err);
const kc_status_entry *kc_status_log_find(const kc_status_log *s, const char *connector, int32_t task);
void kc_status_log_free(kc_status_log *s);

/* The value of a status record as Connect writes it (compact JSON), handed over; NULL out of memory. */
char *kc_status_log_value(const char *state, const char *trace, const char *worker_id, int32_t generation);
/* The key of a connector's (task -1) or a task's status record, handed over. */
char *kc_status_log_key(const char *connector, int32_t task);

#endif
