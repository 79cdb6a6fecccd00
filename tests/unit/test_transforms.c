/* The transform and predicate plugins, table-driven: each case is a connector config (as Java
 * properties), an input record (as `kcd transform` reads it) and the expected output record,
 * DROP, or an error fragment. The chain is the worker's own (kc_transform_chain). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kc_record_json.h"
#include "kc_value_int.h"
#include "kc_worker_int.h"

static kc_registry reg;

typedef struct tcase {
    const char *name;
    const char *config; /* properties text */
    const char *input;  /* record JSON */
    const char *expect; /* record JSON, "DROP", "ERROR:<fragment>" or "CONFIG:<fragment>" */
} tcase;

#define REC(v) "{\"topic\":\"t\",\"partition\":1,\"offset\":7,\"timestamp\":1582930282000,\"key\":\"k\",\"value\":" v "}"
#define OUT(v) "{\"topic\":\"t\",\"partition\":1,\"offset\":7,\"timestamp\":1582930282000,\"key\":\"k\",\"value\":" v "}"
#define T(alias, cls) "transforms=" alias "\ntransforms." alias ".type=org.apache.kafka.connect.transforms." cls "\n"
#define STRUCT_DEF "{\"type\":\"struct\",\"optional\":false,\"fields\":[{\"type\":\"int32\",\"optional\":true,\"default\":7,\"field\":\"a\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"b\"}]}"
#define STRUCT_AB "{\"type\":\"struct\",\"optional\":false,\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"a\"},{\"type\":\"string\",\"optional\":true,\"field\":\"b\"}]}"

