/* connect_codec - kcd's side of the cross-check with Kafka Connect's own protocol classes
 * (tests/support/ConnectProtocolCheck.java, run by tests/integration/connect_protocol_java.sh):
 *
 *   connect_codec encode CASE          the case's bytes as hex (cases M0 M2 A0 A1, as in the Java)
 *   connect_codec decode-metadata HEX  member metadata as one canonical line
 *   connect_codec decode-assignment HEX
 *   connect_codec sign KEY_BASE64 BODY      a KIP-507 signature of BODY
 *   connect_codec verify KEY_BASE64 BODY SIGNATURE   prints valid or invalid */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_buf.h"
#include "kc_connect_protocol.h"
#include "kc_request_signature.h"

static void add(kc_work_list *l, const char *items) { /* "a/-1,a/0" */
    char *copy = strdup(items);
    for (char *save = NULL, *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        char *slash = strrchr(s, '/');
        *slash = '\0';
        kc_work_add(l, s, atoi(slash + 1));
    }
    free(copy);
}

static void print_items(const kc_work_list *l) {
    kc_work_list s = {0};
    for (size_t i = 0; i < l->len; i++) kc_work_add(&s, l->items[i].connector, l->items[i].task);
    kc_work_sort(&s);
    for (size_t i = 0; i < s.len; i++) printf("%s%s/%d", i ? "," : "", s.items[i].connector, s.items[i].task);
    kc_work_free(&s);
}

static void print_assignment(int version, const kc_connect_assignment *a) {
    printf("assignment v=%d error=%d leader=%s url=%s offset=%lld assigned=", version, a->error, a->leader,
           a->leader_url, (long long)a->config_offset);
    print_items(&a->assigned);
    printf(" revoked=");
    print_items(&a->revoked);
    printf(" delay=%d", a->delay_ms);
}

static size_t unhex(const char *hex, uint8_t **out) {
    size_t n = strlen(hex) / 2;
    *out = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) sscanf(hex + 2 * i, "%2hhx", &(*out)[i]);
    return n;
}

int main(int argc, char **argv) {
    if ((argc == 4 && !strcmp(argv[1], "sign")) || (argc == 5 && !strcmp(argv[1], "verify"))) {
        uint8_t *key;
        size_t key_len;
        if (kc_base64_decode(argv[2], strlen(argv[2]), &key, &key_len)) return 2;
        if (argc == 4) {
            char *sig = kc_request_sign(key, key_len, argv[3], strlen(argv[3]));
            printf("%s\n", sig);
            free(sig);
        } else {
            kc_signature_check c = kc_request_verify(key, key_len, argv[3], strlen(argv[3]), KC_SIGNATURE_ALGORITHM, argv[4]);
            printf("%s\n", c == KC_SIGNATURE_VALID ? "valid" : "invalid");
        }
        free(key);
        return 0;
    }
    if (argc != 3) return 2;
    kc_buf b = KC_BUF_INIT;
    if (!strcmp(argv[1], "encode")) {
        kc_connect_assignment a = {0};
        kc_connect_metadata m = {0};
        if (!strcmp(argv[2], "M0")) {
            m = (kc_connect_metadata){.version = 0, .url = "http://w2:8083/", .config_offset = -1};
            kc_connect_metadata_encode(&b, &m);
        } else if (!strcmp(argv[2], "M2")) {
            m = (kc_connect_metadata){.version = 2, .url = "http://w1:8083/", .config_offset = 42, .has_allocation = 1};
            m.allocation = (kc_connect_assignment){.version = 2, .leader = "w1-abc", .leader_url = "http://w1:8083/",
                                                   .config_offset = 42};
            add(&m.allocation.assigned, "a/-1,a/0,a/1,b/2");
            kc_connect_metadata_encode(&b, &m);
            kc_work_free(&m.allocation.assigned);
        } else if (!strcmp(argv[2], "A1")) {
            a = (kc_connect_assignment){.version = 1, .leader = "w1-abc", .leader_url = "http://w1:8083/",
                                        .config_offset = 42, .delay_ms = 2500};
            add(&a.assigned, "a/-1,a/0,a/1");
            add(&a.revoked, "b/-1,b/3");
            kc_connect_assignment_encode(&b, &a);
        } else if (!strcmp(argv[2], "A0")) {
            a = (kc_connect_assignment){.version = 0, .error = 1, .leader = "w1", .leader_url = "http://w1:8083/",
                                        .config_offset = 7};
            add(&a.assigned, "c/-1,c/0");
            kc_connect_assignment_encode(&b, &a);
        } else {
            return 2;
        }
        kc_work_free(&a.assigned);
        kc_work_free(&a.revoked);
        for (size_t i = 0; i < b.len; i++) printf("%02x", (uint8_t)b.data[i]);
        printf("\n");
        kc_buf_free(&b);
        return 0;
    }
    uint8_t *bytes;
    size_t n = unhex(argv[2], &bytes);
    int version = n >= 2 ? (bytes[0] << 8 | bytes[1]) : -1;
    int rc = 0;
    if (!strcmp(argv[1], "decode-metadata")) {
        kc_connect_metadata m;
        if ((rc = kc_connect_metadata_decode(bytes, n, &m)) == 0) {
            printf("metadata v=%d url=%s offset=%lld allocation=", version, m.url, (long long)m.config_offset);
            if (m.has_allocation) print_assignment(m.allocation.version, &m.allocation);
            else printf("none");
            printf("\n");
            kc_connect_metadata_clear(&m);
        }
    } else if (!strcmp(argv[1], "decode-assignment")) {
        kc_connect_assignment a;
        if ((rc = kc_connect_assignment_decode(bytes, n, &a)) == 0) {
            print_assignment(version, &a);
            printf("\n");
            kc_connect_assignment_clear(&a);
        }
    } else {
        rc = 2;
    }
    free(bytes);
    return rc ? 1 : 0;
}
