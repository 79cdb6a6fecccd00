#!/usr/bin/env bash
# kcd's config and status stores (core/cluster/config_store.c, status_store.c, on
# topic_follower.c) on the real broker. The config store makes Connect's config
# topic (one partition, compacted) and refuses one it must not use, as Connect does: more than one
# partition (records read out of order) or a deleting cleanup.policy (configs lost one day), each
# named in one message; a second store reads what a first one wrote, and, following the topic,
# sees its next write after a sync.
. "$(dirname "$0")/lib.sh"
need_kafka
TOOL="$KCD_BUILD/bin/kcd-test-internal-topics"
T="configs-$RUN_ID"
"$TOOL" store "$BOOTSTRAP" "$T" >"$WORK/store.out" 2>"$WORK/store.err" || fail "the store: $(cat "$WORK/store.out" "$WORK/store.err" | tail -5)"
grep -q '^store: ok' "$WORK/store.out" || fail "$(cat "$WORK/store.out")"
"$TOOL" read-config "$BOOTSTRAP" "$T" | matches '"target":"STOPPED"' || fail "the topic does not hold what the store wrote"
pass "config store: made $T; $(grep -v '^store: ok' "$WORK/store.out" | sed 's/^store: //' | paste -sd';')"

TWO="configs-two-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TWO" 2 || fail "cannot create $TWO"
rc=0
"$TOOL" store "$BOOTSTRAP" "$TWO" >"$WORK/two.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "topic $TWO (config.storage.topic) has cleanup.policy=delete" "$WORK/two.out" ||
  fail "a deleting two-partition config topic: exit $rc, $(cat "$WORK/two.out")"
pass "a config topic with cleanup.policy=delete is refused: $(grep -o 'has cleanup.policy=delete[^:]*' "$WORK/two.out")"

COMPACT2="configs-compact2-$RUN_ID"
"$TOOL" create-compacted "$BOOTSTRAP" "$COMPACT2" 2 || fail "cannot create $COMPACT2"
rc=0
"$TOOL" store "$BOOTSTRAP" "$COMPACT2" >"$WORK/c2.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "topic $COMPACT2 (config.storage.topic) has 2 partitions, where Connect requires 1" "$WORK/c2.out" ||
  fail "a two-partition config topic: exit $rc, $(cat "$WORK/c2.out")"
pass "a compacted config topic of 2 partitions is refused: $(grep -o 'has 2 partitions[^:]*' "$WORK/c2.out")"

S="statuses-$RUN_ID"
"$TOOL" status-store "$BOOTSTRAP" "$S" >"$WORK/status.out" 2>"$WORK/status.err" ||
  fail "the status store: $(cat "$WORK/status.out" "$WORK/status.err" | tail -5)"
grep -q '^status-store: ok' "$WORK/status.out" || fail "$(cat "$WORK/status.out")"
[ "$("$TOOL" read-status "$BOOTSTRAP" "$S" | python3 -c 'import json,sys; s=json.load(sys.stdin)["statuses"]["c"]; print(len(s["tasks"]), s["tasks"]["2"]["worker_id"])')" = "5 w2:8083" ] ||
  fail "the status topic does not hold what the store wrote"
pass "status store: $(grep -v '^status-store: ok' "$WORK/status.out" | sed 's/^status-store: //' | paste -sd';')"