static const tcase cases[] = {
    /* ReplaceField */
    {"replace exclude", T("r", "ReplaceField$Value") "transforms.r.exclude=b\n", REC("{\"a\":1,\"b\":2}"), OUT("{\"a\":1}")},
    {"replace include", T("r", "ReplaceField$Value") "transforms.r.include=a,c\n", REC("{\"a\":1,\"b\":2}"), OUT("{\"a\":1}")},
    {"replace exclude wins over include", T("r", "ReplaceField$Value") "transforms.r.include=a,b\ntransforms.r.exclude=a\n",
     REC("{\"a\":1,\"b\":2}"), OUT("{\"b\":2}")},
    {"replace renames", T("r", "ReplaceField$Value") "transforms.r.renames=a:x,b:y\n", REC("{\"a\":1,\"b\":2}"),
     OUT("{\"x\":1,\"y\":2}")},
    {"replace deprecated blacklist", T("r", "ReplaceField$Value") "transforms.r.blacklist=b\n", REC("{\"a\":1,\"b\":2}"),
     OUT("{\"a\":1}")},
    {"replace deprecated whitelist", T("r", "ReplaceField$Value") "transforms.r.whitelist=b\n", REC("{\"a\":1,\"b\":2}"),
     OUT("{\"b\":2}")},
    {"replace tombstone passes", T("r", "ReplaceField$Value") "transforms.r.exclude=b\n", REC("null"), OUT("null")},
    {"replace key variant", T("r", "ReplaceField$Key") "transforms.r.exclude=b\n",
     "{\"topic\":\"t\",\"key\":{\"a\":1,\"b\":2},\"value\":3}", "{\"topic\":\"t\",\"key\":{\"a\":1},\"value\":3}"},
    {"replace with schema", T("r", "ReplaceField$Value") "transforms.r.exclude=b\ntransforms.r.renames=a:id\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":5,\"b\":\"x\"},\"value_schema\":" STRUCT_AB "}",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"id\":5},\"value_schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"}],\"optional\":false}}"},
    {"replace non-map errors", T("r", "ReplaceField$Value") "transforms.r.exclude=b\n", REC("\"text\""),
     "ERROR:Only Map objects supported in absence of schema"},
    {"replace bad renames", T("r", "ReplaceField$Value") "transforms.r.renames=a\n", REC("{}"), "CONFIG:renames"},
    /* InsertField */
    {"insert all schemaless",
     T("i", "InsertField$Value") "transforms.i.topic.field=tp\ntransforms.i.partition.field=p\ntransforms.i.offset.field=o!\n"
     "transforms.i.timestamp.field=ts?\ntransforms.i.static.field=s\ntransforms.i.static.value=v\n",
     REC("{\"a\":1}"), OUT("{\"a\":1,\"tp\":\"t\",\"p\":1,\"o\":7,\"ts\":1582930282000,\"s\":\"v\"}")},
    {"insert with schema",
     T("i", "InsertField$Value") "transforms.i.timestamp.field=PCAP_TS\ntransforms.i.topic.field=tp!\n",
     "{\"topic\":\"t\",\"timestamp\":1000,\"key\":null,\"value\":{\"a\":5,\"b\":null},\"value_schema\":" STRUCT_AB "}",
     "{\"topic\":\"t\",\"timestamp\":1000,\"key\":null,\"value\":{\"a\":5,\"b\":null,\"tp\":\"t\",\"PCAP_TS\":1000},\"value_schema\":"
     "{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"a\"},{\"type\":\"string\",\"optional\":true,\"field\":\"b\"},"
     "{\"type\":\"string\",\"optional\":false,\"field\":\"tp\"},{\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,\"field\":\"PCAP_TS\"}],\"optional\":false}}"},
    {"insert tombstone passes", T("i", "InsertField$Value") "transforms.i.topic.field=tp\n", REC("null"), OUT("null")},
    {"insert offset on source record", T("i", "InsertField$Value") "transforms.i.offset.field=o\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{}}", "ERROR:Only SinkRecord"},
    {"insert static without value", T("i", "InsertField$Value") "transforms.i.static.field=s\n", REC("{}"), "CONFIG:static.value"},
    {"insert into non-map", T("i", "InsertField$Value") "transforms.i.topic.field=tp\n", REC("[1]"), "ERROR:Only Map objects"},
    /* TimestampConverter */
    {"ts unix to string", T("c", "TimestampConverter$Value") "transforms.c.field=t\ntransforms.c.target.type=string\n"
     "transforms.c.format=yyyy-MM-dd HH:mm:ss.SSS\n", REC("{\"t\":1582930282123}"), OUT("{\"t\":\"2020-02-28 22:51:22.123\"}")},
    {"ts string to unix seconds", T("c", "TimestampConverter$Value") "transforms.c.field=t\ntransforms.c.target.type=unix\n"
     "transforms.c.format=yyyy-MM-dd'T'HH:mm:ssX\ntransforms.c.unix.precision=seconds\n",
     REC("{\"t\":\"2020-02-28T22:51:22Z\"}"), OUT("{\"t\":1582930282}")},
    {"ts string with zone to unix", T("c", "TimestampConverter$Value") "transforms.c.field=t\ntransforms.c.target.type=unix\n"
     "transforms.c.format=yyyyMMddHHmmssZ\n", REC("{\"t\":\"20200228235122+0100\"}"), OUT("{\"t\":1582930282000}")},
    {"ts unix to Date", T("c", "TimestampConverter$Value") "transforms.c.field=t\ntransforms.c.target.type=Date\n",
     REC("{\"t\":1582930282000}"), OUT("{\"t\":18320}")},
    {"ts unix to Time", T("c", "TimestampConverter$Value") "transforms.c.field=t\ntransforms.c.target.type=Time\n",
     REC("{\"t\":1582930282000}"), OUT("{\"t\":82282000}")},
    /* Connect goes through java.util.Date: microseconds come back cut to milliseconds */
    {"ts micros keep millisecond precision", T("c", "TimestampConverter$Value") "transforms.c.target.type=unix\n"
     "transforms.c.unix.precision=microseconds\ntransforms.c.field=t\n", REC("{\"t\":1582930282123456}"),
     OUT("{\"t\":1582930282123000}")},
    {"ts whole value string to Timestamp with schema", T("c", "TimestampConverter$Value") "transforms.c.target.type=Timestamp\n"
     "transforms.c.format=dd/MM/yyyy\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":\"28/02/2020\",\"value_schema\":{\"type\":\"string\",\"optional\":false}}",
     "{\"topic\":\"t\",\"key\":null,\"value\":1582848000000,\"value_schema\":{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1}}"},
    {"ts struct field to Timestamp", T("c", "TimestampConverter$Value") "transforms.c.target.type=Timestamp\ntransforms.c.field=a\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":5,\"b\":null},\"value_schema\":" STRUCT_AB "}",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":5,\"b\":null},\"value_schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,"
     "\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,\"field\":\"a\"},{\"type\":\"string\",\"optional\":true,\"field\":\"b\"}],\"optional\":false}}"},
    {"ts nanos to Timestamp", T("c", "TimestampConverter$Value") "transforms.c.field=t\ntransforms.c.target.type=Timestamp\n"
     "transforms.c.unix.precision=nanoseconds\n", REC("{\"t\":1582930282123456789}"), OUT("{\"t\":1582930282123}")},
    {"ts Timestamp to unix seconds", T("c", "TimestampConverter$Value") "transforms.c.target.type=unix\n"
     "transforms.c.unix.precision=seconds\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":1582930282999,\"value_schema\":{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1}}",
     "{\"topic\":\"t\",\"key\":null,\"value\":1582930282,\"value_schema\":{\"type\":\"int64\",\"optional\":false}}"},
    {"ts null stays null", T("c", "TimestampConverter$Value") "transforms.c.target.type=unix\ntransforms.c.field=t\n",
     REC("{\"t\":null}"), OUT("{\"t\":null}")},
    {"ts unparseable", T("c", "TimestampConverter$Value") "transforms.c.target.type=unix\ntransforms.c.field=t\n"
     "transforms.c.format=yyyy-MM-dd\n", REC("{\"t\":\"Feb 28\"}"), "ERROR:does not match pattern"},
    {"ts string needs format", T("c", "TimestampConverter$Value") "transforms.c.target.type=string\n", REC("{}"), "CONFIG:format"},
    {"ts bad target", T("c", "TimestampConverter$Value") "transforms.c.target.type=epoch\n", REC("{}"), "CONFIG:target.type"},
    {"ts quoted text", T("c", "TimestampConverter$Value") "transforms.c.field=t\ntransforms.c.target.type=string\n"
     "transforms.c.format='day' d 'of' MMM yyyy, HH 'o''clock'\n", REC("{\"t\":1582930282000}"), OUT("{\"t\":\"day 28 of Feb 2020, 22 o'clock\"}")},
    /* Cast */
    {"cast fields schemaless", T("c", "Cast$Value") "transforms.c.spec=a:int8,b:string,c:boolean,d:float64\n",
     REC("{\"a\":300,\"b\":1.5,\"c\":\"true\",\"d\":\"2.5\"}"), OUT("{\"a\":44,\"b\":\"1.5\",\"c\":true,\"d\":2.5}")},
    {"cast whole value", T("c", "Cast$Value") "transforms.c.spec=int32\n", REC("\"42\""), OUT("42")},
    {"cast key variant", T("c", "Cast$Key") "transforms.c.spec=string\n", "{\"topic\":\"t\",\"key\":7,\"value\":1}",
     "{\"topic\":\"t\",\"key\":\"7\",\"value\":1}"},
    {"cast with schema", T("c", "Cast$Value") "transforms.c.spec=a:string\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":5,\"b\":\"x\"},\"value_schema\":" STRUCT_AB "}",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":\"5\",\"b\":\"x\"},\"value_schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"a\"},{\"type\":\"string\",\"optional\":true,\"field\":\"b\"}],\"optional\":false}}"},
    {"cast null passes", T("c", "Cast$Value") "transforms.c.spec=int32\n", REC("null"), OUT("null")},
    {"cast bad spec", T("c", "Cast$Value") "transforms.c.spec=a:uuid\n", REC("{}"), "CONFIG:Invalid cast mapping"},
    {"cast bad string", T("c", "Cast$Value") "transforms.c.spec=a:int32\n", REC("{\"a\":\"x\"}"), "ERROR:Cannot cast string x"},
    {"cast bytes to string", T("c", "Cast$Value") "transforms.c.spec=string\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":\"AP8Q\",\"value_schema\":{\"type\":\"bytes\",\"optional\":false}}",
     "{\"topic\":\"t\",\"key\":null,\"value\":\"AP8Q\",\"value_schema\":{\"type\":\"string\",\"optional\":false}}"},
    {"cast float to int truncates", T("c", "Cast$Value") "transforms.c.spec=a:int32\n", REC("{\"a\":2.9}"), OUT("{\"a\":2}")},
    /* DropHeaders */
    {"drop headers", T("d", "DropHeaders") "transforms.d.headers=a\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":1,\"headers\":[{\"key\":\"a\",\"value\":1},{\"key\":\"b\",\"value\":2},{\"key\":\"a\",\"value\":3}]}",
     "{\"topic\":\"t\",\"key\":null,\"value\":1,\"headers\":[{\"key\":\"b\",\"value\":2}]}"},
    {"drop headers needs names", T("d", "DropHeaders"), REC("1"), "CONFIG:headers"},
    /* ExtractField */
    {"extract field", T("e", "ExtractField$Value") "transforms.e.field=a\n", REC("{\"a\":{\"b\":1}}"), OUT("{\"b\":1}")},
    {"extract missing is null", T("e", "ExtractField$Value") "transforms.e.field=z\n", REC("{\"a\":1}"), OUT("null")},
    {"extract V2 path", T("e", "ExtractField$Value") "transforms.e.field=a.`b.c`\ntransforms.e.field.syntax.version=V2\n",
     REC("{\"a\":{\"b.c\":3}}"), OUT("3")},
    {"extract with schema", T("e", "ExtractField$Value") "transforms.e.field=a\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":5,\"b\":null},\"value_schema\":" STRUCT_AB "}",
     "{\"topic\":\"t\",\"key\":null,\"value\":5,\"value_schema\":{\"type\":\"int64\",\"optional\":false}}"},
    {"extract unknown struct field", T("e", "ExtractField$Value") "transforms.e.field=z\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":5,\"b\":null},\"value_schema\":" STRUCT_AB "}", "ERROR:z is not a valid field name"},
    /* Flatten */
    {"flatten schemaless", T("f", "Flatten$Value"), REC("{\"a\":{\"b\":1,\"c\":{\"d\":2}},\"e\":[1]}"),
     OUT("{\"a.b\":1,\"a.c.d\":2,\"e\":[1]}")},
    {"flatten delimiter", T("f", "Flatten$Value") "transforms.f.delimiter=_\n", REC("{\"a\":{\"b\":1}}"), OUT("{\"a_b\":1}")},
    {"flatten with schema", T("f", "Flatten$Value"),
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"x\":{\"a\":5,\"b\":null}},\"value_schema\":{\"type\":\"struct\",\"optional\":false,\"fields\":[{\"field\":\"x\",\"type\":\"struct\",\"optional\":true,\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"a\"},{\"type\":\"string\",\"optional\":true,\"field\":\"b\"}]}]}}",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"x.a\":5,\"x.b\":null},\"value_schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":true,\"field\":\"x.a\"},{\"type\":\"string\",\"optional\":true,\"field\":\"x.b\"}],\"optional\":false}}"},
    {"flatten null passes", T("f", "Flatten$Value"), REC("null"), OUT("null")},
    /* HeaderFrom */
    {"header from copy", T("h", "HeaderFrom$Value") "transforms.h.fields=a\ntransforms.h.headers=ha\ntransforms.h.operation=copy\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":1,\"b\":2}}",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":1,\"b\":2},\"headers\":[{\"key\":\"ha\",\"value\":1}]}"},
    {"header from move", T("h", "HeaderFrom$Value") "transforms.h.fields=a\ntransforms.h.headers=ha\ntransforms.h.operation=move\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":1,\"b\":2}}",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"b\":2},\"headers\":[{\"key\":\"ha\",\"value\":1}]}"},
    {"header from lengths differ", T("h", "HeaderFrom$Value") "transforms.h.fields=a,b\ntransforms.h.headers=ha\n"
     "transforms.h.operation=copy\n", REC("{}"), "CONFIG:same number of elements"},
    {"header from null value", T("h", "HeaderFrom$Value") "transforms.h.fields=a\ntransforms.h.headers=ha\n"
     "transforms.h.operation=copy\n", REC("null"), "ERROR:HeaderFrom requires"},
    /* HoistField */
    {"hoist schemaless", T("h", "HoistField$Value") "transforms.h.field=x\n", REC("5"), OUT("{\"x\":5}")},
    {"hoist with schema", T("h", "HoistField$Value") "transforms.h.field=x\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":\"s\",\"value_schema\":{\"type\":\"string\",\"optional\":false}}",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"x\":\"s\"},\"value_schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"x\"}],\"optional\":false}}"},
    /* InsertHeader */
    {"insert header int", T("i", "InsertHeader") "transforms.i.header=h\ntransforms.i.value.literal=42\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":1}", "{\"topic\":\"t\",\"key\":null,\"value\":1,\"headers\":[{\"key\":\"h\",\"value\":42}]}"},
    {"insert header text", T("i", "InsertHeader") "transforms.i.header=h\ntransforms.i.value.literal=hello world\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":1}",
     "{\"topic\":\"t\",\"key\":null,\"value\":1,\"headers\":[{\"key\":\"h\",\"value\":\"hello world\"}]}"},
    {"insert header boolean", T("i", "InsertHeader") "transforms.i.header=h\ntransforms.i.value.literal=true\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":1}", "{\"topic\":\"t\",\"key\":null,\"value\":1,\"headers\":[{\"key\":\"h\",\"value\":true}]}"},
    {"insert header array as Connect's Values read it", T("i", "InsertHeader")
     "transforms.i.header=h\ntransforms.i.value.literal=[1, 2.5]\n", "{\"topic\":\"t\",\"key\":null,\"value\":1}",
     "{\"topic\":\"t\",\"key\":null,\"value\":1,\"headers\":[{\"key\":\"h\",\"value\":[1.0,2.5]}]}"},
    {"insert header map", T("i", "InsertHeader") "transforms.i.header=h\ntransforms.i.value.literal={\"a\":1}\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":1}",
     "{\"topic\":\"t\",\"key\":null,\"value\":1,\"headers\":[{\"key\":\"h\",\"value\":{\"a\":1}}]}"},
    /* MaskField */
    {"mask defaults", T("m", "MaskField$Value") "transforms.m.fields=a,b,c,d\n",
     REC("{\"a\":5,\"b\":\"s\",\"c\":true,\"d\":[1],\"e\":9}"), OUT("{\"a\":0,\"b\":\"\",\"c\":false,\"d\":[],\"e\":9}")},
    {"mask replacement", T("m", "MaskField$Value") "transforms.m.fields=b,n\ntransforms.m.replacement=***\n",
     REC("{\"b\":\"secret\",\"n\":null}"), OUT("{\"b\":\"***\",\"n\":null}")},
    {"mask number with text", T("m", "MaskField$Value") "transforms.m.fields=a\ntransforms.m.replacement=x\n",
     REC("{\"a\":5}"), "ERROR:Unable to convert x"},
    {"mask null record", T("m", "MaskField$Value") "transforms.m.fields=a\n", REC("null"), "ERROR:found: null"},
    /* RegexRouter */
    {"regex router", T("r", "RegexRouter") "transforms.r.regex=(.*)-raw\ntransforms.r.replacement=$1-clean\n",
     "{\"topic\":\"pcap-raw\",\"key\":null,\"value\":1}", "{\"topic\":\"pcap-clean\",\"key\":null,\"value\":1}"},
    {"regex router no match", T("r", "RegexRouter") "transforms.r.regex=(.*)-raw\ntransforms.r.replacement=$1\n",
     "{\"topic\":\"pcap-raw2\",\"key\":null,\"value\":1}", "{\"topic\":\"pcap-raw2\",\"key\":null,\"value\":1}"},
    /* SetSchemaMetadata */
    {"set schema metadata", T("s", "SetSchemaMetadata$Value") "transforms.s.schema.name=shop.Order\ntransforms.s.schema.version=3\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":\"x\",\"value_schema\":{\"type\":\"string\",\"optional\":false}}",
     "{\"topic\":\"t\",\"key\":null,\"value\":\"x\",\"value_schema\":{\"type\":\"string\",\"optional\":false,\"name\":\"shop.Order\",\"version\":3}}"},
    {"set schema metadata schemaless", T("s", "SetSchemaMetadata$Value") "transforms.s.schema.name=n\n", REC("1"),
     "ERROR:Schema required"},
    /* TimestampRouter */
    {"timestamp router", T("r", "TimestampRouter"), REC("1"),
     "{\"topic\":\"t-20200228\",\"partition\":1,\"offset\":7,\"timestamp\":1582930282000,\"key\":\"k\",\"value\":1}"},
    {"timestamp router format", T("r", "TimestampRouter") "transforms.r.topic.format=${timestamp}_${topic}\n"
     "transforms.r.timestamp.format=yyyy-MM\n", REC("1"),
     "{\"topic\":\"2020-02_t\",\"partition\":1,\"offset\":7,\"timestamp\":1582930282000,\"key\":\"k\",\"value\":1}"},
    {"timestamp router needs a timestamp", T("r", "TimestampRouter"), "{\"topic\":\"t\",\"key\":null,\"value\":1}",
     "ERROR:Timestamp missing"},
    /* ValueToKey */
    {"value to key", T("v", "ValueToKey") "transforms.v.fields=a\n", "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":1,\"b\":2}}",
     "{\"topic\":\"t\",\"key\":{\"a\":1},\"value\":{\"a\":1,\"b\":2}}"},
    {"value to key with schema", T("v", "ValueToKey") "transforms.v.fields=a\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":5,\"b\":null},\"value_schema\":" STRUCT_AB "}",
     "{\"topic\":\"t\",\"key\":{\"a\":5},\"key_schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"a\"}],\"optional\":false},"
     "\"value\":{\"a\":5,\"b\":null},\"value_schema\":" STRUCT_AB "}"},
    {"value to key null", T("v", "ValueToKey") "transforms.v.fields=a\n", REC("null"), "ERROR:Value is null"},
    /* replace.null.with.default: a null struct field reads as its schema default unless false */
    {"replace null with default", T("r", "ReplaceField$Value") "transforms.r.exclude=b\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":null,\"b\":1},\"value_schema\":" STRUCT_DEF "}",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":7},\"value_schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,\"default\":7,\"field\":\"a\"}],\"optional\":false}}"},
    {"replace null kept", T("r", "ReplaceField$Value") "transforms.r.exclude=b\ntransforms.r.replace.null.with.default=false\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":null,\"b\":1},\"value_schema\":" STRUCT_DEF "}",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":null},\"value_schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,\"default\":7,\"field\":\"a\"}],\"optional\":false}}"},
    {"value to key null default", T("v", "ValueToKey") "transforms.v.fields=a\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":null,\"b\":1},\"value_schema\":" STRUCT_DEF "}",
     "{\"topic\":\"t\",\"key\":{\"a\":7},\"key_schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,\"default\":7,\"field\":\"a\"}],\"optional\":false},"
     "\"value\":{\"a\":7,\"b\":1},\"value_schema\":" STRUCT_DEF "}"},
    /* more bad configs and edge cases */
    {"hoist null", T("h", "HoistField$Value") "transforms.h.field=x\n", REC("null"), OUT("{\"x\":null}")},
    {"insert header needs header", T("i", "InsertHeader") "transforms.i.value.literal=1\n", REC("1"), "CONFIG:header"},
    {"regex router bad regex", T("r", "RegexRouter") "transforms.r.regex=(\ntransforms.r.replacement=x\n", REC("1"), "CONFIG:Invalid regex"},
    {"set schema metadata needs something", T("s", "SetSchemaMetadata$Value"), REC("1"), "CONFIG:Neither schema name nor version"},
    {"flatten map with schema", T("f", "Flatten$Value"),
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"m\":{}},\"value_schema\":{\"type\":\"struct\",\"optional\":false,\"fields\":[{\"field\":\"m\",\"type\":\"map\",\"optional\":false,\"keys\":{\"type\":\"string\",\"optional\":false},\"values\":{\"type\":\"string\",\"optional\":false}}]}}",
     "ERROR:does not support MAP"},
    {"mask with schema", T("m", "MaskField$Value") "transforms.m.fields=a\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":5,\"b\":\"x\"},\"value_schema\":" STRUCT_AB "}",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":0,\"b\":\"x\"},\"value_schema\":" STRUCT_AB "}"},
    {"value to key unknown field", T("v", "ValueToKey") "transforms.v.fields=z\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"a\":5,\"b\":null},\"value_schema\":" STRUCT_AB "}", "ERROR:z is not a valid field name"},
    {"timestamp router bad format", T("r", "TimestampRouter") "transforms.r.timestamp.format=yyyyQQ\n", REC("1"), "CONFIG:timestamp.format"},
    {"extract null with schema", T("e", "ExtractField$Value") "transforms.e.field=a\n",
     "{\"topic\":\"t\",\"key\":null,\"value\":null,\"value_schema\":{\"type\":\"struct\",\"optional\":true,\"fields\":[{\"type\":\"int64\",\"optional\":true,\"field\":\"a\"}]}}",
     "{\"topic\":\"t\",\"key\":null,\"value\":null,\"value_schema\":{\"type\":\"int64\",\"optional\":true}}"},
    /* Filter and predicates */
    {"filter drops", T("f", "Filter"), REC("1"), "DROP"},
    {"filter on tombstones: tombstone dropped", T("f", "Filter") "transforms.f.predicate=tomb\npredicates=tomb\n"
     "predicates.tomb.type=org.apache.kafka.connect.transforms.predicates.RecordIsTombstone\n", REC("null"), "DROP"},
    {"filter on tombstones: value kept", T("f", "Filter") "transforms.f.predicate=tomb\npredicates=tomb\n"
     "predicates.tomb.type=org.apache.kafka.connect.transforms.predicates.RecordIsTombstone\n", REC("1"), OUT("1")},
    {"negate inverts", T("f", "Filter") "transforms.f.predicate=tomb\ntransforms.f.negate=true\npredicates=tomb\n"
     "predicates.tomb.type=RecordIsTombstone\n", REC("1"), "DROP"},
    {"topic name matches whole name", T("f", "Filter") "transforms.f.predicate=p\npredicates=p\n"
     "predicates.p.type=TopicNameMatches\npredicates.p.pattern=t|x.*\n", REC("1"), "DROP"},
    {"topic name partial match is no match", T("f", "Filter") "transforms.f.predicate=p\npredicates=p\n"
     "predicates.p.type=TopicNameMatches\npredicates.p.pattern=x\n", REC("1"), OUT("1")},
    {"bad regex", T("f", "Filter") "transforms.f.predicate=p\npredicates=p\npredicates.p.type=TopicNameMatches\n"
     "predicates.p.pattern=(\n", REC("1"), "CONFIG:Invalid regex"},
    {"has header key", T("f", "Filter") "transforms.f.predicate=h\npredicates=h\npredicates.h.type=HasHeaderKey\n"
     "predicates.h.name=trace\n", "{\"topic\":\"t\",\"key\":null,\"value\":1,\"headers\":[{\"key\":\"trace\",\"value\":\"x\"}]}", "DROP"},
    {"has header key absent", T("f", "Filter") "transforms.f.predicate=h\npredicates=h\npredicates.h.type=HasHeaderKey\n"
     "predicates.h.name=trace\n", "{\"topic\":\"t\",\"key\":null,\"value\":1}", "{\"topic\":\"t\",\"key\":null,\"value\":1}"},
    {"unknown predicate alias", T("f", "Filter") "transforms.f.predicate=nope\n", REC("1"), "CONFIG:no predicate"},
    /* FieldMatches and FieldRouter (kcd additions): content-based routing and filtering */
