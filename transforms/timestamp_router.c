/* TimestampRouter: topic = topic.format with ${topic} and ${timestamp} (the record timestamp
 * formatted with timestamp.format, UTC). A record without a timestamp is an error. */
#include "date_format.h"
#include "transform_common.h"

static const kc_config_def config[] = {
    {"topic.format", KC_CFG_STRING, "${topic}-${timestamp}", 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "Format string which can contain ${topic} and ${timestamp} as placeholders for the topic and timestamp.",
     NULL, NULL},
    {"timestamp.format", KC_CFG_STRING, "yyyyMMdd", 0, 0, 0, NULL, KC_IMPORTANCE_HIGH, NULL,
     "Format string for the timestamp that is compatible with java.text.SimpleDateFormat.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    char *topic_format, *ts_format;
} state;

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    free(s->topic_format);
    free(s->ts_format);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    (void)is_key;
    const char *tf = host->config_get(cfg, "topic.format"), *sf = host->config_get(cfg, "timestamp.format");
    char probe[256];
    if (format_ms(sf ? sf : "yyyyMMdd", 0, probe, sizeof probe))
        return kc_error_set(err, KC_EINVAL, "Invalid value %s for configuration timestamp.format", sf);
    state *s = calloc(1, sizeof *s);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    s->topic_format = strdup(tf ? tf : "${topic}-${timestamp}");
    s->ts_format = strdup(sf ? sf : "yyyyMMdd");
    *out = s;
    return KC_OK;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    if (r->timestamp < 0)
        return kc_error_set(err, KC_EINVAL, "Timestamp missing on record: topic %s offset %lld",
                            r->topic ? r->topic : "?", (long long)r->offset);
    char ts[256], out[1024];
    format_ms(s->ts_format, r->timestamp, ts, sizeof ts);
    size_t o = 0;
    for (const char *c = s->topic_format; *c && o < sizeof out - 1;) {
        const char *ins = NULL;
        if (!strncmp(c, "${topic}", 8)) ins = r->topic ? r->topic : "", c += 8;
        else if (!strncmp(c, "${timestamp}", 12)) ins = ts, c += 12;
        if (ins)
            for (; *ins && o < sizeof out - 1; ins++) out[o++] = *ins;
        else out[o++] = *c++;
    }
    out[o] = '\0';
    return host->record_set_topic(r, out) ? kc_error_set(err, KC_ENOMEM, "out of memory") : KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("timestamp-router", "Route records to a topic named by time",
    "org.apache.kafka.connect.transforms.TimestampRouter")
