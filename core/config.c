/* config.c - config maps, Java properties, validation, config providers. */
#define _GNU_SOURCE
#include "kc_config_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kc_buf.h"
#include "kc_log.h"

/* ---- string lists ------------------------------------------------------------------------- */

int kc_strlist_add(kc_strlist *l, const char *s) {
    if (l->len == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        char **p = realloc(l->items, ncap * sizeof *p);
        if (!p) return l->failed = 1, KC_ENOMEM;
        l->items = p;
        l->cap = ncap;
    }
    char *d = strdup(s);
    if (!d) return l->failed = 1, KC_ENOMEM;
    l->items[l->len++] = d;
    return KC_OK;
}

void kc_note(kc_strlist *l, const char *fmt, ...) {
    if (!l) return; /* a caller that wants no warnings */
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) l->failed = 1;
    else if (kc_strlist_add(l, s)) { /* remembered in l->failed */ }
    free(s);
}

int kc_strlist_addf(kc_strlist *l, const char *fmt, ...) {
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) return l->failed = 1, KC_ENOMEM;
    int rc = kc_strlist_add(l, s);
    free(s);
    return rc;
}

void kc_strlist_free(kc_strlist *l) {
    for (size_t i = 0; i < l->len; i++) free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

int kc_list_split(const char *value, kc_strlist *out) {
    if (!value) return KC_OK;
    const char *p = value;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        if (b > a) {
            char *item = strndup(a, (size_t)(b - a));
            if (!item) return KC_ENOMEM;
            int rc = kc_strlist_add(out, item);
            free(item);
            if (rc) return rc;
        }
        p = *end ? end + 1 : end;
    }
    return KC_OK;
}

/* ---- maps --------------------------------------------------------------------------------- */

static kc_kv *find(const kc_config *cfg, const char *key) {
    for (size_t i = 0; i < cfg->len; i++)
        if (strcmp(cfg->items[i].key, key) == 0) return &cfg->items[i];
    return NULL;
}

const char *kc_config_get(const kc_config *cfg, const char *key) {
    kc_kv *kv = cfg ? find(cfg, key) : NULL;
    return kv ? kv->value : NULL;
}

int kc_config_has(const kc_config *cfg, const char *key) { return find(cfg, key) != NULL; }

int kc_config_set(kc_config *cfg, const char *key, const char *value) {
    char *v = value ? strdup(value) : NULL;
    if (value && !v) return KC_ENOMEM;
    kc_kv *kv = find(cfg, key);
    if (kv) {
        free(kv->value);
        kv->value = v;
        return KC_OK;
    }
    if (cfg->len == cfg->cap) {
        size_t ncap = cfg->cap ? cfg->cap * 2 : 16;
        kc_kv *p = realloc(cfg->items, ncap * sizeof *p);
        if (!p) {
            free(v);
            return KC_ENOMEM;
        }
        cfg->items = p;
        cfg->cap = ncap;
    }
    char *k = strdup(key);
    if (!k) {
        free(v);
        return KC_ENOMEM;
    }
    cfg->items[cfg->len].key = k;
    cfg->items[cfg->len].value = v;
    cfg->len++;
    return KC_OK;
}

int kc_config_remove(kc_config *cfg, const char *key) {
    kc_kv *kv = find(cfg, key);
    if (!kv) return KC_ENOTFOUND;
    free(kv->key);
    free(kv->value);
    size_t i = (size_t)(kv - cfg->items);
    memmove(kv, kv + 1, (cfg->len - i - 1) * sizeof *kv);
    cfg->len--;
    return KC_OK;
}

int kc_config_copy(kc_config *dst, const kc_config *src) {
    for (size_t i = 0; i < src->len; i++)
        if (kc_config_set(dst, src->items[i].key, src->items[i].value)) return KC_ENOMEM;
    return KC_OK;
}

