/* ExtractField$Key / $Value: replaces the key or value by one of its fields. Schemaless: a map
 * lookup (missing -> null); with a schema, an unknown field is an error. field.syntax.version
 * V2 reads dotted paths (a.b.c, `quoted.names`). Null stays null. */
#include <stdio.h>

#include "transform_common.h"

static const char *const syntax[] = {"V1", "V2", NULL};

static const kc_config_def config[] = {
    {"field", KC_CFG_STRING, NULL, KC_CFG_F_REQUIRED, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Field name to extract.", NULL, NULL},
    {"field.syntax.version", KC_CFG_ENUM, "V1", 0, 0, 0, syntax, KC_IMPORTANCE_LOW, NULL,
     "V1: the field name as is; V2: dotted paths with backticks to escape dots.", NULL, NULL},
    {"replace.null.with.default", KC_CFG_BOOL, "true", 0, 0, 0, NULL, KC_IMPORTANCE_MEDIUM, NULL,
     "Whether to replace fields that have a default value and that are null to the default value.", NULL, NULL},
    KC_CONFIG_END,
};

typedef struct state {
    int is_key;
    int replace_null; /* replace.null.with.default */
    char **path;
    size_t depth;
} state;

static void close_state(void *p) {
    state *s = p;
    if (!s) return;
    for (size_t i = 0; i < s->depth; i++) free(s->path[i]);
    free(s->path);
    free(s);
}

static int configure(const kc_config *cfg, int is_key, void **out, kc_error *err) {
    const char *f = host->config_get(cfg, "field"), *v = host->config_get(cfg, "field.syntax.version");
    if (!f) return kc_error_set(err, KC_EINVAL, "Missing required configuration \"field\" which has no default value.");
    state *s = calloc(1, sizeof *s);
    s->path = calloc(strlen(f) + 1, sizeof(char *));
    if (!s || !s->path) {
        close_state(s);
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    }
    s->is_key = is_key;
    s->replace_null = replace_null_option(cfg);
    if (!v || strcmp(v, "V2")) {
        s->path[s->depth++] = strdup(f);
    } else { /* a.b.`c.d` */
        const char *p = f;
        while (*p) {
            char seg[512];
            size_t n = 0;
            if (*p == '`') {
                p++;
                while (*p && *p != '`' && n < sizeof seg - 1) seg[n++] = *p++;
                if (*p == '`') p++;
            } else {
                while (*p && *p != '.' && n < sizeof seg - 1) seg[n++] = *p++;
            }
            seg[n] = '\0';
            s->path[s->depth++] = strdup(seg);
            if (*p == '.') p++;
        }
    }
    *out = s;
    return KC_OK;
}

static int apply(void *p, kc_record *r, kc_error *err) {
    state *s = p;
    record_part part = part_of(r, s->is_key);
    if (s->replace_null && fill_null_defaults(part.value, *part.schema))
        return kc_error_set(err, KC_ENOMEM, "out of memory");
    kc_schema *schema = *part.schema;
    kc_value *v = part.value;
    const kc_schema *fs = schema;
    if (schema ? schema->type != KC_SCHEMA_STRUCT : (v->type != KC_VAL_MAP && v->type != KC_VAL_NULL))
        return kc_error_set(err, KC_EINVAL, "Only %s objects supported for [field extraction], found: %s",
                            schema ? "Struct" : "Map", kind_name(v->type));
    const kc_value *cur = v;
    for (size_t d = 0; d < s->depth; d++) {
        if (fs && !(fs = struct_field_schema(fs, s->path[d], NULL)))
            return kc_error_set(err, KC_EINVAL, "%s is not a valid field name", s->path[d]);
        cur = cur && (cur->type == KC_VAL_MAP || cur->type == KC_VAL_STRUCT) ? host->map_get_str(cur, s->path[d]) : NULL;
    }
    kc_value extracted = {0};
    if (cur && host->value_copy(&extracted, cur)) return kc_error_set(err, KC_ENOMEM, "out of memory");
    host->value_clear(v);
    *v = extracted;
    if (schema) {
        *part.schema = host->schema_retain((kc_schema *)fs);
        host->schema_release(schema);
    }
    return KC_KEEP;
}

static const kc_transform_ops ops = {configure, apply, close_state};

KC_TRANSFORM_PLUGIN("extract-field", "Replace the key or value by one field",
    "org.apache.kafka.connect.transforms.ExtractField$Value", "org.apache.kafka.connect.transforms.ExtractField$Key")
