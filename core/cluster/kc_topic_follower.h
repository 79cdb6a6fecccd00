/* kc_topic_follower.h - every partition of a topic read from its start and then followed on a
 * thread of its own, each record handed to a callback (Connect's KafkaBasedLog's work thread):
 * under the config and status stores. */
#ifndef KC_TOPIC_FOLLOWER_H
#define KC_TOPIC_FOLLOWER_H

#include "kc_worker_int.h"

typedef struct kc_topic_follower kc_topic_follower;

/* Called on the follower's thread for each record, with the follower's lock held. */
typedef void (*kc_follower_fn)(void *opaque, const rd_kafka_message_t *m);

/* Starts following (no group: every partition assigned from its beginning); reads up to the end
 * before it returns (sync, 60 s). */
kc_topic_follower *kc_topic_follower_start(kc_worker *w, const char *topic, const char *client_id, kc_follower_fn fn,
                                           void *opaque, kc_error *err);
/* Waits until every record written before the call was handed to fn (each partition up to its
 * high watermark now, going by the consumer's position: compacted gaps and transaction markers
 * included). */
int kc_topic_follower_sync(kc_topic_follower *f, int64_t timeout_ms, kc_error *err);
/* The lock fn runs under: hold it to read what fn builds. */
void kc_topic_follower_lock(kc_topic_follower *f);
void kc_topic_follower_unlock(kc_topic_follower *f);
void kc_topic_follower_stop(kc_topic_follower *f);

#endif
