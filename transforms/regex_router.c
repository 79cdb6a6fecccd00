/* RegexRouter: when the whole topic matches `regex`, the topic becomes `replacement` with
 * $1..$9 replaced by the groups (POSIX extended regular expressions). Otherwise unchanged. */
#include <stdio.h>

#include "anchored_regex.h"
#include "transform_common.h"

static const kc_config_def config[] = {
    {"regex", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "Regular expression to use for matching.", NULL, check_anchored_regex},
    {"replacement", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "Replacement string.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    regex_t re;
    char *replacement;
} state;

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    regfree(&s->re);
    free(s->replacement);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    (void)is_key;
    const char *regex = host->config_get(cfg, "regex"), *repl = host->config_get(cfg, "replacement");
    char msg[512];
    if (!regex || !repl) return kc_error_set(err, KC_EINVAL, "Missing required configuration \"%s\" which has no "
                                                             "default value.", regex ? "replacement" : "regex");
    if (check_anchored_regex("regex", regex, msg, sizeof msg)) return kc_error_set(err, KC_EINVAL, "%s", msg);
    state *s = calloc(1, sizeof *s);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    /* group 1 is our anchoring group: the user's groups start at 2 */
    anchored_regcomp(&s->re, regex, 0); /* it compiled in the check above */
    s->replacement = strdup(repl);
    *out = s;
    return KC_OK;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    regmatch_t m[11];
    if (!r->topic || regexec(&s->re, r->topic, 11, m, 0) != 0) return KC_KEEP;
    char out[1024];
    size_t o = 0;
    for (const char *c = s->replacement; *c && o < sizeof out - 1; c++) {
        if (*c == '\\' && c[1]) {
            out[o++] = *++c;
        } else if (*c == '$' && c[1] >= '0' && c[1] <= '9') {
            int g = *++c - '0' + 1; /* $0 is the whole match = our group 1 */
            if (g <= 10 && m[g].rm_so >= 0)
                for (regoff_t i = m[g].rm_so; i < m[g].rm_eo && o < sizeof out - 1; i++) out[o++] = r->topic[i];
        } else {
            out[o++] = *c;
        }
    }
    out[o] = '\0';
    return host->record_set_topic(r, out) ? kc_error_set(err, KC_ENOMEM, "out of memory") : KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("regex-router", "Rewrite the topic with a regex replacement",
    "org.apache.kafka.connect.transforms.RegexRouter")
