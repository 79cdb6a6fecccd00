/* kc_sasl_scram.h - the client side of SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), as
 * Kafka's brokers speak it inside SaslAuthenticate: client-first, server-first, client-final,
 * server-final. Pure functions on strings (the server's messages fuzzed in
 * tests/fuzz/fuzz_cluster_decoders.c); the transport is the caller's. Usernames are escaped as
 * RFC 5802 says; passwords are used as given (no SASLprep: ASCII passwords, as Kafka's own tools
 * make, are unchanged by it). */
#ifndef KC_SASL_SCRAM_H
#define KC_SASL_SCRAM_H

#include <stddef.h>
#include <stdint.h>

#include <kc/kc_error.h>

typedef struct kc_scram {
    int sha512;                   /* SCRAM-SHA-512, else SCRAM-SHA-256 */
    char *client_first_bare;      /* "n=<user>,r=<client nonce>" */
    char *client_nonce;
    uint8_t server_signature[64]; /* expected in the server-final message */
    size_t signature_len;
} kc_scram;

/* 1 when mechanism is SCRAM-SHA-256 or SCRAM-SHA-512. */
int kc_scram_mechanism(const char *mechanism);
/* Starts an exchange: *client_first (handed over) is the first message. nonce: NULL for a random
 * one (tests pass RFC 7677's). */
int kc_scram_start(kc_scram *s, const char *mechanism, const char *user, const char *nonce, char **client_first,
                   kc_error *err);
/* From the server-first message (len bytes), the client-final message (handed over). A message
 * that is not a valid server-first for this exchange is KC_EINVAL, naming what is wrong. */
int kc_scram_final(kc_scram *s, const char *password, const char *server_first, size_t len, char **client_final,
                   kc_error *err);
/* Checks the server-final message: the server proved it knows the password (KC_EINVAL if not,
 * or with the server's e= error). */
int kc_scram_verify(kc_scram *s, const char *server_final, size_t len, kc_error *err);
void kc_scram_clear(kc_scram *s);

#endif