#define FM(cond) T("f", "Filter") "transforms.f.predicate=m\ntransforms.f.negate=true\npredicates=m\n" \
    "predicates.m.type=io.kcd.connect.transforms.predicates.FieldMatches\npredicates.m.field=st\n" cond
#define FR(cfg) "transforms=r\ntransforms.r.type=io.kcd.connect.transforms.FieldRouter$Value\ntransforms.r.field=st\n" cfg
#define ROUTED(topic, v) "{\"topic\":\"" topic "\",\"partition\":1,\"offset\":7,\"timestamp\":1582930282000,\"key\":\"k\",\"value\":" v "}"
#define ST_SCHEMA(v) "{\"topic\":\"t\",\"key\":null,\"value\":" v ",\"value_schema\":{\"type\":\"struct\",\"optional\":false," \
    "\"fields\":[{\"type\":\"int32\",\"optional\":true,\"field\":\"st\"}]}}"
    {"field matches equals keeps", FM("predicates.m.equals=4\n"), REC("{\"st\":\"4\"}"), OUT("{\"st\":\"4\"}")},
    {"field matches equals drops others", FM("predicates.m.equals=4\n"), REC("{\"st\":\"8\"}"), "DROP"},
    {"field matches number as text", FM("predicates.m.equals=4\n"), REC("{\"st\":4}"), OUT("{\"st\":4}")},
    {"field matches in", FM("predicates.m.in=27, 28,29\n"), REC("{\"st\":\"28\"}"), OUT("{\"st\":\"28\"}")},
    {"field matches in, not in", FM("predicates.m.in=27,28\n"), REC("{\"st\":\"280\"}"), "DROP"},
    {"field matches pattern whole value", FM("predicates.m.pattern=2[7-9]\n"), REC("{\"st\":\"29\"}"), OUT("{\"st\":\"29\"}")},
    {"field matches pattern partial is no match", FM("predicates.m.pattern=2\n"), REC("{\"st\":\"29\"}"), "DROP"},
    {"field matches array any", FM("predicates.m.equals=4\n"), REC("{\"st\":[\"8\",\"4\"]}"), OUT("{\"st\":[\"8\",\"4\"]}")},
    {"field matches array first", FM("predicates.m.equals=4\npredicates.m.array.match=first\n"), REC("{\"st\":[\"8\",\"4\"]}"), "DROP"},
    {"field matches array first element", FM("predicates.m.equals=4\npredicates.m.array.match=first\n"), REC("{\"st\":[\"4\"]}"),
     OUT("{\"st\":[\"4\"]}")},
    {"field matches empty array", FM("predicates.m.equals=4\n"), REC("{\"st\":[]}"), "DROP"},
    {"field matches missing field", FM("predicates.m.equals=4\n"), REC("{\"other\":\"4\"}"), "DROP"},
    {"field matches null field", FM("predicates.m.equals=4\n"), REC("{\"st\":null}"), "DROP"},
    {"field matches tombstone", FM("predicates.m.equals=4\n"), REC("null"), "DROP"},
    {"field matches with schema", FM("predicates.m.equals=4\n"), ST_SCHEMA("{\"st\":4}"), ST_SCHEMA("{\"st\":4}")},
    {"field matches with schema, null", FM("predicates.m.equals=4\n"), ST_SCHEMA("{\"st\":null}"), "DROP"},
    {"field matches needs one test", FM(""), REC("{}"), "CONFIG:exactly one of"},
    {"field matches two tests", FM("predicates.m.equals=4\npredicates.m.in=4\n"), REC("{}"), "CONFIG:exactly one of"},
    {"field matches bad regex", FM("predicates.m.pattern=(\n"), REC("{}"), "CONFIG:Invalid regex"},
    {"field router default format", FR(""), REC("{\"st\":[\"4\"]}"), ROUTED("t-4", "{\"st\":[\"4\"]}")},
    {"field router mappings", FR("transforms.r.topic.format=PCAP_${value}\ntransforms.r.mappings=4:PROBE,8:BEACON,27:RTS\n"),
     REC("{\"st\":[\"8\",\"4\"]}"), ROUTED("PCAP_BEACON", "{\"st\":[\"8\",\"4\"]}")},
    {"field router unmapped as is", FR("transforms.r.topic.format=PCAP_${value}\ntransforms.r.mappings=4:PROBE\n"),
     REC("{\"st\":\"25\"}"), ROUTED("PCAP_25", "{\"st\":\"25\"}")},
    {"field router unmapped named", FR("transforms.r.topic.format=PCAP_${value}\ntransforms.r.mappings=4:PROBE\ntransforms.r.unmapped=OTHER\n"),
     REC("{\"st\":\"25\"}"), ROUTED("PCAP_OTHER", "{\"st\":\"25\"}")},
    {"field router topic and value", FR("transforms.r.topic.format=${topic}.${value}.${value}\n"), REC("{\"st\":true}"),
     ROUTED("t.true.true", "{\"st\":true}")},
    {"field router missing keeps topic", FR(""), REC("{\"x\":1}"), OUT("{\"x\":1}")},
    {"field router null keeps topic", FR(""), REC("{\"st\":null}"), OUT("{\"st\":null}")},
    {"field router empty array keeps topic", FR(""), REC("{\"st\":[]}"), OUT("{\"st\":[]}")},
    {"field router missing fails", FR("transforms.r.field.missing=fail\n"), REC("{\"x\":1}"), "ERROR:has no value for field st"},
    {"field router with schema", FR("transforms.r.topic.format=S${value}\n"), ST_SCHEMA("{\"st\":36}"),
     "{\"topic\":\"S36\",\"key\":null,\"value\":{\"st\":36},\"value_schema\":{\"type\":\"struct\",\"optional\":false,"
     "\"fields\":[{\"type\":\"int32\",\"optional\":true,\"field\":\"st\"}]}}"},
    {"field router key variant", "transforms=r\ntransforms.r.type=io.kcd.connect.transforms.FieldRouter$Key\ntransforms.r.field=id\n",
     "{\"topic\":\"t\",\"key\":{\"id\":\"a b\"},\"value\":1}", "{\"topic\":\"t-a b\",\"key\":{\"id\":\"a b\"},\"value\":1}"},
    {"field router bad mappings", FR("transforms.r.mappings=4\n"), REC("{}"), "CONFIG:4 is not from:to"},
    {"field router with a predicate", FR("transforms.r.predicate=m\npredicates=m\n"
     "predicates.m.type=FieldMatches\npredicates.m.field=st\npredicates.m.in=4,8\n"), REC("{\"st\":\"29\"}"), OUT("{\"st\":\"29\"}")},
    /* ExtractNewDocumentState (Debezium's MongoDB SMT): the event's document as the value */
