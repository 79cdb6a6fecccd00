/* Connect's group sub-protocol bytes (member metadata, assignments), the assignor, and the group
 * requests and responses: core/cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_assignor.h"
#include "kc_connect_protocol.h"
#include "kc_group_codec.h"
#include "kc_request_signature.h"
#include "kc_sasl_scram.h"
#include "kc_wire.h"

static void hex_equal(const kc_buf *b, const char *hex) {
    char got[2048] = "";
    for (size_t i = 0; i < b->len && i * 2 + 2 < sizeof got; i++) sprintf(got + i * 2, "%02x", (uint8_t)b->data[i]);
    assert_string_equal(got, hex);
}

/* distributed-mode.md §1.3's example: sessioned, http://w1:8083/, offset 42, nothing held */
static void test_metadata_bytes(void **st) {
    (void)st;
    kc_connect_metadata m = {.version = 2, .url = "http://w1:8083/", .config_offset = 42};
    kc_buf b = KC_BUF_INIT;
    kc_connect_metadata_encode(&b, &m);
    assert_false(b.failed);
    assert_int_equal(b.len, 31);
    hex_equal(&b, "0002000f687474703a2f2f77313a383038332f000000000000002affffffff");
    kc_connect_metadata d;
    assert_int_equal(kc_connect_metadata_decode(b.data, b.len, &d), 0);
    assert_int_equal(d.version, 2);
    assert_string_equal(d.url, "http://w1:8083/");
    assert_int_equal(d.config_offset, 42);
    assert_false(d.has_allocation);
    kc_connect_metadata_clear(&d);
    kc_buf_free(&b);
}

/* §1.4's example: leader w1-abc, connector src and its task 0 assigned, nothing revoked (Connect
 * writes that as an empty array; a null one, as the reference shows it, reads the same) */
static void test_assignment_bytes(void **st) {
    (void)st;
    kc_connect_assignment a = {.version = 1, .leader = "w1-abc", .leader_url = "http://w1:8083/", .config_offset = 42};
    assert_int_equal(kc_work_add(&a.assigned, "src", 0), 0);
    assert_int_equal(kc_work_add(&a.assigned, "src", KC_CONNECTOR_TASK), 0);
    kc_buf b = KC_BUF_INIT;
    kc_connect_assignment_encode(&b, &a);
    hex_equal(&b, "00010000000677312d616263000f687474703a2f2f77313a383038332f000000000000002a"
                  "000000010003737263"
                  "00000002ffffffff00000000"
                  "00000000"
                  "00000000");
    kc_work_free(&a.assigned);
    /* the same with revocations as null */
    b.data[b.len - 8] = b.data[b.len - 7] = b.data[b.len - 6] = b.data[b.len - 5] = (char)0xff;
    kc_connect_assignment d;
    assert_int_equal(kc_connect_assignment_decode(b.data, b.len, &d), 0);
    assert_int_equal(d.version, 1);
    assert_string_equal(d.leader, "w1-abc");
    assert_int_equal(d.assigned.len, 2);
    assert_true(kc_work_has(&d.assigned, "src", KC_CONNECTOR_TASK));
    assert_true(kc_work_has(&d.assigned, "src", 0));
    assert_int_equal(d.revoked.len, 0);
    kc_connect_assignment_clear(&d);
    kc_buf_free(&b);
}

