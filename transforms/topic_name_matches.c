/* TopicNameMatches: true when the whole topic name matches the pattern (POSIX extended
 * regular expressions: Java's common syntax; no lookarounds or possessive quantifiers). */
#include <stdio.h>

#include "anchored_regex.h"
#include "predicates.h"

static const kc_config_def config[] = {
    {"pattern", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "A regular expression for matching the name of the topic of the record.", NULL, check_anchored_regex},
    KC_CONFIG_END,
};

static int configure(const kc_config *cfg, void **out, kc_error *err) {
    const char *pattern = host->config_get(cfg, "pattern");
    char msg[512];
    if (!pattern || !*pattern) return kc_error_set(err, KC_EINVAL, "Missing required configuration \"pattern\"");
    if (check_anchored_regex("pattern", pattern, msg, sizeof msg)) return kc_error_set(err, KC_EINVAL, "%s", msg);
    regex_t *re = malloc(sizeof *re);
    if (!re || anchored_regcomp(re, pattern, REG_NOSUB)) {
        free(re);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    *out = re;
    return KC_OK;
}

static int test(void *s, const kc_record *r) { return r->topic && regexec(s, r->topic, 0, NULL, 0) == 0; }

static void close_re(void *s) {
    if (s) regfree(s);
    free(s);
}

static const kc_predicate_ops ops = {configure, test, close_re};

KC_PREDICATE_PLUGIN("topic-name-matches", "True when the topic name matches a regex",
    "org.apache.kafka.connect.transforms.predicates.TopicNameMatches")
