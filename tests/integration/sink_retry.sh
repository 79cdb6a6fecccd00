#!/usr/bin/env bash
# KC_ERETRY from put(): the worker pauses, backs off and redelivers the same batch, so a sink
# that refuses every third batch still gets every record exactly once and in order.
. "$(dirname "$0")/lib.sh"
need_kafka
N=5000
TOPIC="it-retry-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 1 || fail "cannot create topic"
seq -f 'r-%06g' 1 "$N" >"$WORK/in.txt"
write_worker "$WORK/worker.properties"
sed -i "s|^plugin.path=.*|plugin.path=$PLUGINS,$KCD_BUILD/tests/plugins/flaky|" "$WORK/worker.properties"
printf 'name=rsrc\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\nbatch.size=700\n' "$WORK/in.txt" "$TOPIC" >"$WORK/src.properties"
printf 'name=rsink\nconnector.class=com.example.kcd.FlakySinkConnector\ntopics=%s\nfile=%s\nfail.every=3\nconsumer.override.max.partition.fetch.bytes=4096\n' \
  "$TOPIC" "$WORK/out.txt" >"$WORK/sink.properties"
start_kcd "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties"
wait_lines "$WORK/out.txt" "$N" 240
sleep 1
stop_kcd
cmp -s "$WORK/in.txt" "$WORK/out.txt" || fail "output differs: records lost, duplicated or reordered"
retries=$(grep -c "put() asked to retry" "$WORK/kcd.log" || true)
[ "$retries" -ge 2 ] || fail "the sink asked for retries only $retries times"
grep -q "flaky-sink: $retries retries asked" "$WORK/kcd.log" || fail "worker and sink disagree on retry count"
pass "$retries retries, all $N records delivered once and in order"