/* a version 0 blob ends after the assignment: read with the later layout, the rest is empty */
static void test_eager_assignment_and_allocation_roundtrip(void **st) {
    (void)st;
    kc_connect_assignment a = {.version = 0, .error = KC_ASSIGN_CONFIG_MISMATCH, .leader = "l", .leader_url = "u",
                               .config_offset = -1};
    assert_int_equal(kc_work_add(&a.assigned, "b", 3), 0);
    kc_buf b = KC_BUF_INIT;
    kc_connect_assignment_encode(&b, &a);
    kc_connect_assignment d;
    assert_int_equal(kc_connect_assignment_decode(b.data, b.len, &d), 0);
    assert_int_equal(d.error, KC_ASSIGN_CONFIG_MISMATCH);
    assert_int_equal(d.config_offset, -1);
    assert_true(kc_work_has(&d.assigned, "b", 3));
    assert_int_equal(d.revoked.len, 0);
    assert_int_equal(d.delay_ms, 0);
    kc_connect_assignment_clear(&d);
    kc_buf_free(&b);

    kc_connect_metadata m = {.version = 1, .url = "http://w2:8083/", .config_offset = 7, .has_allocation = 1,
                             .allocation = a};
    m.allocation.version = 1, m.allocation.error = 0;
    assert_int_equal(kc_work_add(&m.allocation.revoked, "c", KC_CONNECTOR_TASK), 0);
    m.allocation.delay_ms = 5000;
    kc_connect_metadata_encode(&b, &m);
    kc_connect_metadata dm;
    assert_int_equal(kc_connect_metadata_decode(b.data, b.len, &dm), 0);
    assert_true(dm.has_allocation);
    assert_true(kc_work_has(&dm.allocation.assigned, "b", 3));
    assert_true(kc_work_has(&dm.allocation.revoked, "c", KC_CONNECTOR_TASK));
    assert_int_equal(dm.allocation.delay_ms, 5000);
    kc_connect_metadata_clear(&dm);
    kc_work_free(&a.assigned);
    kc_work_free(&m.allocation.revoked);
    kc_buf_free(&b);
}

/* every cut of a valid blob, and hostile counts, are refused without reading past the end */
static void test_malformed_blobs_refused(void **st) {
    (void)st;
    kc_connect_assignment a = {.version = 1, .leader = "w1", .leader_url = "http://w1:8083/"};
    assert_int_equal(kc_work_add(&a.assigned, "src", 0), 0);
    kc_connect_metadata m = {.version = 2, .url = "http://w1:8083/", .has_allocation = 1, .allocation = a};
    kc_buf b = KC_BUF_INIT;
    kc_connect_metadata_encode(&b, &m);
    for (size_t cut = 0; cut < b.len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exactly cut bytes: ASan sees any read past them */
        memcpy(copy, b.data, cut);
        kc_connect_metadata d;
        int rc = kc_connect_metadata_decode(copy, cut, &d);
        /* a blob cut right after the config offset is a valid version 0 layout */
        if (rc == 0) {
            assert_int_equal(cut, 2 + 2 + 15 + 8);
            kc_connect_metadata_clear(&d);
        }
        free(copy);
    }
    static const uint8_t huge[] = {0, 1, 0, 0, 0, 1, 'l', 0, 1, 'u', 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff};
    kc_connect_assignment d;
    assert_int_equal(kc_connect_assignment_decode(huge, sizeof huge, &d), -1);
    kc_work_free(&a.assigned);
    kc_buf_free(&b);
}

/* ---- the assignor ---------------------------------------------------------------------------- */

#define MAXW 6
typedef struct cluster {
    size_t n;
    const char *ids[MAXW];
    kc_work_list held[MAXW]; /* what each worker runs */
    int fresh[MAXW];         /* joined without an allocation yet */
    int64_t offsets[MAXW];
} cluster;

static int assigned_elsewhere_while_revoked(kc_connect_assignment *out, size_t n) {
    for (size_t a = 0; a < n; a++)
        for (size_t i = 0; i < out[a].revoked.len; i++)
            for (size_t b = 0; b < n; b++)
                if (kc_work_has(&out[b].assigned, out[a].revoked.items[i].connector, out[a].revoked.items[i].task))
                    return 1;
    return 0;
}

/* One rebalance: metadata from what each worker holds, the assignor, the workers applying it
 * (stop the revoked, start the assigned). Returns how many items moved (revoked or assigned). */
