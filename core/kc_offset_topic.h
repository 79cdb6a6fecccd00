/* kc_offset_topic.h - source offsets on a Kafka topic, used when exactly-once source support is
 * enabled: the offsets of a transaction's records are written in that same transaction.
 *
 * The format is Connect's offsets topic: key the JSON bytes ["<connector>",{<source partition>}],
 * value the JSON bytes of the offset map, a null value (tombstone) removing it. The topic is
 * compacted, so its last record per key is the offset. */
#ifndef KC_OFFSET_TOPIC_H
#define KC_OFFSET_TOPIC_H

#include "kc_worker_int.h"

/* The worker's offsets topic: offset.storage.topic, default "connect-offsets". */
const char *kc_offset_topic_name(const kc_worker *w);

/* Creates the worker's offsets topic (compacted, offset.storage.partitions,
 * offset.storage.replication.factor) unless it exists, then checks it is compacted only, as
 * Connect does (KAFKA-9216): a deleting policy would one day drop source offsets. */
int kc_offset_topic_create(kc_worker *w, kc_error *err);

/* Reads the worker's offsets topic with read_committed into `into` (only `connector`'s entries
 * unless NULL). to_high_watermark: read up to the high watermark taken now, waiting for open
 * transactions before it to end (a task does this after fencing its zombie); otherwise stop at
 * the last stable offset (what is committed now). Gives up after timeout_ms with an error. */
int kc_offset_topic_read(kc_worker *w, const char *connector, int to_high_watermark, int64_t timeout_ms,
                         kc_offset_store *into, kc_error *err);

/* A kc_offset_writer_fn (opaque: the kc_worker): produces the entries to the offsets topic and
 * waits for the broker's acknowledgement of each. Used for offsets changed through REST. */
int kc_offset_topic_write(void *worker, const char *const *keys, const char *const *values, size_t n,
                          kc_error *err);

#endif
