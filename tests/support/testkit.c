/* testkit.c - small Kafka helpers for the integration tests, on librdkafka:
 *   testkit create-topic BOOTSTRAP TOPIC PARTITIONS
 *   testkit delete-topic BOOTSTRAP TOPIC   deletes it (absent is fine) and waits until it is gone
 *   testkit dump BOOTSTRAP TOPIC        prints "partition<TAB>offset<TAB>value" for every record
 *   testkit count BOOTSTRAP TOPIC       prints the number of records (sum of high watermarks)
 *   testkit produce BOOTSTRAP TOPIC FILE   one record per line of FILE (bytes as they are, no key)
 *   testkit produce-keyed BOOTSTRAP TOPIC FILE   lines KEY<TAB>VALUE; a VALUE of \N is a tombstone
 *   testkit dump-headers BOOTSTRAP TOPIC   "partition<TAB>offset<TAB>value<TAB>k=v|k=v..." per record
 *   testkit dump-timestamps BOOTSTRAP TOPIC "partition<TAB>offset<TAB>timestamp ms<TAB>key<TAB>value" per record
 *   testkit committed BOOTSTRAP GROUP TOPIC   "partition<TAB>committed offset" (-1001: none)
 * TESTKIT_BATCH_SIZE sets the producers' batch.size (librdkafka's default is 1,000,000 bytes, a
 * Java producer's 16,384: a consumer holds at least one batch a partition). */
#define _GNU_SOURCE
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static rd_kafka_t *client(rd_kafka_type_t type, const char *bootstrap) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "testkit: %s\n", err);
        exit(2);
    }
    /* the tests read a topic's order as the order records were written in (a key's last record
     * is its last line): without idempotence a retried batch (a topic just created can refuse
     * the first) lands behind later ones. neo4j_kill9 once found a key's first record last. */
    if (type == RD_KAFKA_PRODUCER && rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err)) {
        fprintf(stderr, "testkit: %s\n", err);
        exit(2);
    }
    const char *batch_size = getenv("TESTKIT_BATCH_SIZE");
    if (type == RD_KAFKA_PRODUCER && batch_size && *batch_size &&
        rd_kafka_conf_set(conf, "batch.size", batch_size, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "testkit: TESTKIT_BATCH_SIZE: %s\n", err);
        exit(2);
    }
    if (type == RD_KAFKA_CONSUMER) {
        char group[64];
        snprintf(group, sizeof group, "testkit-%d", (int)getpid());
        rd_kafka_conf_set(conf, "group.id", group, err, sizeof err);
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
        rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
        /* only committed records, as a read_committed consumer sees them (librdkafka's default, said) */
        rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof err);
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "testkit: %s\n", err);
        exit(2);
    }
    return rk;
}

static int create_topic(const char *bootstrap, const char *topic, int partitions) {
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, bootstrap);
    char err[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 1, err, sizeof err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = 1;
    if (ev) {
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        size_t n;
        const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
        if (n == 1 && (rd_kafka_topic_result_error(tr[0]) == RD_KAFKA_RESP_ERR_NO_ERROR ||
                       rd_kafka_topic_result_error(tr[0]) == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS))
            rc = 0;
        else if (n == 1)
            fprintf(stderr, "testkit: create %s: %s\n", topic, rd_kafka_topic_result_error_string(tr[0]));
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}

/* Deletes a topic (absent is fine) and waits until the broker no longer lists it. */
static int delete_topic(const char *bootstrap, const char *topic) {
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, bootstrap);
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = 1;
    if (ev) {
        size_t n;
        const rd_kafka_topic_result_t **tr =
            rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
        rd_kafka_resp_err_t e = n == 1 ? rd_kafka_topic_result_error(tr[0]) : RD_KAFKA_RESP_ERR__FAIL;
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) rc = 0;
        else fprintf(stderr, "testkit: delete %s: %s\n", topic, rd_kafka_err2str(e));
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_DeleteTopic_destroy(dt);
    rd_kafka_queue_destroy(q);
    for (int i = 0; !rc && i < 100; i++) { /* deletion is asynchronous on the broker */
        /* all topics: asking for this one could auto-create it again */
        const rd_kafka_metadata_t *md = NULL;
        int gone = 0;
        if (rd_kafka_metadata(rk, 1, NULL, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            gone = 1;
            for (int k = 0; k < md->topic_cnt; k++)
                if (!strcmp(md->topics[k].topic, topic)) gone = 0;
            rd_kafka_metadata_destroy(md);
        }
        if (gone) break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    rd_kafka_destroy(rk);
    return rc;
}

static int partitions_of(rd_kafka_t *rk, const char *topic) {
    const rd_kafka_metadata_t *md;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    int n = -1;
    if (rd_kafka_metadata(rk, 0, t, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md->topic_cnt == 1 && !md->topics[0].err) n = md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(t);
    return n;
}

/* keyed: each line is KEY<TAB>VALUE, a VALUE of \N meaning null (a tombstone) */
static int produce_file(const char *bootstrap, const char *topic, const char *path, int keyed) {
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, bootstrap);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "testkit: cannot open %s\n", path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        if (n && line[n - 1] == '\n') n--;
        char *key = NULL, *val = line;
        size_t klen = 0, vlen = (size_t)n;
        char *tab = keyed ? memchr(line, '\t', (size_t)n) : NULL;
        if (tab) {
            key = line;
            klen = (size_t)(tab - line);
            val = tab + 1;
            vlen = (size_t)n - klen - 1;
            if (vlen == 2 && !memcmp(val, "\\N", 2)) val = NULL, vlen = 0;
        }
        while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE(val, vlen),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 100);
        rd_kafka_poll(rk, 0);
    }
    free(line);
    fclose(f);
    int rc = rd_kafka_flush(rk, 60000) ? 1 : 0;
    rd_kafka_destroy(rk);
    return rc;
}

