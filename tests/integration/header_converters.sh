#!/usr/bin/env bash
# header.converter through a real broker: source records' headers written by the default
# SimpleHeaderConverter as their text and by JsonConverter as its envelope; sinks reading them
# back typed (SimpleHeaderConverter infers [1,2,3] an array of int8, 42 an int8), as strings
# (StringConverter), or from JSON; a header the converter cannot read fails the task in stage
# HEADER_CONVERTER naming the record. The sinks are the test plugin header-dump-sink, which
# writes each record's headers with the schema the converter gave them.
. "$(dirname "$0")/lib.sh"
need_kafka
T_TEXT="it-hdr-text-$RUN_ID"
T_JSON="it-hdr-json-$RUN_ID"
printf 'a\nb\nc\n' >"$WORK/in.txt"
write_worker "$WORK/worker.properties" "consumer.session.timeout.ms=6000"
sed -i "s|^plugin.path=.*|plugin.path=$PLUGINS,$KCD_BUILD/tests/plugins/flaky|" "$WORK/worker.properties"
JSONC=org.apache.kafka.connect.json.JsonConverter
# the sources: each line hoisted into {"line": ...}, with the headers list=[1,2,3] and n=42
header_key() { [ -z "$1" ] || printf '"header.converter": "%s",' "$1"; }
source_json() { # NAME TOPIC [HEADER_CONVERTER]
  cat <<J
{"name": "$1", "config": {"connector.class": "FileStreamSource", "file": "$WORK/in.txt", "topic": "$2",
 "value.converter": "$JSONC", "value.converter.schemas.enable": "false",
 $(header_key "${3:-}")
 "transforms": "hoist,list,n",
 "transforms.hoist.type": "org.apache.kafka.connect.transforms.HoistField\$Value", "transforms.hoist.field": "line",
 "transforms.list.type": "org.apache.kafka.connect.transforms.InsertHeader",
 "transforms.list.header": "list", "transforms.list.value.literal": "[1, 2, 3]",
 "transforms.n.type": "org.apache.kafka.connect.transforms.InsertHeader",
 "transforms.n.header": "n", "transforms.n.value.literal": "42"}}
J
}
# the sinks: each record's headers as the converter read them, written to a file
sink_json() { # NAME TOPIC FILE [HEADER_CONVERTER]
  cat <<J
{"name": "$1", "config": {"connector.class": "com.example.kcd.HeaderDumpSinkConnector", "topics": "$2",
 $(header_key "${4:-}") "file": "$3"}}
J
}
start_kcd "$WORK/worker.properties"
URL=$(rest_url)
post() { curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$1" "$URL/connectors"; }
[ "$(post "$(source_json src-text "$T_TEXT")")" = 201 ] || fail "cannot create src-text"
[ "$(post "$(source_json src-json "$T_JSON" "$JSONC")")" = 201 ] || fail "cannot create src-json"
wait_count "$T_TEXT" 3 60 "src-text did not write its 3 records"
wait_count "$T_JSON" 3 60 "src-json did not write its 3 records"

# on the wire: Connect's SimpleHeaderConverter text, and JsonConverter's envelope with the
# schema the InsertHeader literal was read with
"$TESTKIT" dump-headers "$BOOTSTRAP" "$T_TEXT" | cut -f4 | sort -u >"$WORK/text.headers"
[ "$(cat "$WORK/text.headers")" = 'list=[1,2,3]|n=42' ] || fail "SimpleHeaderConverter wrote: $(cat "$WORK/text.headers")"
"$TESTKIT" dump-headers "$BOOTSTRAP" "$T_JSON" | cut -f4 | sort -u >"$WORK/json.headers"
want='list={"schema":{"type":"array","items":{"type":"int8","optional":false},"optional":false},"payload":[1,2,3]}'
want="$want"'|n={"schema":{"type":"int8","optional":false},"payload":42}'
[ "$(cat "$WORK/json.headers")" = "$want" ] || fail "JsonConverter wrote: $(cat "$WORK/json.headers"), want $want"
pass "headers written by SimpleHeaderConverter and JsonConverter"

[ "$(post "$(sink_json sink-simple "$T_TEXT" "$WORK/simple.txt")")" = 201 ] || fail "cannot create sink-simple"
[ "$(post "$(sink_json sink-string "$T_TEXT" "$WORK/string.txt" org.apache.kafka.connect.storage.StringConverter)")" = 201 ] ||
  fail "cannot create sink-string"
[ "$(post "$(sink_json sink-json "$T_JSON" "$WORK/json.txt" "$JSONC")")" = 201 ] || fail "cannot create sink-json"
for f in simple string json; do wait_lines "$WORK/$f.txt" 3 60; done
check() { # FILE WANT: every record's headers
  local got
  got=$(sort -u "$1")
  [ "$got" = "$2" ] || fail "$(basename "$1"): got $got, want $2"
}
check "$WORK/simple.txt" 'list:array<int8>=[1,2,3]|n:int8=42'
check "$WORK/string.txt" 'list:string=[1,2,3]|n:string=42'
check "$WORK/json.txt" 'list:array<int8>=[1,2,3]|n:int8=42'
pass "headers read back typed (SimpleHeaderConverter, JsonConverter) and as text (StringConverter)"

# JsonConverter with schemas cannot read SimpleHeaderConverter's text: the task fails naming
# the stage, the header and the record
[ "$(post "$(sink_json sink-bad "$T_TEXT" "$WORK/bad.txt" "$JSONC")")" = 201 ] || fail "cannot create sink-bad"
wait_task_failed "$URL" sink-bad 60
grep -q 'HEADER_CONVERTER' <<<"$TASK_STATUS" || fail "the trace does not name the stage: $TASK_STATUS"
grep -q "header 'list'" <<<"$TASK_STATUS" || fail "the trace does not name the header: $TASK_STATUS"
grep -q "offset=0" <<<"$TASK_STATUS" || fail "the trace does not name the record: $TASK_STATUS"
[ "$(lines "$WORK/bad.txt")" = 0 ] || fail "sink-bad wrote records it could not convert"
pass "an unreadable header fails the task in stage HEADER_CONVERTER"

# validate: an unknown header converter is an error on that key
code=$(curl -sS -o "$WORK/validate.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  --data-binary '{"connector.class": "FileStreamSink", "topics": "x", "header.converter": "com.example.NoSuchConverter"}' \
  "$URL/connector-plugins/FileStreamSink/config/validate")
[ "$code" = 200 ] || fail "validate answered $code"
python3 - "$WORK/validate.json" <<'PY' || fail "validate did not flag header.converter"
import json, sys
v = json.load(open(sys.argv[1]))
errs = {c["value"]["name"]: c["value"]["errors"] for c in v["configs"]}
assert any("NoSuchConverter" in e for e in errs["header.converter"]), errs["header.converter"]
rec = next(c["value"]["recommended_values"] for c in v["configs"] if c["value"]["name"] == "header.converter")
assert "org.apache.kafka.connect.storage.SimpleHeaderConverter" in rec, rec
PY
pass "validate checks header.converter"
stop_kcd
