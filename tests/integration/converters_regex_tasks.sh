#!/usr/bin/env bash
# Per-connector converters override the worker's, topics.regex subscribes by pattern, and
# tasks.max=2 runs two sink tasks sharing the partitions.
. "$(dirname "$0")/lib.sh"
need_kafka
N=10000
PREFIX="it-rx-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$PREFIX-a" 2 || fail "cannot create topic a"
"$TESTKIT" create-topic "$BOOTSTRAP" "$PREFIX-b" 2 || fail "cannot create topic b"
seq -f 'a-%06g' 1 "$N" >"$WORK/a.txt"
seq -f 'b-%06g' 1 "$N" >"$WORK/b.txt"
write_worker "$WORK/worker.properties" # StringConverter at worker level
printf 'name=rx-a\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\n' "$WORK/a.txt" "$PREFIX-a" >"$WORK/a.properties"
cat >"$WORK/b.json" <<J
{"name":"rx-b","config":{"connector.class":"FileStreamSource","file":"$WORK/b.txt","topic":"$PREFIX-b",
 "value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"true"}}
J
printf 'name=rx-sink\nconnector.class=FileStreamSink\ntopics.regex=%s-.*\nfile=%s\ntasks.max=2\n' "$PREFIX" "$WORK/out.txt" >"$WORK/sink.properties"
start_kcd "$WORK/worker.properties" "$WORK/a.properties" "$WORK/b.json" "$WORK/sink.properties"
wait_lines "$WORK/out.txt" $((2 * N)) 180
sleep 1
stop_kcd
[ "$(lines "$WORK/out.txt")" = $((2 * N)) ] || fail "expected $((2 * N)) lines, got $(lines "$WORK/out.txt")"
# topic a: plain strings; topic b: JsonConverter envelopes written by the source connector
cmp -s "$WORK/a.txt" <(grep '^a-' "$WORK/out.txt" | sort) || fail "topic a lines differ"
sed 's|.*|{"schema":{"type":"string","optional":false},"payload":"&"}|' "$WORK/b.txt" >"$WORK/b-expected.txt"
cmp -s "$WORK/b-expected.txt" <(grep '^{' "$WORK/out.txt" | sort) || fail "topic b lines are not JSON envelopes"
tasks=$(grep -c "Sink task started" "$WORK/kcd.log")
[ "$tasks" = 2 ] || fail "expected 2 sink tasks, saw $tasks"
pass "per-connector converter, topics.regex over 2 topics, 2 sink tasks: $((2 * N)) records"
