/* sasl_scram.c - SCRAM client (kc_sasl_scram.h), on OpenSSL's HMAC, digests and PBKDF2. */
#define _GNU_SOURCE
#include "kc_sasl_scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "kc_buf.h"

/* Kafka's brokers take 4096 to 16384; more would let a hostile server make the worker spin */
#define MAX_ITERATIONS 1000000

int kc_scram_mechanism(const char *mechanism) {
    return mechanism && (!strcmp(mechanism, "SCRAM-SHA-256") || !strcmp(mechanism, "SCRAM-SHA-512"));
}

static const EVP_MD *digest(const kc_scram *s) { return s->sha512 ? EVP_sha512() : EVP_sha256(); }

void kc_scram_clear(kc_scram *s) {
    free(s->client_first_bare);
    free(s->client_nonce);
    OPENSSL_cleanse(s->server_signature, sizeof s->server_signature);
    memset(s, 0, sizeof *s);
}

int kc_scram_start(kc_scram *s, const char *mechanism, const char *user, const char *nonce, char **client_first,
                   kc_error *err) {
    memset(s, 0, sizeof *s);
    *client_first = NULL;
    if (!kc_scram_mechanism(mechanism))
        return kc_error_set(err, KC_EINVAL, "not a SCRAM mechanism: %s", mechanism ? mechanism : "(none)");
    s->sha512 = !strcmp(mechanism, "SCRAM-SHA-512");
    kc_buf b = KC_BUF_INIT;
    if (nonce) {
        kc_buf_puts(&b, nonce);
    } else {
        uint8_t raw[24];
        if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
            return kc_error_set(err, KC_EFATAL, "no random bytes for a SCRAM nonce");
        kc_buf_base64(&b, raw, sizeof raw);
    }
    kc_buf_putc(&b, '\0');
    s->client_nonce = b.failed ? NULL : b.data;
    if (!s->client_nonce) {
        kc_buf_free(&b);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    kc_buf bare = KC_BUF_INIT;
    kc_buf_puts(&bare, "n=");
    for (const char *u = user ? user : ""; *u; u++) { /* RFC 5802: '=' and ',' escaped */
        if (*u == '=') kc_buf_puts(&bare, "=3D");
        else if (*u == ',') kc_buf_puts(&bare, "=2C");
        else kc_buf_putc(&bare, *u);
    }
    kc_buf_printf(&bare, ",r=%s", s->client_nonce);
    if (bare.failed || asprintf(client_first, "n,,%s", bare.data) < 0) {
        *client_first = NULL;
        kc_buf_free(&bare);
        kc_scram_clear(s);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    s->client_first_bare = bare.data;
    return KC_OK;
}

/* The value of attribute `name` ("r", "s", "i") in a comma-separated message, borrowed. */
static const char *attribute(const char *msg, size_t len, char name, size_t *vlen) {
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && msg[end] != ',') end++;
        if (end - i >= 2 && msg[i] == name && msg[i + 1] == '=') {
            *vlen = end - i - 2;
            return msg + i + 2;
        }
        i = end + 1;
    }
    return NULL;
}

static int hmac(const kc_scram *s, const uint8_t *key, size_t key_len, const void *data, size_t len, uint8_t *out) {
    unsigned int out_len = 0;
    static const uint8_t empty;
    return HMAC(digest(s), key, (int)key_len, len ? data : &empty, len, out, &out_len) ? (int)out_len : -1;
}

