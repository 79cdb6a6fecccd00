#!/usr/bin/env bash
# The postgres sink against a real PostgreSQL (tests/services/postgres) with the pipeline's two
# JDBC sink configs, unchanged but for the database host: tables created from schemaless JSON
# records, rows updated in place by later records with the same key, a column added by
# auto.evolve, the probe-stats SMT chain's timestamps as TIMESTAMP columns, PROBED_SSIDS as a
# text[] when dropArray is left out, tombstones deleted with delete.enabled, and a record the
# database refuses sent to the DLQ with the database's message.
. "$(dirname "$0")/lib.sh"
need_kafka
need_postgres
DB="kcd_it_$(echo "$RUN_ID" | tr -c 'a-z0-9\n' '_')"
psql_q "CREATE DATABASE $DB" || fail "cannot create database $DB"
PG_DB=$DB
trap 'PG_DB=postgres psql_q "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; cleanup' EXIT
write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false" "consumer.session.timeout.ms=6000" "offset.flush.interval.ms=200"
# the seed configs name their topics and connectors: both are made fresh for this run
T1=PCAP_STATS
T2=PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02
T3="it-pg-keyed-$RUN_ID"
T4="it-pg-bad-$RUN_ID"
for t in "$T1" "$T2"; do "$TESTKIT" delete-topic "$BOOTSTRAP" "$t" || fail "cannot delete $t"; done
# and the consumer groups reading them: an earlier run's committed offsets can outlive the topics (seen
# after a broker restart: the new topic's end, so nothing was read)
for g in SINK_POSTGRES_PCAP_STATS_00 SINK_POSTGRES_PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02 pg-arrays; do
  "$TESTKIT" delete-group "$BOOTSTRAP" "connect-$g" || fail "cannot delete group connect-$g"
done
for t in "$T1" "$T2" "$T3" "$T4"; do "$TESTKIT" create-topic "$BOOTSTRAP" "$t" 1 || fail "cannot create $t"; done
seed_config SINK_POSTGRES_PCAP_STATS_00 "$DB" >"$WORK/stats.json"
seed_config SINK_POSTGRES_PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02 "$DB" >"$WORK/probes.json"
grep -q "127.0.0.1:$PG_PORT/$DB" "$WORK/stats.json" "$WORK/probes.json" || fail "seed configs not pointed at the test database"
# beside the seed configs: the probe chain without dropArray; tombstones; a DLQ
python3 - "$WORK" "$T3" "$T4" <<'PY'
import json, sys
work, t3, t4 = sys.argv[1:4]
p = json.load(open(work + "/probes.json"))
c = dict(p["config"])
c["transforms"] = "setTimestampType0,setTimestampType1"
del c["transforms.dropArray.type"], c["transforms.dropArray.blacklist"]
c["table.name.format"] = "${topic}_WITH_ARRAYS"
json.dump({"name": "pg-arrays", "config": c}, open(work + "/arrays.json", "w"))
base = {k: p["config"][k] for k in ("connector.class", "connection.url", "connection.user", "connection.password")}
json.dump({"name": "pg-keyed", "config": dict(base, **{
    "topics": t3, "key.converter": "org.apache.kafka.connect.storage.StringConverter", "auto.create": "true",
    "insert.mode": "upsert", "pk.mode": "record_key", "pk.fields": "SOURCE", "delete.enabled": "true",
    "table.name.format": "keyed"})}, open(work + "/keyed.json", "w"))
json.dump({"name": "pg-plain", "config": dict(base, **{  # the JDBC sink's defaults: insert, pk.mode=none
    "topics": t3, "key.converter": "org.apache.kafka.connect.storage.StringConverter", "auto.create": "true",
    "table.name.format": "plain"})}, open(work + "/plain.json", "w"))
for i in (1, 2):  # two connectors writing the same records by Kafka coordinates: the second replays the first
    json.dump({"name": "pg-coords-%d" % i, "config": dict(base, **{
        "topics": t3, "key.converter": "org.apache.kafka.connect.storage.StringConverter", "auto.create": "true",
        "pk.mode": "kafka", "table.name.format": "by_coords"})}, open(work + "/coords%d.json" % i, "w"))
