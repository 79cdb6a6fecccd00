/* core/cluster's decoders on any bytes: the group client's responses (a broker sends them),
 * Connect's member metadata and assignments (another member), the config and status topics'
 * records (anyone who can write those topics), the SASL answers and SCRAM's server messages (a
 * broker, before it proved anything): no crash, no read past the input, no leak; an assignment
 * that decodes encodes again and decodes to the same. The first byte picks the decoder; for a
 * record, a NUL splits key and value (none: a tombstone); for SCRAM, the server-first and
 * server-final messages. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kc_config_log.h"
#include "kc_connect_protocol.h"
#include "kc_group_codec.h"
#include "kc_sasl_scram.h"
#include "kc_status_log.h"

static void same_assignment(const kc_connect_assignment *a, const kc_connect_assignment *b) {
    if (a->error != b->error || a->config_offset != b->config_offset || a->assigned.len != b->assigned.len ||
        strcmp(a->leader, b->leader) || strcmp(a->leader_url, b->leader_url))
        abort();
    for (size_t i = 0; i < a->assigned.len; i++)
        if (!kc_work_has(&b->assigned, a->assigned.items[i].connector, a->assigned.items[i].task)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    uint8_t which = data[0] % 13;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    /* an exact-size copy: ASan flags any read past the end */
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy) return 0;
    memcpy(copy, p, n);
    int16_t error = 0, missing = 0;
    int32_t port = 0;
    char *host = NULL;
    uint8_t *assignment = NULL;
    size_t alen = 0;
    kc_join_result j;
    kc_connect_metadata md;
    kc_connect_assignment as;
    switch (which) {
    case 0: kc_group_resp_api_versions(copy, n, 1, &error, &missing); break;
    case 1:
        kc_group_resp_find_coordinator(copy, n, 1, &error, &host, &port);
        free(host);
        break;
    case 2:
        if (!kc_group_resp_join(copy, n, 1, &j)) kc_join_result_clear(&j);
        break;
    case 3:
        kc_group_resp_sync(copy, n, 1, &error, &assignment, &alen);
        free(assignment);
        break;
    case 4: kc_group_resp_error_only(copy, n, 1, &error); break;
    case 5:
        if (!kc_connect_metadata_decode(copy, n, &md)) kc_connect_metadata_clear(&md);
        break;
    case 6:
        if (!kc_connect_assignment_decode(copy, n, &as)) {
            kc_buf b = KC_BUF_INIT;
            kc_connect_assignment_encode(&b, &as);
            kc_connect_assignment again;
            /* leader strings over 32767 bytes cannot be written: the buffer says so */
            if (!b.failed) {
                if (kc_connect_assignment_decode(b.data, b.len, &again)) abort();
                same_assignment(&as, &again);
                kc_connect_assignment_clear(&again);
            }
            kc_buf_free(&b);
            kc_connect_assignment_clear(&as);
        }
        break;
    case 9: {
        char *mechs = NULL;
        kc_group_resp_sasl_handshake(copy, n, 1, &error, &mechs);
        free(mechs);
        break;
    }
    case 10: {
        char *message = NULL;
        uint8_t *auth = NULL;
        size_t al = 0;
        kc_group_resp_sasl_authenticate(copy, n, 1, &error, &message, &auth, &al);
        free(message);
        free(auth);
        break;
    }
    case 11: {
        /* the client nonce is "abc": a server-first starting r=abc gets as far as the proof */
        const uint8_t *nul = memchr(copy, 0, n);
        size_t fl = nul ? (size_t)(nul - copy) : n;
        kc_scram sc;
        kc_error err;
        char *first = NULL, *final = NULL;
        if (kc_scram_start(&sc, "SCRAM-SHA-256", "u", "abc", &first, &err) == KC_OK &&
            kc_scram_final(&sc, "pw", (const char *)copy, fl, &final, &err) == KC_OK && nul)
            kc_scram_verify(&sc, (const char *)nul + 1, n - fl - 1, &err);
        free(first);
        free(final);
        kc_scram_clear(&sc);
        break;
    }
    case 12: kc_group_resp_leave_member(copy, n, 1, &error); break;
    case 7:
    case 8: {
        /* a few records in a row: key NUL value, records separated by a 0xff byte */
        kc_config_log cl = {.next_offset = -1};
        kc_status_log sl = {0};
        size_t start = 0;
        int64_t offset = 0;
        for (size_t i = 0; i <= n; i++) {
            if (i < n && copy[i] != 0xff) continue;
            const char *rec = (const char *)copy + start;
            size_t rl = i - start;
            const char *nul = memchr(rec, 0, rl);
            size_t kl = nul ? (size_t)(nul - rec) : rl;
            kc_error err;
            if (which == 7) kc_config_log_apply(&cl, rec, kl, nul ? nul + 1 : NULL, nul ? rl - kl - 1 : 0, offset++, &err);
            else kc_status_log_apply(&sl, rec, kl, nul ? nul + 1 : NULL, nul ? rl - kl - 1 : 0, offset++, &err);
            start = i + 1;
        }
        kc_config_log_free(&cl);
        kc_status_log_free(&sl);
        break;
    }
    }
    free(copy);
    return 0;
}