void kc_config_free(kc_config *cfg) {
    if (!cfg) return;
    for (size_t i = 0; i < cfg->len; i++) {
        free(cfg->items[i].key);
        free(cfg->items[i].value);
    }
    free(cfg->items);
    memset(cfg, 0, sizeof *cfg);
}

static int parse_long(const char *s, int64_t *out) {
    if (!s) return KC_ENOTFOUND;
    while (isspace((unsigned char)*s)) s++;
    if (!*s) return KC_EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end)) end++;
    if (errno || *end) return KC_EINVAL;
    *out = v;
    return KC_OK;
}

static int parse_double(const char *s, double *out) {
    if (!s) return KC_ENOTFOUND;
    while (isspace((unsigned char)*s)) s++;
    if (!*s) return KC_EINVAL;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (isspace((unsigned char)*end)) end++;
    if (errno || *end || !isfinite(v)) return KC_EINVAL;
    *out = v;
    return KC_OK;
}

static int parse_bool(const char *s, int *out) {
    if (!s) return KC_ENOTFOUND;
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) n--;
    if (n == 4 && strncasecmp(s, "true", 4) == 0) *out = 1;
    else if (n == 5 && strncasecmp(s, "false", 5) == 0) *out = 0;
    else return KC_EINVAL;
    return KC_OK;
}

int kc_config_get_long(const kc_config *cfg, const char *key, int64_t *out) {
    return parse_long(kc_config_get(cfg, key), out);
}

int kc_config_get_double(const kc_config *cfg, const char *key, double *out) {
    return parse_double(kc_config_get(cfg, key), out);
}

int kc_config_get_bool(const kc_config *cfg, const char *key, int *out) {
    return parse_bool(kc_config_get(cfg, key), out);
}

int kc_config_subset(const kc_config *cfg, const char *prefix, kc_config *dst) {
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < cfg->len; i++)
        if (strncmp(cfg->items[i].key, prefix, pl) == 0 && cfg->items[i].key[pl])
            if (kc_config_set(dst, cfg->items[i].key + pl, cfg->items[i].value)) return KC_ENOMEM;
    return KC_OK;
}

/* ---- Java properties ---------------------------------------------------------------------- */

static void put_utf8(kc_buf *b, uint32_t cp) {
    char o[4];
    if (cp < 0x80) {
        kc_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        kc_buf_append(b, o, 2);
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        kc_buf_append(b, o, 3);
    } else {
        o[0] = (char)(0xF0 | cp >> 18);
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        kc_buf_append(b, o, 4);
    }
}

