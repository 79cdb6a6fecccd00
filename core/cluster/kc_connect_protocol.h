/* kc_connect_protocol.h - Kafka Connect's group sub-protocols as bytes: the member metadata a
 * worker sends with JoinGroup and the assignment the leader hands each member through SyncGroup,
 * for `default` (version 0, eager), `compatible` (1, incremental cooperative, KIP-415) and
 * `sessioned` (2: 1's bytes, plus signed internal requests, KIP-507), byte for byte as Connect's
 * ConnectProtocol and IncrementalCooperativeConnectProtocol write them.
 *
 * Work is a flat list of items, a connector's own instance (task -1, Connect's CONNECTOR_TASK)
 * or one of its tasks; on the wire items are grouped by connector. Decoding reads any version
 * with the version 1 layout, tolerating the fields a version 0 blob lacks, as Connect does. */
#ifndef KC_CONNECT_PROTOCOL_H
#define KC_CONNECT_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "kc_buf.h"

#define KC_CONNECT_PROTOCOL_TYPE "connect"
#define KC_CONNECT_EAGER "default"
#define KC_CONNECT_COMPATIBLE "compatible"
#define KC_CONNECT_SESSIONED "sessioned"
#define KC_CONNECTOR_TASK (-1) /* the item is the connector itself, not one of its tasks */

enum { KC_ASSIGN_NO_ERROR = 0, KC_ASSIGN_CONFIG_MISMATCH = 1 };

typedef struct kc_work_item {
    char *connector; /* owned by the list */
    int32_t task;    /* task number, or KC_CONNECTOR_TASK */
} kc_work_item;

typedef struct kc_work_list {
    kc_work_item *items;
    size_t len, cap;
} kc_work_list;

/* Adds (copies) an item; 0 or -1 out of memory. */
int kc_work_add(kc_work_list *l, const char *connector, int32_t task);
int kc_work_has(const kc_work_list *l, const char *connector, int32_t task);
/* Sorts by connector, then task (the connector itself first). */
void kc_work_sort(kc_work_list *l);
void kc_work_free(kc_work_list *l);

typedef struct kc_connect_assignment {
    int16_t version;
    int16_t error;          /* KC_ASSIGN_* */
    char *leader;           /* the leader's member id */
    char *leader_url;       /* the leader's REST URL */
    int64_t config_offset;  /* the config topic position the assignment was computed at */
    kc_work_list assigned;  /* eager: everything to run; cooperative: what is new to the member */
    kc_work_list revoked;   /* cooperative: what the member must stop now */
    int32_t delay_ms;       /* cooperative: rejoin after this long (lost work waits for its owner) */
} kc_connect_assignment;

typedef struct kc_connect_metadata {
    int16_t version;
    char *url;             /* the worker's REST URL */
    int64_t config_offset; /* the next config topic offset it would read (-1: nothing read) */
    int has_allocation;    /* cooperative: the worker holds work, listed in allocation */
    kc_connect_assignment allocation; /* the worker's whole current assignment */
} kc_connect_metadata;

/* Encoders append to b (check b->failed once). */
void kc_connect_metadata_encode(kc_buf *b, const kc_connect_metadata *m);
void kc_connect_assignment_encode(kc_buf *b, const kc_connect_assignment *a);
/* Decoders: 0, or -1 on a malformed blob (nothing to free then); a decoded value is owned by the
 * caller and released with the _clear function. */
int kc_connect_metadata_decode(const void *data, size_t len, kc_connect_metadata *out);
int kc_connect_assignment_decode(const void *data, size_t len, kc_connect_assignment *out);
void kc_connect_metadata_clear(kc_connect_metadata *m);
void kc_connect_assignment_clear(kc_connect_assignment *a);

/* The sub-protocols a worker offers for connect.protocol (eager, compatible, sessioned), most
 * preferred first, with their metadata versions; returns how many (0 for an unknown setting). */
size_t kc_connect_protocols(const char *setting, const char *names[3], int16_t versions[3]);

#endif
