/* internal_topics - Connect's config and status topics through kcd's readers and writer
 * (core/cluster/config_log.c, status_log.c), for tests/integration/internal_topics_java.sh:
 *
 *   internal_topics read-config BOOTSTRAP TOPIC
 *       reads the topic to its high watermark and prints the state as one JSON object:
 *       {"offset":N,"session_key_algorithm":A|null,"skipped":K,
 *        "connectors":{NAME:{"config":{..},"target":T,"tasks":[{..},..],"inconsistent":B}}}
 *       (connectors without a config, deleted ones, left out)
 *   internal_topics read-status BOOTSTRAP TOPIC
 *       reads every partition to its high watermark and prints
 *       {"skipped":K,"statuses":{NAME:{"connector":{"state":S,"worker_id":W},"tasks":{"N":{...}}}}}
 *   internal_topics write-connector BOOTSTRAP TOPIC NAME CONFIG_JSON TASKS_JSON
 *       writes the connector's config, its task configs and their commit as Connect's leader does
 *   internal_topics status-store BOOTSTRAP TOPIC
 *       kcd's status store (core/cluster/status_store.c) on a new topic of 5 partitions: statuses
 *       written by one store are read by a second opened after, a change is followed after a sync,
 *       a "safe" write of an older generation by another worker is refused and a newer one taken;
 *       "status-store: ok" at the end
 *   internal_topics create-compacted BOOTSTRAP TOPIC PARTITIONS
 *   internal_topics store BOOTSTRAP TOPIC
 *       kcd's config store (core/cluster/config_store.c) on the topic: one store writes a
 *       connector, a second one opened after reads it, the first stops it and the second, following,
 *       sees that after a sync; prints one line per step, "store: ok" at the end; exit 1 with the
 *       store's message when it refuses the topic */
#define _GNU_SOURCE
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_config_log.h"
#include "kc_config_store.h"
#include "kc_status_store.h"
#include "kc_status_log.h"

static rd_kafka_t *client(rd_kafka_type_t type, const char *bootstrap) {
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr) ||
        (type == RD_KAFKA_PRODUCER && (rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof errstr) ||
                                       rd_kafka_conf_set(conf, "partitioner", "murmur2_random", errstr, sizeof errstr))) ||
        (type == RD_KAFKA_CONSUMER && rd_kafka_conf_set(conf, "group.id", "kcd-internal-topics-reader", errstr, sizeof errstr))) {
        fprintf(stderr, "internal_topics: %s\n", errstr);
        exit(2);
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "internal_topics: %s\n", errstr);
        exit(2);
    }
    return rk;
}

typedef int (*record_fn)(void *state, const rd_kafka_message_t *m, kc_error *err);

/* Every partition of the topic from its start to its high watermark, record by record. */
static int read_all(const char *bootstrap, const char *topic, record_fn fn, void *state, int *skipped) {
    rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, bootstrap);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) || md->topic_cnt != 1 || md->topics[0].err) {
        fprintf(stderr, "internal_topics: no metadata for %s\n", topic);
        return 1;
    }
    int nparts = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    for (int p = 0; p < nparts; p++) {
        int64_t lo = 0, hi = 0;
        if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000)) return 1;
        if (hi <= lo) continue;
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(parts, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_assign(rk, parts);
        rd_kafka_topic_partition_list_destroy(parts);
        for (int64_t next = lo; next < hi;) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 10000);
            if (!m) {
                fprintf(stderr, "internal_topics: no record at offset %lld of %s-%d\n", (long long)next, topic, p);
                return 1;
            }
            if (!m->err && m->partition == p) {
                kc_error err = {0};
                if (fn(state, m, &err)) {
                    fprintf(stderr, "internal_topics: %s\n", err.msg);
                    (*skipped)++;
                }
                next = m->offset + 1;
            }
            rd_kafka_message_destroy(m);
        }
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

