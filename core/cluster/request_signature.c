/* request_signature.c - KIP-507 request signatures (kc_request_signature.h), on OpenSSL's HMAC. */
#define _GNU_SOURCE
#include "kc_request_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "kc_buf.h"

int kc_session_key_new(uint8_t key[KC_SESSION_KEY_BYTES]) {
    size_t got = 0;
    while (got < KC_SESSION_KEY_BYTES) {
        ssize_t n = getrandom(key + got, KC_SESSION_KEY_BYTES - got, 0);
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    return 0;
}

static int mac(const uint8_t *key, size_t key_len, const void *body, size_t len, uint8_t out[32]) {
    unsigned int out_len = 0;
    static const uint8_t empty = 0;
    return HMAC(EVP_sha256(), key, (int)key_len, len ? body : &empty, len, out, &out_len) && out_len == 32 ? 0 : -1;
}

char *kc_request_sign(const uint8_t *key, size_t key_len, const void *body, size_t len) {
    uint8_t m[32];
    if (mac(key, key_len, body, len, m)) return NULL;
    kc_buf b = KC_BUF_INIT;
    kc_buf_base64(&b, m, sizeof m);
    return kc_buf_detach(&b);
}

kc_signature_check kc_request_verify(const uint8_t *key, size_t key_len, const void *body, size_t len,
                                     const char *algorithm, const char *signature) {
    if (!algorithm || !signature) return KC_SIGNATURE_MISSING;
    if (strcmp(algorithm, KC_SIGNATURE_ALGORITHM)) return KC_SIGNATURE_BAD_ALGORITHM;
    if (!key) return KC_SIGNATURE_NO_KEY;
    uint8_t want[32], *got = NULL;
    size_t got_len = 0;
    if (mac(key, key_len, body, len, want) || kc_base64_decode(signature, strlen(signature), &got, &got_len))
        return KC_SIGNATURE_INVALID;
    int ok = got_len == sizeof want && CRYPTO_memcmp(got, want, sizeof want) == 0;
    free(got);
    return ok ? KC_SIGNATURE_VALID : KC_SIGNATURE_INVALID;
}

int kc_signature_http_status(kc_signature_check c) {
    switch (c) {
    case KC_SIGNATURE_VALID: return 200;
    case KC_SIGNATURE_MISSING:
    case KC_SIGNATURE_BAD_ALGORITHM: return 400;
    case KC_SIGNATURE_NO_KEY: return 503;
    default: return 403;
    }
}
