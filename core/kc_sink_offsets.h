/* kc_sink_offsets.h - a sink connector's offsets, which live in its consumer group on the broker
 * (connect-NAME), read and changed with the admin API as Connect's worker does (KIP-875): GET
 * lists the group's committed offsets, PATCH alters them (a null offset deletes a partition's),
 * DELETE deletes the group. The herders call these with the connector STOPPED, so no member of
 * the group commits meanwhile. The REST shape of an offset: {"partition": {"kafka_topic": T,
 * "kafka_partition": P}, "offset": {"kafka_offset": O}}. */
#ifndef KC_SINK_OFFSETS_H
#define KC_SINK_OFFSETS_H

#include <jansson.h>

#include "kc_herder.h"
#include "kc_worker_int.h"

/* The committed offsets of the connector's group as REST lists them (a new array); NULL on
 * failure, with err filled (KC_EUNAVAILABLE: the broker did not answer). */
json_t *kc_sink_offsets_list(kc_worker *w, const char *connector, kc_error *err);

/* GET's answer: {"offsets": the list}, or Connect's error body {"error_code": 500, "message"}
 * for the caller to send with that status. */
json_t *kc_sink_offsets_answer(kc_worker *w, const char *connector);

/* Alters the group's offsets to those of list (the "offsets" array of a PATCH body, checked
 * here: KC_EINVAL naming the entry that is wrong, and then nothing is changed). */
int kc_sink_offsets_alter(kc_worker *w, const char *connector, const json_t *list, kc_error *err);

/* Deletes the group, and with it every committed offset (a group that does not exist is reset). */
int kc_sink_offsets_reset(kc_worker *w, const char *connector, kc_error *err);

#endif
