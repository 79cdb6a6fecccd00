/* FieldMatches (a kcd addition; Kafka's predicates cannot look at a field's value): true when a
 * top-level field of the record's value equals a string, is one of a list, or wholly matches a
 * regex (POSIX extended). Values compare as text (strings as they are, numbers and booleans in
 * their JSON text); an array matches through any of its elements, or its first alone
 * (array.match=first, as ksqlDB's FIELD[1] reads it). A missing or null field never matches. */
#include <stdio.h>

#include "field_value.h"
#include "anchored_regex.h"
#include "predicates.h"

static const char *const array_modes[] = {"any", "first", NULL};

static const kc_config_def config[] = {
    {"field", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "The top-level field of the record's value to look at.", NULL, NULL},
    {"equals", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "True when the field's value is this text. Exactly one of equals, in and pattern.", NULL, NULL},
    {"in", KC_CFG_LIST, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "True when the field's value is one of these. Exactly one of equals, in and pattern.", NULL, NULL},
    {"pattern", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "True when this regular expression matches the field's whole value. Exactly one of equals, in and pattern.",
     NULL, check_anchored_regex},
    {"array.match", KC_CFG_ENUM, "any", 0, 0, 0, array_modes, KC_IMPORTANCE_LOW, NULL,
     "An array field matches through any element, or through its first alone.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    char *field;
    char *equals;    /* one of these three */
    str_list in;
    regex_t re;
    int has_re;
    int first_only;
} state;

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    free(s->field);
    free(s->equals);
    list_free(&s->in);
    if (s->has_re) regfree(&s->re);
    free(s);
}

static int configure(const kc_config *cfg, void **out, kc_error *err) {
    const char *field = host->config_get(cfg, "field"), *equals = host->config_get(cfg, "equals"),
               *in = host->config_get(cfg, "in"), *pattern = host->config_get(cfg, "pattern"),
               *array = host->config_get(cfg, "array.match");
    if (!field || !*field) return kc_error_set(err, KC_EINVAL, "Missing required configuration \"field\" which has no "
                                                               "default value.");
    if (!!equals + !!in + !!pattern != 1)
        return kc_error_set(err, KC_EINVAL, "FieldMatches needs exactly one of \"equals\", \"in\" and \"pattern\" "
                                            "(%d given)", !!equals + !!in + !!pattern);
    char msg[512];
    if (pattern && check_anchored_regex("pattern", pattern, msg, sizeof msg)) return kc_error_set(err, KC_EINVAL, "%s", msg);
    state *s = calloc(1, sizeof *s);
    if (!s || !(s->field = strdup(field)) || (equals && !(s->equals = strdup(equals))) ||
        (in && list_parse(in, &s->in))) {
        close_state(s);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    if (pattern) {
        if (anchored_regcomp(&s->re, pattern, REG_NOSUB)) {
            close_state(s);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
        s->has_re = 1;
    }
    s->first_only = array && !strcmp(array, "first");
    *out = s;
    return KC_OK;
}

static int scalar_matches(const state *s, const kc_value *v) {
    char *text = scalar_text(v);
    if (!text) return 0;
    int m = s->equals ? !strcmp(text, s->equals) : s->has_re ? regexec(&s->re, text, 0, NULL, 0) == 0
                                                             : list_has(&s->in, text);
    free(text);
    return m;
}

static int test(void *p, const kc_record *r) {
    const state *s = p;
    const kc_value *f = field_of(&r->value, s->field);
    if (!f) return 0;
    if (f->type != KC_VAL_ARRAY) return scalar_matches(s, f);
    size_t n = s->first_only && f->u.arr.len ? 1 : f->u.arr.len;
    for (size_t i = 0; i < n; i++)
        if (scalar_matches(s, &f->u.arr.items[i])) return 1;
    return 0;
}

static const kc_predicate_ops ops = {configure, test, close_state};

KC_PREDICATE_PLUGIN("field-matches", "True when a field of the value equals, is in, or matches (kcd)",
    "io.kcd.connect.transforms.predicates.FieldMatches")
