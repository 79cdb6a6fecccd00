#!/usr/bin/env bash
# transaction.boundary=connector: a test source (tests/plugins/txn_source.c) commits its
# transactions after each block of 100 records and aborts every third block. A read_committed
# consumer sees exactly the committed blocks, once each, in order; the offsets topic holds the
# offset of the last committed block. A plugin that does not declare connector-defined
# boundaries is refused with transaction.boundary=connector, naming the key.
. "$(dirname "$0")/lib.sh"
need_kafka
TOPIC="it-txn-$RUN_ID"
OFFSETS="it-txn-offsets-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 1 || fail "cannot create topic"
write_worker "$WORK/worker.properties" "exactly.once.source.support=enabled" "offset.storage.topic=$OFFSETS" \
  "offset.storage.partitions=1" "offset.storage.replication.factor=1"
sed -i "s|^plugin.path=.*|plugin.path=$PLUGINS,$KCD_BUILD/tests/plugins/flaky|" "$WORK/worker.properties"

# refused: the file source cannot say where its transactions end
printf 'name=bad\nconnector.class=FileStreamSource\nfile=/dev/null\ntopic=x\ntransaction.boundary=connector\n' \
  >"$WORK/bad.properties"
rc=0
"$KCD" standalone "$WORK/worker.properties" "$WORK/bad.properties" >"$WORK/bad.log" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a connector-defined boundary on the file source was not refused (exit $rc)"
grep -q "Invalid value connector for configuration transaction.boundary: The connector .*FileStreamSourceConnector does not support connector-defined transaction boundaries" \
  "$WORK/bad.log" || { cat "$WORK/bad.log"; fail "the refusal does not name the key and the connector"; }

cat >"$WORK/txn.properties" <<P
name=txn
connector.class=com.example.kcd.TxnSourceConnector
topic=$TOPIC
count=3000
block.size=100
abort.every=3
exactly.once.support=required
transaction.boundary=connector
P
start_kcd "$WORK/worker.properties" "$WORK/txn.properties"
deadline=$((SECONDS + 120))
until "$TESTKIT" dump "$BOOTSTRAP" "$OFFSETS" 2>/dev/null | matches '"next":2900}'; do
  [ $SECONDS -lt $deadline ] || fail "the last committed block's offset never reached the offsets topic"
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
  sleep 0.5
done
stop_kcd
grep -q "Aborted a transaction of 100 records at the task's request" "$WORK/kcd.log" || fail "no abort was logged"
"$TESTKIT" dump "$BOOTSTRAP" "$TOPIC" | cut -f3 >"$WORK/got.txt" || fail "cannot read the topic"
awk 'BEGIN { for (i = 0; i < 3000; i++) if ((int(i / 100) + 1) % 3 != 0) print i }' >"$WORK/want.txt"
cmp -s "$WORK/got.txt" "$WORK/want.txt" ||
  fail "read_committed sees $(wc -l <"$WORK/got.txt") records, want the $(wc -l <"$WORK/want.txt") of committed blocks in order"
"$TESTKIT" dump "$BOOTSTRAP" "$OFFSETS" | matches '"next":3000}' && fail "an aborted block's offset was committed"
pass "connector-defined boundaries: 20 committed blocks visible once each in order, 10 aborted ones invisible, their offsets never committed"
