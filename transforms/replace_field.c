/* ReplaceField$Key / $Value: keep or drop fields (include/exclude, with the deprecated
 * whitelist/blacklist spellings) and rename them (renames=old:new,...). Tombstones pass. */
#include <stdio.h>

#include "transform_common.h"

static int check_renames(const char *key, const char *value, char *msg, size_t n) {
    str_list l;
    if (list_parse(value, &l)) return -1;
    for (size_t i = 0; i < l.len; i++) {
        const char *colon = strchr(l.items[i], ':');
        if (!colon || colon == l.items[i] || !colon[1] || strchr(colon + 1, ':')) {
            snprintf(msg, n, "Invalid value %s for configuration %s: Invalid rename mapping: %s", value, key,
                     l.items[i]);
            list_free(&l);
            return -1;
        }
    }
    list_free(&l);
    return 0;
}

static const kc_config_def config[] = {
    {"exclude", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Fields to exclude. This takes precedence over the fields to include.", NULL, NULL},
    {"include", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Fields to include. If specified, only these fields will be used.", NULL, NULL},
    {"renames", KC_CFG_LIST, "", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Field rename mappings, as old:new,...", NULL, check_renames},
    {"blacklist", KC_CFG_LIST, NULL, KC_CFG_F_DEPRECATED, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "Deprecated spelling of exclude (removed in Kafka 4.0; kcd still takes it).", "exclude", NULL},
    {"whitelist", KC_CFG_LIST, NULL, KC_CFG_F_DEPRECATED, 0, 0, NULL, KC_IMPORTANCE_LOW, NULL,
     "Deprecated spelling of include (removed in Kafka 4.0; kcd still takes it).", "include", NULL},
    {"replace.null.with.default", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Whether to replace fields that have a default value and that are null to the default value.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    int is_key;
    int replace_null; /* replace.null.with.default */
    str_list exclude, include, from, to;
    schema_cache cache;
} state;

static const char *deprecated(const kc_config *cfg, const char *now, const char *old) {
    const char *v = host->config_get(cfg, now);
    return v && *v ? v : host->config_get(cfg, old);
}

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    list_free(&s->exclude);
    list_free(&s->include);
    list_free(&s->from);
    list_free(&s->to);
    cache_clear(&s->cache);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    state *s = calloc(1, sizeof *s);
    if (!s) return kc_error_set(err, KC_ENOMEM, "out of memory");
    s->is_key = is_key;
    s->replace_null = replace_null_option(cfg);
    str_list renames;
    char msg[512];
    const char *r = host->config_get(cfg, "renames");
    if (r && check_renames("renames", r, msg, sizeof msg)) {
        close_state(s);
        return kc_error_set(err, KC_EINVAL, "%s", msg);
    }
    if (list_parse(deprecated(cfg, "exclude", "blacklist"), &s->exclude) ||
        list_parse(deprecated(cfg, "include", "whitelist"), &s->include) || list_parse(r, &renames)) {
        close_state(s);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    s->from.items = calloc(renames.len + 1, sizeof(char *));
    s->to.items = calloc(renames.len + 1, sizeof(char *));
    for (size_t i = 0; i < renames.len; i++) {
        char *colon = strchr(renames.items[i], ':');
        *colon = '\0';
        s->from.items[s->from.len++] = strdup(renames.items[i]);
        s->to.items[s->to.len++] = strdup(colon + 1);
    }
    list_free(&renames);
    *out = s;
    return KC_OK;
}

static int keep(const state *s, const char *name) {
    return !list_has(&s->exclude, name) && (!s->include.len || list_has(&s->include, name));
}

static const char *renamed(const state *s, const char *name) {
    for (size_t i = 0; i < s->from.len; i++)
        if (!strcmp(s->from.items[i], name)) return s->to.items[i];
    return name;
}

static kc_schema *build_schema(state *s, const kc_schema *in) {
    kc_schema *out = cache_get(&s->cache, in);
    if (out) return out;
    if (!(out = struct_like(in))) return NULL;
    for (size_t i = 0; i < in->nfields; i++)
        if (keep(s, in->fields[i].name))
            host->schema_add_field(out, renamed(s, in->fields[i].name), host->schema_retain(in->fields[i].schema));
    cache_put(&s->cache, in, out);
    return out;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    record_part part = part_of(r, s->is_key);
    if (s->replace_null && fill_null_defaults(part.value, *part.schema))
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    kc_value *v = part.value;
    if (v->type == KC_VAL_NULL) return KC_KEEP; /* tombstones pass through */
    const kc_schema *schema = *part.schema;
    if (schema && schema->type != KC_SCHEMA_STRUCT)
        return kc_error_set(err, KC_EINVAL, "Only Struct objects supported for [field replacement], found: %s",
                            kind_name(v->type));
    if (!schema && v->type != KC_VAL_MAP)
        return kc_error_set(err, KC_EINVAL, "Only Map objects supported in absence of schema for [field "
                            "replacement], found: %s", kind_name(v->type));
    /* Keys and values move into the new map; only renamed keys are new strings. */
    kc_value out;
    if (schema) host->value_init_struct(&out);
    else host->value_init_map(&out);
    if (host->value_reserve(&out, v->u.map.len)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    for (size_t i = 0; i < v->u.map.len; i++) {
        kc_entry *e = &v->u.map.items[i];
        if (e->key.type != KC_VAL_STRING || !keep(s, e->key.u.str.ptr)) continue;
        const char *to = renamed(s, e->key.u.str.ptr);
        kc_entry *o = &out.u.map.items[out.u.map.len];
        if (to != e->key.u.str.ptr) {
            kc_value k = {0};
            if (host->value_set_string(&k, to, strlen(to))) {
                host->value_clear(&out);
                return kc_error_set(err, KC_ENOMEM, "out of memory");
            }
            host->value_clear(&e->key);
            e->key = k;
        }
        o->key = e->key; /* keys are distinct already: no duplicate check needed */
        o->val = e->val;
        memset(&e->key, 0, sizeof e->key);
        memset(&e->val, 0, sizeof e->val);
        out.u.map.len++;
    }
    if (schema) {
        kc_schema *ns = build_schema(s, schema);
        if (!ns) {
            host->value_clear(&out);
            return kc_error_set(err, KC_ENOMEM, "out of memory");
        }
        host->schema_release(*part.schema);
        *part.schema = ns;
    }
    host->value_clear(v);
    *v = out;
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("replace-field", "Filter or rename fields of the key or value",
    "org.apache.kafka.connect.transforms.ReplaceField$Value", "org.apache.kafka.connect.transforms.ReplaceField$Key")
