#!/usr/bin/env bash
# The broker stops for 30 s at a random moment of a 200,000-line run and comes back: kcd
# keeps running, and every line arrives at least once (the test says how many twice).
. "$(dirname "$0")/lib.sh"
need_kafka
N=${KCD_IT_LINES:-200000}
OUTAGE=${KCD_IT_OUTAGE_S:-30}
TOPIC="it-outage-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
seq -f 'line-%07g' 1 "$N" >"$WORK/all.txt"
split -l $((N / 20)) "$WORK/all.txt" "$WORK/chunk."
: >"$WORK/in.txt"
write_worker "$WORK/worker.properties" "offset.flush.interval.ms=300" "consumer.session.timeout.ms=6000"
printf 'name=out-src\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\n' "$WORK/in.txt" "$TOPIC" >"$WORK/src.properties"
printf 'name=out-sink\nconnector.class=FileStreamSink\ntopics=%s\nfile=%s\n' "$TOPIC" "$WORK/out.txt" >"$WORK/sink.properties"
start_kcd "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties"
restart_broker() { "$KCD_SOURCE/tests/services/kafka" start >/dev/null 2>&1 || "$KCD_SOURCE/tests/services/kafka" start; }
trap 'restart_broker; cleanup' EXIT
AT=$((RANDOM % 17 + 2)) # after a random one of the 20 chunks, 2..18
i=0
for c in "$WORK"/chunk.*; do
  cat "$c" >>"$WORK/in.txt"
  i=$((i + 1))
  if [ $i = $AT ]; then
    wait_lines "$WORK/out.txt" $((N / 20)) 120
    echo "stopping the broker for ${OUTAGE}s at $(lines "$WORK/out.txt") sink lines"
    "$KCD_SOURCE/tests/services/kafka" stop
    sleep "$OUTAGE"
    kill -0 "$KCD_PID" || fail "kcd died while the broker was down"
    restart_broker
    echo "broker back"
  fi
  sleep 0.3
done
wait_unique "$WORK/out.txt" "$N" 300
kill -0 "$KCD_PID" || fail "kcd is not running"
sleep 1
stop_kcd
cmp -s <(sort -u "$WORK/all.txt") <(sort -u "$WORK/out.txt") || fail "lines lost"
dups=$(( $(lines "$WORK/out.txt") - N ))
pass "broker down ${OUTAGE}s mid-run: all $N lines arrived, $dups duplicates at the sink, kcd kept running"