static size_t round_of(cluster *c, const kc_assignor_connector *conns, size_t nconns, int16_t version) {
    kc_connect_metadata md[MAXW];
    kc_assignor_member members[MAXW];
    for (size_t m = 0; m < c->n; m++) {
        md[m] = (kc_connect_metadata){.version = version, .url = "u", .config_offset = c->offsets[m]};
        if (!c->fresh[m]) md[m].has_allocation = 1, md[m].allocation.assigned = c->held[m];
        members[m] = (kc_assignor_member){c->ids[m], &md[m]};
    }
    kc_assignor_input in = {version, "leader", "http://l/", 10, conns, nconns, members, c->n};
    kc_connect_assignment out[MAXW];
    assert_int_equal(kc_assign(&in, out), 0);
    assert_false(assigned_elsewhere_while_revoked(out, c->n));
    size_t moved = 0;
    for (size_t m = 0; m < c->n; m++) {
        assert_int_equal(out[m].error, KC_ASSIGN_NO_ERROR);
        if (version == 0) kc_work_free(&c->held[m]);
        for (size_t i = 0; i < out[m].revoked.len; i++) {
            kc_work_list keep = {0};
            for (size_t j = 0; j < c->held[m].len; j++)
                if (strcmp(c->held[m].items[j].connector, out[m].revoked.items[i].connector) ||
                    c->held[m].items[j].task != out[m].revoked.items[i].task)
                    assert_int_equal(kc_work_add(&keep, c->held[m].items[j].connector, c->held[m].items[j].task), 0);
            kc_work_free(&c->held[m]);
            c->held[m] = keep;
        }
        for (size_t i = 0; i < out[m].assigned.len; i++)
            assert_int_equal(kc_work_add(&c->held[m], out[m].assigned.items[i].connector, out[m].assigned.items[i].task), 0);
        moved += out[m].revoked.len + out[m].assigned.len;
        c->fresh[m] = 0;
        kc_connect_assignment_clear(&out[m]);
    }
    return moved;
}

/* every configured item runs exactly once; connectors and tasks each spread within one */
static void assert_balanced(const cluster *c, const kc_assignor_connector *conns, size_t nconns) {
    for (size_t k = 0; k < nconns; k++)
        for (int32_t t = KC_CONNECTOR_TASK; t < conns[k].tasks; t++) {
            int holders = 0;
            for (size_t m = 0; m < c->n; m++) holders += kc_work_has(&c->held[m], conns[k].name, t);
            assert_int_equal(holders, 1);
        }
    for (int type = 0; type < 2; type++) {
        size_t lo = SIZE_MAX, hi = 0;
        for (size_t m = 0; m < c->n; m++) {
            size_t load = 0;
            for (size_t i = 0; i < c->held[m].len; i++) load += (c->held[m].items[i].task != KC_CONNECTOR_TASK) == type;
            lo = load < lo ? load : lo, hi = load > hi ? load : hi;
        }
        assert_true(hi - lo <= 1);
    }
}

static void cluster_free(cluster *c) {
    for (size_t m = 0; m < MAXW; m++) kc_work_free(&c->held[m]);
}

static void test_assignor_spreads_and_sticks(void **st) {
    (void)st;
    const kc_assignor_connector conns[] = {{"a", 3}, {"b", 2}, {"c", 4}};
    cluster c = {.n = 3, .ids = {"w1", "w2", "w3"}, .fresh = {1, 1, 1}};
    assert_true(round_of(&c, conns, 3, 2) > 0);
    assert_balanced(&c, conns, 3);
    /* nothing changes: nothing moves */
    assert_int_equal(round_of(&c, conns, 3, 2), 0);
    cluster_free(&c);
}

/* A worker joins: the first round only revokes surplus, the second gives it to the newcomer;
 * what stays keeps running all along (it is never revoked). */
static void test_assignor_join_moves_only_the_surplus(void **st) {
    (void)st;
    const kc_assignor_connector conns[] = {{"a", 6}, {"b", 6}};
    cluster c = {.n = 2, .ids = {"w1", "w2"}, .fresh = {1, 1}};
    round_of(&c, conns, 2, 2);
    kc_work_list before[2] = {{0}};
    for (size_t m = 0; m < 2; m++)
        for (size_t i = 0; i < c.held[m].len; i++)
            assert_int_equal(kc_work_add(&before[m], c.held[m].items[i].connector, c.held[m].items[i].task), 0);
    c.n = 3, c.ids[2] = "w3", c.fresh[2] = 1;
    size_t moved1 = round_of(&c, conns, 2, 2);
    assert_int_equal(c.held[2].len, 0); /* nothing for w3 while its share is being stopped */
    size_t moved2 = round_of(&c, conns, 2, 2);
    assert_balanced(&c, conns, 2);
    /* 14 items over 3 workers: w3 gets 4 or 5, each taken once from another worker */
    assert_true(c.held[2].len >= 4);
    assert_int_equal(moved1, c.held[2].len);
    assert_int_equal(moved2, c.held[2].len);
    for (size_t m = 0; m < 2; m++) /* what w1 and w2 run now, they ran before */
        for (size_t i = 0; i < c.held[m].len; i++)
            assert_true(kc_work_has(&before[m], c.held[m].items[i].connector, c.held[m].items[i].task));
    kc_work_free(&before[0]);
    kc_work_free(&before[1]);
    cluster_free(&c);
}

