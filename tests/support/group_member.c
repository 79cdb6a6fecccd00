/* group_member - one member of a Connect group on a real broker, run by kcd's group membership
 * (core/cluster/member.c: the group client, the assignor, rejoins, session loss), for
 * tests/integration/group_membership.sh. It offers the protocols connect.protocol=sessioned
 * offers, assigns (when it leads) connectors and task counts from argv, and prints one line per change:
 *
 *   joined GENERATION PROTOCOL leader LEADER_URL
 *   holds GENERATION ITEM...          (ITEM is connector/task, task -1 the connector itself)
 *   revoked GENERATION ITEM...        (GENERATION: the one before the assignment that revoked them)
 *
 * SIGTERM: LeaveGroup, exit 0. Usage: group_member BOOTSTRAP GROUP URL CONNECTOR:TASKS[,...]
 * (TLS and SASL from the GM_* environment variables below). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_member.h"

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig, stop = 1; }

static kc_assignor_connector conns[64];
static size_t nconns;
static kc_work_list held; /* the member thread's only */
static int32_t generation = -1;

static void print_items(const char *what, const kc_work_list *l) {
    kc_work_list sorted = {0};
    for (size_t i = 0; i < l->len; i++) kc_work_add(&sorted, l->items[i].connector, l->items[i].task);
    kc_work_sort(&sorted);
    printf("%s", what);
    for (size_t i = 0; i < sorted.len; i++) printf(" %s/%d", sorted.items[i].connector, sorted.items[i].task);
    printf("\n");
    fflush(stdout);
    kc_work_free(&sorted);
}

static int snapshot(void *opaque, const kc_assignor_connector **c, size_t *n, int64_t *offset) {
    (void)opaque;
    *c = conns, *n = nconns, *offset = 0;
    return 0;
}
static int64_t config_offset(void *opaque) { return (void)opaque, 0; }
static int catch_up(void *opaque, int64_t offset) { return (void)opaque, (void)offset, 0; }

static void on_stop(void *opaque, const kc_work_list *items) {
    (void)opaque;
    char what[32];
    snprintf(what, sizeof what, "revoked %d", generation); /* during the next generation's assignment */
    print_items(what, items);
    kc_work_list keep = {0};
    for (size_t i = 0; i < held.len; i++)
        if (!kc_work_has(items, held.items[i].connector, held.items[i].task))
            kc_work_add(&keep, held.items[i].connector, held.items[i].task);
    kc_work_free(&held);
    held = keep;
    char line[32];
    snprintf(line, sizeof line, "holds %d", generation);
    print_items(line, &held);
}

static void on_start(void *opaque, const kc_work_list *items, const char *leader_url, int32_t gen, int16_t version) {
    (void)opaque;
    if (gen != generation) {
        printf("joined %d %s leader %s\n", gen, version == 2 ? "sessioned" : version == 1 ? "compatible" : "default",
               leader_url);
    }
    for (size_t i = 0; i < items->len; i++) kc_work_add(&held, items->items[i].connector, items->items[i].task);
    generation = gen;
    char line[32];
    snprintf(line, sizeof line, "holds %d", gen);
    print_items(line, &held);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: group_member BOOTSTRAP GROUP URL CONNECTOR:TASKS[,...]\n");
        return 2;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    char *spec = strdup(argv[4]);
    for (char *save = NULL, *s = strtok_r(spec, ",", &save); s && nconns < 64; s = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(s, ':');
        if (!colon) return 2;
        *colon = '\0';
        conns[nconns++] = (kc_assignor_connector){s, atoi(colon + 1)};
    }
    kc_group_conf conf = {.bootstrap = argv[1], .group_id = argv[2], .client_id = "kcd-test-group-member",
                          .protocol_type = KC_CONNECT_PROTOCOL_TYPE, .session_timeout_ms = 6000,
                          .rebalance_timeout_ms = 20000, .request_timeout_ms = 10000};
    /* the group client's security, for the security tests: GM_TLS=1, GM_CA (PEM), GM_SASL_MECHANISM,
     * GM_SASL_USERNAME, GM_SASL_PASSWORD */
    conf.security.tls = getenv("GM_TLS") && !strcmp(getenv("GM_TLS"), "1");
    conf.security.ca_location = getenv("GM_CA");
    conf.security.verify_certificate = conf.security.verify_hostname = 1;
    conf.security.sasl_mechanism = getenv("GM_SASL_MECHANISM");
    conf.security.sasl_username = getenv("GM_SASL_USERNAME");
    conf.security.sasl_password = getenv("GM_SASL_PASSWORD");
    kc_member_callbacks cb = {snapshot, config_offset, catch_up, on_stop, on_start, NULL, NULL};
    kc_error err = {0};
    /* connect.protocol=sessioned: sessioned, compatible and eager offered, as Connect offers them */
    kc_member *m = kc_member_start(&conf, "sessioned", argv[3], 1000, &cb, NULL, &err);
    if (!m) {
        fprintf(stderr, "group_member: %s\n", err.msg);
        return 1;
    }
    while (!stop) sleep(1);
    kc_member_stop(m);
    kc_work_free(&held);
    free(spec);
    return 0;
}
