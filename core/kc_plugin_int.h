/* kc_plugin_int.h - the plugin registry: built-in plugins plus shared objects found on
 * plugin.path, each checked before any of its code beyond the describe function runs. */
#ifndef KC_PLUGIN_INT_H
#define KC_PLUGIN_INT_H

#include <kc/kc_plugin.h>

#include "kc_config_int.h"

typedef struct kc_plugin {
    const kc_plugin_desc *desc;
    char *path; /* NULL for built-ins */
    void *dl;
} kc_plugin;

typedef struct kc_registry {
    kc_plugin *items;
    size_t len, cap;
    kc_strlist searched; /* the plugin.path folders, for "not found" messages */
} kc_registry;

extern const kc_host_api kc_host;

/* Checks a descriptor as the loader does; `path` names the file in the message. */
int kc_plugin_check(const kc_plugin_desc *d, const char *path, kc_error *err);

void kc_registry_init(kc_registry *r);
void kc_registry_free(kc_registry *r);
int kc_registry_add_builtin(kc_registry *r, const kc_plugin_desc *d, kc_error *err);
/* Loads one shared object. */
int kc_registry_load_file(kc_registry *r, const char *path, kc_error *err);
/* Loads every *.so in each folder of a comma-separated plugin.path (recursing one level, so
 * a folder per plugin works). Load failures are refused loudly (returned in errors); the
 * other plugins still load. */
int kc_registry_load_path(kc_registry *r, const char *plugin_path, kc_strlist *errors);
/* Finds a plugin by name, Java class name, simple class name, or simple name without its
 * "Connector" suffix. kind 0 matches any kind. */
const kc_plugin *kc_registry_find(const kc_registry *r, const char *name, int kind);
const char *kc_plugin_kind_name(kc_plugin_kind k);
/* Connect's class name for a plugin: its first alias, else its name. */
const char *kc_plugin_class(const kc_plugin *p);
/* The task.class Connect's worker adds to each task config: the connector's class with Connector
 * turned into Task (the file connectors' FileStreamSinkTask), else the class itself. */
void kc_plugin_task_class(const kc_plugin *p, char *buf, size_t size);
/* KC_PLUGIN_* capability flags (0 for an ABI 1.0 descriptor). */
uint32_t kc_plugin_flags(const kc_plugin *p);

/* The folder holding installed plugins, relative to the running binary (../lib/kcd/plugins). */
char *kc_default_plugin_path(void);

#endif
