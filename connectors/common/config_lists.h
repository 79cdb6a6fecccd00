/* config_lists.h - reading LIST and ENUM config values in plugins (header-only: each plugin is
 * its own shared object). */
#ifndef KC_CONFIG_LISTS_H
#define KC_CONFIG_LISTS_H

#include <kc/kc_error.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The items of a comma-separated list, trimmed, empty ones left out; *out handed over (free
 * with free_list, also after KC_ENOMEM). NULL s: no items. */
static inline int split_list(const char *s, char ***out, size_t *n) {
    *out = NULL;
    *n = 0;
    for (const char *p = s; p && *p;) {
        while (*p == ' ' || *p == ',') p++;
        if (!*p) break;
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && p[len - 1] == ' ') len--;
        char **grown = realloc(*out, (*n + 1) * sizeof **out);
        if (!grown) return KC_ENOMEM;
        *out = grown;
        if (!((*out)[*n] = strndup(p, len))) return KC_ENOMEM;
        (*n)++;
        p = e ? e + 1 : p + strlen(p);
    }
    return KC_OK;
}

static inline void free_list(char **l, size_t n) {
    for (size_t i = 0; l && i < n; i++) free(l[i]);
    free(l);
}

static inline int in_list(char *const *l, size_t n, const char *s) {
    for (size_t i = 0; s && i < n; i++)
        if (!strcmp(l[i], s)) return 1;
    return 0;
}

/* The index of an ENUM value in its NULL-terminated values (case-insensitive, as the config
 * table validates it); 0 (the first) when absent. */
static inline int enum_index(const char *v, const char *const *values) {
    for (int i = 0; v && values[i]; i++)
        if (!strcasecmp(v, values[i])) return i;
    return 0;
}

#endif
