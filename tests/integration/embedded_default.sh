#!/usr/bin/env bash
# With no bootstrap.servers kcd runs on the embedded broker, says loudly that data is not
# kept, and otherwise behaves the same.
. "$(dirname "$0")/lib.sh"
seq -f 'demo-%05g' 1 1000 >"$WORK/in.txt"
cat >"$WORK/worker.properties" <<P
plugin.path=$PLUGINS
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
P
printf 'name=src\nconnector.class=FileStreamSource\nfile=%s\ntopic=demo\n' "$WORK/in.txt" >"$WORK/src.properties"
printf 'name=snk\nconnector.class=FileStreamSink\ntopics=demo\nfile=%s\n' "$WORK/out.txt" >"$WORK/snk.properties"
start_kcd "$WORK/worker.properties" "$WORK/src.properties" "$WORK/snk.properties"
wait_lines "$WORK/out.txt" 1000 60
stop_kcd
cmp -s "$WORK/in.txt" "$WORK/out.txt" || fail "output differs from input"
grep -q "EMBEDDED IN-MEMORY broker" "$WORK/kcd.log" || fail "no loud warning about the embedded broker"
grep -q "NOT KEPT" "$WORK/kcd.log" || fail "the warning does not say data is not kept"
pass "embedded default: 1000 lines through, warning logged"
