/* plugin.c - plugin loader and registry. */
#define _GNU_SOURCE
#include "kc_plugin_int.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kc_log.h"

/* The descriptor size of ABI 1.0; a plugin of a later minor may only be larger. */
#define KC_PLUGIN_DESC_SIZE_1_0 (offsetof(kc_plugin_desc, converter) + sizeof(void *))

const char *kc_plugin_kind_name(kc_plugin_kind k) {
    switch (k) {
    case KC_PLUGIN_SOURCE: return "source";
    case KC_PLUGIN_SINK: return "sink";
    case KC_PLUGIN_TRANSFORM: return "transformation";
    case KC_PLUGIN_PREDICATE: return "predicate";
    case KC_PLUGIN_CONVERTER: return "converter";
    case KC_PLUGIN_HEADER_CONVERTER: return "header_converter";
    }
    return "unknown";
}

int kc_plugin_check(const kc_plugin_desc *d, const char *path, kc_error *err) {
    if (!d) return kc_error_set(err, KC_EABI, "plugin %s: kc_plugin_describe() returned NULL", path);
    if (d->magic != KC_PLUGIN_MAGIC)
        return kc_error_set(err, KC_EABI, "plugin %s: bad magic 0x%08x (expected 0x%08x): not a kcd plugin", path,
                            d->magic, KC_PLUGIN_MAGIC);
    if (d->abi_major != KC_ABI_MAJOR)
        return kc_error_set(err, KC_EABI,
                            "plugin %s: incompatible ABI: plugin built for ABI %u.%u, kcd provides ABI %u.%u "
                            "(major versions differ)",
                            path, d->abi_major, d->abi_minor, KC_ABI_MAJOR, KC_ABI_MINOR);
    if (d->abi_minor > KC_ABI_MINOR)
        return kc_error_set(err, KC_EABI,
                            "plugin %s: plugin needs ABI %u.%u, kcd provides only ABI %u.%u (upgrade kcd)", path,
                            d->abi_major, d->abi_minor, KC_ABI_MAJOR, KC_ABI_MINOR);
    if (d->struct_size < KC_PLUGIN_DESC_SIZE_1_0 || d->struct_size > sizeof(kc_plugin_desc))
        return kc_error_set(err, KC_EABI, "plugin %s: descriptor size %u does not match ABI %u.%u (expected %zu)",
                            path, d->struct_size, d->abi_major, d->abi_minor, sizeof(kc_plugin_desc));
    if (!d->name || !*d->name) return kc_error_set(err, KC_EABI, "plugin %s: descriptor has no name", path);
    int ok;
    switch (d->kind) {
    case KC_PLUGIN_SOURCE: ok = d->connector && d->source && d->source->start && d->source->poll; break;
    case KC_PLUGIN_SINK: ok = d->connector && d->sink && d->sink->start && d->sink->put && d->sink->flush; break;
    case KC_PLUGIN_TRANSFORM: ok = d->transform && d->transform->apply; break;
    case KC_PLUGIN_PREDICATE: ok = d->predicate && d->predicate->test; break;
    case KC_PLUGIN_CONVERTER:
    case KC_PLUGIN_HEADER_CONVERTER:
        ok = d->converter && d->converter->from_connect && d->converter->to_connect;
        break;
    default: ok = 0;
    }
    if (!ok)
        return kc_error_set(err, KC_EABI, "plugin %s (%s): kind %d lacks its required callbacks", path, d->name,
                            (int)d->kind);
    for (const kc_config_def *c = d->config; c && c->name; c++)
        if (c->type == KC_CFG_ENUM && !c->enum_values)
            return kc_error_set(err, KC_EABI, "plugin %s: config %s is an ENUM without values", path, c->name);
    return KC_OK;
}

void kc_registry_init(kc_registry *r) { memset(r, 0, sizeof *r); }

void kc_registry_free(kc_registry *r) {
    /* Shared objects are never unloaded (as PostgreSQL): threads may still hold their code. */
    for (size_t i = 0; i < r->len; i++) free(r->items[i].path);
    free(r->items);
    kc_strlist_free(&r->searched);
    memset(r, 0, sizeof *r);
}

static int add(kc_registry *r, const kc_plugin_desc *d, const char *path, void *dl, kc_error *err) {
    for (size_t i = 0; i < r->len; i++)
        if (strcmp(r->items[i].desc->name, d->name) == 0 && r->items[i].desc->kind == d->kind)
            return kc_error_set(err, KC_EINVAL, "plugin %s: a %s plugin named %s is already loaded from %s",
                                path ? path : "(built-in)", kc_plugin_kind_name(d->kind), d->name,
                                r->items[i].path ? r->items[i].path : "(built-in)");
    if (d->init) {
        int rc = d->init(&kc_host, err);
        if (rc) return rc;
    }
    if (r->len == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 16;
        kc_plugin *p = realloc(r->items, ncap * sizeof *p);
        if (!p) return kc_error_set(err, KC_ENOMEM, "out of memory");
        r->items = p;
        r->cap = ncap;
    }
    r->items[r->len].desc = d;
    r->items[r->len].path = path ? strdup(path) : NULL;
    r->items[r->len].dl = dl;
    r->len++;
    return KC_OK;
}

