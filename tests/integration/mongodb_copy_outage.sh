#!/usr/bin/env bash
# FerretDB is killed (-9) while the MongoDB source copies a 100,000-document collection, and
# started again 3 s later: the copy's reader reports the lost connection, the task retries (it
# does not fail), reads the interrupted collection again from its start, and every document
# reaches the topic; then the copy ends as usual (the change stream, which FerretDB lacks, is
# refused with the reason).
. "$(dirname "$0")/lib.sh"
need_kafka
need_ferretdb
N=${KCD_IT_RECORDS:-100000}
DB="it_outage_$(echo "$RUN_ID" | tr -c 'a-z0-9\n' '_')"
FERRET="$KCD_SOURCE/tests/services/ferretdb"
trap '"$FERRET" status >/dev/null 2>&1 || "$FERRET" start >/dev/null 2>&1; mongo "client.drop_database(\"$DB\")" >/dev/null 2>&1 || true; cleanup' EXIT
mongo_bulk "$DB" "$N"
mongo_bulk_configs outage "$DB" ', "mongodb.server.selection.timeout.ms": "2000"'
start_kcd "$WORK/worker.properties" "$WORK/source.json"
deadline=$((SECONDS + 120))
until [ "$("$TESTKIT" count "$BOOTSTRAP" "$TOPIC" 2>/dev/null || echo 0)" -ge $((N / 5)) ]; do
  [ $SECONDS -lt $deadline ] || fail "the copy did not reach $((N / 5)) records"
  sleep 0.02
done
"$FERRET" kill >/dev/null
at=$("$TESTKIT" count "$BOOTSTRAP" "$TOPIC" 2>/dev/null || echo 0)
[ "$at" -lt "$N" ] || fail "the copy had finished before FerretDB was killed ($at records): nothing was tested"
sleep 3
"$FERRET" start >/dev/null || fail "FerretDB did not start again"
wait_copy_over "the task did not finish its copy after the outage"
matches "poll() asked to retry: copying a collection" "$WORK/kcd.log" ||
  fail "the outage was not reported as a retriable failure of the copy"
twice=$(mongo_bulk_copied "$TOPIC" "$N")
pass "FerretDB killed at $at of $N copied documents and back 3 s later: the task retried, read the collection again ($twice documents twice) and every document reached the topic"