/* Connectors arrive one at a time, each then its tasks (as a cluster sees them: connector record,
 * rebalance, task commit, rebalance): each kind spreads within one, and so does all the work
 * together, since a tie goes to the worker holding less in all (the integration test's case:
 * src + 1 task, sink + 3 tasks over three workers is 2/2/2, not 3/2/1). */
static void test_assignor_total_load_balanced(void **st) {
    (void)st;
    cluster c = {.n = 3, .ids = {"w1", "w2", "w3"}, .fresh = {1, 1, 1}};
    kc_assignor_connector conns[] = {{"src", 0}, {"sink", 0}};
    round_of(&c, conns, 1, 2);
    conns[0].tasks = 1;
    round_of(&c, conns, 1, 2);
    round_of(&c, conns, 2, 2);
    conns[1].tasks = 3;
    round_of(&c, conns, 2, 2);
    assert_int_equal(round_of(&c, conns, 2, 2), 0); /* settled */
    assert_balanced(&c, conns, 2);
    for (size_t m = 0; m < 3; m++) assert_int_equal(c.held[m].len, 2);
    cluster_free(&c);
}

/* A worker leaves: its work goes to the others at once (kcd sends no delay). */
static void test_assignor_lost_work_reassigned_at_once(void **st) {
    (void)st;
    const kc_assignor_connector conns[] = {{"a", 4}, {"b", 5}};
    cluster c = {.n = 3, .ids = {"w1", "w2", "w3"}, .fresh = {1, 1, 1}};
    round_of(&c, conns, 2, 2);
    kc_work_free(&c.held[1]);
    c.ids[1] = "w3", c.held[1] = c.held[2], c.held[2] = (kc_work_list){0}, c.n = 2;
    round_of(&c, conns, 2, 2);
    assert_balanced(&c, conns, 2);
    cluster_free(&c);
}

/* Two holders of one task (a worker that came back with a stale allocation): revoked from both
 * and given to one of them in the next round; a deleted connector's work is revoked. */
static void test_assignor_duplicates_and_deleted(void **st) {
    (void)st;
    const kc_assignor_connector conns[] = {{"a", 2}};
    cluster c = {.n = 2, .ids = {"w1", "w2"}};
    assert_int_equal(kc_work_add(&c.held[0], "a", 0), 0);
    assert_int_equal(kc_work_add(&c.held[0], "a", KC_CONNECTOR_TASK), 0);
    assert_int_equal(kc_work_add(&c.held[1], "a", 0), 0);
    assert_int_equal(kc_work_add(&c.held[1], "gone", 1), 0);
    round_of(&c, conns, 1, 2);
    assert_false(kc_work_has(&c.held[0], "a", 0));
    assert_false(kc_work_has(&c.held[1], "a", 0));
    assert_false(kc_work_has(&c.held[1], "gone", 1));
    round_of(&c, conns, 1, 2);
    assert_balanced(&c, conns, 1);
    cluster_free(&c);
}

static void test_assignor_config_mismatch(void **st) {
    (void)st;
    const kc_assignor_connector conns[] = {{"a", 1}};
    kc_connect_metadata md[2] = {{.version = 2, .url = "u", .config_offset = 10},
                                 {.version = 2, .url = "u", .config_offset = 11}};
    kc_assignor_member members[2] = {{"w1", &md[0]}, {"w2", &md[1]}};
    kc_assignor_input in = {2, "w1", "http://w1/", 10, conns, 1, members, 2};
    kc_connect_assignment out[2];
    assert_int_equal(kc_assign(&in, out), 0);
    for (int m = 0; m < 2; m++) {
        assert_int_equal(out[m].error, KC_ASSIGN_CONFIG_MISMATCH);
        assert_int_equal(out[m].assigned.len, 0);
        kc_connect_assignment_clear(&out[m]);
    }
}

