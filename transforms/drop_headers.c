/* DropHeaders: removes every header whose name is listed. */
#include "transform_common.h"

static const kc_config_def config[] = {
    {"headers", KC_CFG_LIST, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "The name of the headers to be removed.", NULL, NULL},
    KC_CONFIG_END,
};

static void close_state(void *p) {
    if (p) list_free(p);
    free(p);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    (void)is_key;
    str_list *l = calloc(1, sizeof *l);
    if (!l || list_parse(host->config_get(cfg, "headers"), l)) {
        free(l);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    if (!l->len) {
        close_state(l);
        return kc_error_set(err, KC_EINVAL, "Missing required configuration \"headers\" which has no default value.");
    }
    *out = l;
    return KC_OK;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    (void)err;
    size_t keep = 0;
    for (size_t i = 0; i < r->nheaders; i++) {
        kc_header *h = &r->headers[i];
        if (list_has(p, h->key)) {
            host->free(h->key);
            host->schema_release(h->schema);
            host->value_clear(&h->value);
        } else {
            r->headers[keep++] = *h;
        }
    }
    r->nheaders = keep;
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("drop-headers", "Remove headers by name",
    "org.apache.kafka.connect.transforms.DropHeaders")
