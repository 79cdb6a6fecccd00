#!/usr/bin/env bash
# kcd is killed with -9 at a random moment while the MongoDB source copies a 150,000-document
# collection (FerretDB), and started again: the copy had not finished (its stored offsets say
# initsync), so it runs again from the start, and every document reaches the topic at least once;
# offsets are stored only for records Kafka acknowledged. (The change stream that would follow is
# not there on FerretDB: the task then fails, as mongodb_source.sh shows.)
. "$(dirname "$0")/lib.sh"
need_kafka
need_ferretdb
N=${KCD_IT_RECORDS:-150000}
DB="it_kill9_$(echo "$RUN_ID" | tr -c 'a-z0-9\n' '_')"
trap 'mongo "client.drop_database(\"$DB\")" >/dev/null 2>&1 || true; cleanup' EXIT
mongo_bulk "$DB" "$N"
mongo_bulk_configs kill9 "$DB" '' "offset.flush.interval.ms=300"
TARGET=$(( (RANDOM * 32768 + RANDOM) % (N * 6 / 10) + N / 10 ))
start_kcd "$WORK/worker.properties" "$WORK/source.json"
deadline=$((SECONDS + 120))
until [ "$("$TESTKIT" count "$BOOTSTRAP" "$TOPIC" 2>/dev/null || echo 0)" -ge "$TARGET" ]; do
  [ $SECONDS -lt $deadline ] || fail "the copy did not reach $TARGET records"
  sleep 0.02
done
kill -9 "$KCD_PID"
wait "$KCD_PID" 2>/dev/null || true
KCD_PID=""
at=$("$TESTKIT" count "$BOOTSTRAP" "$TOPIC" 2>/dev/null || echo 0)
echo "kcd killed with -9 at $at records of the copy of $N (target $TARGET)"
[ "$at" -lt "$N" ] || fail "the copy had finished before the kill ($at records): nothing was tested"
stored_initsync=0
grep -q initsync "$WORK/offsets.json" 2>/dev/null && stored_initsync=1
: >"$WORK/kcd.log"
start_kcd "$WORK/worker.properties" "$WORK/source.json"
wait_copy_over "the restarted task did not finish its copy"
mongo_bulk_copied "$TOPIC" "$N" >/dev/null
grep -q "Copying 1 collections" "$WORK/kcd.log" || fail "the restarted task did not copy again"
# offsets stored mid-copy say so (initsync): the restarted task must have read them that way
[ "$stored_initsync" = 0 ] || matches "did not finish: copying them again" "$WORK/kcd.log" ||
  fail "the stored offsets said the copy was unfinished, the restarted task did not see it"
pass "killed with -9 at $at of $N copied documents (offsets stored mid-copy: $stored_initsync): the copy ran again and every document reached the topic"