static void test_assignor_eager(void **st) {
    (void)st;
    const kc_assignor_connector conns[] = {{"a", 2}, {"b", 1}};
    cluster c = {.n = 2, .ids = {"w2", "w1"}};
    round_of(&c, conns, 2, 0);
    /* connectors a, b then tasks a-0, a-1, b-0 dealt to w1, w2, w1, ... */
    assert_true(kc_work_has(&c.held[1], "a", KC_CONNECTOR_TASK));
    assert_true(kc_work_has(&c.held[0], "b", KC_CONNECTOR_TASK));
    assert_true(kc_work_has(&c.held[1], "a", 0));
    assert_true(kc_work_has(&c.held[0], "a", 1));
    assert_true(kc_work_has(&c.held[1], "b", 0));
    cluster_free(&c);
}

/* ---- group requests and responses ---------------------------------------------------------- */

static void test_heartbeat_frame(void **st) {
    (void)st;
    kc_buf b = KC_BUF_INIT;
    kc_group_req_heartbeat(&b, 7, "kcd", "g", 3, "m-1");
    /* size 27 | key 12 v3 | corr 7 | "kcd" | "g" | generation 3 | "m-1" | null instance id */
    hex_equal(&b, "0000001b000c00030000000700036b6364000167000000030003"
                  "6d2d31ffff");
    kc_buf_free(&b);
}

static void test_join_response_decoded(void **st) {
    (void)st;
    kc_buf r = KC_BUF_INIT;
    kc_wire_i32(&r, 5);  /* correlation */
    kc_wire_i32(&r, 0);  /* throttle */
    kc_wire_i16(&r, 0);  /* error */
    kc_wire_i32(&r, 4);  /* generation */
    kc_wire_str(&r, "sessioned");
    kc_wire_str(&r, "m-1");
    kc_wire_str(&r, "m-1");
    kc_wire_i32(&r, 1);
    kc_wire_str(&r, "m-1");
    kc_wire_str(&r, NULL);
    kc_wire_bytes(&r, "\x00\x02", 2);
    kc_join_result j;
    assert_int_equal(kc_group_resp_join(r.data, r.len, 5, &j), 0);
    assert_int_equal(j.generation, 4);
    assert_string_equal(j.protocol, "sessioned");
    assert_int_equal(j.nmembers, 1);
    assert_int_equal(j.members[0].len, 2);
    kc_join_result_clear(&j);
    assert_int_equal(kc_group_resp_join(r.data, r.len, 6, &j), -1); /* another request's answer */
    for (size_t cut = 4; cut < r.len; cut++) assert_int_equal(kc_group_resp_join(r.data, cut, 5, &j), -1);
    kc_buf_free(&r);
}

/* ---- KIP-507 signatures ------------------------------------------------------------------- */

/* RFC 4231 test case 2, and an empty body (signed as empty input, as Connect does) */
static void test_request_signature(void **st) {
    (void)st;
    const char *body = "what do ya want for nothing?";
    char *sig = kc_request_sign((const uint8_t *)"Jefe", 4, body, strlen(body));
    assert_string_equal(sig, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    assert_int_equal(kc_request_verify((const uint8_t *)"Jefe", 4, body, strlen(body), "HmacSHA256", sig), KC_SIGNATURE_VALID);
    assert_int_equal(kc_request_verify((const uint8_t *)"Jefe", 4, "what do ya want for nothing!", strlen(body),
                                       "HmacSHA256", sig), KC_SIGNATURE_INVALID);
    assert_int_equal(kc_request_verify((const uint8_t *)"Jeff", 4, body, strlen(body), "HmacSHA256", sig), KC_SIGNATURE_INVALID);
    assert_int_equal(kc_request_verify((const uint8_t *)"Jefe", 4, body, strlen(body), NULL, sig), KC_SIGNATURE_MISSING);
    assert_int_equal(kc_request_verify((const uint8_t *)"Jefe", 4, body, strlen(body), "HmacSHA256", NULL), KC_SIGNATURE_MISSING);
    assert_int_equal(kc_request_verify((const uint8_t *)"Jefe", 4, body, strlen(body), "HmacSHA1", sig), KC_SIGNATURE_BAD_ALGORITHM);
    assert_int_equal(kc_request_verify(NULL, 0, body, strlen(body), "HmacSHA256", sig), KC_SIGNATURE_NO_KEY);
    assert_int_equal(kc_request_verify((const uint8_t *)"Jefe", 4, body, strlen(body), "HmacSHA256", "%%not base64"),
                     KC_SIGNATURE_INVALID);
    assert_int_equal(kc_signature_http_status(KC_SIGNATURE_MISSING), 400);
    assert_int_equal(kc_signature_http_status(KC_SIGNATURE_NO_KEY), 503);
    assert_int_equal(kc_signature_http_status(KC_SIGNATURE_INVALID), 403);
    free(sig);
    uint8_t key[32];
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)i;
    sig = kc_request_sign(key, sizeof key, NULL, 0);
    assert_string_equal(sig, "04tCCW2A9F+Ca0Sp1WB95ySWpBXT9KGoyI47udqNwcs=");
    free(sig);
    uint8_t a[KC_SESSION_KEY_BYTES], b[KC_SESSION_KEY_BYTES];
    assert_int_equal(kc_session_key_new(a), 0);
    assert_int_equal(kc_session_key_new(b), 0);
    assert_memory_not_equal(a, b, sizeof a);
}

