/* RecordIsTombstone: true when the record's value is null. */
#include "predicates.h"

static const kc_config_def config[] = {KC_CONFIG_END};

static int configure(const kc_config *cfg, void **out, kc_error *err) {
    (void)cfg, (void)err;
    *out = NULL;
    return KC_OK;
}

static int test(void *s, const kc_record *r) {
    (void)s;
    return r->value.type == KC_VAL_NULL;
}

static const kc_predicate_ops ops = {configure, test, predicate_close};

KC_PREDICATE_PLUGIN("record-is-tombstone", "True for tombstones (null value)",
    "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone")
