#!/usr/bin/env bash
# OpenSearch is killed with -9 at a random moment of a 100,000-record run and started again
# after a few seconds. Two sinks read the same topic (3 partitions): one writes every record as
# its own document (id topic+partition+offset), one keeps a document per key (10,000 keys, each
# updated 10 times, keyed so a key's records stay in order on one partition; the offset is the
# external version). The sinks retry with backoff; in the end the first index holds exactly one
# document per record and the second every key's last value; kcd keeps running.
# With FAULT=kill9 kcd itself is killed with -9 at that moment instead, and started again: the
# records after the last committed offsets are written again, and the same must hold (replays
# land on the same ids; a replayed older version of a key loses to the newer one).
. "$(dirname "$0")/lib.sh"
need_kafka
need_opensearch
N=${KCD_IT_RECORDS:-100000}
KEYS=$((N / 10))
DOWN=${KCD_IT_OUTAGE_S:-3}
TOPIC="it-es-restart-$RUN_ID"
I_ALL="$TOPIC-all"
I_KEYS="$TOPIC-keys"
restart_es() { "$KCD_SOURCE/tests/services/opensearch" start >/dev/null 2>&1 || "$KCD_SOURCE/tests/services/opensearch" start; }
trap 'restart_es; es DELETE "/$I_ALL,$I_KEYS" >/dev/null 2>&1 || true; cleanup' EXIT
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
awk -v n="$N" -v k="$KEYS" 'BEGIN { for (i = 0; i < n; i++) printf "%d\t{\"ID\": %d, \"SEQ\": %d, \"NOTE\": \"update %d of key %d\"}\n", i % k, i % k, i, int(i / k), i % k }' \
  >"$WORK/records.tsv"
"$TESTKIT" produce-keyed "$BOOTSTRAP" "$TOPIC" "$WORK/records.tsv" || fail "cannot produce"
write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false" "consumer.session.timeout.ms=6000" "offset.flush.interval.ms=500"
for mode in all keys; do
  cat >"$WORK/$mode.json" <<J
{"name": "es-restart-$mode", "config": {
  "connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
  "connection.url": "$ES_URL", "topics": "$TOPIC", "topic.index.map": "$TOPIC:$TOPIC-$mode",
  "key.converter": "org.apache.kafka.connect.storage.StringConverter", "schema.ignore": "true",
  "key.ignore": "$([ $mode = all ] && echo true || echo false)", "batch.size": "1000",
  "max.retries": "12", "retry.backoff.ms": "200", "flush.timeout.ms": "120000", "read.timeout.ms": "30000"}}
J
done
count() { es POST "/$1/_refresh" >/dev/null 2>&1; es_json "/$1/_count" 'r["count"]' 2>/dev/null || echo 0; }
TARGET=$(( (RANDOM * 32768 + RANDOM) % (N * 6 / 10) + N / 10 ))
start_kcd "$WORK/worker.properties" "$WORK/all.json" "$WORK/keys.json"
deadline=$((SECONDS + 300))
until [ "$(count "$I_ALL")" -ge "$TARGET" ]; do
  [ $SECONDS -lt $deadline ] || fail "timed out before the fault point ($(count "$I_ALL") of $TARGET documents)"
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
  sleep 0.1
done
at=$(count "$I_ALL")
if [ "${FAULT:-es}" = kill9 ]; then
  kill -9 "$KCD_PID"
  wait "$KCD_PID" 2>/dev/null || true
  KCD_PID=""
  echo "kcd killed with -9 at ~$at documents (target $TARGET); committed: $("$TESTKIT" committed "$BOOTSTRAP" connect-es-restart-all "$TOPIC" | awk '{s += $2} END {print s}')"
  start_kcd "$WORK/worker.properties" "$WORK/all.json" "$WORK/keys.json"
else
  "$KCD_SOURCE/tests/services/opensearch" kill
  echo "OpenSearch killed with -9 for ${DOWN}s at ~$at documents (target $TARGET)"
  sleep "$DOWN"
  kill -0 "$KCD_PID" || fail "kcd died while OpenSearch was down"
  restart_es
fi
deadline=$((SECONDS + 300))
until [ "$(count "$I_ALL")" -ge "$N" ] && [ "$(count "$I_KEYS")" -ge "$KEYS" ]; do
  [ $SECONDS -lt $deadline ] || fail "timed out: $(count "$I_ALL") of $N documents, $(count "$I_KEYS") of $KEYS keys"
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
  sleep 0.5
done
sleep 2 # anything still arriving would be a duplicate: let it land before counting
[ "$(count "$I_ALL")" = "$N" ] || fail "$(count "$I_ALL") documents for $N records"
# every record once: the SEQ values of the documents are 0..N-1
got=$(es POST "/$I_ALL/_search" '{"size": 0, "aggs": {"lo": {"min": {"field": "SEQ"}}, "hi": {"max": {"field": "SEQ"}}}}' |
  python3 -c 'import json,sys; a=json.load(sys.stdin)["aggregations"]; print(int(a["lo"]["value"]), int(a["hi"]["value"]))')
[ "$got" = "0 $((N - 1))" ] || fail "SEQ range of the documents is [$got], not [0 $((N - 1))]"
# every key's last value: SEQ of key k is k + 9 * KEYS
[ "$(count "$I_KEYS")" = "$KEYS" ] || fail "$(count "$I_KEYS") key documents for $KEYS keys"
stale=$(es POST "/$I_KEYS/_count" '{"query": {"range": {"SEQ": {"lt": '"$((9 * KEYS))"'}}}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
[ "$stale" = 0 ] || fail "$stale keys do not hold their last value"
retries=$(grep -c "not acknowledged, retry" "$WORK/kcd.log" || true)
kill -0 "$KCD_PID" || fail "kcd died"
grep -q "Task is being killed" "$WORK/kcd.log" && fail "a task failed"
stop_kcd
pass "${FAULT:-es} fault at ~$at of $N records: $N documents once each, $KEYS keys at their last value ($retries retry rounds)"
