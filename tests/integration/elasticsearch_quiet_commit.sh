#!/usr/bin/env bash
# With the worker's default offset.flush.interval.ms (60 s), the Elasticsearch sink commits the
# end of a burst within moments: once the topics go quiet it sends what it holds, waits for the
# acknowledgements and asks for a commit, instead of leaving the offsets for the next interval
# (kcd only; Connect's sink waits for the interval). Two bursts of records, each checked by the
# group's committed offsets well inside the interval and by the documents in the index.
. "$(dirname "$0")/lib.sh"
need_kafka
need_opensearch
TOPIC="it-es-quiet-$RUN_ID"
INDEX="$TOPIC"
trap 'es DELETE "/$INDEX" >/dev/null 2>&1 || true; cleanup' EXIT
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 2 || fail "cannot create topic"
burst() { # burst FROM TO: records FROM..TO-1 as JSON lines
  awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i < b; i++) printf "{\"N\": %d, \"NOTE\": \"record %d\"}\n", i, i }' >"$WORK/burst.jsonl"
  "$TESTKIT" produce "$BOOTSTRAP" "$TOPIC" "$WORK/burst.jsonl" || fail "cannot produce"
}
committed() { "$TESTKIT" committed "$BOOTSTRAP" "connect-es-quiet" "$TOPIC" | awk '$2 > 0 {s += $2} END {print s + 0}'; }
count() { es POST "/$INDEX/_refresh" >/dev/null 2>&1; es_json "/$INDEX/_count" 'r["count"]' 2>/dev/null || echo 0; }
write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false"
sed -i '/^offset.flush.interval.ms=/d' "$WORK/worker.properties" # Connect's default: 60 s
cat >"$WORK/sink.json" <<J
{"name": "es-quiet", "config": {"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
  "connection.url": "$ES_URL", "topics": "$TOPIC", "key.ignore": "true", "schema.ignore": "true",
  "batch.size": "500", "linger.ms": "5000"}}
J
burst 0 20000
start_kcd "$WORK/worker.properties" "$WORK/sink.json"
# linger.ms=5000 too: what is left in a partial batch goes at once when the topic is quiet
wait_output 20000 20 "the committed offsets after the first burst" committed
[ "$(count)" = 20000 ] || fail "the index holds $(count) documents for 20000 records"
pass "the first burst committed within 20 s of a 60 s flush interval"
sleep 2
burst 20000 23333
wait_output 23333 15 "the committed offsets after the second burst" committed
[ "$(count)" = 23333 ] || fail "the index holds $(count) documents for 23333 records"
pass "the second burst, after an idle while, committed as promptly"
stop_kcd
