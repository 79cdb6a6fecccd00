#!/usr/bin/env bash
# A connector kept in the store (created earlier) and given again on the command line with a
# changed config starts with the command line's config only: no record goes where the old
# config pointed, and its offsets carry on.
. "$(dirname "$0")/lib.sh"
need_kafka
T1="it-cli-old-$RUN_ID"
T2="it-cli-new-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$T1" 1 || fail "cannot create topic"
"$TESTKIT" create-topic "$BOOTSTRAP" "$T2" 1 || fail "cannot create topic"
seq -f 'first-%03g' 1 10 >"$WORK/in.txt"
write_worker "$WORK/worker.properties" "offset.flush.interval.ms=100"
printf 'name=cli-src\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\n' "$WORK/in.txt" "$T1" >"$WORK/src.properties"
start_kcd "$WORK/worker.properties" "$WORK/src.properties"
deadline=$((SECONDS + 60))
until [ "$("$TESTKIT" count "$BOOTSTRAP" "$T1")" = 10 ] && grep -q '\\"position\\":100' "$WORK/offsets.json" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "first run did not deliver its 10 lines"
  sleep 0.2
done
stop_kcd
seq -f 'second-%03g' 1 10 >>"$WORK/in.txt"
printf 'name=cli-src\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\n' "$WORK/in.txt" "$T2" >"$WORK/src.properties"
mark=$(wc -l <"$WORK/kcd.log")
start_kcd "$WORK/worker.properties" "$WORK/src.properties"
deadline=$((SECONDS + 60))
until [ "$("$TESTKIT" count "$BOOTSTRAP" "$T2")" -ge 10 ]; do
  [ $SECONDS -lt $deadline ] || fail "second run did not deliver to the new topic"
  sleep 0.2
done
sleep 1
stop_kcd
[ "$("$TESTKIT" count "$BOOTSTRAP" "$T1")" = 10 ] || fail "records went to the old config's topic"
"$TESTKIT" dump "$BOOTSTRAP" "$T2" | cut -f3 | cmp -s - <(seq -f 'second-%03g' 1 10) ||
  fail "the new topic does not hold exactly the appended lines"
tail -n +"$((mark + 1))" "$WORK/kcd.log" | matches "Reconfiguring connector cli-src" &&
  fail "the connector started with the kept config and was then reconfigured"
pass "a kept connector given again on the command line starts with the new config only; offsets carried on"
