/* kc_offset_store.h - source offsets, keyed as Connect keys them: the JSON bytes of
 * ["<connector>", {<source partition>}] mapping to the JSON bytes of the offset map.
 *
 * The standalone store keeps them in a file that is replaced atomically (write, fsync,
 * rename), so a kill -9 leaves either the old or the new set, never a torn one. Connect's own
 * file is a Java-serialized HashMap; kcd's is JSON (see README, "Differences"). */
#ifndef KC_OFFSET_STORE_H
#define KC_OFFSET_STORE_H

#include <kc/kc_plugin.h>

#include "kc_config_int.h"

typedef struct kc_offset_store kc_offset_store;

/* path NULL: memory only (the embedded default when no file is configured). */
kc_offset_store *kc_offset_store_open(const char *path, kc_error *err);
void kc_offset_store_close(kc_offset_store *s);
/* The key bytes of one source partition: ["connector",{partition}] (handed over). */
char *kc_offset_store_key(const char *connector, const kc_value *partition);
/* What every key of the connector starts with: ["connector", (handed over). */
char *kc_offset_store_key_prefix(const char *connector);
/* KC_ENOTFOUND when nothing is stored for that partition. */
int kc_offset_store_get(kc_offset_store *s, const char *connector, const kc_value *partition, kc_value *offset);
/* Stages an offset (NULL offset: delete); kc_offset_store_flush makes staged offsets durable. */
int kc_offset_store_put(kc_offset_store *s, const char *connector, const kc_value *partition,
                        const kc_value *offset);
int kc_offset_store_flush(kc_offset_store *s, kc_error *err);
/* Records an offset that is already durable elsewhere (committed in a transaction). */
int kc_offset_store_put_durable(kc_offset_store *s, const char *connector, const kc_value *partition,
                                const kc_value *offset);
/* Loads one entry read back from the offsets topic (value NULL: tombstone, removes it). */
int kc_offset_store_load_entry(kc_offset_store *s, const char *key, size_t key_len, const char *value,
                               size_t value_len);
/* Writes changed entries somewhere durable (value NULL: write a tombstone); all or error. */
typedef int (*kc_offset_writer_fn)(void *opaque, const char *const *keys, const char *const *values, size_t n,
                                   kc_error *err);
/* With a writer, flush() hands it the changed entries instead of writing the file. */
void kc_offset_store_set_writer(kc_offset_store *s, kc_offset_writer_fn writer, void *opaque);
/* The stored entries of one connector as JSON text: keys ["connector",{partition}], values. */
int kc_offset_store_list(kc_offset_store *s, const char *connector, kc_strlist *keys, kc_strlist *values);

#endif
