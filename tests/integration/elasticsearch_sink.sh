#!/usr/bin/env bash
# The Elasticsearch sink against a real OpenSearch node (tests/services/opensearch) with the
# pipeline's three Elasticsearch sink configs, unchanged but for the server URL: raw capture
# records as documents named topic+partition+offset, the enriched probes with the record time
# inserted as PCAP_TS (a date through the pipeline's index template), probe stats keyed by
# SOURCE and updated in place with ReplaceField's renames; then tombstones deleting documents,
# documents the cluster refuses going to the DLQ with its message (also when the refusal comes
# after the put() that brought them: the records are read again) or failing the task with the
# record named, a value that is no object, a mapping put from a Connect schema, upserts.
. "$(dirname "$0")/lib.sh"
need_kafka
need_opensearch
T_RAW=pcap
T_ENRICHED=pcap_probe_enriched_00
T_STATS=PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02
I_STATS=pcap_probe_stats_by_source_device_02 # the 5.x sink lowercases topics into index names
T_KEYED="it-es-keyed-$RUN_ID"
T_BAD="it-es-bad-$RUN_ID"
T_STRICT="it-es-strict-$RUN_ID"
T_SCHEMA="it-es-schema-$RUN_ID"
I_KEYED=$(echo "$T_KEYED" | tr 'A-Z' 'a-z')
I_BAD=$(echo "$T_BAD" | tr 'A-Z' 'a-z')
I_STRICT=$(echo "$T_STRICT" | tr 'A-Z' 'a-z')
I_SCHEMA=$(echo "$T_SCHEMA" | tr 'A-Z' 'a-z')
trap 'for i in "$T_RAW" "$T_ENRICHED" "$I_STATS" "$I_KEYED" "$I_BAD" "$I_SCHEMA" "$I_KEYED-upsert" "$I_STRICT"; do es DELETE "/$i" >/dev/null 2>&1 || true; done; cleanup' EXIT
for i in "$T_RAW" "$T_ENRICHED" "$I_STATS"; do es DELETE "/$i?ignore_unavailable=true" >/dev/null; done
for t in "$T_RAW" "$T_ENRICHED" "$T_STATS"; do "$TESTKIT" delete-topic "$BOOTSTRAP" "$t" || fail "cannot delete $t"; done
for g in sink-elastic-pcap-00 SINK_ELASTIC_PCAP_ENRICHED_00 SINK_ELASTIC_PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02; do
  "$TESTKIT" delete-group "$BOOTSTRAP" "connect-$g" || fail "cannot delete group connect-$g"
done
for t in "$T_RAW" "$T_ENRICHED" "$T_STATS" "$T_KEYED" "$T_BAD" "$T_STRICT" "$T_SCHEMA"; do
  "$TESTKIT" create-topic "$BOOTSTRAP" "$t" 1 || fail "cannot create $t"
done
# the pipeline's index template: timestamp and *_TS fields are dates, one shard, no replicas
es PUT /_template/kcd-it '{"index_patterns": ["pcap*"], "settings": {"number_of_shards": 1, "number_of_replicas": 0},
  "mappings": {"dynamic_templates": [{"ts": {"match": "*_TS", "mapping": {"type": "date"}}},
                                     {"timestamp": {"match": "timestamp", "mapping": {"type": "date"}}}]}}' |
  grep -q '"acknowledged":true' || fail "cannot put the index template"

write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false" "consumer.session.timeout.ms=6000" "offset.flush.interval.ms=200"
for s in sink-elastic-pcap-00 SINK_ELASTIC_PCAP_ENRICHED_00 SINK_ELASTIC_PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02; do
  sed "s|http://elasticsearch:9200|$ES_URL|" "$KCD_SOURCE/tests/data/seed-configs/$s.json" >"$WORK/$s.json"
  grep -q "$ES_URL" "$WORK/$s.json" || fail "seed config $s not pointed at the test node"
done
python3 - "$WORK" "$ES_URL" "$T_KEYED" "$T_BAD" "$T_SCHEMA" "$T_STRICT" <<'PY'
import json, sys
work, url, keyed, bad, schema, strict = sys.argv[1:7]
base = {"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", "connection.url": url,
        "type.name": "_doc", "key.converter": "org.apache.kafka.connect.storage.StringConverter"}
def connector(name, **cfg):
    json.dump({"name": name, "config": dict(base, **cfg)}, open("%s/%s.json" % (work, name), "w"))
connector("es-keyed", topics=keyed, **{"key.ignore": "false", "schema.ignore": "true",
          "behavior.on.null.values": "delete"})
connector("es-upsert", topics=keyed, **{"key.ignore": "false", "schema.ignore": "true", "write.method": "upsert",
          "topic.index.map": "%s:%s-upsert" % (keyed, keyed.lower())})
