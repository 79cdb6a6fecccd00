#!/usr/bin/env bash
# The postgres sink with buffer.max.ms (rows held across put() calls, one per key, written at
# the offset commit) against a real PostgreSQL. offset.flush.interval.ms is 10 minutes here, so
# every row seen in the database came through the sink's own request_commit(). Checks:
# - 2,000 records over 100 keys in put() calls of 50 (no key twice in one put): every key ends
#   with its last value, and the sink wrote fewer rows than records (collapsed across put()s);
# - a key upserted, deleted, widened with a new column, then upserted without it keeps that
#   order (N=4 with EXTRA='x'), a key deleted last is gone, a key deleted first then written
#   is there: segments keep each key's order;
# - a value the database refuses makes the held batch fail, the records come again put() by
#   put(), and only the bad one goes to the DLQ with the database's message.
. "$(dirname "$0")/lib.sh"
need_kafka
need_postgres
DB="kcd_it_$(echo "$RUN_ID" | tr -c 'a-z0-9\n' '_')"
psql_q "CREATE DATABASE $DB" || fail "cannot create database $DB"
PG_DB=$DB
trap 'PG_DB=postgres psql_q "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; cleanup' EXIT
write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false" "key.converter=org.apache.kafka.connect.storage.StringConverter" \
  "consumer.session.timeout.ms=6000" "offset.flush.interval.ms=600000" "log.level=DEBUG"
T1="it-pgb-many-$RUN_ID"
T2="it-pgb-order-$RUN_ID"
T3="it-pgb-bad-$RUN_ID"
for t in "$T1" "$T2" "$T3"; do "$TESTKIT" create-topic "$BOOTSTRAP" "$t" 1 || fail "cannot create $t"; done
base='"connection.url": "jdbc:postgresql://127.0.0.1:'$PG_PORT/$DB'", "connection.user": "postgres",
  "connection.password": "postgres", "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
  "auto.create": "true", "auto.evolve": "true", "insert.mode": "upsert", "buffer.max.ms": "30000"'
cat >"$WORK/many.json" <<J
{"name": "pgb-many", "config": {$base, "topics": "$T1", "table.name.format": "many", "pk.mode": "record_value",
  "pk.fields": "ID", "consumer.override.max.poll.records": "50"}}
J
cat >"$WORK/order.json" <<J
{"name": "pgb-order", "config": {$base, "topics": "$T2", "table.name.format": "ordered", "pk.mode": "record_key",
  "pk.fields": "SOURCE", "delete.enabled": "true", "consumer.override.max.poll.records": "1"}}
J
cat >"$WORK/bad.json" <<J
{"name": "pgb-bad", "config": {$base, "topics": "$T3", "table.name.format": "bad", "pk.mode": "record_value",
  "pk.fields": "ID", "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "$T3-dlq",
  "errors.deadletterqueue.topic.replication.factor": "1", "errors.deadletterqueue.context.headers.enable": "true"}}
J
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "{\"ID\": %d, \"SEQ\": %d}\n", i % 100, i }' >"$WORK/many.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T1" "$WORK/many.jsonl" || fail "cannot produce"
{
  printf 'a\t{"SOURCE": "a", "N": 1}\n'
  printf 'b\t{"SOURCE": "b", "N": 1}\n'
  printf 'c\t\\N\n'
  printf 'a\t{"SOURCE": "a", "N": 2}\n'
  printf 'a\t\\N\n'
  printf 'a\t{"SOURCE": "a", "N": 3, "EXTRA": "x"}\n'
  printf 'c\t{"SOURCE": "c", "N": 7}\n'
  printf 'a\t{"SOURCE": "a", "N": 4}\n'
  printf 'b\t\\N\n'
} >"$WORK/order.tsv"
"$TESTKIT" produce-keyed "$BOOTSTRAP" "$T2" "$WORK/order.tsv" || fail "cannot produce"
printf '{"ID": 1, "N": 5}\n{"ID": 2, "N": "five"}\n{"ID": 3, "N": 7}\n' >"$WORK/bad.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T3" "$WORK/bad.jsonl" || fail "cannot produce"

start_kcd "$WORK/worker.properties" "$WORK/many.json" "$WORK/order.json" "$WORK/bad.json"
wait_sql 100 'SELECT count(*) FROM many WHERE "SEQ" = 1900 + "ID"' 90
[ "$(psql_q 'SELECT count(*) FROM many')" = 100 ] || fail "many should hold one row per key"
written=$(grep 'pgb-many' "$WORK/kcd.log" | grep -o 'Wrote [0-9]* held rows' | awk '{s += $2} END {print s + 0}')
[ "$written" -gt 0 ] || fail "no held rows were written by flush()"
[ "$written" -lt 2000 ] || fail "held rows were not collapsed across put() calls: $written rows for 2000 records"
echo "2000 records over 100 keys in put()s of 50: $written rows written"

wait_sql "a 4 x|c 7 " "SELECT string_agg(\"SOURCE\" || ' ' || \"N\" || ' ' || coalesce(\"EXTRA\", ''), '|' ORDER BY \"SOURCE\") FROM ordered" 90

wait_sql "1,3" "SELECT string_agg(\"ID\"::text, ',' ORDER BY \"ID\") FROM bad" 90
wait_count "$T3-dlq" 1 30 "the refused record did not reach the DLQ"
grep -q "held rows were refused" "$WORK/kcd.log" || fail "the held batch did not fail first: the test missed the path"
"$TESTKIT" dump-headers "$BOOTSTRAP" "$T3-dlq" >"$WORK/dlq.tsv"
[ "$(wc -l <"$WORK/dlq.tsv")" = 1 ] || fail "the DLQ should hold only the refused record: $(cat "$WORK/dlq.tsv")"
grep -q $'\t{"ID": 2, "N": "five"}\t' "$WORK/dlq.tsv" || fail "the DLQ does not hold the refused record's bytes"
grep -q '__connect.errors.exception.message=invalid input syntax for type bigint: "five"' "$WORK/dlq.tsv" ||
  fail "the DLQ headers lack the database's message"
grep -q "Task is being killed" "$WORK/kcd.log" && fail "a task failed"
stop_kcd
pass "buffer.max.ms: collapsed across put() calls ($written rows for 2000 records), order of upserts, deletes and new columns kept, refused record alone in the DLQ"