static int committed(const char *bootstrap, const char *group, const char *topic) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", group, err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) return 1;
    int n = partitions_of(rk, topic);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n > 0 ? n : 1);
    for (int p = 0; p < n; p++) rd_kafka_topic_partition_list_add(l, topic, p);
    int rc = rd_kafka_committed(rk, l, 10000) ? 1 : 0;
    for (int i = 0; !rc && i < l->cnt; i++) printf("%d\t%lld\n", (int)l->elems[i].partition, (long long)l->elems[i].offset);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(rk);
    return rc;
}

static int dump(const char *bootstrap, const char *topic, int count_only) {
    rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, bootstrap);
    int n = partitions_of(rk, topic);
    if (n <= 0) {
        fprintf(stderr, "testkit: topic %s not found\n", topic);
        return 1;
    }
    long long total = 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    int live = 0;
    for (int p = 0; p < n; p++) {
        int64_t lo, hi;
        if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000)) return 1;
        total += hi - lo;
        if (hi > lo) {
            rd_kafka_topic_partition_list_add(l, topic, p)->offset = lo;
            live++;
        }
    }
    if (count_only == 1) {
        printf("%lld\n", total);
    } else {
        rd_kafka_assign(rk, l);
        while (live > 0) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 10000);
            if (!m) {
                fprintf(stderr, "testkit: timed out reading %s\n", topic);
                return 1;
            }
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) live--;
            else if (m->err) {
                fprintf(stderr, "testkit: %s\n", rd_kafka_message_errstr(m));
                return 1;
            }
            else {
                printf("%d\t%lld\t", (int)m->partition, (long long)m->offset);
                if (count_only == 3)
                    printf("%lld\t%.*s\t", (long long)rd_kafka_message_timestamp(m, NULL), (int)m->key_len,
                           m->key ? (const char *)m->key : "");
                printf("%.*s", (int)m->len, (const char *)m->payload);
                rd_kafka_headers_t *h = NULL;
                if (count_only == 2 && !rd_kafka_message_headers(m, &h)) {
                    const char *name;
                    const void *val;
                    size_t size;
                    for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &val, &size); i++) {
                        printf("%s%s=", i ? "|" : "\t", name);
                        for (size_t k = 0; val && k < size; k++) { /* one record, one line */
                            char c = ((const char *)val)[k];
                            if (c == '\n') fputs("\\n", stdout);
                            else if (c == '\t') fputs("\\t", stdout);
                            else putchar(c);
                        }
                    }
                }
                printf("\n");
            }
            rd_kafka_message_destroy(m);
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(rk);
    return 0;
}

/* Deletes a consumer group (absent is fine): a test that reuses a connector name (the seed
 * configs name theirs) starts from the topic's beginning, not from an earlier run's offsets. */
