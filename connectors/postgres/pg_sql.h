/* pg_sql.h - the postgres sink's pure parts: connection URL translation, identifier quoting,
 * column types (the JDBC sink's mapping, and inference for schemaless values) and the COPY
 * text encoding of values. No libpq here: all of it is unit-tested and fuzzed on its own. */
#ifndef PG_SQL_H
#define PG_SQL_H

#include <kc/kc_plugin.h>
#include <stddef.h>

#include "../common/strbuf.h"

/* connection.url as libpq takes it. jdbc:postgresql://host[:port]/[db][?k=v&...] becomes a
 * postgresql:// URL keeping the parameters libpq knows (user, password, sslmode, ...), mapping
 * ssl=true to sslmode=require and currentSchema to options=-c search_path=...; other JDBC-only
 * parameters are dropped and listed in *dropped (comma-separated, may be NULL). libpq URLs and
 * key=value conninfo strings pass unchanged. KC_EINVAL with a message for anything else. */
int pg_url_from_jdbc(const char *url, char **libpq_out, char **dropped, kc_error *err);

/* Column types the sink creates (the JDBC sink's PostgreSQL mapping, plus arrays and jsonb). */
typedef enum pg_type {
    PG_UNKNOWN = 0, /* only NULLs seen: created as TEXT */
    PG_SMALLINT,
    PG_INT,
    PG_BIGINT,
    PG_REAL,
    PG_DOUBLE,
    PG_BOOLEAN,
    PG_TEXT,
    PG_BYTEA,
    PG_NUMERIC,
    PG_DATE,
    PG_TIME,
    PG_TIMESTAMP,
    PG_JSONB
} pg_type;

typedef struct pg_coltype {
    pg_type base;
    int array; /* base[] */
} pg_coltype;

/* SQL spelling, e.g. "DOUBLE PRECISION", "TEXT[]". */
const char *pg_type_sql(pg_coltype t);
/* The type for a field with a Connect schema. */
pg_coltype pg_type_of_schema(const kc_schema *s);
/* The type inferred from a schemaless value (NULL gives PG_UNKNOWN). */
pg_coltype pg_type_of_value(const kc_value *v);

/* Appends an identifier: quoted ("a""b") when quote, else as it is; a dotted table name is
 * quoted per part ("schema"."table"). */
void pg_ident(strbuf *b, const char *name, int quote, int dotted);
/* PostgreSQL keeps NAMEDATALEN - 1 bytes of an identifier and silently cuts the rest. */
#define PG_IDENT_MAX 63
/* 0 when name (each dotted part when dotted) can be written as an identifier: 1 to 63 bytes, and
 * with quote off a plain identifier (it goes into SQL as it is). Else -1 and why, naming it. */
int pg_ident_check(const char *name, int quote, int dotted, char *why, size_t why_size);

/* Appends v as one field of COPY's text format for a column of type t: \N for NULL, the
 * escapes COPY needs, arrays as {..} literals, maps/structs/nested arrays as JSON, bytes as
 * \\x hex, timestamps as UTC with +00 (the staging column is timestamptz), NUL characters
 * dropped (as the JDBC sink strips them). host supplies value_to_text and decimal text. */
int pg_copy_field(strbuf *b, const kc_value *v, pg_coltype t, const kc_host_api *host);

/* The plain text of a value as PostgreSQL reads it for type t (no COPY escaping): for
 * parameters and literals. */
int pg_value_text(strbuf *b, const kc_value *v, pg_coltype t, const kc_host_api *host);

/* The PostgreSQL type behind the database's own spelling (format_type), e.g. "text[]". */
pg_coltype pg_type_of_sql(const char *sql_type);

/* A put()'s rows grouped by kind (table and column list), each kind's rows in their order, so
 * that one statement writes each kind: interleaved kinds (a topic per frame subtype, each with
 * its own fields) otherwise cut a put() into runs of a few rows, a round trip each. Rows of
 * different keys commute; rows of one key must not, so nothing moves when a key repeats
 * (keys[i] NULL: a row without a key, which repeats nothing). kind[i] < nkinds. Fills order[]
 * with the rows' indexes in the new order and returns 1; 0 when the order stays (one kind, a
 * key repeats); -1 out of memory (the order stays). */
int pg_group_by_kind(size_t n, const unsigned *kind, unsigned nkinds, const char *const *keys, size_t *order);

#endif
