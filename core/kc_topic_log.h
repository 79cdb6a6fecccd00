/* kc_topic_log.h - a compacted Kafka topic used as a log of state (Connect's KafkaBasedLog): read
 * from its start to its end as of now, and written record by record, waiting for each
 * acknowledgement. Under the offsets topic today, and the config and status topics of
 * distributed mode. Clients take the worker's producer.* / consumer.* settings; keys are
 * partitioned with murmur2, as Java's producer does, so a key stays in one partition whoever
 * wrote it. */
#ifndef KC_TOPIC_LOG_H
#define KC_TOPIC_LOG_H

#include "kc_worker_int.h"

/* Called for each record read (a tombstone has payload NULL); non-zero stops the read with
 * that error. */
typedef int (*kc_topic_log_fn)(void *opaque, const rd_kafka_message_t *m, kc_error *err);

/* Reads every partition of topic from its beginning. With read_committed, records of aborted
 * transactions are skipped. to_high_watermark: up to the high watermark taken now, waiting for
 * open transactions before it to end; otherwise up to the end the consumer reaches now (the last
 * stable offset under read_committed). extra: more consumer settings (name, value, ..., NULL).
 * Gives up after timeout_ms with an error naming how many partitions were left. */
int kc_topic_log_read(kc_worker *w, const char *topic, const char *client_id, int read_committed,
                      int to_high_watermark, int64_t timeout_ms, kc_topic_log_fn fn, void *opaque, kc_error *err);

/* A partition's low and high watermarks; the answers of a topic just made, whose leader is not
 * known everywhere yet, are asked again until timeout_ms. */
rd_kafka_resp_err_t kc_topic_log_watermarks(rd_kafka_t *rk, const char *topic, int partition, int64_t *lo,
                                            int64_t *hi, int64_t timeout_ms);

/* Produces n records (values[i] NULL: a tombstone) and waits until the broker acknowledged each.
 * extra: more producer settings (name, value, ..., NULL). */
int kc_topic_log_write(kc_worker *w, const char *topic, const char *client_id, const char *const *extra,
                       const char *const *keys, const char *const *values, size_t n, kc_error *err);

/* A producer kept for the life of a store (the config, status and offsets topics of a distributed
 * worker), so a write costs a round trip to the broker, not a new client. Writes are serialized. */
typedef struct kc_topic_writer kc_topic_writer;
kc_topic_writer *kc_topic_writer_new(kc_worker *w, const char *topic, const char *client_id, const char *const *extra,
                                     kc_error *err);
/* As kc_topic_log_write: produces n records and waits for the broker's acknowledgements. */
int kc_topic_writer_write(kc_topic_writer *tw, const char *const *keys, const char *const *values, size_t n,
                          kc_error *err);
/* A writer whose every write is one transaction of transactional_id (Connect's leader writes
 * the config topic so with exactly-once source support). Initialising the id fences the writer
 * that held it before (a zombie leader); once fenced itself, each write fails KC_EFATAL. */
kc_topic_writer *kc_topic_writer_new_transactional(kc_worker *w, const char *topic, const char *client_id,
                                                   const char *transactional_id, const char *const *extra,
                                                   int64_t timeout_ms, kc_error *err);
/* Fences every producer of transactional_id (Admin.fenceProducers): initialising the id bumps its
 * epoch, so an older holder's next transaction fails, and aborts its open one. */
int kc_topic_log_fence(kc_worker *w, const char *transactional_id, int64_t timeout_ms, kc_error *err);
/* The same as a kc_offset_writer_fn (opaque: the writer). */
int kc_topic_writer_write_fn(void *tw, const char *const *keys, const char *const *values, size_t n, kc_error *err);
void kc_topic_writer_free(kc_topic_writer *tw);

/* A consumer of the worker's consumer.* settings and extra (name, value, ..., NULL), for a
 * caller that follows a topic itself. NULL with err filled. */
rd_kafka_t *kc_topic_log_consumer(kc_worker *w, const char *client_id, const char *const *extra, kc_error *err);

/* The topic's partition count from the cluster's metadata, waiting up to 10 s for a topic
 * created a moment ago to appear in it. */
int kc_topic_log_partitions(rd_kafka_t *rk, const char *topic, int *out, kc_error *err);

/* Creates the topic compacted unless it exists. */
int kc_topic_log_create(kc_worker *w, const char *topic, int partitions, int replication_factor, kc_error *err);

/* Checks a topic as Connect checks its internal topics before using them: compacted only (a
 * cleanup.policy with delete would one day drop the last record of a key: `what` is lost), and
 * with want_partitions > 0 exactly that many partitions (the config topic: 1, or workers read
 * its records out of order). `key` is the worker setting that names the topic, for the message.
 * KC_EFATAL when it is not fit, KC_ERETRY when the cluster does not answer. */
int kc_topic_log_check(kc_worker *w, const char *topic, const char *key, const char *what, int want_partitions,
                       kc_error *err);

#endif
