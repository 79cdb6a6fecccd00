/* transform_chain.c - a connector's transforms, with predicates and negate, as Connect runs
 * them: in the order of `transforms`, each stage skipped when its predicate says so. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kc_worker_int.h"

static int is_key_variant(const char *cls) {
    size_t n = strlen(cls);
    return n > 4 && strcmp(cls + n - 4, "$Key") == 0;
}

/* The config of one transform or predicate: its prefix stripped, the worker's own keys removed. */
static int sub_config(const kc_config *cfg, const char *prefix, kc_config *out) {
    if (kc_config_subset(cfg, prefix, out)) return KC_ENOMEM;
    kc_config_remove(out, "type");
    kc_config_remove(out, "predicate");
    kc_config_remove(out, "negate");
    return KC_OK;
}

void kc_retry_policy_init(kc_retry_policy *p, const kc_config *cfg) {
    memset(p, 0, sizeof *p);
    p->delay_max_ms = 60000;
    kc_config_get_long(cfg, "errors.retry.timeout", &p->timeout_ms);
    kc_config_get_long(cfg, "errors.retry.delay.max.ms", &p->delay_max_ms);
}

int kc_retry_wait(const kc_retry_policy *p, int attempt, int64_t *started) {
    int64_t now = kc_now_ms();
    if (!*started) *started = now;
    int64_t started_ms = *started;
    if (p->timeout_ms == 0 || (p->timeout_ms > 0 && now - started_ms >= p->timeout_ms)) return -1;
    int64_t delay = 300;
    for (int i = 0; i < attempt && delay < p->delay_max_ms; i++) delay *= 2;
    if (delay > p->delay_max_ms) delay = p->delay_max_ms;
    delay += delay > 1 ? (int64_t)(rand() % (int)(delay / 2 + 1)) : 0; /* jitter, as Connect adds */
    if (p->timeout_ms > 0 && now + delay > started_ms + p->timeout_ms) delay = started_ms + p->timeout_ms - now;
    for (int64_t slept = 0; slept < delay; slept += 10) {
        if (p->stop && __atomic_load_n(p->stop, __ATOMIC_ACQUIRE)) return -1;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (p->retries) KC_METRIC_ADD(*p->retries, 1);
    return 0;
}

int kc_transform_chain_open(kc_transform_chain *chain, const kc_registry *reg, const kc_config *cfg,
                            kc_error *err) {
    memset(chain, 0, sizeof *chain);
    kc_retry_policy_init(&chain->retry, cfg);
    kc_strlist aliases = {0}, pred_aliases = {0};
    char key[512];
    int rc = KC_OK;
    int split_failed = kc_list_split(kc_config_get(cfg, "predicates"), &pred_aliases) ||
                       kc_list_split(kc_config_get(cfg, "transforms"), &aliases);
    chain->preds = calloc(pred_aliases.len ? pred_aliases.len : 1, sizeof *chain->preds);
    chain->stages = calloc(aliases.len ? aliases.len : 1, sizeof *chain->stages);
    if (split_failed || !chain->preds || !chain->stages) {
        rc = kc_error_set(err, KC_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < pred_aliases.len && !rc; i++) {
        kc_predicate_inst *p = &chain->preds[chain->npreds];
        snprintf(key, sizeof key, "predicates.%s.type", pred_aliases.items[i]);
        const char *cls = kc_config_get(cfg, key);
        p->plugin = kc_registry_find(reg, cls, KC_PLUGIN_PREDICATE);
        if (!p->plugin) {
            rc = kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration %s: Class %s could not be found.",
                              cls ? cls : "null", key, cls ? cls : "null");
            break;
        }
        p->alias = strdup(pred_aliases.items[i]);
        kc_config sub = {0};
        snprintf(key, sizeof key, "predicates.%s.", pred_aliases.items[i]);
        rc = sub_config(cfg, key, &sub);
        if (!rc && p->plugin->desc->predicate->configure)
            rc = p->plugin->desc->predicate->configure(&sub, &p->state, err);
        kc_config_free(&sub);
        if (!rc) chain->npreds++;
        else free(p->alias);
    }
    for (size_t i = 0; i < aliases.len && !rc; i++) {
        kc_transform_stage *s = &chain->stages[chain->nstages];
        snprintf(key, sizeof key, "transforms.%s.type", aliases.items[i]);
        const char *cls = kc_config_get(cfg, key);
        s->plugin = kc_registry_find(reg, cls, KC_PLUGIN_TRANSFORM);
        if (!s->plugin) {
            rc = kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration %s: Class %s could not be found.",
                              cls ? cls : "null", key, cls ? cls : "null");
            break;
        }
        s->alias = strdup(aliases.items[i]);
        s->predicate = -1;
        snprintf(key, sizeof key, "transforms.%s.predicate", aliases.items[i]);
        const char *pred = kc_config_get(cfg, key);
        if (pred && *pred) {
            for (size_t j = 0; j < chain->npreds; j++)
                if (strcmp(chain->preds[j].alias, pred) == 0) s->predicate = (int)j;
            if (s->predicate < 0) {
                rc = kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration %s: no predicate with that "
                                  "alias is listed in predicates", pred, key);
                free(s->alias);
                break;
            }
        }
        snprintf(key, sizeof key, "transforms.%s.negate", aliases.items[i]);
        int neg = 0;
        if (kc_config_get_bool(cfg, key, &neg) == KC_EINVAL) {
            rc = kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration %s: Expected value to be either "
                              "true or false", kc_config_get(cfg, key), key);
            free(s->alias);
            break;
        }
        s->negate = neg;
        kc_config sub = {0};
        snprintf(key, sizeof key, "transforms.%s.", aliases.items[i]);
        rc = sub_config(cfg, key, &sub);
        if (!rc && s->plugin->desc->transform->configure)
            rc = s->plugin->desc->transform->configure(&sub, is_key_variant(cls), &s->state, err);
        kc_config_free(&sub);
        if (!rc) chain->nstages++;
        else free(s->alias);
    }
