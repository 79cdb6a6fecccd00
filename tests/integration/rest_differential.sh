#!/usr/bin/env bash
# kcd's REST answers against Apache Kafka Connect 4.1.1's (ConnectStandalone from Maven Central,
# as bench/ runs it): the same worker settings on the same broker, one after the other, the same
# scripted requests (rest_differential.py: every route, good and bad bodies, every state change,
# odd names); status codes, media types, JSON shapes and values compared. Differences kcd keeps
# on purpose are on the script's allow-list, each with its reason; any other fails the test.
. "$(dirname "$0")/lib.sh"
need_kafka
need_connect
TOPIC="it-rest-diff-$RUN_ID"
PORT=$(free_port)
worker() { # worker FILE [LINE...]: the worker settings both are given
  local f=$1
  shift
  cat >"$f" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=$WORK/offsets-$(basename "$f" .properties)
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:$PORT
P
  printf '%s\n' "$@" >>"$f"
}
fresh() { # the topic, the files and the sink's consumer group as neither worker left them
  "$TESTKIT" delete-group "$BOOTSTRAP" connect-sink >/dev/null 2>&1 || true
  "$TESTKIT" delete-topic "$BOOTSTRAP" "$TOPIC" >/dev/null 2>&1 || true
  "$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 1 || fail "cannot create $TOPIC"
  printf 'one\ntwo\nthree\n' >"$WORK/in.txt"
  rm -f "$WORK/out.txt"
}
DIFF="python3 $KCD_SOURCE/tests/integration/rest_differential.py"

fresh
worker "$WORK/connect.properties"
start_java_connect ConnectStandalone "$WORK/connect.properties"
$DIFF record "$URL" "$WORK/connect.json" "$WORK" "$TOPIC" || fail "the requests to Kafka Connect failed"
kill "$KCD_PID"
wait "$KCD_PID" 2>/dev/null || true
KCD_PID=""

fresh
worker "$WORK/kcd.properties" "plugin.path=$KCD_BUILD/lib/kcd/plugins"
start_kcd "$WORK/kcd.properties"
URL=$(rest_url)
$DIFF record "$URL" "$WORK/kcd.json" "$WORK" "$TOPIC" || fail "the requests to kcd failed"
stop_kcd
$DIFF compare "$WORK/connect.json" "$WORK/kcd.json" || fail "kcd answers otherwise than Kafka Connect $CONNECT_VERSION (above)"
pass "kcd's REST answers are Kafka Connect $CONNECT_VERSION's but for the allow-list's differences"
