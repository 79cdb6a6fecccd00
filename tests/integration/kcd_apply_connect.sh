#!/usr/bin/env bash
# kcd apply against Apache Kafka Connect 4.1.1 (ConnectStandalone from Maven Central, as bench/
# runs it) on the real broker: the same folder of connector files is created, applied again
# unchanged, an edit updates one connector, --prune deletes one. kcd apply speaks only Connect's
# REST API, so this is the proof that it is not tied to kcd.
. "$(dirname "$0")/lib.sh"
need_kafka
need_connect
PORT=$(free_port)
cat >"$WORK/connect.properties" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/connect.offsets
listeners=http://127.0.0.1:$PORT
P
start_java_connect ConnectStandalone "$WORK/connect.properties"
T="apply-connect-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$T" 1 || fail "cannot create $T"
mkdir -p "$WORK/connectors"
echo line >"$WORK/in.txt"
cat >"$WORK/connectors/a-source.json" <<J
{"name": "a-source", "config": {"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "topic": "$T", "file": "$WORK/in.txt"}}
J
cat >"$WORK/connectors/b-sink.properties" <<P
name=b-sink
connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector
topics=$T
file=$WORK/out.txt
P
apply() { "$KCD" apply "$@" --url "$URL" >"$WORK/apply.out" 2>"$WORK/apply.err"; }
apply --wait=60 "$WORK/connectors" || fail "first apply: $(cat "$WORK/apply.err")"
[ "$(cat "$WORK/apply.out")" = "$(printf 'created a-source\ncreated b-sink')" ] || fail "first apply: $(cat "$WORK/apply.out")"
wait_lines "$WORK/out.txt" 1 60
apply "$WORK/connectors" || fail "second apply: $(cat "$WORK/apply.err")"
[ "$(cat "$WORK/apply.out")" = "$(printf 'unchanged a-source\nunchanged b-sink')" ] ||
  fail "second apply against Connect: $(cat "$WORK/apply.out")"
sed -i "s|out.txt|out2.txt|" "$WORK/connectors/b-sink.properties"
apply "$WORK/connectors" || fail "apply after an edit: $(cat "$WORK/apply.err")"
[ "$(cat "$WORK/apply.out")" = "$(printf 'unchanged a-source\nupdated b-sink: changed file')" ] ||
  fail "edit against Connect: $(cat "$WORK/apply.out")"
rm "$WORK/connectors/a-source.json"
apply --prune "$WORK/connectors" || fail "prune: $(cat "$WORK/apply.err")"
grep -qx 'deleted a-source' "$WORK/apply.out" || fail "prune against Connect: $(cat "$WORK/apply.out")"
echo '{"name": "bad", "config": {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "topics": "x", "tasks.max": "two"}}' >"$WORK/bad.json"
rc=0
apply "$WORK/bad.json" || rc=$?
[ "$rc" = 1 ] && grep -q 'tasks.max' "$WORK/apply.err" || fail "a config Connect refuses: exit $rc, $(cat "$WORK/apply.err")"
pass "kcd apply against Kafka Connect $CONNECT_VERSION: created, unchanged, updated, pruned, refused"
