/* kc_config.h - configuration as the ABI sees it: a definition table per plugin, and the
 * validated key/value map handed to plugin callbacks.
 *
 * One table per plugin (as Fluent Bit's config_map) validates configs, fills defaults, masks
 * secrets, feeds the REST validate endpoint and generates the plugin's README table. */
#ifndef KC_CONFIG_H
#define KC_CONFIG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kc_config_type {
    KC_CFG_STRING = 0,
    KC_CFG_INT,      /* 32-bit */
    KC_CFG_LONG,     /* 64-bit */
    KC_CFG_DOUBLE,
    KC_CFG_BOOL,     /* true/false, case-insensitive */
    KC_CFG_LIST,     /* comma-separated, items trimmed */
    KC_CFG_ENUM,     /* one of enum_values (case-insensitive) */
    KC_CFG_PASSWORD, /* a string that is never logged and shown as [hidden] */
    KC_CFG_CLASS     /* a plugin class name */
} kc_config_type;

typedef enum kc_config_importance {
    KC_IMPORTANCE_HIGH = 0,
    KC_IMPORTANCE_MEDIUM,
    KC_IMPORTANCE_LOW
} kc_config_importance;

enum {
    KC_CFG_F_REQUIRED = 1u << 0,   /* no default: the key must be given */
    KC_CFG_F_SENSITIVE = 1u << 1,  /* mask in logs and REST even if not PASSWORD */
    KC_CFG_F_DEPRECATED = 1u << 2, /* accepted with a warning */
    KC_CFG_F_HAS_MIN = 1u << 3,
    KC_CFG_F_HAS_MAX = 1u << 4,
    KC_CFG_F_NONEMPTY = 1u << 5,   /* a given value must not be empty */
    /* The value names files on the worker's host (a path or glob; each item of a LIST): the
     * worker's connector.allowed.paths restricts it. Added with ABI 1.3; older workers ignore it. */
    KC_CFG_F_HOST_PATH = 1u << 6,
    /* The value names a network interface of the host (connector.allowed.interfaces). */
    KC_CFG_F_INTERFACE = 1u << 7,
    /* The name is a prefix: every key that starts with it and goes on is this setting (the Neo4j
     * sink's neo4j.topic.cypher.<topic>), known to the worker, checked by the plugin's validate;
     * never filled or listed as a key itself. Workers before it warn of such keys as unknown. */
    KC_CFG_F_PREFIX = 1u << 8
};

/* Extra validation beyond type/range/enum. Return 0 when valid, else write a message. */
typedef int (*kc_config_validator)(const char *key, const char *value, char *msg, size_t msg_size);

typedef struct kc_config_def {
    const char *name;
    kc_config_type type;
    const char *default_value; /* NULL with no F_REQUIRED flag: optional, default null */
    unsigned flags;
    double min, max;           /* with F_HAS_MIN / F_HAS_MAX */
    const char *const *enum_values; /* NULL-terminated, for KC_CFG_ENUM */
    kc_config_importance importance;
    const char *group;
    const char *doc;
    const char *alias_of;      /* this key is a deprecated spelling of alias_of */
    kc_config_validator validate;
} kc_config_def;

/* Terminates a kc_config_def table. */
#define KC_CONFIG_END {NULL, KC_CFG_STRING, NULL, 0, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL, NULL, NULL, NULL}

typedef struct kc_kv {
    char *key;
    char *value;
} kc_kv;

/* A string-to-string map, the shape Kafka Connect gives configs. In callbacks it is borrowed
 * and already validated against the plugin's table, with defaults filled in and config
 * provider references resolved. */
typedef struct kc_config {
    kc_kv *items;
    size_t len, cap;
} kc_config;

#ifdef __cplusplus
}
#endif
#endif
