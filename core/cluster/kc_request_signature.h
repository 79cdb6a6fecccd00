/* kc_request_signature.h - signed requests between the workers of a Connect cluster (KIP-507),
 * as Connect's InternalRequestSignature makes and checks them: the HMAC of the request body
 * under the cluster's session key, in base64, in X-Connect-Authorization, with the algorithm in
 * X-Connect-Request-Signature-Algorithm. The leader makes the key and publishes it in the
 * config topic's session-key record (base64 of the key bytes). Only HmacSHA256, Connect's
 * default and the one every Connect worker accepts, is made and checked. */
#ifndef KC_REQUEST_SIGNATURE_H
#define KC_REQUEST_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#define KC_SIGNATURE_HEADER "X-Connect-Authorization"
#define KC_SIGNATURE_ALGORITHM_HEADER "X-Connect-Request-Signature-Algorithm"
#define KC_SIGNATURE_ALGORITHM "HmacSHA256"
#define KC_SESSION_KEY_BYTES 32 /* Connect's KeyGenerator for HmacSHA256 makes 256-bit keys */

/* A new random session key. 0, or -1 when the system gives no randomness. */
int kc_session_key_new(uint8_t key[KC_SESSION_KEY_BYTES]);

/* The signature of body (len may be 0: an absent body is signed as empty) under key, as a
 * NUL-terminated base64 string (handed over); NULL out of memory. */
char *kc_request_sign(const uint8_t *key, size_t key_len, const void *body, size_t len);

/* What a check of an incoming internal request says, and the HTTP status Connect answers. */
typedef enum kc_signature_check {
    KC_SIGNATURE_VALID = 0,
    KC_SIGNATURE_MISSING,       /* 400: no signature or no algorithm header */
    KC_SIGNATURE_BAD_ALGORITHM, /* 400: an algorithm other than HmacSHA256 */
    KC_SIGNATURE_NO_KEY,        /* 503: no session key read yet */
    KC_SIGNATURE_INVALID        /* 403: the signature does not match */
} kc_signature_check;

/* Checks the headers' values (NULL when absent) against body under key (NULL: none yet). The
 * comparison takes the same time whatever the signature. */
kc_signature_check kc_request_verify(const uint8_t *key, size_t key_len, const void *body, size_t len,
                                     const char *algorithm, const char *signature);
int kc_signature_http_status(kc_signature_check c);

#endif
