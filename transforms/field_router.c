/* FieldRouter$Key / $Value (a kcd addition; Kafka's routers cannot look at a field's value): the
 * topic becomes topic.format with ${topic} and ${value} replaced, ${value} being a top-level
 * field's value as text (an array's first element, as ksqlDB's FIELD[1]) named through
 * `mappings` (4:PROBE,8:BEACON). A record without the field, or with it null, keeps its topic
 * (field.missing=keep) or fails (fail). */
#include <stdio.h>

#include "field_value.h"

static const char *const missing_modes[] = {"keep", "fail", NULL};

static int check_mappings(const char *key, const char *value, char *msg, size_t n) {
    str_list l;
    if (list_parse(value, &l)) return 0; /* out of memory: configure says so */
    int bad = -1;
    for (size_t i = 0; i < l.len && bad < 0; i++)
        if (!strchr(l.items[i], ':') || l.items[i][0] == ':') bad = (int)i;
    if (bad >= 0) snprintf(msg, n, "Invalid value %s for configuration %s: %s is not from:to", value, key, l.items[bad]);
    list_free(&l);
    return bad >= 0 ? -1 : 0;
}

static const kc_config_def config[] = {
    {"field", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED | KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "The top-level field whose value names the topic.", NULL, NULL},
    {"topic.format", KC_CFG_STRING, "${topic}-${value}", KC_CFG_F_NONEMPTY, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "Format string which can contain ${topic} and ${value} as placeholders for the topic and the field's value.",
     NULL, NULL},
    {"mappings", KC_CFG_LIST, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Names for values, as from:to pairs (4:PROBE,8:BEACON): ${value} is the name where one is given.", NULL,
     check_mappings},
    {"unmapped", KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "${value} for a value `mappings` does not name; unset: the value itself.", NULL, NULL},
    {"field.missing", KC_CFG_ENUM, "keep", 0, 0, 0, missing_modes, KC_IMPORTANCE_LOW, NULL,
     "A record without the field (or with it null or an empty array): keep its topic, or fail.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    int is_key;
    char *field, *format, *unmapped;
    str_list from, to;
    int fail_missing;
} state;

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    free(s->field);
    free(s->format);
    free(s->unmapped);
    list_free(&s->from);
    list_free(&s->to);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    const char *field = host->config_get(cfg, "field"), *format = host->config_get(cfg, "topic.format"),
               *mappings = host->config_get(cfg, "mappings"), *unmapped = host->config_get(cfg, "unmapped"),
               *missing = host->config_get(cfg, "field.missing");
    if (!field || !*field) return kc_error_set(err, KC_EINVAL, "Missing required configuration \"field\" which has no "
                                                               "default value.");
    char msg[512];
    if (mappings && check_mappings("mappings", mappings, msg, sizeof msg)) return kc_error_set(err, KC_EINVAL, "%s", msg);
    state *s = calloc(1, sizeof *s);
    str_list pairs = {0};
    int oom = !s || !(s->field = strdup(field)) || !(s->format = strdup(format ? format : "${topic}-${value}")) ||
              (unmapped && !(s->unmapped = strdup(unmapped))) || list_parse(mappings, &pairs);
    if (!oom && pairs.len) { /* split each from:to at its first colon */
        s->from.items = calloc(pairs.len, sizeof *s->from.items);
        s->to.items = calloc(pairs.len, sizeof *s->to.items);
        oom = !s->from.items || !s->to.items;
        for (size_t i = 0; !oom && i < pairs.len; i++) {
            char *colon = strchr(pairs.items[i], ':');
            s->from.items[i] = strndup(pairs.items[i], (size_t)(colon - pairs.items[i]));
            s->to.items[i] = strdup(colon + 1);
            s->from.len = s->to.len = i + 1;
            oom = !s->from.items[i] || !s->to.items[i];
        }
    }
    list_free(&pairs);
    if (oom) {
        close_state(s);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    s->is_key = is_key;
    s->fail_missing = missing && !strcmp(missing, "fail");
    *out = s;
    return KC_OK;
}

/* The format with ${topic} and ${value} replaced; handed over, NULL when out of memory. */
static char *format_topic(const char *format, const char *topic, const char *value) {
    size_t cap = strlen(format) + 1, nt = strlen(topic), nv = strlen(value);
    for (const char *p = format; (p = strstr(p, "${")); p += 2) cap += nt + nv; /* enough for any placeholder */
    char *out = malloc(cap), *o = out;
    if (!out) return NULL;
    for (const char *p = format; *p;) {
        if (!strncmp(p, "${topic}", 8)) {
            memcpy(o, topic, nt), o += nt, p += 8;
        } else if (!strncmp(p, "${value}", 8)) {
            memcpy(o, value, nv), o += nv, p += 8;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    record_part part = part_of(r, s->is_key);
    const kc_value *f = field_of(part.value, s->field);
    if (f && f->type == KC_VAL_ARRAY) f = f->u.arr.len ? &f->u.arr.items[0] : NULL;
    char *text = f ? scalar_text(f) : NULL;
    if (!text) {
        if (!s->fail_missing) return KC_KEEP;
        return kc_error_set(err, KC_EINVAL, "FieldRouter: the record of topic %s has no value for field %s",
                            r->topic ? r->topic : "(none)", s->field);
    }
    const char *value = s->unmapped ? s->unmapped : text;
    for (size_t i = 0; i < s->from.len; i++)
        if (!strcmp(s->from.items[i], text)) value = s->to.items[i];
    char *topic = format_topic(s->format, r->topic ? r->topic : "", value);
    free(text);
    int rc = !topic || host->record_set_topic(r, topic) ? kc_error_set(err, KC_ENOMEM, "out of memory") : KC_KEEP;
    free(topic);
    return rc;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("field-router", "Set the topic from a field's value (kcd)",
    "io.kcd.connect.transforms.FieldRouter$Value", "io.kcd.connect.transforms.FieldRouter$Key")