json.dump({"name": "pg-bad", "config": dict(base, **{
    "topics": t4, "auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "ID",
    "table.name.format": "bad", "errors.tolerance": "all", "errors.deadletterqueue.topic.name": t4 + "-dlq",
    "errors.deadletterqueue.topic.replication.factor": "1", "errors.deadletterqueue.context.headers.enable": "true"})},
    open(work + "/bad.json", "w"))
PY
# PCAP_STATS: nine (day, subtype) keys, then the same keys with grown counts
for wave in 1 2; do
  for d in 27 28 29; do for st in 4 5 8; do
    printf '{"WINDOW_DAY": "2020-02-%s", "SUBTYPE": %s, "PACKET_COUNT": %s, "EARLIEST_TIME": "00:02:01", "LATEST_TIME": "23:58:%02d"}\n' \
      "$d" "$st" $((wave * 1000 + d * 10 + st)) "$wave"
  done; done
done >"$WORK/stats.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T1" "$WORK/stats.jsonl" || fail "cannot produce"
sample=$(cat "$KCD_SOURCE/tests/data/samples/probe-stats-record.json")
{ echo "$sample"; echo "${sample/asgard03/asgard04}"; echo "${sample/\"PCAP_PROBES\": 3110/\"PCAP_PROBES\": 3200}"; } >"$WORK/probes.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T2" "$WORK/probes.jsonl" || fail "cannot produce"
printf 'a\t{"SOURCE": "a", "N": 1}\nb\t{"SOURCE": "b", "N": 2}\nc\t{"SOURCE": "c", "N": 3}\nb\t\\N\n' >"$WORK/keyed.tsv"
"$TESTKIT" produce-keyed "$BOOTSTRAP" "$T3" "$WORK/keyed.tsv" || fail "cannot produce"
printf '{"ID": 1, "N": 5}\n{"ID": 2, "N": "five"}\n{"ID": 3, "N": 7}\n' >"$WORK/bad.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T4" "$WORK/bad.jsonl" || fail "cannot produce"

start_kcd "$WORK/worker.properties" "$WORK/stats.json" "$WORK/probes.json" "$WORK/arrays.json" "$WORK/keyed.json" \
  "$WORK/bad.json" "$WORK/coords1.json" "$WORK/coords2.json" "$WORK/plain.json"
wait_sql 9 'SELECT count(*) FROM "PCAP_STATS" WHERE "LATEST_TIME" = '"'"'23:58:02'"'"
[ "$(psql_q 'SELECT count(*) FROM "PCAP_STATS"')" = 9 ] || fail "PCAP_STATS does not have one row per key"
[ "$(psql_q 'SELECT "PACKET_COUNT" FROM "PCAP_STATS" WHERE "WINDOW_DAY" = '"'2020-02-28'"' AND "SUBTYPE" = 5')" = 2285 ] ||
  fail "PACKET_COUNT was not updated in place"
psql_q "SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '\"PCAP_STATS\"'::regclass AND i.indisprimary" |
  grep -qx "WINDOW_DAY,SUBTYPE" || fail "PCAP_STATS lacks the primary key (WINDOW_DAY, SUBTYPE)"
# a later record with a new field: auto.evolve adds the column
echo '{"WINDOW_DAY": "2020-02-29", "SUBTYPE": 4, "PACKET_COUNT": 9999, "EARLIEST_TIME": "00:02:01", "LATEST_TIME": "23:59:59", "SSID_COUNT": 12}' \
  >"$WORK/evolve.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T1" "$WORK/evolve.jsonl" || fail "cannot produce"
wait_sql 12 'SELECT "SSID_COUNT" FROM "PCAP_STATS" WHERE "WINDOW_DAY" = '"'2020-02-29'"' AND "SUBTYPE" = 4'
[ "$(psql_q 'SELECT count(*) FROM "PCAP_STATS" WHERE "SSID_COUNT" IS NULL')" = 8 ] || fail "auto.evolve: other rows should have NULL SSID_COUNT"

