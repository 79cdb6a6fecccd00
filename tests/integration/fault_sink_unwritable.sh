#!/usr/bin/env bash
# The sink's target fails for a while: at a random moment of a 200,000-line run the file sink's
# output is made immutable (chattr +i: even root's writes fail with EPERM) for 10 s. The sink
# answers RETRY, the worker pauses and redelivers; kcd keeps running and every line arrives at
# least once (the test says how many twice).
. "$(dirname "$0")/lib.sh"
need_kafka
N=${KCD_IT_LINES:-200000}
OUTAGE=${KCD_IT_OUTAGE_S:-10}
TOPIC="it-unwritable-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
seq -f 'line-%07g' 1 "$N" >"$WORK/in.txt"
: >"$WORK/out.txt"
chattr +i "$WORK/out.txt" 2>/dev/null && chattr -i "$WORK/out.txt" ||
  fail "chattr +i does not work on $WORK (needs root and ext2/3/4, xfs or btrfs; set TMPDIR elsewhere)"
unlock() { chattr -i "$WORK/out.txt" 2>/dev/null || true; }
trap 'unlock; cleanup' EXIT
write_worker "$WORK/worker.properties" "offset.flush.interval.ms=300" "consumer.session.timeout.ms=6000"
printf 'name=uw-src\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\nbatch.size=500\n' "$WORK/in.txt" "$TOPIC" \
  >"$WORK/src.properties"
printf 'name=uw-sink\nconnector.class=FileStreamSink\ntopics=%s\nfile=%s\n' "$TOPIC" "$WORK/out.txt" >"$WORK/sink.properties"
TARGET=$(( (RANDOM * 32768 + RANDOM) % (N * 8 / 10) + N / 10 ))
start_kcd "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties"
deadline=$((SECONDS + 300))
while [ "$(lines "$WORK/out.txt")" -lt "$TARGET" ]; do
  [ $SECONDS -lt $deadline ] || fail "timed out before the fault point"
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
  sleep 0.005
done
chattr +i "$WORK/out.txt"
at=$(lines "$WORK/out.txt")
echo "sink output immutable for ${OUTAGE}s at $at lines"
sleep "$OUTAGE"
grows=$(lines "$WORK/out.txt")
[ "$grows" = "$at" ] || fail "the immutable file grew from $at to $grows lines: the fault was not real"
kill -0 "$KCD_PID" || fail "kcd died while its sink could not write"
grep -q "cannot write to $WORK/out.txt: Operation not permitted" "$WORK/kcd.log" ||
  fail "the sink's write failure was not reported"
unlock
echo "sink output writable again"
wait_unique "$WORK/out.txt" "$N" 300
kill -0 "$KCD_PID" || fail "kcd is not running"
sleep 1
stop_kcd
cmp -s "$WORK/in.txt" <(sort -u "$WORK/out.txt") || fail "lines lost"
dups=$(( $(lines "$WORK/out.txt") - N ))
pass "sink output unwritable ${OUTAGE}s at $at lines: all $N lines arrived, $dups duplicates at the sink, kcd kept running"
