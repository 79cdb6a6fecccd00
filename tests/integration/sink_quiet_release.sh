#!/usr/bin/env bash
# A sink whose topics went quiet gives back what the burst took: its converter thread ends
# after a quiet second (and its memory with it), and the next burst starts another; records of
# both bursts arrive once and in order.
. "$(dirname "$0")/lib.sh"
need_kafka
N=200000
TOPIC="it-quiet-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 1 || fail "cannot create topic"
seq -f 'a-%06g' 1 "$N" >"$WORK/first.txt"
seq -f 'b-%06g' 1 "$N" >"$WORK/second.txt"
cat "$WORK/first.txt" "$WORK/second.txt" >"$WORK/expected.txt"
write_worker "$WORK/worker.properties"
printf 'name=qsink\nconnector.class=FileStreamSink\ntopics=%s\nfile=%s\n' "$TOPIC" "$WORK/out.txt" >"$WORK/sink.properties"
start_kcd "$WORK/worker.properties" "$WORK/sink.properties"
URL=$(rest_url)
task_state() { curl -sf "$URL/connectors/qsink/status" | python3 -c 'import json, sys; print(json.load(sys.stdin)["tasks"][0]["state"])'; }
# converter threads of the process, by name
converters() { cat /proc/"$KCD_PID"/task/*/comm 2>/dev/null | grep -c '^kcd:convert$' || true; }
# burst FILE TOTAL: FILE lands while the connector is paused (a backlog: batches worth a
# converter thread), then until TOTAL lines are out, see whether a converter ran
burst() {
  local seen=0 deadline=$((SECONDS + 120))
  curl -sf -X PUT "$URL/connectors/qsink/pause" >/dev/null || fail "pause"
  wait_output PAUSED 30 "the task's state" task_state
  "$TESTKIT" produce "$BOOTSTRAP" "$TOPIC" "$1" || fail "cannot produce $1"
  curl -sf -X PUT "$URL/connectors/qsink/resume" >/dev/null || fail "resume"
  while [ "$(lines "$WORK/out.txt")" -lt "$2" ]; do
    [ "$(converters)" -gt 0 ] && seen=1
    [ $SECONDS -lt $deadline ] || fail "only $(lines "$WORK/out.txt") of $2 lines arrived"
    sleep 0.02
  done
  echo "$seen"
}
seen1=$(burst "$WORK/first.txt" "$N")
sleep 3
[ "$(converters)" -eq 0 ] || fail "the converter thread is still there 3 s after the burst"
seen2=$(burst "$WORK/second.txt" $((2 * N)))
[ "$seen1$seen2" = 11 ] || fail "no converter thread seen during a burst (first: $seen1, second: $seen2; sampled every 20 ms)"
sleep 3
[ "$(converters)" -eq 0 ] || fail "the converter thread is still there 3 s after the second burst"
stop_kcd
cmp -s "$WORK/expected.txt" "$WORK/out.txt" || fail "output differs: records lost, duplicated or reordered"
! grep -q "No converter thread" "$WORK/kcd.log" || fail "a converter thread could not be started"
pass "both bursts of $N records delivered once and in order; the converter thread ended after each"
