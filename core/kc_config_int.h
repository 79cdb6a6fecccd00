/* kc_config_int.h - config maps, the Java-properties reader, validation against definition
 * tables, and config providers (${provider:path:key}). */
#ifndef KC_CONFIG_INT_H
#define KC_CONFIG_INT_H

#include <kc/kc_plugin.h>

/* A list of owned strings (problems, warnings, list items). */
typedef struct kc_strlist {
    char **items;
    size_t len, cap;
} kc_strlist;

int kc_strlist_add(kc_strlist *l, const char *s);
int kc_strlist_addf(kc_strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kc_strlist_free(kc_strlist *l);
/* Splits a Connect LIST value on commas, trimming blanks and dropping empty items. */
int kc_list_split(const char *value, kc_strlist *out);

const char *kc_config_get(const kc_config *cfg, const char *key);
int kc_config_has(const kc_config *cfg, const char *key);
int kc_config_set(kc_config *cfg, const char *key, const char *value);
int kc_config_remove(kc_config *cfg, const char *key);
int kc_config_copy(kc_config *dst, const kc_config *src);
void kc_config_free(kc_config *cfg);
int kc_config_get_long(const kc_config *cfg, const char *key, int64_t *out);
int kc_config_get_double(const kc_config *cfg, const char *key, double *out);
int kc_config_get_bool(const kc_config *cfg, const char *key, int *out);
/* Copies the keys under prefix into dst with the prefix stripped. */
int kc_config_subset(const kc_config *cfg, const char *prefix, kc_config *dst);

/* Parses Java .properties text (escapes, continuations, \uXXXX, '#'/'!' comments, '=' ':' or
 * blank separators). Later keys win. */
int kc_props_parse(const char *text, size_t len, kc_config *out, kc_error *err);
int kc_props_load(const char *path, kc_config *out, kc_error *err);
/* A whole file, NUL-terminated; *out handed over. */
int kc_read_file(const char *path, char **out, size_t *len, kc_error *err);

const kc_config_def *kc_config_def_find(const kc_config_def *defs, const char *key);
int kc_config_def_is_secret(const kc_config_def *def);
const char *kc_config_type_name(kc_config_type t);

/* Checks cfg against defs: adds one line per problem to problems and per warning to warnings
 * (deprecated keys), and fills in defaults and deprecated aliases. Keys under `prefix` only
 * (pass "" for all); defs' names are relative to it. Returns the number of problems. */
size_t kc_config_validate(const kc_config_def *defs, const char *prefix, kc_config *cfg,
                          kc_strlist *problems, kc_strlist *warnings);
/* Validates one value against one definition; returns 0 or writes a message. */
int kc_config_check_value(const kc_config_def *def, const char *key, const char *value, char *msg,
                          size_t msg_size);

/* Config providers named in a worker config (config.providers=file,env,directory). */
typedef struct kc_config_providers {
    kc_strlist names;
    kc_strlist kinds; /* "file", "env", "directory" for each name */
} kc_config_providers;

int kc_config_providers_init(kc_config_providers *p, const kc_config *worker, kc_strlist *problems);
void kc_config_providers_free(kc_config_providers *p);
/* Replaces every ${provider:[path:]key} in cfg's values. Unknown providers and missing keys are
 * errors naming the config key. */
int kc_config_resolve(const kc_config_providers *p, kc_config *cfg, kc_error *err);

#endif
