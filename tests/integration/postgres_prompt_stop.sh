#!/usr/bin/env bash
# The PostgreSQL sink's waits give way to a stop. Its connection.url names a port nothing listens
# on, with 60 s between connection attempts:
#  - a PUT of the config with the right URL, made while it waits, answers 200 and applies: the
#    task is stopped at once (not "did not stop in time") and the records arrive in PostgreSQL;
#  - the same wait again (the wrong URL put back), then SIGTERM: kcd exits 0 within the worker's
#    graceful timeout (5 s) plus a margin, not after the 60 s backoff. The time is printed.
. "$(dirname "$0")/lib.sh"
need_kafka
need_postgres
DB="kcd_it_$(echo "$RUN_ID" | tr -c 'a-z0-9\n' '_')"
psql_q "CREATE DATABASE $DB" || fail "cannot create database $DB"
trap 'PG_DB=postgres psql_q "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; cleanup' EXIT
TOPIC="it-pg-stop-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 1 || fail "cannot create topic"
for i in $(seq 1 100); do printf '%d\t{"ID": %d, "NOTE": "row %d"}\n' "$i" "$i" "$i"; done >"$WORK/records.tsv"
"$TESTKIT" produce-keyed "$BOOTSTRAP" "$TOPIC" "$WORK/records.tsv" || fail "cannot produce"
write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false" "consumer.session.timeout.ms=6000"
DEAD=$(free_port)
config() { # config PORT: the sink's config as PUT takes it
  cat <<J
{"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
 "connection.url": "jdbc:postgresql://127.0.0.1:$1/$DB", "connection.user": "postgres",
 "connection.password": "postgres", "connection.attempts": "10", "connection.backoff.ms": "60000",
 "topics": "$TOPIC", "key.converter": "org.apache.kafka.connect.storage.StringConverter",
 "auto.create": "true", "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "ID"}
J
}
start_kcd "$WORK/worker.properties"
URL=$(rest_url)
wait_backoff() { # until the log shows the N-th failed attempt
  local deadline=$((SECONDS + 60))
  until [ "$(grep -c 'Connecting to PostgreSQL failed (attempt 1 of 10)' "$WORK/kcd.log")" -ge "$1" ]; do
    [ $SECONDS -lt $deadline ] || fail "the sink never tried the dead port"
    kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
    sleep 0.2
  done
}
put() { curl -s -o "$WORK/put.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  "$URL/connectors/pg-stop/config" -d "$(config "$1")"; }
code=$(put "$DEAD")
[ "$code" = 201 ] || fail "creating the sink answered $code: $(cat "$WORK/put.out")"
wait_backoff 1
code=$(put "$PG_PORT")
[ "$code" = 200 ] || fail "the PUT during the backoff answered $code: $(cat "$WORK/put.out")"
PG_DB=$DB wait_sql 100 "SELECT count(*) FROM \"$TOPIC\"" 60
grep -q "did not stop in time" "$WORK/kcd.log" && fail "a task did not stop in time"
echo "a reconfiguration during the sink's 60 s connection backoff applied at once; 100 rows arrived"

code=$(put "$DEAD")
[ "$code" = 200 ] || fail "putting the dead URL back answered $code"
wait_backoff 2
t0=$(date +%s.%N)
kill -TERM "$KCD_PID"
rc=0
wait_exit "$KCD_PID" 120 kcd || rc=$?
KCD_PID=""
took=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')")
[ "$rc" = 0 ] || fail "kcd exited $rc after SIGTERM"
python3 -c "import sys; sys.exit(0 if $took < 8 else 1)" || fail "SIGTERM during the backoff took ${took}s (graceful timeout 5 s)"
pass "the PostgreSQL sink's backoff gives way: a PUT during it applies, SIGTERM during it exits in ${took}s"
