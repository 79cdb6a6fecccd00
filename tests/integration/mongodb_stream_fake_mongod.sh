#!/usr/bin/env bash
# The MongoDB source's change-stream path end to end against a FAKE server: tests/support/
# fake_mongod.py, a hand-written stand-in that speaks enough of MongoDB's wire protocol to serve
# a change stream of 20,000 events (inserts, updates with the looked-up document, deletes) and
# logs where each stream started. No real server here has change streams (see
# tests/services/ferretdb). kcd is killed with -9 at a random moment and started again: the
# task resumes after the stored resume token (not from the beginning), every event reaches the
# topic at least once, and each delete is followed by its tombstone.
. "$(dirname "$0")/lib.sh"
need_kafka
mongo "pass" # the venv with pymongo's bson module, which the fake uses
EVENTS=${KCD_IT_RECORDS:-20000}
PORT=$((20000 + RANDOM % 20000))
PREFIX="fake-$RUN_ID"
TOPIC="$PREFIX.ace.device"
"$MONGO_VENV/bin/python" "$KCD_SOURCE/tests/support/fake_mongod.py" "$PORT" "$EVENTS" "$WORK/fake.log" >"$WORK/fake.out" 2>&1 &
FAKE_PID=$!
trap 'kill "$FAKE_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do grep -q ready "$WORK/fake.out" && break; sleep 0.1; done
grep -q ready "$WORK/fake.out" || fail "the fake server did not start: $(cat "$WORK/fake.out")"
cat >"$WORK/source.json" <<J
{"name": "mongo-fake", "config": {"connector.class": "io.debezium.connector.mongodb.MongoDbConnector",
  "mongodb.hosts": "rs0/127.0.0.1:$PORT", "mongodb.name": "$PREFIX", "collection.whitelist": "ace\\\\.device",
  "snapshot.mode": "never", "max.batch.size": "200"}}
J
write_worker "$WORK/worker.properties" "key.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter=org.apache.kafka.connect.json.JsonConverter" "key.converter.schemas.enable=false" \
  "value.converter.schemas.enable=false" "offset.flush.interval.ms=300"
# the topic exists beforehand: records flow from the start instead of waiting in the producer
# for the topic to be created (then the first offsets come after thousands of records)
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 1 || fail "cannot create $TOPIC"
TARGET=$(( (RANDOM * 32768 + RANDOM) % (EVENTS * 6 / 10) + EVENTS / 10 ))
start_kcd "$WORK/worker.properties" "$WORK/source.json"
deadline=$((SECONDS + 120))
# a random moment once some offsets were stored (before that a restart begins again from the start)
until [ "$("$TESTKIT" count "$BOOTSTRAP" "$TOPIC" 2>/dev/null || echo 0)" -ge "$TARGET" ] && grep -q resume_token "$WORK/offsets.json" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "the stream did not reach $TARGET records"
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
  sleep 0.02
done
kill -9 "$KCD_PID"
wait "$KCD_PID" 2>/dev/null || true
KCD_PID=""
at=$("$TESTKIT" count "$BOOTSTRAP" "$TOPIC")
stored=$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["offsets"]; print(json.loads(o[0]["value"])["resume_token"] if o else "none")' "$WORK/offsets.json" 2>/dev/null || echo none)
echo "kcd killed with -9 at $at records (target $TARGET); stored resume token: $stored"
start_kcd "$WORK/worker.properties" "$WORK/source.json"
DELETES=$((EVENTS / 50))
wait_count "$TOPIC" $((EVENTS + DELETES)) 180 "the resumed stream did not deliver every event"
sleep 1
"$TESTKIT" dump-timestamps "$BOOTSTRAP" "$TOPIC" | cut -f5 | python3 -c "
import json, sys
events, tombstones, ops = set(), 0, {}
for line in sys.stdin:
    line = line.strip()
    if not line or line == 'null':
        tombstones += 1
        continue
    v = json.loads(line)
    s = v['source']
    i = (s['ts_ms'] // 1000 - 1700000000) * 10 + s['ord'] - 1  # the fake's numbering
    events.add(i)
    ops[v['op']] = ops.get(v['op'], 0) + 1
    if v['op'] != 'd':
        assert json.loads(v['after'])['seq'] == i, (i, v['after'])
missing = set(range($EVENTS)) - events
assert not missing, '%d events missing, e.g. %s' % (len(missing), sorted(missing)[:5])
assert tombstones >= $DELETES, tombstones
assert set(ops) == {'c', 'u', 'd'}, ops
print('ops', ops, 'tombstones', tombstones)
" || fail "events were lost or differ"
head -1 "$WORK/fake.log" | matches "from the beginning" || fail "the first stream did not start at the beginning: $(cat "$WORK/fake.log")"
[ "$stored" != none ] || fail "no resume token was stored before the kill"
sed -n 2p "$WORK/fake.log" | matches "from resumeAfter $stored" ||
  fail "the restarted task did not resume after the stored token $stored: $(cat "$WORK/fake.log")"
kill -0 "$KCD_PID" || fail "kcd died"
stop_kcd
pass "change stream from a fake server killed at $at of $EVENTS events: resumed after token $stored, every event delivered, deletes followed by tombstones"
