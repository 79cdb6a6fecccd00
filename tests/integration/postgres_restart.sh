#!/usr/bin/env bash
# PostgreSQL restarts at a random moment of a 500,000-record upsert run (50,000 keys, each
# updated 10 times, keyed so each key's records stay in order on one partition). The sink
# retries with backoff and replays the batch; nothing is lost and every key ends with its last
# value; kcd keeps running. Says how many retries it took.
# With FAULT=kill9 kcd itself is killed with -9 at that moment instead, and started again:
# every key still ends with its last value (rows committed before the kill are never undone,
# records after the last committed offset are written again).
# With BUFFER_MS (and BUFFER_ROWS, small enough that the run takes many commits and the fault
# finds rows held) the sink holds rows across put() calls and writes them at the offset
# commit: the same must hold.
. "$(dirname "$0")/lib.sh"
need_kafka
need_postgres
N=${KCD_IT_RECORDS:-500000}
KEYS=$((N / 10))
DOWN=${KCD_IT_OUTAGE_S:-5}
DB="kcd_it_$(echo "$RUN_ID" | tr -c 'a-z0-9\n' '_')"
psql_q "CREATE DATABASE $DB" || fail "cannot create database $DB"
PG_DB=$DB
restart_pg() { "$KCD_SOURCE/tests/services/postgres" start >/dev/null 2>&1 || "$KCD_SOURCE/tests/services/postgres" start; }
trap 'restart_pg; PG_DB=postgres psql_q "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; cleanup' EXIT
TOPIC="it-pg-restart-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
awk -v n="$N" -v k="$KEYS" 'BEGIN { for (i = 0; i < n; i++) printf "%d\t{\"ID\": %d, \"SEQ\": %d, \"NOTE\": \"update %d of key %d\"}\n", i % k, i % k, i, int(i / k), i % k }' \
  >"$WORK/records.tsv"
"$TESTKIT" produce-keyed "$BOOTSTRAP" "$TOPIC" "$WORK/records.tsv" || fail "cannot produce"
write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false" "consumer.session.timeout.ms=6000" "offset.flush.interval.ms=500"
cat >"$WORK/sink.json" <<J
{"name": "pg-restart", "config": {
  "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
  "connection.url": "jdbc:postgresql://127.0.0.1:$PG_PORT/$DB", "connection.user": "postgres",
  "connection.password": "postgres", "connection.attempts": "5", "connection.backoff.ms": "1000",
  "topics": "$TOPIC", "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  "auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "ID",
  "max.retries": "100", "retry.backoff.ms": "1000", "buffer.max.ms": "${BUFFER_MS:-0}",
  "buffer.max.rows": "${BUFFER_ROWS:-200000}"}}
J
TARGET=$(( (RANDOM * 32768 + RANDOM) % (N * 8 / 10) + N / 10 ))
start_kcd "$WORK/worker.properties" "$WORK/sink.json"
deadline=$((SECONDS + 300))
until [ "$(psql_q 'SELECT coalesce(max("SEQ"), 0) FROM "'"$TOPIC"'"' 2>/dev/null || echo 0)" -ge "$TARGET" ]; do
  [ $SECONDS -lt $deadline ] || fail "timed out before the restart point"
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
  sleep 0.1
done
at=$(psql_q 'SELECT max("SEQ") FROM "'"$TOPIC"'"')
if [ "${FAULT:-pg}" = kill9 ]; then
  kill -9 "$KCD_PID"
  wait "$KCD_PID" 2>/dev/null || true
  KCD_PID=""
  echo "kcd killed with -9 at record ~$at (target $TARGET); committed: $("$TESTKIT" committed "$BOOTSTRAP" connect-pg-restart "$TOPIC" | awk '{s += $2} END {print s}')"
  start_kcd "$WORK/worker.properties" "$WORK/sink.json"
else
  "$KCD_SOURCE/tests/services/postgres" stop
  echo "PostgreSQL stopped for ${DOWN}s at record ~$at (target $TARGET)"
  sleep "$DOWN"
  kill -0 "$KCD_PID" || fail "kcd died while PostgreSQL was down"
  restart_pg
fi
want=$KEYS
wait_final() {
  local deadline=$((SECONDS + 300)) got
  while :; do
    got=$(psql_q "SELECT count(*) FROM \"$TOPIC\" WHERE \"SEQ\" = $((N - KEYS)) + \"ID\"" 2>/dev/null || echo 0)
    [ "$got" = "$want" ] && return 0
    [ $SECONDS -lt $deadline ] || fail "only $got of $want keys have their last value"
    kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
    sleep 0.5
  done
}
wait_final
[ "$(psql_q "SELECT count(*) FROM \"$TOPIC\"")" = "$KEYS" ] || fail "the table does not have one row per key"
kill -0 "$KCD_PID" || fail "kcd is not running"
grep -q "Task is being killed" "$WORK/kcd.log" && fail "the task failed"
if [ "${FAULT:-pg}" = kill9 ]; then
  stop_kcd
  pass "kcd killed with -9 at record ~$at of $N and restarted: all $KEYS keys hold their last value"
else
  retries=$(grep -c "Write failed, retry" "$WORK/kcd.log" || true)
  [ "$retries" -gt 0 ] || fail "no retry was logged: the restart did not hit the sink"
  stop_kcd
  pass "PostgreSQL restarted at record ~$at of $N: all $KEYS keys hold their last value, $retries retries, kcd kept running"
fi
