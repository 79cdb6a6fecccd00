/* kc_config_store.h - the worker's view of Connect's config topic (KafkaConfigBackingStore):
 * the topic made (one partition, compacted) or checked, read to its end, then followed on a
 * thread of its own, each record applied to a kc_config_log. A distributed worker reads it to
 * the end before it joins the group and before it acts on an assignment (sync), and its leader
 * writes connector, task and commit records through it. */
#ifndef KC_CONFIG_STORE_H
#define KC_CONFIG_STORE_H

#include "kc_config_log.h"
#include "kc_worker_int.h"

typedef struct kc_config_store kc_config_store;

/* Called on the store's thread after each record is applied, with the state locked: it must not
 * call back into the store. key is the record's (NUL-terminated copy). */
typedef void (*kc_config_store_fn)(void *opaque, const kc_config_log *state, const char *key);

/* Makes the topic if missing (1 partition, compact, replication_factor; -1 the broker's), checks
 * it (compacted only, one partition: else KC_EFATAL naming config.storage.topic), reads it to
 * the end and starts following it. fn may be NULL. */
kc_config_store *kc_config_store_open(kc_worker *w, const char *topic, int replication_factor, kc_config_store_fn fn,
                                      void *opaque, kc_error *err);
/* Waits until every record written before the call is applied (up to the high watermark now). */
int kc_config_store_sync(kc_config_store *s, int64_t timeout_ms, kc_error *err);
/* Calls fn with the state locked (for reading; no call back into the store). */
void kc_config_store_read(kc_config_store *s, void (*fn)(void *opaque, const kc_config_log *state), void *opaque);
/* Writes records (values[i] NULL: a tombstone) and waits for the broker's acknowledgements. */
int kc_config_store_write(kc_config_store *s, const char *const *keys, const char *const *values, size_t n,
                          kc_error *err);
/* The leader's writes (connector, task, commit, tasks-fencing, session-key records). With
 * exactly-once source support (preparing or enabled) Connect writes them in transactions of
 * "connect-cluster-<group.id>", so that a new leader's first write fences an old one still
 * writing: kc_config_store_set_privileged_id names that id (NULL: plain writes, as
 * kc_config_store_write). The transactional producer is made at the first write after
 * kc_config_store_claim (the worker became leader); once fenced, privileged writes fail until
 * claimed again, and kc_config_store_release drops it (leadership lost). */
int kc_config_store_set_privileged_id(kc_config_store *s, const char *transactional_id);
void kc_config_store_claim(kc_config_store *s);
void kc_config_store_release(kc_config_store *s);
int kc_config_store_write_privileged(kc_config_store *s, const char *const *keys, const char *const *values, size_t n,
                                     kc_error *err);
/* Stops following and frees the store. */
void kc_config_store_close(kc_config_store *s);

#endif
