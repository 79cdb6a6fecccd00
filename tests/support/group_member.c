/* group_member - one member of a Connect group on a real broker, driven by kcd's group client
 * and assignor (core/cluster), for tests/integration/group_membership.sh. It joins with the
 * sessioned and compatible protocols and its current allocation, runs the assignor when it leads
 * (connectors and task counts from argv), applies what it is given (stop the revoked, start the
 * assigned), heartbeats, rejoins when the group rebalances, and prints one line per change:
 *
 *   joined GENERATION PROTOCOL leader|follower MEMBER
 *   holds GENERATION ITEM...          (ITEM is connector/task, task -1 the connector itself)
 *   revoked GENERATION ITEM...
 *
 * SIGTERM: LeaveGroup, exit 0. Usage: group_member BOOTSTRAP GROUP URL CONNECTOR:TASKS[,...] */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kc_assignor.h"
#include "kc_connect_protocol.h"
#include "kc_group.h"

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig, stop = 1; }

static void print_items(const char *what, int32_t gen, const kc_work_list *l) {
    kc_work_list sorted = {0};
    for (size_t i = 0; i < l->len; i++) kc_work_add(&sorted, l->items[i].connector, l->items[i].task);
    kc_work_sort(&sorted);
    printf("%s %d", what, gen);
    for (size_t i = 0; i < sorted.len; i++) printf(" %s/%d", sorted.items[i].connector, sorted.items[i].task);
    printf("\n");
    fflush(stdout);
    kc_work_free(&sorted);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: group_member BOOTSTRAP GROUP URL CONNECTOR:TASKS[,...]\n");
        return 2;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    kc_assignor_connector conns[64];
    size_t nconns = 0;
    char *spec = strdup(argv[4]);
    for (char *save = NULL, *s = strtok_r(spec, ",", &save); s && nconns < 64; s = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(s, ':');
        if (!colon) return 2;
        *colon = '\0';
        conns[nconns++] = (kc_assignor_connector){s, atoi(colon + 1)};
    }
    kc_error err = {0};
    kc_group_conf conf = {.bootstrap = argv[1], .group_id = argv[2], .client_id = "kcd-test-group-member",
                          .protocol_type = KC_CONNECT_PROTOCOL_TYPE, .session_timeout_ms = 6000,
                          .rebalance_timeout_ms = 20000, .request_timeout_ms = 10000};
    kc_group *g = kc_group_new(&conf, &err);
    if (!g) {
        fprintf(stderr, "group_member: %s\n", err.msg);
        return 1;
    }
    kc_work_list held = {0};
    int has_allocation = 0;
    while (!stop) {
        /* join with what it holds */
        kc_connect_metadata md[2];
        kc_buf blobs[2] = {KC_BUF_INIT, KC_BUF_INIT};
        kc_group_protocol protos[2];
        const char *names[3];
        int16_t versions[3];
        /* sessioned and compatible: the eager fallback is left out (one eager member would drag
         * the whole group there, and this member applies cooperative assignments only) */
        size_t np = kc_connect_protocols("sessioned", names, versions) - 1;
        for (size_t i = 0; i < np; i++) {
            md[i] = (kc_connect_metadata){.version = versions[i], .url = argv[3], .config_offset = 0,
                                          .has_allocation = has_allocation};
            md[i].allocation = (kc_connect_assignment){.version = versions[i], .leader = "", .leader_url = "",
                                                       .assigned = held};
            kc_connect_metadata_encode(&blobs[i], &md[i]);
            protos[i] = (kc_group_protocol){names[i], blobs[i].data, blobs[i].len};
        }
        kc_join_result j;
        int rc = kc_group_join(g, protos, np, &j, &err);
        kc_buf_free(&blobs[0]);
        kc_buf_free(&blobs[1]);
        if (rc) {
            if (rc < 0) fprintf(stderr, "group_member: join: %s\n", err.msg);
            else fprintf(stderr, "group_member: join: %s\n", kc_kafka_error_name((int16_t)rc));
            if (rc == KC_KERR_UNKNOWN_MEMBER_ID || rc == KC_KERR_ILLEGAL_GENERATION) kc_group_reset(g);
            sleep(1);
            continue;
        }
        int leader = !strcmp(j.leader, j.member_id);
        printf("joined %d %s %s %s\n", j.generation, j.protocol, leader ? "leader" : "follower", j.member_id);
        fflush(stdout);
        /* the leader assigns */
        const char **ids = NULL;
        kc_buf *assign_blobs = NULL;
        size_t n = 0;
        if (leader) {
            n = j.nmembers;
            ids = calloc(n, sizeof *ids);
            assign_blobs = calloc(n, sizeof *assign_blobs);
            kc_connect_metadata *mds = calloc(n, sizeof *mds);
            kc_assignor_member *members = calloc(n, sizeof *members);
            kc_connect_assignment *out = calloc(n, sizeof *out);
            for (size_t m = 0; m < n; m++) {
                if (kc_connect_metadata_decode(j.members[m].metadata, j.members[m].len, &mds[m])) {
                    fprintf(stderr, "group_member: member %s sent metadata kcd cannot read\n", j.members[m].member_id);
                    return 1;
                }
                members[m] = (kc_assignor_member){j.members[m].member_id, &mds[m]};
                ids[m] = j.members[m].member_id;
            }
            int16_t version = !strcmp(j.protocol, KC_CONNECT_SESSIONED) ? 2 : 1;
            kc_assignor_input in = {version, j.member_id, argv[3], 0, conns, nconns, members, n};
            if (kc_assign(&in, out)) return 1;
            for (size_t m = 0; m < n; m++) {
                kc_connect_assignment_encode(&assign_blobs[m], &out[m]);
                kc_connect_assignment_clear(&out[m]);
                kc_connect_metadata_clear(&mds[m]);
            }
            free(out);
            free(members);
            free(mds);
        }
        uint8_t *bytes = NULL;
        size_t len = 0;
        rc = kc_group_sync(g, ids, assign_blobs, n, &bytes, &len, &err);
        for (size_t m = 0; m < n; m++) kc_buf_free(&assign_blobs[m]);
        free(assign_blobs);
        free(ids);
        int32_t gen = j.generation;
        kc_join_result_clear(&j);
        if (rc) {
            fprintf(stderr, "group_member: sync: %s\n", rc < 0 ? err.msg : kc_kafka_error_name((int16_t)rc));
            continue;
        }
        kc_connect_assignment a;
        if (!bytes || kc_connect_assignment_decode(bytes, len, &a)) {
            fprintf(stderr, "group_member: an assignment kcd cannot read\n");
            free(bytes);
            return 1;
        }
        free(bytes);
        /* stop the revoked, start the assigned */
        if (a.revoked.len) print_items("revoked", gen, &a.revoked);
        kc_work_list next = {0};
        for (size_t i = 0; i < held.len; i++)
            if (!kc_work_has(&a.revoked, held.items[i].connector, held.items[i].task))
                kc_work_add(&next, held.items[i].connector, held.items[i].task);
        for (size_t i = 0; i < a.assigned.len; i++) kc_work_add(&next, a.assigned.items[i].connector, a.assigned.items[i].task);
        kc_work_free(&held);
        held = next;
        has_allocation = 1;
        print_items("holds", gen, &held);
        int revoked = a.revoked.len > 0;
        kc_connect_assignment_clear(&a);
        if (revoked) continue; /* Connect rejoins after stopping what it gave up */
        /* heartbeat until the group rebalances */
        while (!stop) {
            struct timespec ts = {1, 0};
            nanosleep(&ts, NULL);
            rc = kc_group_heartbeat(g, &err);
            if (rc == 0) continue;
            if (rc < 0) fprintf(stderr, "group_member: heartbeat: %s\n", err.msg);
            if (rc == KC_KERR_UNKNOWN_MEMBER_ID || rc == KC_KERR_ILLEGAL_GENERATION) {
                /* the session expired: stop everything before anyone else may run it */
                kc_work_free(&held);
                has_allocation = 0;
                print_items("holds", gen, &held);
                kc_group_reset(g);
            }
            break;
        }
    }
    int rc = kc_group_leave(g, &err);
    kc_group_destroy(g);
    kc_work_free(&held);
    free(spec);
    return rc == 0 ? 0 : 1;
}
