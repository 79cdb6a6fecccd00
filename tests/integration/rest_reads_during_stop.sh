#!/usr/bin/env bash
# No REST call waits behind a slow stop: while a DELETE (and then a PUT of a new config) waits for
# a sink whose stop() is held (the test sink's stop.hold.while: a sink flushing to a slow server),
# GET /, /metrics, the connector list, statuses and configs answer, the other connector's
# included; the held calls finish once the stop is let go, and the connector store is written.
# Calls that change connectors still run one at a time, as in Connect.
. "$(dirname "$0")/lib.sh"
need_kafka
TOPIC="it-readstop-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 1 || fail "cannot create topic"
write_worker "$WORK/worker.properties" "task.shutdown.graceful.timeout.ms=60000"
sed -i "s|^plugin.path=.*|plugin.path=$PLUGINS,$KCD_BUILD/tests/plugins/flaky|" "$WORK/worker.properties"
sink_json() { # sink_json NAME: a flaky-sink whose stop is held while $WORK/hold exists
  printf '{"name":"%s","config":{"connector.class":"com.example.kcd.FlakySinkConnector","topics":"%s","fail.every":"1000000","file":"%s","stop.hold.while":"%s"}}' \
    "$1" "$TOPIC" "$WORK/$1.txt" "$WORK/hold"
}
sink_json slow >"$WORK/slow.json"
sink_json other >"$WORK/other.json"
start_kcd "$WORK/worker.properties" "$WORK/slow.json" "$WORK/other.json"
URL=$(rest_url)
wait_output RUNNING 60 "slow's task to run" sh -c "curl -s $URL/connectors/slow/status | grep -o '\"tasks\":\[{\"id\":0,\"state\":\"[A-Z]*' | grep -o '[A-Z]*$'"
wait_output RUNNING 60 "other's task to run" sh -c "curl -s $URL/connectors/other/status | grep -o '\"tasks\":\[{\"id\":0,\"state\":\"[A-Z]*' | grep -o '[A-Z]*$'"

# reads CALL NAME: every read answers (5 s at most each), about the connector NAME held in CALL
# and the others, while CALL still waits
reads() {
  local path code
  for path in / /metrics /connectors "/connectors?expand=status" /connectors/other/status "/connectors/$2/status" \
              "/connectors/$2/config" /connectors/other/tasks "/connectors/$2/tasks/0/status"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL$path") || code="no answer"
    [ "$code" = 200 ] || fail "$1: GET $path gave [$code] while the stop was held"
  done
  kill -0 "$HELD" 2>/dev/null || fail "$1: the held call finished before the stop was let go"
}

touch "$WORK/hold"
curl -s -o "$WORK/delete.out" -w '%{http_code}' -X DELETE "$URL/connectors/slow" >"$WORK/delete.code" &
HELD=$!
wait_output 1 30 "slow's stop to be held" sh -c "grep -c 'flaky-sink: stopping, held while' $WORK/kcd.log"
reads "DELETE slow" slow
rm -f "$WORK/hold"
wait "$HELD"
[ "$(cat "$WORK/delete.code")" = 204 ] || fail "DELETE answered $(cat "$WORK/delete.code"): $(cat "$WORK/delete.out")"
curl -s "$URL/connectors" | matches '"slow"' && fail "slow is still listed after its DELETE"
grep -q '"other"' "$WORK/offsets.json.connectors" || fail "the connector store does not hold other"
grep -q '"slow"' "$WORK/offsets.json.connectors" && fail "the connector store still holds the deleted slow"
pass "a DELETE held by a slow stop kept no read waiting; it finished once let go, and the store followed"

# a reconfiguration held the same way (PUT config: the old task stops first)
touch "$WORK/hold"
curl -s -o "$WORK/put.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  -d "{\"connector.class\":\"com.example.kcd.FlakySinkConnector\",\"topics\":\"$TOPIC\",\"fail.every\":\"999999\",\"file\":\"$WORK/other.txt\",\"stop.hold.while\":\"$WORK/hold\"}" \
  "$URL/connectors/other/config" >"$WORK/put.code" &
HELD=$!
wait_output 2 30 "other's stop to be held" sh -c "grep -c 'flaky-sink: stopping, held while' $WORK/kcd.log"
reads "PUT other/config" other
curl -s "$URL/connectors/other/config" | matches '"fail.every":"1000000"' || fail "the old config is not shown while the change waits"
rm -f "$WORK/hold"
wait "$HELD"
[ "$(cat "$WORK/put.code")" = 200 ] || fail "PUT answered $(cat "$WORK/put.code"): $(cat "$WORK/put.out")"
curl -s "$URL/connectors/other/config" | matches '"fail.every":"999999"' || fail "the new config is not shown"
wait_output RUNNING 60 "other's task to run again" sh -c "curl -s $URL/connectors/other/status | grep -o '\"tasks\":\[{\"id\":0,\"state\":\"[A-Z]*' | grep -o '[A-Z]*$'"
stop_kcd
pass "a reconfiguration held by a slow stop kept no read waiting; the new config applied once let go"
