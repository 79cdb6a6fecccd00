#!/usr/bin/env bash
# The offsets topic is checked as Connect checks its internal topics (KAFKA-9216): a worker with
# exactly-once source support refuses to start on an offsets topic whose cleanup.policy deletes,
# naming the topic, the setting and the policy, rather than lose source offsets some day; a topic
# it creates itself is compacted and accepted.
. "$(dirname "$0")/lib.sh"
need_kafka
BAD="offsets-delete-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$BAD" 3 || fail "cannot create $BAD" # the broker's default: delete
write_worker "$WORK/worker.properties" "exactly.once.source.support=enabled" "offset.storage.topic=$BAD"
rc=0
timeout 60 "$KCD" standalone "$WORK/worker.properties" >"$WORK/kcd.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "kcd on a deleting offsets topic exited $rc"
grep -q "topic $BAD (offset.storage.topic) has cleanup.policy=delete" "$WORK/kcd.log" ||
  fail "the refusal does not name the topic, setting and policy: $(tail -3 "$WORK/kcd.log")"
pass "an offsets topic with cleanup.policy=delete is refused: $(grep -o 'has cleanup.policy=delete[^:]*' "$WORK/kcd.log")"
GOOD="offsets-new-$RUN_ID"
write_worker "$WORK/worker2.properties" "exactly.once.source.support=enabled" "offset.storage.topic=$GOOD"
: >"$WORK/kcd.log"
start_kcd "$WORK/worker2.properties"
rest_url >/dev/null
kill -0 "$KCD_PID" || fail "kcd did not start on a topic it created"
grep -q "source offsets on topic $GOOD" "$WORK/kcd.log" || fail "no offsets topic $GOOD: $(tail -3 "$WORK/kcd.log")"
stop_kcd
pass "an offsets topic kcd creates is compacted and accepted"