int kc_registry_add_builtin(kc_registry *r, const kc_plugin_desc *d, kc_error *err) {
    int rc = kc_plugin_check(d, "(built-in)", err);
    return rc ? rc : add(r, d, NULL, NULL, err);
}

int kc_registry_load_file(kc_registry *r, const char *path, kc_error *err) {
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) return kc_error_set(err, KC_EABI, "plugin %s: cannot load: %s", path, dlerror());
    kc_plugin_describe_fn fn;
    *(void **)&fn = dlsym(dl, KC_PLUGIN_DESCRIBE_SYMBOL);
    if (!fn) {
        dlclose(dl);
        return kc_error_set(err, KC_EABI, "plugin %s: missing %s(): not a kcd plugin", path,
                            KC_PLUGIN_DESCRIBE_SYMBOL);
    }
    const kc_plugin_desc *d = fn();
    int rc = kc_plugin_check(d, path, err);
    if (rc == KC_OK) rc = add(r, d, path, dl, err);
    if (rc) dlclose(dl);
    return rc;
}

static int has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void load_dir(kc_registry *r, const char *dir, int depth, kc_strlist *errors) {
    DIR *d = opendir(dir);
    if (!d) {
        if (errors) kc_note(errors, "plugin.path folder %s: %s", dir, strerror(errno));
        return;
    }
    kc_strlist names = {0};
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && kc_strlist_add(&names, e->d_name)) {
            if (errors) kc_note(errors, "plugin.path folder %s: out of memory", dir);
            break;
        }
    closedir(d);
    qsort(names.items, names.len, sizeof(char *), cmp_str); /* deterministic load order */
    for (size_t i = 0; i < names.len; i++) {
        char full[PATH_MAX];
        snprintf(full, sizeof full, "%s/%s", dir, names.items[i]);
        struct stat st;
        if (stat(full, &st)) continue;
        if (S_ISDIR(st.st_mode) && depth < 1) {
            load_dir(r, full, depth + 1, errors);
        } else if (S_ISREG(st.st_mode) && has_suffix(names.items[i], ".so")) {
            kc_error err;
            if (kc_registry_load_file(r, full, &err)) {
                KC_ERROR("PluginLoader", "refused %s", err.msg);
                if (errors) kc_note(errors, "%s", err.msg);
            }
        }
    }
    kc_strlist_free(&names);
}

int kc_registry_load_path(kc_registry *r, const char *plugin_path, kc_strlist *errors) {
    kc_strlist dirs = {0};
    int rc = kc_list_split(plugin_path, &dirs);
    for (size_t i = 0; i < dirs.len && !rc; i++) {
        rc = kc_strlist_add(&r->searched, dirs.items[i]);
        if (!rc) load_dir(r, dirs.items[i], 0, errors);
    }
    if (rc && errors) kc_note(errors, "plugin.path: out of memory");
    kc_strlist_free(&dirs);
    return rc;
}

static int name_matches(const char *candidate, const char *want) {
    if (strcmp(candidate, want) == 0) return 1;
    const char *simple = strrchr(candidate, '.');
    simple = simple ? simple + 1 : candidate;
    if (strcmp(simple, want) == 0) return 1;
    /* FileStreamSinkConnector is also FileStreamSink, as Connect's plugin aliases allow */
    size_t n = strlen(simple), w = strlen(want);
    return has_suffix(simple, "Connector") && n - 9 == w && strncmp(simple, want, w) == 0;
}

const kc_plugin *kc_registry_find(const kc_registry *r, const char *name, int kind) {
    if (!name) return NULL;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->len; i++) {
            const kc_plugin_desc *d = r->items[i].desc;
            if (kind && (int)d->kind != kind) continue;
            if (pass == 0 && strcmp(d->name, name) == 0) return &r->items[i];
            for (const char *const *a = d->aliases; pass == 1 && a && *a; a++)
                if (name_matches(*a, name)) return &r->items[i];
        }
    return NULL;
}

uint32_t kc_plugin_flags(const kc_plugin *p) {
    const kc_plugin_desc *d = p->desc; /* a 1.0 descriptor ends before flags */
    return d->struct_size >= offsetof(kc_plugin_desc, flags) + sizeof d->flags ? d->flags : 0;
}

const char *kc_plugin_class(const kc_plugin *p) {
    return p->desc->aliases && p->desc->aliases[0] ? p->desc->aliases[0] : p->desc->name;
}

void kc_plugin_task_class(const kc_plugin *p, char *buf, size_t size) {
    const char *cls = kc_plugin_class(p);
    size_t n = strlen(cls);
    if (n > 9 && !strcmp(cls + n - 9, "Connector")) snprintf(buf, size, "%.*sTask", (int)(n - 9), cls);
    else snprintf(buf, size, "%s", cls);
}

char *kc_default_plugin_path(void) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return strdup("lib/kcd/plugins");
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    char *out = NULL;
    if (asprintf(&out, "%s/../lib/kcd/plugins", exe) < 0) return NULL;
    char real[PATH_MAX];
    if (realpath(out, real)) {
        free(out);
        return strdup(real);
    }
    return out;
}