# linger.ms: the batch leaves after put() returned, so the refusal comes back when the reporter
# cannot take the record: the records must come again and be written put() by put()
connector("es-bad", topics=bad, **{"key.ignore": "true", "schema.ignore": "true", "errors.tolerance": "all",
          "linger.ms": "1500",
          "errors.deadletterqueue.topic.name": bad + "-dlq", "errors.deadletterqueue.topic.replication.factor": "1",
          "errors.deadletterqueue.context.headers.enable": "true"})
connector("es-strict", topics=strict, **{"key.ignore": "true", "schema.ignore": "true"})
connector("es-schema", topics=schema, **{"key.ignore": "true", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
          "value.converter.schemas.enable": "true"})
PY

# records: three raw captures, two enriched probes, three probe stats (asgard03 twice)
python3 - "$KCD_SOURCE/tests/data/samples" "$WORK" <<'PY'
import json, sys
samples, work = sys.argv[1:3]
raw = json.load(open(samples + "/pcap-record.json"))
with open(work + "/raw.jsonl", "w") as f:
    for i in range(3):
        r = dict(raw, timestamp=str(int(raw["timestamp"]) + i))
        f.write(json.dumps(r) + "\n")
enriched = json.load(open(samples + "/probe-enriched-record.json"))
with open(work + "/enriched.tsv", "w") as f:
    for mac in ("44:65:0d:e0:94:66", "44:65:0d:e0:94:67"):
        f.write("%s\t%s\n" % (mac, json.dumps(dict(enriched, SOURCE_ADDRESS=mac))))
stats = json.load(open(samples + "/probe-stats-record.json"))
with open(work + "/stats.tsv", "w") as f:
    f.write("asgard03\t%s\n" % json.dumps(stats))
    f.write("asgard04\t%s\n" % json.dumps(dict(stats, SOURCE="asgard04")))
    f.write("asgard03\t%s\n" % json.dumps(dict(stats, PCAP_PROBES=3200)))
PY
"$TESTKIT" produce "$BOOTSTRAP" "$T_RAW" "$WORK/raw.jsonl" || fail "cannot produce"
"$TESTKIT" produce-keyed "$BOOTSTRAP" "$T_ENRICHED" "$WORK/enriched.tsv" || fail "cannot produce"
"$TESTKIT" produce-keyed "$BOOTSTRAP" "$T_STATS" "$WORK/stats.tsv" || fail "cannot produce"
printf 'a\t{"SOURCE": "a", "N": 1}\nb\t{"SOURCE": "b", "N": 2}\nc\t{"SOURCE": "c", "N": 3}\nb\t\\N\nc\t{"M": 4}\n' >"$WORK/keyed.tsv"
"$TESTKIT" produce-keyed "$BOOTSTRAP" "$T_KEYED" "$WORK/keyed.tsv" || fail "cannot produce"
printf '{"ID": 1, "N": 5}\n{"ID": 2, "N": "five"}\n{"ID": 3, "N": 7}\n[1, 2]\n{"ID": 5, "N": 9}\n' >"$WORK/bad.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T_BAD" "$WORK/bad.jsonl" || fail "cannot produce"
head -3 "$WORK/bad.jsonl" >"$WORK/strict.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T_STRICT" "$WORK/strict.jsonl" || fail "cannot produce"
S='{"type":"struct","fields":[{"field":"ID","type":"int32"},{"field":"NAME","type":"string"},{"field":"SEEN","type":"int64","name":"org.apache.kafka.connect.data.Timestamp"},{"field":"RATIO","type":"float"}]}'
printf '{"schema": %s, "payload": {"ID": 1, "NAME": "one", "SEEN": 1584802202655, "RATIO": 0.5}}\n' "$S" >"$WORK/schema.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T_SCHEMA" "$WORK/schema.jsonl" || fail "cannot produce"

start_kcd "$WORK/worker.properties" "$WORK/sink-elastic-pcap-00.json" "$WORK/SINK_ELASTIC_PCAP_ENRICHED_00.json" \
  "$WORK/SINK_ELASTIC_PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02.json" "$WORK/es-keyed.json" "$WORK/es-upsert.json" \
  "$WORK/es-bad.json" "$WORK/es-strict.json" "$WORK/es-schema.json"

# raw captures: one document per record, id topic+partition+offset, the record's JSON as it was
wait_es 3 "/$T_RAW/_count" 'r["count"]'
[ "$(es_json "/$T_RAW/_doc/pcap+0+1" 'r["_source"]["timestamp"], r["_source"]["wlan_ra"]')" = "1584802202656 ['a4:fc:77:6c:55:0d']" ] ||
  fail "document pcap+0+1 differs from the record: $(es GET "/$T_RAW/_doc/pcap+0+1")"
[ "$(es_json "/$T_RAW/_mapping" 'r["pcap"]["mappings"]["properties"]["timestamp"]["type"]')" = date ] ||
  fail "the template did not apply to the index kcd wrote"