#define UNWRAP(cfg) "transforms=u\ntransforms.u.type=io.debezium.connector.mongodb.transforms.ExtractNewDocumentState\n" cfg
#define EVENT(op, after) "{\"topic\":\"unifi.ace.user\",\"key\":{\"id\":\"{\\\"$oid\\\": \\\"5e7a\\\"}\"},\"value\":{\"after\":" after \
    ",\"op\":\"" op "\",\"source\":{\"db\":\"ace\"}}}"
#define DOC(v) "{\"topic\":\"unifi.ace.user\",\"key\":{\"id\":\"{\\\"$oid\\\": \\\"5e7a\\\"}\"},\"value\":" v "}"
    {"unwrap a created document", UNWRAP(""),
     EVENT("c", "\"{\\\"_id\\\": {\\\"$oid\\\": \\\"5e7a\\\"}, \\\"mac\\\": \\\"8c:f5\\\", \\\"n\\\": 3, \\\"ok\\\": true, \\\"tags\\\": [1.5, null]}\""),
     DOC("{\"_id\":{\"$oid\":\"5e7a\"},\"mac\":\"8c:f5\",\"n\":3,\"ok\":true,\"tags\":[1.5,null]}")},
    {"unwrap with a schema'd envelope", UNWRAP(""),
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"after\":\"{\\\"mac\\\": \\\"a\\\"}\",\"op\":\"r\"},\"value_schema\":"
     "{\"type\":\"struct\",\"optional\":false,\"fields\":[{\"type\":\"string\",\"optional\":true,\"field\":\"after\"},"
     "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"}]}}",
     "{\"topic\":\"t\",\"key\":null,\"value\":{\"mac\":\"a\"}}"},
    {"unwrap drops deletes", UNWRAP(""), EVENT("d", "null"), "DROP"},
    {"unwrap deletes as tombstones", UNWRAP("transforms.u.delete.handling.mode=none\n"), EVENT("d", "null"), DOC("null")},
    {"unwrap rewrites deletes", UNWRAP("transforms.u.delete.handling.mode=rewrite\n"), EVENT("d", "null"),
     DOC("{\"_id\":\"{\\\"$oid\\\": \\\"5e7a\\\"}\",\"__deleted\":true}")},
    {"unwrap drops tombstones", UNWRAP(""), DOC("null"), "DROP"},
    {"unwrap keeps tombstones", UNWRAP("transforms.u.drop.tombstones=false\n"), DOC("null"), DOC("null")},
    {"unwrap an update without its document", UNWRAP(""), EVENT("u", "null"), "DROP"},
    {"unwrap bad JSON", UNWRAP(""), EVENT("c", "\"{not json\""), "ERROR:is no JSON document"},
    {"unwrap no event", UNWRAP(""), REC("\"text\""), "ERROR:is not a change event"},
    /* chains */
    {"seed probe stats chain",
     "transforms=dropArray,ts0\ntransforms.dropArray.type=org.apache.kafka.connect.transforms.ReplaceField$Value\n"
     "transforms.dropArray.blacklist=PROBED_SSIDS\ntransforms.ts0.type=org.apache.kafka.connect.transforms.TimestampConverter$Value\n"
     "transforms.ts0.field=EARLIEST_PROBE\ntransforms.ts0.target.type=string\ntransforms.ts0.format=yyyy-MM-dd\n",
     REC("{\"EARLIEST_PROBE\":1582930282000,\"PROBED_SSIDS\":[null,\"x\"]}"), OUT("{\"EARLIEST_PROBE\":\"2020-02-28\"}")},
};

