#!/usr/bin/env bash
# A rebalance in the middle of a run: a second worker joins the sink's consumer group, the first
# flushes and commits before its partitions are revoked, so across both workers' outputs every
# record appears exactly once.
. "$(dirname "$0")/lib.sh"
need_kafka
N=200000
TOPIC="it-rebalance-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 6 || fail "cannot create topic"
seq -f 'b-%07g' 1 "$N" >"$WORK/all.txt"
split -l 10000 "$WORK/all.txt" "$WORK/chunk."
: >"$WORK/in.txt" # the source follows this file as it grows
# worker 1: source and sink; worker 2: the same sink connector (same group connect-rb-sink)
write_worker "$WORK/w1.properties" "consumer.session.timeout.ms=6000"
write_worker "$WORK/w2.properties" "consumer.session.timeout.ms=6000"
sed -i "s|offsets.json|offsets2.json|" "$WORK/w2.properties"
printf 'name=rb-src\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\nbatch.size=100\n' "$WORK/in.txt" "$TOPIC" >"$WORK/src.properties"
printf 'name=rb-sink\nconnector.class=FileStreamSink\ntopics=%s\nfile=%s\n' "$TOPIC" "$WORK/out1.txt" >"$WORK/sink1.properties"
printf 'name=rb-sink\nconnector.class=FileStreamSink\ntopics=%s\nfile=%s\n' "$TOPIC" "$WORK/out2.txt" >"$WORK/sink2.properties"
start_kcd "$WORK/w1.properties" "$WORK/src.properties" "$WORK/sink1.properties"
i=0
for c in "$WORK"/chunk.*; do # feed the input over a few seconds; the second worker joins early
  cat "$c" >>"$WORK/in.txt"
  i=$((i + 1))
  if [ $i = 3 ]; then
    wait_lines "$WORK/out1.txt" 5000 120
    "$KCD" standalone "$WORK/w2.properties" "$WORK/sink2.properties" >>"$WORK/kcd2.log" 2>&1 &
    PID2=$!
  fi
  sleep 0.4
done
deadline=$((SECONDS + 240))
until [ $(( $(lines "$WORK/out1.txt") + $(lines "$WORK/out2.txt") )) -ge "$N" ]; do
  [ $SECONDS -lt $deadline ] || fail "timed out: $(( $(lines "$WORK/out1.txt") + $(lines "$WORK/out2.txt") )) of $N"
  sleep 0.3
done
sleep 2
kill -TERM $PID2; wait $PID2 || fail "second worker exited with an error"
stop_kcd
grep -q "Partitions revoked" "$WORK/kcd.log" || fail "no rebalance happened in worker 1"
[ "$(lines "$WORK/out2.txt")" -gt 0 ] || fail "the second worker received nothing"
cat "$WORK/out1.txt" "$WORK/out2.txt" | sort >"$WORK/sorted.txt"
cmp -s "$WORK/in.txt" "$WORK/sorted.txt" || fail "across both workers records were lost or duplicated ($(wc -l <"$WORK/sorted.txt") lines)"
pass "rebalance: worker 1 wrote $(lines "$WORK/out1.txt"), worker 2 wrote $(lines "$WORK/out2.txt"); every record exactly once"