static int config_record(void *state, const rd_kafka_message_t *m, kc_error *err) {
    return kc_config_log_apply(state, m->key ? m->key : "", m->key_len, m->payload, m->len, m->offset, err);
}

static int status_record(void *state, const rd_kafka_message_t *m, kc_error *err) {
    return kc_status_log_apply(state, m->key ? m->key : "", m->key_len, m->payload, m->len, m->offset, err);
}

static void print_json(json_t *out) {
    char *text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s\n", text);
    free(text);
    json_decref(out);
}

static int read_status(const char *bootstrap, const char *topic) {
    kc_status_log s = {0};
    int skipped = 0;
    if (read_all(bootstrap, topic, status_record, &s, &skipped)) return 1;
    json_t *all = json_object();
    for (size_t i = 0; i < s.len; i++) {
        const kc_status_entry *e = &s.entries[i];
        json_t *c = json_object_get(all, e->connector);
        if (!c) json_object_set_new(all, e->connector, c = json_pack("{s:o}", "tasks", json_object()));
        json_t *st = json_pack("{s:s, s:s, s:i}", "state", e->state, "worker_id", e->worker_id, "generation", e->generation);
        if (e->task < 0) json_object_set_new(c, "connector", st);
        else {
            char num[16];
            snprintf(num, sizeof num, "%d", (int)e->task);
            json_object_set_new(json_object_get(c, "tasks"), num, st);
        }
    }
    print_json(json_pack("{s:i, s:o}", "skipped", skipped, "statuses", all));
    kc_status_log_free(&s);
    return 0;
}

static int read_config(const char *bootstrap, const char *topic) {
    kc_config_log s = {.next_offset = -1};
    int skipped = 0;
    if (read_all(bootstrap, topic, config_record, &s, &skipped)) return 1;
    json_t *out = json_object(), *conns = json_object();
    json_object_set_new(out, "offset", json_integer(s.next_offset));
    json_object_set_new(out, "session_key_algorithm", s.session_algorithm ? json_string(s.session_algorithm) : json_null());
    json_object_set_new(out, "skipped", json_integer(skipped));
    for (size_t i = 0; i < s.len; i++) {
        const kc_cfg_connector *c = &s.items[i];
        if (!c->config) continue;
        json_object_set_new(conns, c->name,
                            json_pack("{s:O, s:s, s:O, s:b}", "config", c->config, "target", kc_config_log_target(c),
                                      "tasks", c->tasks, "inconsistent", c->inconsistent));
    }
    json_object_set_new(out, "connectors", conns);
    print_json(out);
    kc_config_log_free(&s);
    return 0;
}

static void produce(rd_kafka_t *rk, const char *topic, const char *key, char *value) {
    if (!value || rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                                    RD_KAFKA_V_VALUE(value, strlen(value)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                    RD_KAFKA_V_END)) {
        fprintf(stderr, "internal_topics: cannot produce %s\n", key);
        exit(1);
    }
    free(value);
}

static int write_connector(const char *bootstrap, const char *topic, const char *name, const char *config,
                           const char *tasks) {
    json_error_t je;
    json_t *cfg = json_loads(config, 0, &je), *ts = json_loads(tasks, 0, &je);
    if (!json_is_object(cfg) || !json_is_array(ts)) {
        fprintf(stderr, "internal_topics: CONFIG_JSON must be an object, TASKS_JSON an array\n");
        return 2;
    }
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, bootstrap);
    char key[512];
    snprintf(key, sizeof key, "connector-%s", name);
    produce(rk, topic, key, kc_config_log_properties_value(cfg));
    size_t i;
    json_t *t;
    json_array_foreach(ts, i, t) {
        snprintf(key, sizeof key, "task-%s-%zu", name, i);
        produce(rk, topic, key, kc_config_log_properties_value(t));
    }
    snprintf(key, sizeof key, "commit-%s", name);
    produce(rk, topic, key, kc_config_log_commit_value((int)json_array_size(ts)));
    int rc = rd_kafka_flush(rk, 15000) ? 1 : 0;
    rd_kafka_destroy(rk);
    json_decref(cfg);
    json_decref(ts);
    return rc;
}