# enriched probes: InsertField$Value put the record's timestamp into PCAP_TS, a date by the template
wait_es 2 "/$T_ENRICHED/_count" 'r["count"]'
ts=$("$TESTKIT" dump-timestamps "$BOOTSTRAP" "$T_ENRICHED" | head -1 | cut -f3)
[ "$(es_json "/$T_ENRICHED/_doc/$T_ENRICHED+0+0" 'r["_source"]["PCAP_TS"], r["_source"]["SOURCE_DEVICE_NAME"]')" = "$ts Robin's Kindle" ] ||
  fail "PCAP_TS is not the record timestamp $ts: $(es GET "/$T_ENRICHED/_doc/$T_ENRICHED+0+0")"
[ "$(es_json "/$T_ENRICHED/_mapping" 'r["'"$T_ENRICHED"'"]["mappings"]["properties"]["PCAP_TS"]["type"]')" = date ] ||
  fail "PCAP_TS is not a date"

# probe stats: keyed by SOURCE, updated in place (external version = offset), renamed fields
wait_es "2 3200" "/$I_STATS/_search" '"%d %s" % (r["hits"]["total"]["value"], [h["_source"]["PCAP_PROBES"] for h in r["hits"]["hits"] if h["_id"] == "asgard03"][0])'
[ "$(es_json "/$I_STATS/_doc/asgard03" 'r["_version"], r["_source"]["EARLIEST_PROBE_TS"], "EARLIEST_PROBE" in r["_source"]')" = "2 1582930282000 False" ] ||
  fail "asgard03 is not version 2 (its offset) with the renamed field: $(es GET "/$I_STATS/_doc/asgard03")"

# tombstones delete (behavior.on.null.values=delete); a later record replaces c whole; upsert merges into it
wait_es "a c" "/$I_KEYED/_search" '" ".join(sorted(h["_id"] for h in r["hits"]["hits"]))'
[ "$(es_json "/$I_KEYED/_doc/c" 'sorted(r["_source"].items())')" = "[('M', 4)]" ] || fail "insert did not replace c"
wait_es "a b c" "/$I_KEYED-upsert/_search" '" ".join(sorted(h["_id"] for h in r["hits"]["hits"]))'
[ "$(es_json "/$I_KEYED-upsert/_doc/c" 'sorted(r["_source"].items())')" = "[('M', 4), ('N', 3), ('SOURCE', 'c')]" ] ||
  fail "upsert did not merge M into c: $(es GET "/$I_KEYED-upsert/_doc/c")"

# refused documents: the DLQ with the cluster's reason (N is a long by the first document), and
# a value that is no object with kcd's; the neighbours are written
wait_es "$T_BAD+0+0 $T_BAD+0+2 $T_BAD+0+4" "/$I_BAD/_search" '" ".join(sorted(h["_id"] for h in r["hits"]["hits"]))'
wait_count "$T_BAD-dlq" 2 30 "the refused records did not reach the DLQ"
"$TESTKIT" dump-headers "$BOOTSTRAP" "$T_BAD-dlq" >"$WORK/dlq.tsv"
grep -q $'\t{"ID": 2, "N": "five"}\t' "$WORK/dlq.tsv" || fail "the DLQ does not hold the refused record's bytes"
grep $'\t{"ID": 2, "N": "five"}\t' "$WORK/dlq.tsv" | matches 'exception.message=the document was refused: mapper_parsing_exception' ||
  fail "the DLQ headers lack the cluster's reason: $(cat "$WORK/dlq.tsv")"
grep $'\t\\[1, 2\\]\t' "$WORK/dlq.tsv" | matches 'exception.message=the value is an array, not an object' ||
  fail "the DLQ headers lack why [1, 2] is no document: $(cat "$WORK/dlq.tsv")"

grep -q "A document was refused after its put() returned (record topic=$T_BAD partition=0 offset=1" "$WORK/kcd.log" ||
  fail "es-bad's refusal did not come after its put() (linger.ms): the replay path was not taken"

# without errors.tolerance the refused document fails the task, naming the record
wait_task_failed "$(rest_url)" es-strict
grep -q "partition=0 offset=1: the document was refused: mapper_parsing_exception" <<<"$TASK_STATUS" ||
  fail "es-strict's trace does not name the record: $TASK_STATUS"

# schema.ignore=false: the mapping comes from the Connect schema before the first document
wait_es 1 "/$I_SCHEMA/_count" 'r["count"]'
[ "$(es_json "/$I_SCHEMA/_mapping" '" ".join(v["type"] for k, v in sorted(r["'"$I_SCHEMA"'"]["mappings"]["properties"].items()))')" = \
  "integer text float date" ] || fail "the mapping is not the schema's: $(es GET "/$I_SCHEMA/_mapping")"

kill -0 "$KCD_PID" || fail "kcd died"
stop_kcd
pass "seed Elasticsearch configs on OpenSearch: raw, enriched (PCAP_TS date) and keyed stats documents; deletes, upserts, refused documents in the DLQ or failing the task, a schema's mapping"