static int json_equal_text(const char *a, const char *b) {
    json_t *ja = json_loads(a, 0, NULL), *jb = json_loads(b, 0, NULL);
    int eq = ja && jb && json_equal(ja, jb);
    json_decref(ja);
    json_decref(jb);
    return eq;
}

static void run_case(const tcase *c) {
    kc_config cfg = {0};
    kc_error err;
    assert_int_equal(kc_props_parse(c->config, strlen(c->config), &cfg, &err), KC_OK);
    kc_strlist problems = {0};
    kc_config_validate(NULL, "", &cfg, &problems, NULL);
    kc_transform_chain chain;
    /* config errors surface from the definition tables (as the worker checks them) or configure() */
    kc_worker w = {0};
    w.registry = reg;
    kc_strlist warnings = {0};
    kc_transforms_config_check(&w, &cfg, &problems, &warnings);
    int rc = problems.len ? KC_EINVAL : kc_transform_chain_open(&chain, &reg, &cfg, &err);
    if (!strncmp(c->expect, "CONFIG:", 7)) {
        const char *msg = problems.len ? problems.items[0] : err.msg;
        if (rc == KC_OK) fail_msg("%s: configured fine, expected an error with '%s'", c->name, c->expect + 7);
        if (!strstr(msg, c->expect + 7)) fail_msg("%s: error '%s' lacks '%s'", c->name, msg, c->expect + 7);
        if (rc == KC_OK) kc_transform_chain_close(&chain);
    } else {
        if (rc) fail_msg("%s: config error %s", c->name, problems.len ? problems.items[0] : err.msg);
        json_t *in = json_loads(c->input, 0, NULL);
        assert_non_null(in);
        kc_record *r = kc_record_from_json(in, &err);
        json_decref(in);
        if (!r) fail_msg("%s: bad input: %s", c->name, err.msg);
        rc = kc_transform_chain_apply(&chain, r, &err);
        if (!strcmp(c->expect, "DROP")) {
            if (rc != KC_DROP) fail_msg("%s: not dropped (rc %d)", c->name, rc);
        } else if (!strncmp(c->expect, "ERROR:", 6)) {
            if (rc >= 0) fail_msg("%s: no error, expected '%s'", c->name, c->expect + 6);
            if (!strstr(err.msg, c->expect + 6)) fail_msg("%s: error '%s' lacks '%s'", c->name, err.msg, c->expect + 6);
        } else {
            if (rc != KC_KEEP) fail_msg("%s: rc %d: %s", c->name, rc, err.msg);
            kc_buf b = KC_BUF_INIT;
            kc_record_write_json(&b, r);
            if (!json_equal_text(b.data, c->expect)) fail_msg("%s:\n got  %s\n want %s", c->name, b.data, c->expect);
            kc_buf_free(&b);
        }
        kc_record_release(r);
        kc_transform_chain_close(&chain);
    }
    kc_strlist_free(&problems);
    kc_strlist_free(&warnings);
    kc_config_free(&cfg);
}

