/* A test converter ("flaky-converter") whose calls answer KC_ERETRY fail.times times in a row,
 * then convert like StringConverter: proves errors.retry.timeout on the converter stages. */
#include <kc/kc_plugin.h>
#include <stdlib.h>
#include <string.h>

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
    (void)is_key;
    int64_t *left = malloc(sizeof *left);
    if (!left) return kc_error_set(err, KC_ENOMEM, "out of memory");
    *left = 2;
    host->config_get_long(cfg, "fail.times", left);
    *state = left;
    return KC_OK;
}

static int not_yet(int64_t *left, kc_error *err) {
    if (*left <= 0) return 0;
    (*left)--;
    kc_error_set(err, KC_ERETRY, "flaky-converter: not yet");
    return 1;
}

static int from_connect(void *state, const char *topic, const kc_schema *schema, const kc_value *v, uint8_t **out,
                        size_t *len, kc_error *err) {
    (void)topic, (void)schema;
    if (not_yet(state, err)) return KC_ERETRY;
    *out = NULL;
    *len = 0;
    if (!v || v->type != KC_VAL_STRING) return KC_OK;
    *out = malloc(v->u.str.len + 1);
    if (!*out) return kc_error_set(err, KC_ENOMEM, "out of memory");
    memcpy(*out, v->u.str.ptr, v->u.str.len);
    *len = v->u.str.len;
    return KC_OK;
}

static int to_connect(void *state, const char *topic, const uint8_t *data, size_t len, kc_schema **schema,
                      kc_value *v, kc_error *err) {
    (void)topic;
    if (not_yet(state, err)) return KC_ERETRY;
    *schema = NULL;
    return data ? host->value_set_string(v, (const char *)data, len) : KC_OK;
}

static void close_state(void *state) { free(state); }

static const kc_converter_ops ops = {configure, from_connect, to_connect, close_state};
static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER, KC_PLUGIN_CONVERTER, "flaky-converter", "1.0.0", "test converter that asks for retries",
    (const char *const[]){"com.example.kcd.FlakyConverter", NULL},
    config, init, NULL, NULL, NULL, NULL, NULL, &ops,
    0, /* flags */
};
KC_PLUGIN_DEFINE(desc)
