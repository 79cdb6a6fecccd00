/* kc_value_int.h - the worker's implementation of values, schemas and records.
 * The same functions are handed to plugins through kc_host_api. */
#ifndef KC_VALUE_INT_H
#define KC_VALUE_INT_H

#include <kc/kc_plugin.h>

void kc_value_clear(kc_value *v);
int kc_value_copy(kc_value *dst, const kc_value *src);
int kc_value_set_string(kc_value *v, const char *s, size_t len);
int kc_value_set_cstr(kc_value *v, const char *s);
int kc_value_set_bytes(kc_value *v, const void *data, size_t len);
void kc_value_init_array(kc_value *v);
void kc_value_init_map(kc_value *v);
void kc_value_init_struct(kc_value *v);
int kc_array_push(kc_value *array, kc_value *item);
int kc_value_reserve(kc_value *v, size_t n);
int kc_map_put(kc_value *map, kc_value *key, kc_value *val);
/* Appends without looking for the key: the caller knows it is new (parsers). */
int kc_map_append(kc_value *map, kc_value *key, kc_value *val);
int kc_map_put_str(kc_value *map, const char *key, kc_value *val);
const kc_value *kc_map_get_str(const kc_value *map, const char *key);
int kc_value_equal(const kc_value *a, const kc_value *b);
char *kc_value_to_text(const kc_value *v);

static inline void kc_value_set_int(kc_value *v, int64_t i) { v->type = KC_VAL_INT; v->u.i = i; }
static inline void kc_value_set_bool(kc_value *v, int b) { v->type = KC_VAL_BOOL; v->u.b = !!b; }
static inline void kc_value_set_double(kc_value *v, double d) { v->type = KC_VAL_DOUBLE; v->u.d = d; }

kc_schema *kc_schema_new(kc_stype type, int optional);
kc_schema *kc_schema_retain(kc_schema *s);
void kc_schema_release(kc_schema *s);
int kc_schema_set_name(kc_schema *s, const char *name);
int kc_schema_add_param(kc_schema *s, const char *key, const char *value);
const char *kc_schema_param(const kc_schema *s, const char *key);
int kc_schema_add_field(kc_schema *s, const char *name, kc_schema *field /* moved */);
int kc_schema_equal(const kc_schema *a, const kc_schema *b);
const char *kc_stype_name(kc_stype t);

kc_record *kc_record_new(void);
kc_record *kc_record_retain(kc_record *r);
void kc_record_release(kc_record *r);
int kc_record_set_topic(kc_record *r, const char *topic);
int kc_record_add_header(kc_record *r, const char *key, kc_schema *schema, kc_value *value);
int kc_records_push(kc_records *list, kc_record *r);
void kc_records_clear(kc_records *list); /* releases every record, keeps the array */
void kc_records_free(kc_records *list);

#endif
