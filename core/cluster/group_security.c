/* group_security.c - the worker's security keys for kcd's group client, and static members
 * taken out of their groups (kc_group_security.h). */
#define _GNU_SOURCE
#include "kc_group_security.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_connect_protocol.h"

void kc_group_security_from_config(const kc_config *cfg, kc_group_security *sec, char **owned_user,
                                   char **owned_password) {
    const char *sp = kc_config_get(cfg, "security.protocol");
    const char *ident = kc_config_get(cfg, "ssl.endpoint.identification.algorithm");
    *owned_user = *owned_password = NULL;
    if (sp && !strncasecmp(sp, "SASL_", 5)) kc_worker_sasl_credentials(cfg, "", owned_user, owned_password);
    *sec = (kc_group_security){
        .tls = sp && (!strcasecmp(sp, "SSL") || !strcasecmp(sp, "SASL_SSL")),
        .ca_location = kc_config_get(cfg, "ssl.ca.location"),
        .certificate_location = kc_config_get(cfg, "ssl.certificate.location"),
        .key_location = kc_config_get(cfg, "ssl.key.location"),
        .key_password = kc_config_get(cfg, "ssl.key.password"),
        .verify_certificate = 1,
        .verify_hostname = !ident || !strcasecmp(ident, "https"),
        .sasl_mechanism = *owned_user ? kc_config_get(cfg, "sasl.mechanism") : NULL,
        .sasl_username = *owned_user,
        .sasl_password = *owned_password,
    };
}

void kc_group_security_free(char *owned_user, char *owned_password) {
    free(owned_user);
    if (owned_password) explicit_bzero(owned_password, strlen(owned_password));
    free(owned_password);
}

int kc_static_member_leave(kc_worker *w, const char *group, const char *member_id, const char *instance_id,
                           kc_error *err) {
    /* the sink consumers' group: the worker's consumer.* security, as the consumer had it */
    kc_config sec_cfg = {0};
    static const char *const keys[] = {"security.protocol", "sasl.mechanism", "sasl.username", "sasl.password",
                                       "sasl.jaas.config", "ssl.ca.location", "ssl.certificate.location",
                                       "ssl.key.location", "ssl.key.password",
                                       "ssl.endpoint.identification.algorithm", NULL};
    int rc = KC_OK;
    for (const char *const *k = keys; *k && !rc; k++) {
        char key[128];
        snprintf(key, sizeof key, "consumer.%s", *k);
        const char *v = kc_config_get(&w->config, key);
        if (v && kc_config_set(&sec_cfg, *k, v)) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    char *user = NULL, *password = NULL;
    kc_group_conf gc = {.bootstrap = w->bootstrap, .group_id = group, .client_id = "kcd-static-member-leave",
                        .protocol_type = "consumer", .request_timeout_ms = 10000};
    if (!rc) kc_group_security_from_config(&sec_cfg, &gc.security, &user, &password);
    kc_group *g = rc ? NULL : kc_group_new(&gc, err);
    if (!rc && !g) rc = err->code;
    if (g) {
        rc = kc_group_remove_member(g, member_id, instance_id, err);
        /* the broker's answer: UNKNOWN_MEMBER_ID, gone already; FENCED_INSTANCE_ID, another consumer
         * holds the id now (the task runs elsewhere): nothing to take out either way */
        if (rc > 0)
            rc = rc == KC_KERR_UNKNOWN_MEMBER_ID || rc == KC_KERR_FENCED_INSTANCE_ID ? KC_OK
                                                 : kc_error_set(err, KC_ERETRY, "LeaveGroup for %s: %s", instance_id,
                                                                kc_kafka_error_name((int16_t)rc));
        kc_group_destroy(g);
    }
    kc_group_security_free(user, password);
    kc_config_free(&sec_cfg);
    return rc;
}
