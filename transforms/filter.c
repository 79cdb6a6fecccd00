/* Filter: drops every record it sees; used with a predicate (and negate) to drop some. */
#include "transform_common.h"

static const kc_config_def config[] = {KC_CONFIG_END};

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    (void)cfg, (void)is_key, (void)err;
    *out = NULL;
    return KC_OK;
}

static int apply(void *s, kc_record *r, kc_error *err) {
    (void)s, (void)r, (void)err;
    return KC_DROP;
}

static void close_state(void *s) { (void)s; }

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("filter", "Drops all records (use with a predicate)",
    "org.apache.kafka.connect.transforms.Filter")
