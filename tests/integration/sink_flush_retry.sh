#!/usr/bin/env bash
# KC_ERETRY from flush(): for a sink that makes records durable only in flush(), a failed
# flush loses what it held since the last commit. The worker then rewinds the partitions to the
# committed offsets (to where it began, before any commit) and delivers those records again,
# so every record still arrives, once and in order. (flaky-sink buffers in put() and drops its
# buffer on the 1st, 3rd, 5th, ... flush.)
. "$(dirname "$0")/lib.sh"
need_kafka
N=20000
TOPIC="it-flush-retry-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 1 || fail "cannot create topic"
seq -f 'f-%06g' 1 "$N" >"$WORK/all.txt"
: >"$WORK/in.txt"
write_worker "$WORK/worker.properties" "offset.flush.interval.ms=300"
sed -i "s|^plugin.path=.*|plugin.path=$PLUGINS,$KCD_BUILD/tests/plugins/flaky|" "$WORK/worker.properties"
printf 'name=fsrc\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\nbatch.size=500\n' "$WORK/in.txt" "$TOPIC" >"$WORK/src.properties"
printf 'name=fsink-%s\nconnector.class=com.example.kcd.FlakySinkConnector\ntopics=%s\nfile=%s\nfail.every=1000000\nflush.fail.every=2\n' \
  "$RUN_ID" "$TOPIC" "$WORK/out.txt" >"$WORK/sink.properties"
start_kcd "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties"
# the input arrives in 8 parts, 0.7 s apart, so several flushes have records to lose
for part in 0 1 2 3 4 5 6 7; do
  sed -n "$((part * N / 8 + 1)),$(((part + 1) * N / 8))p" "$WORK/all.txt" >>"$WORK/in.txt"
  sleep 0.7
done
wait_lines "$WORK/out.txt" "$N" 240
sleep 1
stop_kcd
cmp -s "$WORK/in.txt" "$WORK/out.txt" || fail "output differs from input: records lost, repeated or reordered after flush retries"
retries=$(grep -c "flush() asked to retry" "$WORK/kcd.log" || true)
[ "$retries" -ge 2 ] || fail "flush() asked for retries only $retries times"
rewinds=$(grep -c "rewinding to the last committed ones" "$WORK/kcd.log" || true)
[ "$rewinds" = "$retries" ] || fail "$retries flush retries but $rewinds rewinds"
! grep -q "Rewinding .* failed\|Cannot read the committed offsets" "$WORK/kcd.log" || fail "a rewind failed: $(grep -m1 'Rewinding\|Cannot read' "$WORK/kcd.log")"
pass "$retries failed flushes (the first before any commit), each rewound: all $N records delivered once and in order"