static void test_all_cases(void **st) {
    (void)st;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
}

/* The schemaless conversion gives Connect's Timestamp (not just a number): check the value kind. */
static void test_converted_field_is_a_connect_timestamp(void **st) {
    (void)st;
    const char *props = T("c", "TimestampConverter$Value") "transforms.c.field=EARLIEST_PROBE\ntransforms.c.target.type=Timestamp\n";
    kc_config cfg = {0};
    kc_error err;
    kc_props_parse(props, strlen(props), &cfg, &err);
    kc_transform_chain chain;
    assert_int_equal(kc_transform_chain_open(&chain, &reg, &cfg, &err), KC_OK);
    json_t *in = json_loads(REC("{\"EARLIEST_PROBE\":1582930282000}"), 0, NULL);
    kc_record *r = kc_record_from_json(in, &err);
    assert_int_equal(kc_transform_chain_apply(&chain, r, &err), KC_KEEP);
    const kc_value *v = kc_map_get_str(&r->value, "EARLIEST_PROBE");
    assert_int_equal(v->type, KC_VAL_TIMESTAMP);
    assert_int_equal(v->u.i, 1582930282000LL);
    kc_record_release(r);
    json_decref(in);
    kc_transform_chain_close(&chain);
    kc_config_free(&cfg);
}

