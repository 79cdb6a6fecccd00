/* HasHeaderKey: true when at least one header has the configured name. */
#include "predicates.h"

static const kc_config_def config[] = {
    {"name", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "The header name.", NULL, NULL},
    KC_CONFIG_END,
};

static int configure(const kc_config *cfg, void **out, kc_error *err) {
    const char *name = host->config_get(cfg, "name");
    if (!name || !*name) return kc_error_set(err, KC_EINVAL, "Missing required configuration \"name\" which has no "
                                                             "default value.");
    *out = strdup(name);
    return *out ? KC_OK : kc_error_set(err, KC_ENOMEM, "out of memory");
}

static int test(void *s, const kc_record *r) {
    for (size_t i = 0; i < r->nheaders; i++)
        if (!strcmp(r->headers[i].key, s)) return 1;
    return 0;
}

static const kc_predicate_ops ops = {configure, test, predicate_close};

KC_PREDICATE_PLUGIN("has-header-key", "True when a header with the name exists",
    "org.apache.kafka.connect.transforms.predicates.HasHeaderKey")
