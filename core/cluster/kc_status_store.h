/* kc_status_store.h - Connect's status topic (status.storage.topic): made (compacted,
 * status.storage.partitions) or checked, read and followed, so every worker of a cluster answers
 * for every connector; statuses written as KafkaStatusBackingStore writes them, and "safely"
 * (putSafe): not over a newer generation's status from another worker. */
#ifndef KC_STATUS_STORE_H
#define KC_STATUS_STORE_H

#include "kc_status_log.h"
#include "kc_worker_int.h"

typedef struct kc_status_store kc_status_store;

kc_status_store *kc_status_store_open(kc_worker *w, const char *topic, int partitions, int replication_factor,
                                      kc_error *err);
int kc_status_store_sync(kc_status_store *s, int64_t timeout_ms, kc_error *err);
/* Calls fn with the statuses locked (for reading only). */
void kc_status_store_read(kc_status_store *s, void (*fn)(void *opaque, const kc_status_log *state), void *opaque);
/* Writes a connector's (task -1) or task's status. safe: unless the status now known was written
 * by another worker in a newer generation (then it is left, and 1 returned). */
int kc_status_store_put(kc_status_store *s, const char *connector, int32_t task, const char *state, const char *trace,
                        const char *worker_id, int32_t generation, int safe, kc_error *err);
/* One status of a batch: state NULL writes a tombstone (Connect's DESTROYED). */
typedef struct kc_status_put {
    const char *connector;
    int32_t task;
    const char *state, *trace;
    int safe;
} kc_status_put;
/* Writes a batch in one round to the broker, as this worker in this generation; the safe ones
 * are left out when a newer generation's status from another worker is known. */
int kc_status_store_put_many(kc_status_store *s, const kc_status_put *puts, size_t n, const char *worker_id,
                             int32_t generation, kc_error *err);
void kc_status_store_close(kc_status_store *s);

#endif