out:
    kc_strlist_free(&aliases);
    kc_strlist_free(&pred_aliases);
    if (rc) kc_transform_chain_close(chain);
    return rc;
}

int kc_transform_chain_apply(kc_transform_chain *chain, kc_record *r, kc_error *err) {
    for (size_t i = 0; i < chain->nstages; i++) {
        kc_transform_stage *s = &chain->stages[i];
        if (s->predicate >= 0) {
            kc_predicate_inst *p = &chain->preds[s->predicate];
            int match = p->plugin->desc->predicate->test(p->state, r) == 1;
            if (match == s->negate) continue;
        }
        int rc = s->plugin->desc->transform->apply(s->state, r, err);
        int64_t started = 0;
        for (int attempt = 0; rc == KC_ERETRY && kc_retry_wait(&chain->retry, attempt, &started) == 0; attempt++)
            rc = s->plugin->desc->transform->apply(s->state, r, err);
        if (rc == KC_DROP) return KC_DROP;
        if (rc < 0) {
            char msg[KC_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
            return kc_error_set(err, rc, "transform %s (%s) failed: %s", s->alias, s->plugin->desc->name, msg);
        }
    }
    return KC_KEEP;
}

void kc_transform_chain_close(kc_transform_chain *chain) {
    for (size_t i = 0; i < chain->nstages; i++) {
        if (chain->stages[i].plugin->desc->transform->close) chain->stages[i].plugin->desc->transform->close(chain->stages[i].state);
        free(chain->stages[i].alias);
    }
    for (size_t i = 0; i < chain->npreds; i++) {
        if (chain->preds[i].plugin->desc->predicate->close) chain->preds[i].plugin->desc->predicate->close(chain->preds[i].state);
        free(chain->preds[i].alias);
    }
    free(chain->stages);
    free(chain->preds);
    memset(chain, 0, sizeof *chain);
}
