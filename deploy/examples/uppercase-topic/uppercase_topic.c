/* An out-of-tree kcd transform: upper-cases the record's topic. Built against the installed
 * headers only (see Makefile); nothing from kcd is linked in. */
#include <ctype.h>
#include <kc/kc_plugin.h>
#include <stdlib.h>
#include <string.h>

static const kc_host_api *host;

static const kc_config_def config[] = {
    {"prefix", KC_CFG_STRING, "", 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, "Text put before the new topic name.", NULL,
     NULL},
    KC_CONFIG_END,
};

static int init(const kc_host_api *h, kc_error *err) {
    (void)err;
    host = h;
    return KC_OK;
}

static int configure(const kc_config *cfg, int is_key, void **state, kc_error *err) {
    (void)is_key;
    const char *prefix = host->config_get(cfg, "prefix");
    size_t n = prefix ? strlen(prefix) : 0;
    char *copy = malloc(n + 1);
    if (!copy) return kc_error_set(err, KC_ENOMEM, "out of memory");
    memcpy(copy, prefix ? prefix : "", n + 1);
    *state = copy; /* ours until close() */
    return KC_OK;
}

static int apply(void *state, kc_record *r, kc_error *err) {
    const char *prefix = state;
    if (!r->topic) return KC_KEEP;
    size_t pn = strlen(prefix), tn = strlen(r->topic);
    char *topic = malloc(pn + tn + 1);
    if (!topic) return kc_error_set(err, KC_ENOMEM, "out of memory");
    memcpy(topic, prefix, pn);
    for (size_t i = 0; i <= tn; i++) topic[pn + i] = (char)toupper((unsigned char)r->topic[i]);
    int rc = host->record_set_topic(r, topic); /* copies */
    free(topic);
    return rc ? kc_error_set(err, rc, "out of memory") : KC_KEEP;
}

static void close_state(void *state) { free(state); }

static const kc_transform_ops ops = {configure, apply, close_state};

static const kc_plugin_desc desc = {
    KC_PLUGIN_HEADER, KC_PLUGIN_TRANSFORM, "uppercase-topic", "1.0.0", "Upper-case the topic name",
    (const char *const[]){"com.example.kcd.UppercaseTopic", NULL},
    config, init, NULL, NULL, NULL, &ops, NULL, NULL,
    0, /* flags */
};

KC_PLUGIN_DEFINE(desc)