int kc_scram_final(kc_scram *s, const char *password, const char *server_first, size_t len, char **client_final,
                   kc_error *err) {
    *client_final = NULL;
    if (!s->client_first_bare) return kc_error_set(err, KC_EINVAL, "SCRAM: no exchange started");
    if (memchr(server_first, '\0', len)) return kc_error_set(err, KC_EINVAL, "SCRAM server-first message holds a NUL");
    size_t nl = 0, sl = 0, il = 0;
    const char *nonce = attribute(server_first, len, 'r', &nl);
    const char *salt64 = attribute(server_first, len, 's', &sl);
    const char *iter = attribute(server_first, len, 'i', &il);
    size_t cl = strlen(s->client_nonce);
    if (!nonce || nl <= cl || memcmp(nonce, s->client_nonce, cl))
        return kc_error_set(err, KC_EINVAL, "SCRAM server-first message: its nonce does not extend the client's");
    if (!salt64 || !sl) return kc_error_set(err, KC_EINVAL, "SCRAM server-first message: no salt");
    long iterations = 0;
    for (size_t i = 0; iter && i < il && iterations <= MAX_ITERATIONS; i++)
        iterations = iter[i] >= '0' && iter[i] <= '9' ? iterations * 10 + (iter[i] - '0') : MAX_ITERATIONS + 1;
    if (!iter || !il || iterations < 1 || iterations > MAX_ITERATIONS)
        return kc_error_set(err, KC_EINVAL, "SCRAM server-first message: iteration count %.*s not in 1..%d",
                            iter ? (int)(il > 20 ? 20 : il) : 0, iter ? iter : "", MAX_ITERATIONS);
    uint8_t *salt = NULL;
    size_t salt_len = 0;
    if (kc_base64_decode(salt64, sl, &salt, &salt_len) || !salt_len) {
        free(salt);
        return kc_error_set(err, KC_EINVAL, "SCRAM server-first message: the salt is not base64");
    }
    const EVP_MD *md = digest(s);
    int hl = EVP_MD_get_size(md);
    uint8_t salted[64], client_key[64], stored_key[64], signature[64], proof[64], server_key[64];
    int ok = PKCS5_PBKDF2_HMAC(password ? password : "", (int)strlen(password ? password : ""), salt, (int)salt_len,
                               (int)iterations, md, hl, salted);
    free(salt);
    kc_buf without_proof = KC_BUF_INIT, auth = KC_BUF_INIT, out = KC_BUF_INIT;
    kc_buf_printf(&without_proof, "c=biws,r=%.*s", (int)nl, nonce); /* biws: base64 of "n,," (no binding) */
    kc_buf_printf(&auth, "%s,%.*s,%s", s->client_first_bare, (int)len, server_first,
                  without_proof.data ? without_proof.data : "");
    unsigned int dl = 0;
    ok = ok && !without_proof.failed && !auth.failed && hmac(s, salted, (size_t)hl, "Client Key", 10, client_key) == hl &&
         EVP_Digest(client_key, (size_t)hl, stored_key, &dl, md, NULL) && (int)dl == hl &&
         hmac(s, stored_key, (size_t)hl, auth.data, auth.len, signature) == hl &&
         hmac(s, salted, (size_t)hl, "Server Key", 10, server_key) == hl &&
         hmac(s, server_key, (size_t)hl, auth.data, auth.len, s->server_signature) == hl;
    if (ok) {
        for (int i = 0; i < hl; i++) proof[i] = client_key[i] ^ signature[i];
        s->signature_len = (size_t)hl;
        kc_buf_printf(&out, "%s,p=", without_proof.data);
        kc_buf_base64(&out, proof, (size_t)hl);
        kc_buf_putc(&out, '\0');
        ok = !out.failed;
    }
    OPENSSL_cleanse(salted, sizeof salted);
    OPENSSL_cleanse(client_key, sizeof client_key);
    kc_buf_free(&without_proof);
    kc_buf_free(&auth);
    if (!ok) {
        kc_buf_free(&out);
        return kc_error_set(err, KC_ENOMEM, "SCRAM: computing the proof failed");
    }
    *client_final = out.data;
    return KC_OK;
}

int kc_scram_verify(kc_scram *s, const char *server_final, size_t len, kc_error *err) {
    size_t el = 0, vl = 0;
    const char *e = attribute(server_final, len, 'e', &el);
    if (e) return kc_error_set(err, KC_EINVAL, "SCRAM: the server refused: %.*s", (int)(el > 200 ? 200 : el), e);
    const char *v = attribute(server_final, len, 'v', &vl);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    int ok = v && s->signature_len && !kc_base64_decode(v, vl, &sig, &sig_len) && sig_len == s->signature_len &&
             CRYPTO_memcmp(sig, s->server_signature, sig_len) == 0;
    free(sig);
    return ok ? KC_OK
              : kc_error_set(err, KC_EINVAL, "SCRAM: the server's final message does not prove it knows the password");
}