/* A worker on the broker with no plugins: what the stores need. */
static int worker_of(kc_worker *w, const char *bootstrap) {
    kc_config cfg = {0};
    kc_strlist problems = {0};
    kc_error err = {0};
    int rc = kc_config_set(&cfg, "bootstrap.servers", bootstrap) || kc_config_set(&cfg, "plugin.path", "/nonexistent") ||
             kc_worker_init(w, &cfg, &problems) || kc_worker_connect_kafka(w, &err);
    kc_config_free(&cfg);
    kc_strlist_free(&problems);
    return rc;
}

static int seen; /* records the second store applied while following */
static void count(void *opaque, const kc_config_log *state, const char *key) {
    (void)opaque, (void)state, (void)key;
    __atomic_add_fetch(&seen, 1, __ATOMIC_RELAXED);
}

typedef struct probe {
    const char *target;
    size_t tasks;
    int found;
} probe;

static void look(void *opaque, const kc_config_log *state) {
    probe *p = opaque;
    const kc_cfg_connector *c = kc_config_log_find(state, "x");
    p->found = c && c->config;
    if (p->found) p->target = kc_config_log_target(c), p->tasks = json_array_size(c->tasks);
}

static int store_roundtrip(const char *bootstrap, const char *topic) {
    kc_worker w;
    kc_error err = {0};
    if (worker_of(&w, bootstrap)) return 2;
    int rc = 1;
    kc_config_store *a = kc_config_store_open(&w, topic, 1, NULL, NULL, &err), *b = NULL;
    if (!a) {
        printf("store: refused: %s\n", err.msg);
        goto out;
    }
    json_t *props = json_pack("{s:s, s:s}", "connector.class", "FileStreamSink", "topics", "t");
    char *v1 = kc_config_log_properties_value(props), *v2 = kc_config_log_properties_value(props),
         *v3 = kc_config_log_commit_value(1), *v4 = kc_config_log_target_value("STOPPED");
    json_decref(props);
    const char *keys[] = {"connector-x", "task-x-0", "commit-x"}, *vals[] = {v1, v2, v3};
    if (kc_config_store_write(a, keys, vals, 3, &err)) {
        printf("store: write: %s\n", err.msg);
        goto out;
    }
    b = kc_config_store_open(&w, topic, 1, count, NULL, &err);
    probe p = {0};
    if (b) kc_config_store_read(b, look, &p);
    if (!b || !p.found || p.tasks != 1 || strcmp(p.target, "STARTED")) {
        printf("store: a second store does not read the connector (%s)\n", b ? "missing" : err.msg);
        goto out;
    }
    printf("store: a second store read connector x with 1 task, STARTED\n");
    const char *k2[] = {"target-state-x"}, *val2[] = {v4};
    int before = __atomic_load_n(&seen, __ATOMIC_RELAXED);
    if (kc_config_store_write(a, k2, val2, 1, &err) || kc_config_store_sync(b, 30000, &err)) {
        printf("store: %s\n", err.msg);
        goto out;
    }
    kc_config_store_read(b, look, &p);
    if (strcmp(p.target, "STOPPED") || __atomic_load_n(&seen, __ATOMIC_RELAXED) <= before) {
        printf("store: the following store did not see the stop (%s)\n", p.target);
        goto out;
    }
    printf("store: the following store saw the stop after a sync\nstore: ok\n");
    rc = 0;
    free(v1), free(v2), free(v3), free(v4);
out:
    kc_config_store_close(b);
    kc_config_store_close(a);
    kc_worker_free(&w);
    return rc;
}

typedef struct status_probe {
    const char *state, *worker;
    size_t n;
} status_probe;