# probe stats through the SMT chain: timestamps, the array dropped, asgard03 updated in place
wait_sql 2 "SELECT count(*) FROM \"$T2\""
wait_sql 3200 "SELECT \"PCAP_PROBES\" FROM \"$T2\" WHERE \"SOURCE\" = 'asgard03'"
[ "$(psql_q "SELECT pg_typeof(\"EARLIEST_PROBE\")::text || ' ' || \"EARLIEST_PROBE\"::text FROM \"$T2\" WHERE \"SOURCE\" = 'asgard03'")" = \
  "timestamp without time zone 2020-02-28 22:51:22" ] || fail "EARLIEST_PROBE is not the Timestamp the chain made"
[ -z "$(psql_q "SELECT 1 FROM information_schema.columns WHERE table_name = '$T2' AND column_name = 'PROBED_SSIDS'")" ] ||
  fail "dropArray did not drop PROBED_SSIDS"
wait_sql 2 "SELECT count(*) FROM \"${T2}_WITH_ARRAYS\""
[ "$(psql_q "SELECT pg_typeof(\"PROBED_SSIDS\")::text FROM \"${T2}_WITH_ARRAYS\" LIMIT 1")" = "text[]" ] || fail "PROBED_SSIDS is not text[]"
[ "$(psql_q "SELECT array_length(\"PROBED_SSIDS\", 1) || ' ' || (\"PROBED_SSIDS\"[1] IS NULL) || ' [' || \"PROBED_SSIDS\"[2] || '] ' || \"PROBED_SSIDS\"[13] FROM \"${T2}_WITH_ARRAYS\" WHERE \"SOURCE\" = 'asgard04'")" = \
  "13 true [] Escape Lounge WiFi" ] || fail "PROBED_SSIDS elements differ from the record's"

# tombstones delete with delete.enabled
wait_sql "a,c" "SELECT string_agg(\"SOURCE\", ',' ORDER BY \"SOURCE\") FROM keyed"
# pk.mode=kafka with insert: the same record written twice (a replay) is one row, and no failure
wait_sql 3 "SELECT count(*) FROM by_coords"
sleep 1
[ "$(psql_q "SELECT count(*) || ' ' || min(__connect_offset) || ' ' || max(__connect_offset) FROM by_coords")" = "3 0 2" ] ||
  fail "by_coords should hold the 3 non-tombstone records once each"
# insert with no key: every non-tombstone record is a row
wait_sql "a 1|b 2|c 3" "SELECT string_agg(\"SOURCE\" || ' ' || \"N\", '|' ORDER BY \"SOURCE\") FROM plain"
# a record the database refuses: the DLQ, with the database's message; its neighbours written
wait_sql "1,3" "SELECT string_agg(\"ID\"::text, ',' ORDER BY \"ID\") FROM bad"
wait_count "$T4-dlq" 1 30 "the refused record did not reach the DLQ"
"$TESTKIT" dump-headers "$BOOTSTRAP" "$T4-dlq" >"$WORK/dlq.tsv"
grep -q $'\t{"ID": 2, "N": "five"}\t' "$WORK/dlq.tsv" || fail "the DLQ does not hold the refused record's bytes"
grep -q '__connect.errors.stage=TASK_PUT' "$WORK/dlq.tsv" || fail "DLQ stage is not TASK_PUT"
grep -q '__connect.errors.exception.message=invalid input syntax for type bigint: "five"' "$WORK/dlq.tsv" ||
  fail "the DLQ headers lack the database's message"
kill -0 "$KCD_PID" || fail "kcd died"
grep -q "pg-coords-.*Task is being killed\|Task is being killed.*pg-coords" "$WORK/kcd.log" && fail "a replaying connector failed"
stop_kcd
grep -q "connection.password=postgres\|:postgres@" "$WORK/kcd.log" && fail "the database password reached the log"
pass "seed JDBC configs on PostgreSQL: created, upserted in place, evolved, timestamps and text[] arrays, tombstones deleted, refused record in the DLQ"
