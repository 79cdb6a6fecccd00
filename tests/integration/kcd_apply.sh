#!/usr/bin/env bash
# kcd apply against a running kcd on the real broker: a folder of connector files in the three
# shapes is created; applied again nothing changes (no PUT: the worker logs no reconfiguration);
# an edited file reconfigures that connector only, naming the changed key; --dry-run changes
# nothing; --prune deletes what no file names; a refused config exits 1 with Connect's message,
# an unreachable worker 3, --wait 0 when all run and 4 naming the connector that does not.
. "$(dirname "$0")/lib.sh"
need_kafka
write_worker "$WORK/worker.properties"
start_kcd "$WORK/worker.properties"
URL=$(rest_url)
T="apply-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$T" 1 || fail "cannot create $T"
mkdir -p "$WORK/connectors" "$WORK/data"
echo "line" >"$WORK/data/in.txt"
cat >"$WORK/connectors/a-source.json" <<J
{"name": "a-source", "config": {"connector.class": "FileStreamSource", "topic": "$T", "file": "$WORK/data/in.txt"}}
J
cat >"$WORK/connectors/b-sink.json" <<J
{"name": "b-sink", "connector.class": "FileStreamSink", "topics": "$T", "file": "$WORK/data/out.txt"}
J
cat >"$WORK/connectors/c-sink.properties" <<P
name=c-sink
connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector
topics=$T
file=$WORK/data/out2.txt
P
echo "not a connector" >"$WORK/connectors/README.md"
apply() { "$KCD" apply "$@" --url "$URL" >"$WORK/apply.out" 2>"$WORK/apply.err"; }
reconfigs() { grep -c 'Reconfiguring connector' "$WORK/kcd.log" || true; }

apply "$WORK/connectors" || fail "first apply: $(cat "$WORK/apply.err")"
[ "$(cat "$WORK/apply.out")" = "$(printf 'created a-source\ncreated b-sink\ncreated c-sink')" ] ||
  fail "first apply printed: $(cat "$WORK/apply.out")"
before=$(reconfigs)
apply "$WORK/connectors" || fail "second apply: $(cat "$WORK/apply.err")"
[ "$(cat "$WORK/apply.out")" = "$(printf 'unchanged a-source\nunchanged b-sink\nunchanged c-sink')" ] ||
  fail "second apply printed: $(cat "$WORK/apply.out")"
[ "$(reconfigs)" = "$before" ] || fail "an unchanged apply reconfigured a connector"
pass "apply twice: created, then unchanged with no reconfiguration"

sed -i "s|out2.txt|out3.txt|" "$WORK/connectors/c-sink.properties"
apply --dry-run "$WORK/connectors" || fail "dry run: $(cat "$WORK/apply.err")"
grep -qx 'would update c-sink: changed file' "$WORK/apply.out" || fail "dry run printed: $(cat "$WORK/apply.out")"
curl -s "$URL/connectors/c-sink/config" | matches 'out2.txt' || fail "--dry-run changed the connector"
apply "$WORK/connectors" || fail "apply after an edit: $(cat "$WORK/apply.err")"
grep -qx 'updated c-sink: changed file' "$WORK/apply.out" || fail "edit printed: $(cat "$WORK/apply.out")"
grep -qx 'unchanged a-source' "$WORK/apply.out" && grep -qx 'unchanged b-sink' "$WORK/apply.out" ||
  fail "the edit touched other connectors: $(cat "$WORK/apply.out")"
[ "$(reconfigs)" = $((before + 1)) ] || fail "expected exactly one reconfiguration, log has $(reconfigs)"
curl -s "$URL/connectors/c-sink/config" | matches 'out3.txt' || fail "the edit did not reach the worker"
pass "an edited file reconfigures only its connector; --dry-run changes nothing"

mv "$WORK/connectors/b-sink.json" "$WORK/b-sink.json.off"
apply --prune --dry-run "$WORK/connectors" || fail "prune dry run: $(cat "$WORK/apply.err")"
grep -qx 'would delete b-sink' "$WORK/apply.out" || fail "prune dry run printed: $(cat "$WORK/apply.out")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/connectors/b-sink")" = 200 ] || fail "--dry-run --prune deleted"
apply --prune "$WORK/connectors" || fail "prune: $(cat "$WORK/apply.err")"
grep -qx 'deleted b-sink' "$WORK/apply.out" || fail "prune printed: $(cat "$WORK/apply.out")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/connectors/b-sink")" = 404 ] || fail "--prune did not delete b-sink"
pass "--prune deletes what no file names (and --dry-run --prune does not)"

rc=0
apply --wait=30 "$WORK/connectors" || rc=$?
[ "$rc" = 0 ] || fail "--wait with running connectors exited $rc: $(cat "$WORK/apply.err")"
echo '{"name": "bad", "config": {"connector.class": "FileStreamSink", "topics": "x", "tasks.max": "two"}}' >"$WORK/bad.json"
rc=0
apply "$WORK/bad.json" || rc=$?
[ "$rc" = 1 ] && grep -q 'tasks.max' "$WORK/apply.err" || fail "a refused config: exit $rc, $(cat "$WORK/apply.err")"
echo '{"name": "stuck", "config": {"connector.class": "FileStreamSink", "topics": "x", "file": "/proc/kcd/nowhere.txt"}}' >"$WORK/stuck.json"
rc=0
t0=$SECONDS
apply --wait=300 "$WORK/stuck.json" || rc=$?
[ "$rc" = 4 ] && grep -q 'stuck: task 0 FAILED' "$WORK/apply.err" || fail "--wait on a failing task: exit $rc, $(cat "$WORK/apply.err")"
# FAILED is final until a restart: --wait says so at once rather than after its 300 s
[ $((SECONDS - t0)) -lt 120 ] || fail "--wait waited $((SECONDS - t0)) s for a FAILED task"
rc=0
"$KCD" apply "$WORK/connectors" --url http://127.0.0.1:1 >/dev/null 2>"$WORK/apply.err" || rc=$?
[ "$rc" = 3 ] && grep -q 'cannot reach the worker' "$WORK/apply.err" || fail "unreachable worker: exit $rc"
rc=0
"$KCD" apply "$WORK/nonexistent" --url "$URL" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a missing path: exit $rc"
pass "exit codes: 0 running, 1 refused (Connect's message), 2 bad path, 3 unreachable, 4 not running"
stop_kcd
