/* kc_config_int.h - config maps, the Java-properties reader, validation against definition
 * tables, and config providers (${provider:path:key}). */
#ifndef KC_CONFIG_INT_H
#define KC_CONFIG_INT_H

#include <kc/kc_plugin.h>

/* A list of owned strings (problems, warnings, list items). A failed add is also remembered in
 * `failed`: a list of problems that failed is never taken for an empty one (see kc_note). */
typedef struct kc_strlist {
    char **items;
    size_t len, cap;
    int failed;
} kc_strlist;

/* The allocating calls: their results must be looked at (a dropped item is a half-done job). */
#define KC_MUST_CHECK __attribute__((warn_unused_result))

KC_MUST_CHECK int kc_strlist_add(kc_strlist *l, const char *s);
KC_MUST_CHECK int kc_strlist_addf(kc_strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a problem or warning line. Out of memory is kept in l->failed, which every reader of a
 * problems list checks (kc_problems_found): a problem is never lost, at worst it is unnamed. */
void kc_note(kc_strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int kc_problems_found(const kc_strlist *l) { return l->len || l->failed; }
void kc_strlist_free(kc_strlist *l);
/* Splits a Connect LIST value on commas, trimming blanks and dropping empty items. */
KC_MUST_CHECK int kc_list_split(const char *value, kc_strlist *out);

const char *kc_config_get(const kc_config *cfg, const char *key);
int kc_config_has(const kc_config *cfg, const char *key);
KC_MUST_CHECK int kc_config_set(kc_config *cfg, const char *key, const char *value);
int kc_config_remove(kc_config *cfg, const char *key);
KC_MUST_CHECK int kc_config_copy(kc_config *dst, const kc_config *src);
void kc_config_free(kc_config *cfg);
int kc_config_get_long(const kc_config *cfg, const char *key, int64_t *out);
int kc_config_get_double(const kc_config *cfg, const char *key, double *out);
int kc_config_get_bool(const kc_config *cfg, const char *key, int *out);
/* Copies the keys under prefix into dst with the prefix stripped. */
KC_MUST_CHECK int kc_config_subset(const kc_config *cfg, const char *prefix, kc_config *dst);

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
/* The same, showing the values of the `hidden` keys (those a provider filled in) as [hidden]. */
size_t kc_config_validate_hiding(const kc_config_def *defs, const char *prefix, kc_config *cfg,
                                 const kc_strlist *hidden, kc_strlist *problems, kc_strlist *warnings);
/* Validates one value against one definition; returns 0 or writes a message (the value shown as
 * [hidden] when hide is set or the definition is secret). */
int kc_config_check_value(const kc_config_def *def, const char *key, const char *value, int hide, char *msg,
                          size_t msg_size);

/* Config providers named in a worker config (config.providers=file,env,directory), with
 * Connect's restrictions: allowed.paths (file, directory; KIP-993) and allowlist.pattern (env). */
#include <regex.h>
typedef struct kc_config_provider {
    char *name;
    const char *kind;       /* "file", "env", "directory" */
    int restrict_paths;     /* allowed.paths given: only allowed_paths (resolved) may be read */
    kc_strlist allowed_paths;
    int has_allowlist;
    regex_t allowlist;      /* env: names must match it whole */
} kc_config_provider;

typedef struct kc_config_providers {
    kc_config_provider *items;
    size_t len;
} kc_config_providers;

/* Problems (unknown classes, relative or missing allowed.paths, bad patterns) go to problems: the
 * worker refuses to start rather than run with a provider it cannot restrict. */
int kc_config_providers_init(kc_config_providers *p, const kc_config *worker, kc_strlist *problems);
void kc_config_providers_free(kc_config_providers *p);

/* What resolving a config brought in: the keys whose values held references, and the values the
 * providers returned (secrets: never to leave the worker except to the plugin). */
typedef struct kc_resolved {
    kc_strlist keys;
    kc_strlist secrets;
} kc_resolved;
void kc_resolved_free(kc_resolved *r);

/* Replaces every ${provider:[path:]key} in cfg's values; resolved (may be NULL) collects what
 * came in. Unknown providers are left as they are (as Connect does); a value a provider cannot
 * give is an error naming the config key and the reference, never the reason (which would tell
 * a REST client whether a file exists). */
int kc_config_resolve(const kc_config_providers *p, kc_config *cfg, kc_resolved *resolved, kc_error *err);

/* Secrets shorter than this are not masked in free text (they would mask common words);
 * settings whose values came from a provider are always shown as [hidden] in core messages. */
#define KC_REDACT_MIN 4
/* A copy of text (handed over) with each secret of KC_REDACT_MIN bytes or more replaced by
 * "[hidden]"; NULL when out of memory. */
char *kc_redacted(const char *text, const kc_strlist *secrets);
/* The same in place, within size bytes; returns whether buf changed (emptied when out of memory). */
int kc_redact(char *buf, size_t size, const kc_strlist *secrets);
/* The same for items from..len of a list. */
int kc_strlist_redact(kc_strlist *l, size_t from, const kc_strlist *secrets);
int kc_strlist_has(const kc_strlist *l, const char *s);
/* An allowed-paths list (KIP-993's allowed.paths, connector.allowed.paths): each item absolute and
 * existing, kept resolved (symlinks and ".." gone) in out, so a path is checked for what it
 * really names; the others are problems naming key. Returns 1 when the list restricts (has
 * items), 0 when it is empty (everything allowed, as in Connect). */
int kc_allowed_paths_parse(const char *value, const char *key, kc_strlist *out, kc_strlist *problems);
/* 1 when real (a resolved absolute path) is one of allowed (resolved paths) or lies under one. */
int kc_path_in(const kc_strlist *allowed, const char *real);

#endif
