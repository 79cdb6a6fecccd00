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

static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER, KC_PLUGIN_PREDICATE, "record-is-tombstone", "1.0.0", "True for tombstones (null value)",
    (const char *const[]){"org.apache.kafka.connect.transforms.predicates.RecordIsTombstone", NULL},
    config, transform_init, NULL, NULL, NULL, NULL, &ops, NULL,
    0, /* flags */
};

KC_PLUGIN_DEFINE(desc)