/* errors.retry.timeout: a transform answering KC_ERETRY is tried again with backoff until it
 * passes or the time is up; with the default 0 it is not retried. */
static void test_retriable_transform_is_retried_within_timeout(void **st) {
    (void)st;
    struct { const char *extra; int want; int64_t min_ms, max_ms; } runs[] = {
        /* lower bounds prove the backoff; upper bounds are loose (shared, noisy machines) and
         * only catch "retried far too long" */
        {"", KC_ERETRY, 0, 2000},                                        /* errors.retry.timeout=0 */
        {"errors.retry.timeout=5000\n", KC_KEEP, 300 + 600, 20000},      /* 2 retries: 300 ms then 600 ms (+jitter) */
        {"errors.retry.timeout=500\nerrors.retry.delay.max.ms=100\n", KC_KEEP, 200, 5000}, /* capped delays */
        {"errors.retry.timeout=350\ntransforms.f.fail.times=1000\n", KC_ERETRY, 340, 5000}, /* gives up */
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        char props[512];
        snprintf(props, sizeof props, "transforms=f\ntransforms.f.type=com.example.kcd.FlakyTransform\n%s", runs[i].extra);
        kc_config cfg = {0};
        kc_error err;
        kc_props_parse(props, strlen(props), &cfg, &err);
        kc_transform_chain chain;
        assert_int_equal(kc_transform_chain_open(&chain, &reg, &cfg, &err), KC_OK);
        kc_record *r = kc_record_new();
        kc_record_set_topic(r, "t");
        int64_t t0 = kc_now_ms();
        int rc = kc_transform_chain_apply(&chain, r, &err);
        int64_t took = kc_now_ms() - t0;
        if (rc != runs[i].want) fail_msg("run %zu: rc %d, want %d (%s)", i, rc, runs[i].want, err.msg);
        if (took < runs[i].min_ms || took > runs[i].max_ms)
            fail_msg("run %zu: took %lld ms, want %lld..%lld", i, (long long)took, (long long)runs[i].min_ms,
                     (long long)runs[i].max_ms);
        kc_record_release(r);
        kc_transform_chain_close(&chain);
        kc_config_free(&cfg);
    }
}