/* RFC 7677 section 3's exchange, byte for byte: user "user", password "pencil". */
static void test_scram_sha256_rfc7677(void **st) {
    (void)st;
    kc_scram s;
    kc_error err;
    char *first = NULL, *final = NULL;
    assert_int_equal(kc_scram_start(&s, "SCRAM-SHA-256", "user", "rOprNGfwEbeRWgbNEkqO", &first, &err), KC_OK);
    assert_string_equal(first, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    const char *server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    assert_int_equal(kc_scram_final(&s, "pencil", server_first, strlen(server_first), &final, &err), KC_OK);
    assert_string_equal(final, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                               "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    const char *server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    assert_int_equal(kc_scram_verify(&s, server_final, strlen(server_final), &err), KC_OK);
    /* a server that does not know the password cannot prove it */
    const char *forged = "v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    assert_int_equal(kc_scram_verify(&s, forged, strlen(forged), &err), KC_EINVAL);
    assert_non_null(strstr(err.msg, "does not prove"));
    assert_int_equal(kc_scram_verify(&s, "e=invalid-proof", 15, &err), KC_EINVAL);
    assert_non_null(strstr(err.msg, "invalid-proof"));
    free(first);
    free(final);
    kc_scram_clear(&s);
}

/* Server-first messages that are not for this exchange are refused, naming why. */
static void test_scram_bad_server_first(void **st) {
    (void)st;
    static const struct {
        const char *msg, *why;
    } bad[] = {
        {"r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "nonce"},
        {"r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "nonce"}, /* does not extend "abcdef" */
        {"r=abcdefXYZ,i=4096", "salt"},
        {"r=abcdefXYZ,s=!!!,i=4096", "salt"},
        {"r=abcdefXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", "iteration"},
        {"r=abcdefXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999", "iteration"},
        {"r=abcdefXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==", "iteration"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kc_scram s;
        kc_error err;
        char *first = NULL, *final = NULL;
        assert_int_equal(kc_scram_start(&s, "SCRAM-SHA-512", "a=b,c", "abcdef", &first, &err), KC_OK);
        assert_string_equal(first, "n,,n=a=3Db=2Cc,r=abcdef"); /* RFC 5802's escapes */
        assert_int_equal(kc_scram_final(&s, "pw", bad[i].msg, strlen(bad[i].msg), &final, &err), KC_EINVAL);
        assert_null(final);
        assert_non_null(strstr(err.msg, bad[i].why));
        free(first);
        kc_scram_clear(&s);
    }
    kc_scram s;
    kc_error err;
    char *first = NULL;
    assert_int_equal(kc_scram_start(&s, "GSSAPI", "u", NULL, &first, &err), KC_EINVAL);
}

/* SaslHandshake v1 and SaslAuthenticate v1 frames, and their answers decoded. */
static void test_sasl_frames(void **st) {
    (void)st;
    kc_buf b = KC_BUF_INIT;
    kc_group_req_sasl_handshake(&b, 7, "c", "PLAIN");
    /* size 18 | key 17 v1 | corr 7 | client "c" | "PLAIN" */
    hex_equal(&b, "00000012" "0011" "0001" "00000007" "000163" "0005504c41494e");
    kc_buf_free(&b);
    kc_group_req_sasl_authenticate(&b, 8, "c", "\0u\0p", 4);
    hex_equal(&b, "00000013" "0024" "0001" "00000008" "000163" "00000004" "00750070");
    kc_buf_free(&b);
    /* handshake answer: corr 7, UNSUPPORTED_SASL_MECHANISM, [PLAIN, SCRAM-SHA-512] */
    static const uint8_t hs[] = {0, 0, 0, 7, 0, 33, 0, 0, 0, 2, 0, 5, 'P', 'L', 'A', 'I', 'N',
                                 0, 13, 'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '5', '1', '2'};
    int16_t error = 0;
    char *mechs = NULL;
    assert_int_equal(kc_group_resp_sasl_handshake(hs, sizeof hs, 7, &error, &mechs), 0);
    assert_int_equal(error, 33);
    assert_string_equal(mechs, "PLAIN,SCRAM-SHA-512");
    free(mechs);
    assert_int_equal(kc_group_resp_sasl_handshake(hs, sizeof hs - 1, 7, &error, &mechs), -1);
    /* authenticate answer: corr 8, error 58 "bad", auth bytes "xy", session lifetime 0 */
    static const uint8_t au[] = {0, 0, 0, 8, 0, 58, 0, 3, 'b', 'a', 'd', 0, 0, 0, 2, 'x', 'y', 0, 0, 0, 0, 0, 0, 0, 0};
    char *message = NULL;
    uint8_t *auth = NULL;
    size_t alen = 0;
    assert_int_equal(kc_group_resp_sasl_authenticate(au, sizeof au, 8, &error, &message, &auth, &alen), 0);
    assert_int_equal(error, 58);
    assert_string_equal(message, "bad");
    assert_int_equal(alen, 2);
    assert_string_equal((char *)auth, "xy");
    free(message);
    free(auth);
    assert_int_equal(kc_group_resp_sasl_authenticate(au, sizeof au - 1, 8, &error, &message, &auth, &alen), -1);
    assert_null(message);
    assert_null(auth);
}

/* LeaveGroup v3 naming one member by identity (a static consumer's removal), and its answer. */
static void test_leave_member_frame(void **st) {
    (void)st;
    kc_buf b = KC_BUF_INIT;
    kc_group_req_leave_member(&b, 9, "c", "g", "m", "i");
    /* size | key 13 v3 | corr 9 | client "c" | group "g" | 1 member: "m", "i" */
    hex_equal(&b, "00000018" "000d" "0003" "00000009" "000163" "000167" "00000001" "00016d" "000169");
    kc_buf_free(&b);
    /* corr 9, throttle 0, error 0, [m, i, UNKNOWN_MEMBER_ID] */
    static const uint8_t ok[] = {0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 'm', 0, 1, 'i', 0, 25};
    int16_t error = -1;
    assert_int_equal(kc_group_resp_leave_member(ok, sizeof ok, 9, &error), 0);
    assert_int_equal(error, 25);
    assert_int_equal(kc_group_resp_leave_member(ok, sizeof ok - 1, 9, &error), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metadata_bytes),
        cmocka_unit_test(test_assignment_bytes),
        cmocka_unit_test(test_eager_assignment_and_allocation_roundtrip),
        cmocka_unit_test(test_malformed_blobs_refused),
        cmocka_unit_test(test_assignor_spreads_and_sticks),
        cmocka_unit_test(test_assignor_join_moves_only_the_surplus),
        cmocka_unit_test(test_assignor_lost_work_reassigned_at_once),
        cmocka_unit_test(test_assignor_total_load_balanced),
        cmocka_unit_test(test_assignor_duplicates_and_deleted),
        cmocka_unit_test(test_assignor_config_mismatch),
        cmocka_unit_test(test_assignor_eager),
        cmocka_unit_test(test_heartbeat_frame),
        cmocka_unit_test(test_join_response_decoded),
        cmocka_unit_test(test_request_signature),
        cmocka_unit_test(test_scram_sha256_rfc7677),
        cmocka_unit_test(test_scram_bad_server_first),
        cmocka_unit_test(test_sasl_frames),
        cmocka_unit_test(test_leave_member_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