static int hex4(const char *p, const char *end, uint32_t *out) {
    if (end - p < 4) return -1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int c = (unsigned char)p[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

/* Joins one logical line (continuations removed) starting at *pp into line (raw, escapes kept
 * except the continuation backslashes). */
static void read_logical_line(const char **pp, const char *end, kc_buf *line) {
    const char *p = *pp;
    for (;;) {
        const char *s = p;
        while (p < end && *p != '\n' && *p != '\r') p++;
        size_t n = (size_t)(p - s);
        size_t bs = 0;
        while (bs < n && s[n - 1 - bs] == '\\') bs++;
        int cont = bs % 2 == 1;
        kc_buf_append(line, s, cont ? n - 1 : n);
        if (p < end && *p == '\r') p++;
        if (p < end && *p == '\n') p++;
        if (!cont || p >= end) break;
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\f')) p++;
    }
    *pp = p;
}

static int unescape(const char *s, size_t n, kc_buf *out, size_t lineno, kc_error *err) {
    const char *end = s + n;
    for (const char *p = s; p < end; p++) {
        if (*p != '\\' || p + 1 >= end) {
            if (*p != '\\') kc_buf_putc(out, *p);
            continue;
        }
        p++;
        switch (*p) {
        case 't': kc_buf_putc(out, '\t'); break;
        case 'n': kc_buf_putc(out, '\n'); break;
        case 'r': kc_buf_putc(out, '\r'); break;
        case 'f': kc_buf_putc(out, '\f'); break;
        case 'u': {
            uint32_t cp, lo;
            if (hex4(p + 1, end, &cp))
                return kc_error_set(err, KC_EINVAL, "line %zu: malformed \\uXXXX escape", lineno);
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && end - p > 6 && p[1] == '\\' && p[2] == 'u' &&
                hex4(p + 3, end, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            put_utf8(out, cp);
            break;
        }
        default: kc_buf_putc(out, *p);
        }
    }
    return KC_OK;
}

int kc_props_parse(const char *text, size_t len, kc_config *out, kc_error *err) {
    const char *p = text, *end = text + len;
    size_t lineno = 0;
    int rc = KC_OK;
    while (p < end && rc == KC_OK) {
        lineno++;
        kc_buf line = KC_BUF_INIT;
        read_logical_line(&p, end, &line);
        if (line.failed) {
            kc_buf_free(&line);
            return kc_error_set(err, KC_ENOMEM, "out of memory reading properties");
        }
        const char *s = line.data ? line.data : "";
        const char *le = s + line.len;
        while (s < le && (*s == ' ' || *s == '\t' || *s == '\f')) s++;
        if (s == le || *s == '#' || *s == '!') {
            kc_buf_free(&line);
            continue;
        }
        const char *k = s;
        while (s < le) {
            if (*s == '\\' && s + 1 < le) {
                s += 2;
                continue;
            }
            if (*s == '=' || *s == ':' || *s == ' ' || *s == '\t' || *s == '\f') break;
            s++;
        }
        const char *kend = s;
        while (s < le && (*s == ' ' || *s == '\t' || *s == '\f')) s++;
        if (s < le && (*s == '=' || *s == ':')) s++;
        while (s < le && (*s == ' ' || *s == '\t' || *s == '\f')) s++;
        kc_buf key = KC_BUF_INIT, val = KC_BUF_INIT;
        rc = unescape(k, (size_t)(kend - k), &key, lineno, err);
        if (rc == KC_OK) rc = unescape(s, (size_t)(le - s), &val, lineno, err);
        if (rc == KC_OK && (key.failed || val.failed)) rc = kc_error_set(err, KC_ENOMEM, "out of memory");
        if (rc == KC_OK && memchr(key.data ? key.data : "", 0, key.len))
            rc = kc_error_set(err, KC_EINVAL, "line %zu: NUL character in key", lineno);
        if (rc == KC_OK && kc_config_set(out, key.data ? key.data : "", val.data ? val.data : ""))
            rc = kc_error_set(err, KC_ENOMEM, "out of memory");
        kc_buf_free(&key);
        kc_buf_free(&val);
        kc_buf_free(&line);
    }
    return rc;
}

int kc_read_file(const char *path, char **out, size_t *len, kc_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return kc_error_set(err, KC_EIO, "cannot open %s: %s", path, strerror(errno));
    kc_buf b = KC_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) kc_buf_append(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        kc_buf_free(&b);
        return kc_error_set(err, KC_EIO, "cannot read %s", path);
    }
    *len = b.len;
    *out = kc_buf_detach(&b);
    if (!*out) return kc_error_set(err, KC_ENOMEM, "out of memory reading %s", path);
    return KC_OK;
}

int kc_props_load(const char *path, kc_config *out, kc_error *err) {
    char *text;
    size_t len;
    int rc = kc_read_file(path, &text, &len, err);
    if (rc) return rc;
    rc = kc_props_parse(text, len, out, err);
    if (rc) {
        char msg[KC_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        kc_error_set(err, rc, "%s: %s", path, msg);
    }
    free(text);
    return rc;
}

/* ---- validation --------------------------------------------------------------------------- */

const kc_config_def *kc_config_def_find(const kc_config_def *defs, const char *key) {
    const kc_config_def *prefixed = NULL;
    for (; defs && defs->name; defs++) {
        if (defs->flags & KC_CFG_F_PREFIX) {
            size_t n = strlen(defs->name);
            if (!prefixed && strlen(key) > n && !strncmp(defs->name, key, n)) prefixed = defs;
        } else if (strcmp(defs->name, key) == 0) {
            return defs;
        }
    }
    return prefixed;
}

int kc_config_def_is_secret(const kc_config_def *def) {
    return def && (def->type == KC_CFG_PASSWORD || (def->flags & KC_CFG_F_SENSITIVE));
}

const char *kc_config_type_name(kc_config_type t) {
    switch (t) {
    case KC_CFG_STRING: return "STRING";
    case KC_CFG_INT: return "INT";
    case KC_CFG_LONG: return "LONG";
    case KC_CFG_DOUBLE: return "DOUBLE";
    case KC_CFG_BOOL: return "BOOLEAN";
    case KC_CFG_LIST: return "LIST";
    case KC_CFG_ENUM: return "STRING";
    case KC_CFG_PASSWORD: return "PASSWORD";
    case KC_CFG_CLASS: return "CLASS";
    }
    return "STRING";
}

int kc_config_check_value(const kc_config_def *def, const char *key, const char *value, int hide, char *msg,
                          size_t msg_size) {
    const char *shown = hide || kc_config_def_is_secret(def) ? "[hidden]" : value;
    double num = 0;
    int64_t l;
    int b;
    switch (def->type) {
    case KC_CFG_INT:
    case KC_CFG_LONG:
        if (parse_long(value, &l) ||
            (def->type == KC_CFG_INT && (l < INT32_MIN || l > INT32_MAX))) {
            snprintf(msg, msg_size, "Invalid value %s for configuration %s: Not a number of type %s", shown, key,
                     kc_config_type_name(def->type));
            return -1;
        }
        num = (double)l;
        break;
    case KC_CFG_DOUBLE:
        if (parse_double(value, &num)) {
            snprintf(msg, msg_size, "Invalid value %s for configuration %s: Not a number of type DOUBLE", shown,
                     key);
            return -1;
        }
        break;
    case KC_CFG_BOOL:
        if (parse_bool(value, &b)) {
            snprintf(msg, msg_size, "Invalid value %s for configuration %s: Expected value to be either true or false",
                     shown, key);
            return -1;
        }
        break;
    case KC_CFG_ENUM: {
        int ok = 0;
        for (const char *const *e = def->enum_values; e && *e; e++)
            if (strcasecmp(*e, value) == 0) ok = 1;
        if (!ok) {
            kc_buf allowed = KC_BUF_INIT;
            for (const char *const *e = def->enum_values; e && *e; e++) {
                if (e != def->enum_values) kc_buf_puts(&allowed, ", ");
                kc_buf_puts(&allowed, *e);
            }
            snprintf(msg, msg_size, "Invalid value %s for configuration %s: String must be one of: %s", shown, key,
                     allowed.data ? allowed.data : "");
            kc_buf_free(&allowed);
            return -1;
        }
        break;
    }
    default:
        break;
    }
    if ((def->flags & KC_CFG_F_NONEMPTY) && !*value) {
        snprintf(msg, msg_size, "Invalid value \"\" for configuration %s: String must be non-empty", key);
        return -1;
    }
    if ((def->flags & KC_CFG_F_HAS_MIN) && num < def->min) {
        snprintf(msg, msg_size, "Invalid value %s for configuration %s: Value must be at least %g", shown, key,
                 def->min);
        return -1;
    }
    if ((def->flags & KC_CFG_F_HAS_MAX) && num > def->max) {
        snprintf(msg, msg_size, "Invalid value %s for configuration %s: Value must be no more than %g", shown, key,
                 def->max);
        return -1;
    }
    if (def->validate && def->validate(key, value, msg, msg_size)) {
        if (hide) /* the validator's own words may quote the value */
            snprintf(msg, msg_size, "Invalid value [hidden] for configuration %s: the value its config provider "
                                    "gave is not valid for this setting", key);
        return -1;
    }
    return 0;
}

size_t kc_config_validate(const kc_config_def *defs, const char *prefix, kc_config *cfg,
                          kc_strlist *problems, kc_strlist *warnings) {
    return kc_config_validate_hiding(defs, prefix, cfg, NULL, problems, warnings);
}

size_t kc_config_validate_hiding(const kc_config_def *defs, const char *prefix, kc_config *cfg,
                                 const kc_strlist *hidden, kc_strlist *problems, kc_strlist *warnings) {
    size_t before = problems->len;
    char key[512], alias[512], msg[1024];
    /* Deprecated spellings first, so the canonical key sees their value. */
    for (const kc_config_def *d = defs; d && d->name; d++) {
        if (!d->alias_of) continue;
        snprintf(alias, sizeof alias, "%s%s", prefix, d->name);
        snprintf(key, sizeof key, "%s%s", prefix, d->alias_of);
        const char *v = kc_config_get(cfg, alias);
        if (!kc_config_has(cfg, alias)) continue;
        if (warnings)
            kc_note(warnings, "Configuration %s is deprecated; use %s instead", alias, key);
        if (!kc_config_has(cfg, key) && v && kc_config_set(cfg, key, v)) kc_note(problems, "out of memory");
    }
    for (const kc_config_def *d = defs; d && d->name; d++) {
        if (d->alias_of || (d->flags & KC_CFG_F_PREFIX)) continue;
        snprintf(key, sizeof key, "%s%s", prefix, d->name);
        const char *v = kc_config_get(cfg, key);
        if (!v) {
            if (d->flags & KC_CFG_F_REQUIRED)
                kc_note(problems, "Missing required configuration \"%s\" which has no default value.", key);
            else if (d->default_value && kc_config_set(cfg, key, d->default_value))
                kc_note(problems, "out of memory");
            continue;
        }
        if ((d->flags & KC_CFG_F_DEPRECATED) && warnings)
            kc_note(warnings, "Configuration %s is deprecated", key);
        if (kc_config_check_value(d, key, v, kc_strlist_has(hidden, key), msg, sizeof msg)) kc_note(problems, "%s", msg);
    }
    return problems->len - before;
}

/* ---- config providers --------------------------------------------------------------------- */

static const struct {
    const char *kind;
    const char *java_class;
} provider_classes[] = {
    {"file", "org.apache.kafka.common.config.provider.FileConfigProvider"},
    {"env", "org.apache.kafka.common.config.provider.EnvVarConfigProvider"},
    {"directory", "org.apache.kafka.common.config.provider.DirectoryConfigProvider"},
};

int kc_allowed_paths_parse(const char *value, const char *key, kc_strlist *out, kc_strlist *problems) {
    kc_strlist items = {0};
    if (kc_list_split(value, &items)) {
        kc_strlist_free(&items);
        kc_note(problems, "out of memory");
        return 0;
    }
    for (size_t i = 0; i < items.len; i++) {
        char *real = items.items[i][0] == '/' ? realpath(items.items[i], NULL) : NULL;
        if (!real || kc_strlist_add(out, real))
            kc_note(problems, "Invalid value %s for configuration %s: The path should be absolute and exist",
                    items.items[i], key);
        free(real);
    }
    size_t n = items.len;
    kc_strlist_free(&items);
    return n > 0;
}

int kc_config_providers_init(kc_config_providers *p, const kc_config *worker, kc_strlist *problems) {
    memset(p, 0, sizeof *p);
    kc_strlist names = {0};
    if (kc_list_split(kc_config_get(worker, "config.providers"), &names) ||
        !(p->items = calloc(names.len ? names.len : 1, sizeof *p->items))) {
        kc_strlist_free(&names);
        kc_note(problems, "out of memory");
        return KC_ENOMEM;
    }
    for (size_t i = 0; i < names.len; i++) {
        char key[300];
        snprintf(key, sizeof key, "config.providers.%s.class", names.items[i]);
        const char *cls = kc_config_get(worker, key);
        const char *kind = NULL;
        for (size_t j = 0; j < sizeof provider_classes / sizeof provider_classes[0]; j++) {
            const char *simple = strrchr(provider_classes[j].java_class, '.') + 1;
            if (cls && (strcmp(cls, provider_classes[j].java_class) == 0 || strcmp(cls, simple) == 0 ||
                        strcmp(cls, provider_classes[j].kind) == 0))
                kind = provider_classes[j].kind;
        }
        if (!cls) {
            kc_note(problems, "Missing required configuration \"%s\" for config provider %s", key,
                            names.items[i]);
            continue;
        }
        if (!kind) {
            kc_note(problems,
                            "Invalid value %s for configuration %s: unknown config provider class "
                            "(kcd has FileConfigProvider, EnvVarConfigProvider, DirectoryConfigProvider)",
                            cls, key);
            continue;
        }
        kc_config_provider *pv = &p->items[p->len++];
        pv->kind = kind;
        if (!(pv->name = strdup(names.items[i]))) kc_note(problems, "out of memory");
        char pkey[300];
        const char *pval;
        snprintf(pkey, sizeof pkey, "config.providers.%s.param.allowed.paths", names.items[i]);
        if ((pval = kc_config_get(worker, pkey))) {
            if (strcmp(kind, "env")) pv->restrict_paths = kc_allowed_paths_parse(pval, pkey, &pv->allowed_paths, problems);
            else kc_note(problems, "Invalid configuration %s: the env provider reads no paths", pkey);
        }
        snprintf(pkey, sizeof pkey, "config.providers.%s.param.allowlist.pattern", names.items[i]);
        if ((pval = kc_config_get(worker, pkey))) {
            kc_buf anchored = KC_BUF_INIT; /* Java's matches(): the whole name */
            kc_buf_printf(&anchored, "^(%s)$", pval);
            if (strcmp(kind, "env"))
                kc_note(problems, "Invalid configuration %s: only the env provider has an allowlist", pkey);
            else if (anchored.failed || regcomp(&pv->allowlist, anchored.data, REG_EXTENDED | REG_NOSUB))
                kc_note(problems, "Invalid value %s for configuration %s: not a regular expression", pval,
                                pkey);
            else
                pv->has_allowlist = 1;
            kc_buf_free(&anchored);
        }
    }
    kc_strlist_free(&names);
    return KC_OK;
}

void kc_config_providers_free(kc_config_providers *p) {
    for (size_t i = 0; i < p->len; i++) {
        free(p->items[i].name);
        kc_strlist_free(&p->items[i].allowed_paths);
        if (p->items[i].has_allowlist) regfree(&p->items[i].allowlist);
    }
    free(p->items);
    memset(p, 0, sizeof *p);
}

int kc_path_in(const kc_strlist *allowed, const char *real) {
    for (size_t i = 0; i < allowed->len; i++) {
        const char *a = allowed->items[i];
        size_t n = strlen(a);
        if (!strcmp(a, "/") || (!strncmp(real, a, n) && (real[n] == '\0' || real[n] == '/'))) return 1;
    }
    return 0;
}

/* Reads one reference; path may be NULL (${env:VAR}). Whatever the reason a value is not there
 * (no such file, no such key, not allowed), the error is the same: a REST client learns nothing
 * of the host's files from it. The reason goes to the DEBUG log. */
static int provider_lookup(const kc_config_provider *pv, const char *path, const char *key, char **out) {
    *out = NULL;
    kc_error err = {0};
    if (!strcmp(pv->kind, "env")) {
        const char *v = getenv(key);
        if (v && pv->has_allowlist && regexec(&pv->allowlist, key, 0, NULL, 0)) {
            kc_log(KC_LOG_DEBUG, "ConfigProvider", "env provider %s: %s is not matched by allowlist.pattern", pv->name,
                   key);
            v = NULL;
        }
        if (!v) return KC_ENOTFOUND;
        *out = strdup(v);
        return *out ? KC_OK : KC_ENOMEM;
    }
    if (!path) return KC_EINVAL;
    int is_file = !strcmp(pv->kind, "file");
    if (!is_file && (strchr(key, '/') || !strcmp(key, ".") || !strcmp(key, ".."))) return KC_EINVAL;
    kc_buf full = KC_BUF_INIT;
    if (is_file) kc_buf_puts(&full, path);
    else kc_buf_printf(&full, "%s/%s", path, key);
    if (full.failed) return KC_ENOMEM;
    char *real = realpath(full.data, NULL);
    int rc = KC_OK;
    if (!real) {
        kc_error_set(&err, KC_ENOTFOUND, "%s: %s", full.data, strerror(errno));
        rc = KC_ENOTFOUND;
    } else if (pv->restrict_paths && !kc_path_in(&pv->allowed_paths, real)) {
        kc_error_set(&err, KC_ENOTFOUND, "%s is outside allowed.paths", real);
        rc = KC_ENOTFOUND;
    } else if (is_file) {
        kc_config props = {0};
        rc = kc_props_load(real, &props, &err);
        const char *v = rc ? NULL : kc_config_get(&props, key);
        if (!rc && !v) rc = kc_error_set(&err, KC_ENOTFOUND, "%s has no key %s", real, key);
        if (v && !(*out = strdup(v))) rc = KC_ENOMEM;
        kc_config_free(&props);
    } else {
        size_t len;
        rc = kc_read_file(real, out, &len, &err);
    }
    if (rc && rc != KC_ENOMEM)
        kc_log(KC_LOG_DEBUG, "ConfigProvider", "%s provider %s: %s", pv->kind, pv->name, err.msg);
    free(real);
    kc_buf_free(&full);
    return rc == KC_ENOMEM || rc == KC_OK ? rc : KC_ENOTFOUND;
}

static int resolve_value(const kc_config_providers *p, const char *cfg_key, const char *value, char **out,
                         kc_strlist *secrets, kc_error *err) {
    kc_buf b = KC_BUF_INIT;
    const char *s = value;
    for (;;) {
        const char *start = strstr(s, "${");
        if (!start) break;
        const char *close = strchr(start + 2, '}');
        if (!close) break;
        kc_buf_append(&b, s, (size_t)(start - s));
        char *ref = strndup(start + 2, (size_t)(close - start - 2));
        if (!ref) {
            kc_buf_free(&b);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
        char *colon = strchr(ref, ':');
        const kc_config_provider *pv = NULL;
        if (colon) {
            *colon = '\0';
            for (size_t i = 0; i < p->len && !pv; i++)
                if (!strcmp(p->items[i].name, ref)) pv = &p->items[i];
        }
        if (!pv) {
            /* Not a provider reference (Connect leaves unknown ones alone); keep the text. */
            kc_buf_append(&b, start, (size_t)(close - start + 1));
        } else {
            char *rest = colon + 1, *path = NULL, *key = rest;
            char *last = strrchr(rest, ':');
            if (last) {
                *last = '\0';
                path = rest;
                key = last + 1;
            }
            char *v = NULL;
            int rc = provider_lookup(pv, path, key, &v);
            if (!rc && secrets && kc_strlist_add(secrets, v)) rc = KC_ENOMEM;
            if (rc) {
                /* the reference as written is no secret; what lies behind it is */
                if (rc == KC_ENOMEM) kc_error_set(err, rc, "out of memory");
                else if (rc == KC_EINVAL)
                    kc_error_set(err, rc, "configuration %s: cannot resolve ${%s:%s%s%s}: the %s provider needs %s",
                                 cfg_key, ref, path ? path : "", path ? ":" : "", key, pv->kind,
                                 !strcmp(pv->kind, "file") ? "${NAME:PATH:KEY}" : "${NAME:DIR:FILE}");
                else
                    kc_error_set(err, rc, "configuration %s: cannot resolve ${%s:%s%s%s}: no such value (missing, "
                                 "unreadable or not allowed by the provider's %s)", cfg_key, ref, path ? path : "",
                                 path ? ":" : "", key,
                                 !strcmp(pv->kind, "env") ? "allowlist.pattern" : "allowed.paths");
                free(v);
                free(ref);
                kc_buf_free(&b);
                return rc;
            }
            kc_buf_puts(&b, v);
            free(v);
        }
        free(ref);
        s = close + 1;
    }
    kc_buf_puts(&b, s);
    *out = kc_buf_detach(&b);
    return *out ? KC_OK : kc_error_set(err, KC_ENOMEM, "out of memory");
}

int kc_config_resolve(const kc_config_providers *p, kc_config *cfg, kc_resolved *resolved, kc_error *err) {
    for (size_t i = 0; i < cfg->len; i++) {
        if (!cfg->items[i].value || !strstr(cfg->items[i].value, "${")) continue;
        char *v;
        size_t before = resolved ? resolved->secrets.len : 0;
        int rc = resolve_value(p, cfg->items[i].key, cfg->items[i].value, &v, resolved ? &resolved->secrets : NULL,
                               err);
        if (rc) return rc;
        if (resolved && resolved->secrets.len > before && kc_strlist_add(&resolved->keys, cfg->items[i].key)) {
            free(v);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
        free(cfg->items[i].value);
        cfg->items[i].value = v;
    }
    return KC_OK;
}

void kc_resolved_free(kc_resolved *r) {
    kc_strlist_free(&r->keys);
    kc_strlist_free(&r->secrets);
}

int kc_strlist_has(const kc_strlist *l, const char *s) {
    for (size_t i = 0; l && i < l->len; i++)
        if (!strcmp(l->items[i], s)) return 1;
    return 0;
}

char *kc_redacted(const char *text, const kc_strlist *secrets) {
    kc_buf out = KC_BUF_INIT;
    kc_buf_puts(&out, text);
    for (size_t i = 0; secrets && i < secrets->len && !out.failed; i++) {
        const char *sec = secrets->items[i];
        size_t slen = strlen(sec);
        if (slen < KC_REDACT_MIN || !strstr(out.data, sec)) continue;
        kc_buf next = KC_BUF_INIT;
        const char *p = out.data;
        for (const char *at = strstr(p, sec); at; at = strstr(p, sec)) {
            kc_buf_append(&next, p, (size_t)(at - p));
            kc_buf_puts(&next, "[hidden]");
            p = at + slen;
        }
        kc_buf_puts(&next, p);
        kc_buf_free(&out);
        out = next;
    }
    return kc_buf_detach(&out); /* NULL after a failure: nothing rather than the secret */
}

int kc_redact(char *buf, size_t size, const kc_strlist *secrets) {
    size_t i = 0;
    while (secrets && i < secrets->len && (strlen(secrets->items[i]) < KC_REDACT_MIN || !strstr(buf, secrets->items[i])))
        i++;
    if (!secrets || i == secrets->len) return 0; /* the common case: nothing to mask, nothing allocated */
    char *r = kc_redacted(buf, secrets);
    int changed = !r || strcmp(r, buf) != 0;
    if (!r) buf[0] = '\0';
    else if (changed) snprintf(buf, size, "%s", r);
    free(r);
    return changed;
}

int kc_strlist_redact(kc_strlist *l, size_t from, const kc_strlist *secrets) {
    for (size_t i = from; secrets && secrets->len && i < l->len; i++) {
        char *r = kc_redacted(l->items[i], secrets);
        if (!r) {
            l->items[i][0] = '\0';
            return KC_ENOMEM;
        }
        free(l->items[i]);
        l->items[i] = r;
    }
    return KC_OK;
}