/* The converter stages retry the same way: a converter answering KC_ERETRY is called again
 * within errors.retry.timeout, in both directions; without a timeout the error stands. */
static void test_retriable_converter_is_retried_within_timeout(void **st) {
    (void)st;
    const kc_plugin *p = kc_registry_find(&reg, "com.example.kcd.FlakyConverter", KC_PLUGIN_CONVERTER);
    assert_non_null(p);
    struct { const char *props; int want; } runs[] = {
        {"fail.times=2\n", KC_ERETRY},                             /* errors.retry.timeout=0 */
        {"fail.times=2\nerrors.retry.timeout=5000\n", KC_OK},
        {"fail.times=1000\nerrors.retry.timeout=200\n", KC_ERETRY}, /* gives up */
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        kc_config cfg = {0};
        kc_error err;
        kc_props_parse(runs[i].props, strlen(runs[i].props), &cfg, &err);
        kc_retry_policy retry;
        kc_retry_policy_init(&retry, &cfg);
        kc_converter c = {p, NULL};
        assert_int_equal(p->desc->converter->configure(&cfg, 0, &c.state, &err), KC_OK);
        kc_schema *schema = NULL;
        kc_value v = KC_VALUE_NULL_INIT;
        int rc = kc_converter_to_connect(&c, &retry, "t", (const uint8_t *)"abc", 3, &schema, &v, &err);
        if (rc != runs[i].want) fail_msg("run %zu to_connect: rc %d, want %d (%s)", i, rc, runs[i].want, err.msg);
        if (rc == KC_OK) {
            assert_int_equal(v.type, KC_VAL_STRING);
            uint8_t *out = NULL;
            size_t len = 0;
            /* from_connect: fail.times is spent, set it up again */
            *(int64_t *)c.state = 2;
            assert_int_equal(kc_converter_from_connect(&c, &retry, "t", NULL, &v, &out, &len, &err), KC_OK);
            assert_int_equal(len, 3);
            assert_memory_equal(out, "abc", 3);
            free(out);
        }
        kc_value_clear(&v);
        p->desc->converter->close(c.state);
        kc_config_free(&cfg);
    }
}

int main(void) {
    const char *base = getenv("KCD_TEST_PLUGINS");
    if (!base) {
        fprintf(stderr, "KCD_TEST_PLUGINS is not set (run through ctest)\n");
        return 1;
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/../../lib/kcd/plugins", base);
    kc_registry_init(&reg);
    kc_strlist errors = {0};
    char flaky[1100];
    snprintf(flaky, sizeof flaky, "%s,%s/flaky", dir, base);
    kc_registry_load_path(&reg, flaky, &errors);
    kc_strlist_free(&errors);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_cases),
        cmocka_unit_test(test_converted_field_is_a_connect_timestamp),
        cmocka_unit_test(test_retriable_transform_is_retried_within_timeout),
        cmocka_unit_test(test_retriable_converter_is_retried_within_timeout),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    kc_registry_free(&reg);
    return rc;
}