static void look_status(void *opaque, const kc_status_log *state) {
    status_probe *p = opaque;
    const kc_status_entry *e = kc_status_log_find(state, "c", 2);
    p->state = e ? e->state : "none";
    p->worker = e ? e->worker_id : "none";
    p->n = state->len;
}

static int status_roundtrip(const char *bootstrap, const char *topic) {
    kc_worker w;
    kc_error err = {0};
    if (worker_of(&w, bootstrap)) return 2;
    int rc = 1;
    kc_status_store *a = kc_status_store_open(&w, topic, 5, 1, &err), *b = NULL;
    status_probe p = {0};
    if (!a) goto fail;
    for (int32_t t = -1; t < 5; t++)
        if (kc_status_store_put(a, "c", t, "RUNNING", NULL, "w1:8083", 3, 1, &err)) goto fail;
    if (!(b = kc_status_store_open(&w, topic, 5, 1, &err))) goto fail;
    kc_status_store_read(b, look_status, &p);
    if (p.n != 6 || strcmp(p.state, "RUNNING")) {
        printf("status-store: a second store reads %zu statuses, task 2 %s\n", p.n, p.state);
        goto out;
    }
    printf("status-store: a second store read the 6 statuses over 5 partitions\n");
    if (kc_status_store_put(a, "c", 2, "FAILED", "boom", "w1:8083", 3, 1, &err) || kc_status_store_sync(b, 30000, &err))
        goto fail;
    kc_status_store_read(b, look_status, &p);
    if (strcmp(p.state, "FAILED")) {
        printf("status-store: the following store did not see the failure (%s)\n", p.state);
        goto out;
    }
    printf("status-store: the following store saw task 2 FAILED after a sync\n");
    if (kc_status_store_sync(a, 30000, &err)) goto fail;
    int older = kc_status_store_put(a, "c", 2, "RUNNING", NULL, "w2:8083", 2, 1, &err);
    int newer = kc_status_store_put(a, "c", 2, "RUNNING", NULL, "w2:8083", 4, 1, &err);
    if (older != 1 || newer != 0 || kc_status_store_sync(b, 30000, &err)) {
        printf("status-store: safe writes: older generation %d, newer %d (%s)\n", older, newer, err.msg);
        goto out;
    }
    kc_status_store_read(b, look_status, &p);
    if (strcmp(p.state, "RUNNING") || strcmp(p.worker, "w2:8083")) {
        printf("status-store: after the newer safe write: %s by %s\n", p.state, p.worker);
        goto out;
    }
    printf("status-store: a safe write of an older generation by another worker was refused, a newer one taken\n"
           "status-store: ok\n");
    rc = 0;
    goto out;
fail:
    printf("status-store: %s\n", err.msg);
out:
    kc_status_store_close(b);
    kc_status_store_close(a);
    kc_worker_free(&w);
    return rc;
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "read-config")) return read_config(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "read-status")) return read_status(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "store")) return store_roundtrip(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "status-store")) return status_roundtrip(argv[2], argv[3]);
    if (argc == 5 && !strcmp(argv[1], "create-compacted")) {
        rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, argv[2]);
        kc_error err = {0};
        int rc = kc_kafka_create_topic(rk, argv[3], atoi(argv[4]), 1, "compact", &err);
        if (rc) fprintf(stderr, "internal_topics: %s\n", err.msg);
        rd_kafka_destroy(rk);
        return rc ? 1 : 0;
    }
    if (argc == 7 && !strcmp(argv[1], "write-connector"))
        return write_connector(argv[2], argv[3], argv[4], argv[5], argv[6]);
    fprintf(stderr, "usage: internal_topics read-config|read-status BOOTSTRAP TOPIC | "
                    "write-connector BOOTSTRAP TOPIC NAME CONFIG_JSON TASKS_JSON\n");
    return 2;
}
