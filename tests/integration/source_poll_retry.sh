#!/usr/bin/env bash
# KC_ERETRY from a source's poll() after it handed over records: the worker sends them, backs
# off and polls again, so a source that asks for a retry on every third poll still gets every
# record to Kafka exactly once and in order (one partition, read back by a file sink).
. "$(dirname "$0")/lib.sh"
need_kafka
N=3000
TOPIC="it-source-retry-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 1 || fail "cannot create topic"
seq -f 'r-%06g' 1 "$N" >"$WORK/expected.txt"
write_worker "$WORK/worker.properties"
sed -i "s|^plugin.path=.*|plugin.path=$PLUGINS,$KCD_BUILD/tests/plugins/flaky|" "$WORK/worker.properties"
printf 'name=fsrc\nconnector.class=com.example.kcd.FlakySourceConnector\ntopic=%s\ncount=%d\nbatch.size=50\nretry.every=3\n' \
  "$TOPIC" "$N" >"$WORK/src.properties"
printf 'name=fsink\nconnector.class=FileStreamSink\ntopics=%s\nfile=%s\n' "$TOPIC" "$WORK/out.txt" >"$WORK/sink.properties"
start_kcd "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties"
wait_lines "$WORK/out.txt" "$N" 120
sleep 1
stop_kcd
cmp -s "$WORK/expected.txt" "$WORK/out.txt" || fail "output differs: $(wc -l <"$WORK/out.txt") lines; records lost, duplicated or reordered"
retries=$(grep -c "poll() asked to retry after handing over records" "$WORK/kcd.log" || true)
[ "$retries" -ge 10 ] || fail "the source asked for retries only $retries times"
grep -q "flaky-source: $retries retries asked" "$WORK/kcd.log" || fail "worker and source disagree on the retry count"
pass "$retries retries, all $N records delivered once and in order"
