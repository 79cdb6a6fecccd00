/* A test transform ("flaky-transform") whose apply() answers KC_ERETRY fail.times times in a
 * row, then passes records unchanged: proves errors.retry.timeout and its backoff. */
#include <kc/kc_plugin.h>
#include <stdlib.h>

static const kc_host_api *host;

static const kc_config_def config[] = {
    {"fail.times", KC_CFG_INT, "2", KC_CFG_F_HAS_MIN, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "How many calls answer KC_ERETRY before the calls succeed", NULL, NULL},
    KC_CONFIG_END,
};

static int init(const kc_host_api *h, kc_error *err) {
    (void)err;
    host = h;
    return KC_OK;
}

static int configure(const kc_config *cfg, int is_key, void **state, kc_error *err) {
    (void)is_key, (void)err;
    int64_t *left = malloc(sizeof *left);
    *left = 2;
    host->config_get_long(cfg, "fail.times", left);
    *state = left;
    return KC_OK;
}

static int apply(void *state, kc_record *r, kc_error *err) {
    (void)r;
    int64_t *left = state;
    if (*left > 0) {
        (*left)--;
        return kc_error_set(err, KC_ERETRY, "flaky-transform: not yet");
    }
    return KC_KEEP;
}

static void close_state(void *state) { free(state); }

static const kc_transform_ops ops = {configure, apply, close_state};
static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER, KC_PLUGIN_TRANSFORM, "flaky-transform", "1.0.0", "test transform that asks for retries",
    (const char *const[]){"com.example.kcd.FlakyTransform", NULL},
    config, init, NULL, NULL, NULL, &ops, NULL, NULL,
    0, /* flags */
};
KC_PLUGIN_DEFINE(desc)