static int delete_group(const char *bootstrap, const char *group) {
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, bootstrap);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    int rc = 1;
    for (int attempt = 0; rc && attempt < 60; attempt++) { /* a broker just started is still loading groups */
        rd_kafka_DeleteGroup_t *dg = rd_kafka_DeleteGroup_new(group);
        rd_kafka_DeleteGroups(rk, &dg, 1, NULL, q);
        rd_kafka_DeleteGroup_destroy(dg);
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
        rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR__TIMED_OUT;
        if (ev) {
            size_t n;
            const rd_kafka_group_result_t **gr =
                rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
            const rd_kafka_error_t *e = n == 1 ? rd_kafka_group_result_error(gr[0]) : NULL;
            code = n != 1 ? RD_KAFKA_RESP_ERR__FAIL : e ? rd_kafka_error_code(e) : RD_KAFKA_RESP_ERR_NO_ERROR;
            rd_kafka_event_destroy(ev);
        }
        if (!code || code == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
            rc = 0;
        } else if (code == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
                   code == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE || code == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
                   code == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP) {
            /* not empty: a member of a killed earlier run is there until its session times out */
            struct timespec ts = {0, 500 * 1000 * 1000};
            nanosleep(&ts, NULL);
        } else {
            fprintf(stderr, "testkit: delete group %s: %s\n", group, rd_kafka_err2str(code));
            break;
        }
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}

/* A zombie task producer for fencing tests: takes transactional_id, opens a transaction holding
 * one record "zombie" on topic, then waits until go_file exists and tries to commit. Prints
 * "committed", or "fenced: <why>" when a newer holder of the id fenced it. */
static int txn_zombie(const char *bootstrap, const char *txid, const char *topic, const char *go_file) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) ||
        rd_kafka_conf_set(conf, "transactional.id", txid, err, sizeof err)) {
        fprintf(stderr, "testkit: %s\n", err);
        return 2;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "testkit: %s\n", err);
        return 2;
    }
    rd_kafka_error_t *e = rd_kafka_init_transactions(rk, 60000);
    if (!e) e = rd_kafka_begin_transaction(rk);
    if (!e && rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE("zombie", 6),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) {
        fprintf(stderr, "testkit: cannot produce\n");
        return 2;
    }
    if (!e) rd_kafka_flush(rk, 30000);
    if (e) {
        fprintf(stderr, "testkit: %s\n", rd_kafka_error_string(e));
        return 2;
    }
    printf("open\n");
    fflush(stdout);
    for (int i = 0; i < 1200 && access(go_file, F_OK); i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        rd_kafka_poll(rk, 0);
    }
    e = rd_kafka_commit_transaction(rk, 30000);
    if (e) printf("fenced: %s\n", rd_kafka_error_string(e));
    else printf("committed\n");
    if (e) rd_kafka_error_destroy(e);
    rd_kafka_destroy(rk);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "create-topic") == 0) return create_topic(argv[2], argv[3], atoi(argv[4]));
    if (argc == 4 && strcmp(argv[1], "dump") == 0) return dump(argv[2], argv[3], 0);
    if (argc == 4 && strcmp(argv[1], "count") == 0) return dump(argv[2], argv[3], 1);
    if (argc == 4 && strcmp(argv[1], "dump-headers") == 0) return dump(argv[2], argv[3], 2);
    if (argc == 4 && strcmp(argv[1], "dump-timestamps") == 0) return dump(argv[2], argv[3], 3);
    if (argc == 4 && strcmp(argv[1], "delete-topic") == 0) return delete_topic(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "delete-group") == 0) return delete_group(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "produce") == 0) return produce_file(argv[2], argv[3], argv[4], 0);
    if (argc == 5 && strcmp(argv[1], "produce-keyed") == 0) return produce_file(argv[2], argv[3], argv[4], 1);
    if (argc == 5 && strcmp(argv[1], "committed") == 0) return committed(argv[2], argv[3], argv[4]);
    if (argc == 6 && strcmp(argv[1], "txn-zombie") == 0) return txn_zombie(argv[2], argv[3], argv[4], argv[5]);
    fprintf(stderr, "usage: testkit create-topic BOOTSTRAP TOPIC PARTITIONS | dump BOOTSTRAP TOPIC | count BOOTSTRAP TOPIC\n");
    return 2;
}
