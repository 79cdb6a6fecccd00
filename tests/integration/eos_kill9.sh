#!/usr/bin/env bash
# Exactly-once source support: the file source writes 200,000 lines through a transactional
# producer, with its offsets in the same transactions on the offsets topic. kcd is killed with
# -9 at a random moment and restarted: a read_committed consumer then sees every line exactly
# once, in order, with no gap.
. "$(dirname "$0")/lib.sh"
need_kafka
N=${KCD_IT_LINES:-200000}
TOPIC="it-eos-$RUN_ID"
OFFSETS="it-eos-offsets-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
seq -f 'line-%07g' 1 "$N" >"$WORK/in.txt"
write_worker "$WORK/worker.properties" "exactly.once.source.support=enabled" "offset.storage.topic=$OFFSETS" \
  "offset.storage.partitions=5" "offset.storage.replication.factor=1"
cat >"$WORK/source.properties" <<P
name=eos-source
connector.class=FileStreamSource
file=$WORK/in.txt
topic=$TOPIC
batch.size=500
exactly.once.support=required
transaction.boundary=poll
P
# kill when the topic holds a random share of the lines (watermarks count aborted ones too)
TARGET=$(( (RANDOM * 32768 + RANDOM) % (N * 7 / 10) + N / 10 ))
start_kcd "$WORK/worker.properties" "$WORK/source.properties"
deadline=$((SECONDS + 300))
while [ "$("$TESTKIT" count "$BOOTSTRAP" "$TOPIC" 2>/dev/null || echo 0)" -lt "$TARGET" ]; do
  [ $SECONDS -lt $deadline ] || fail "timed out before the kill point"
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
done
kill -9 "$KCD_PID"
wait "$KCD_PID" 2>/dev/null || true
KCD_PID=""
echo "killed at about $TARGET records in the topic"
grep -q "exactly-once: transactional producer" "$WORK/kcd.log" || fail "the task did not run with a transactional producer"
[ ! -s "$WORK/offsets.json" ] || fail "offsets went to the file, not to the offsets topic"

start_kcd "$WORK/worker.properties" "$WORK/source.properties"
# done when the committed offset of the file source reaches the file's end
size=$(stat -c %s "$WORK/in.txt")
deadline=$((SECONDS + 300))
until "$TESTKIT" dump "$BOOTSTRAP" "$OFFSETS" 2>/dev/null | matches "\"position\":$size}"; do
  [ $SECONDS -lt $deadline ] || fail "the source did not commit the end of the file"
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
  sleep 1
done
# the offsets API reads and writes the offsets topic: GET shows the committed position; a
# PATCH on the stopped connector lands on the topic
URL=$(rest_url)
curl -fsS "$URL/connectors/eos-source/offsets" | matches "\"position\":$size}" || fail "GET offsets does not show the end"
curl -fsS -X PUT "$URL/connectors/eos-source/stop" >/dev/null || fail "cannot stop the connector"
curl -fsS -X PATCH -H 'Content-Type: application/json' "$URL/connectors/eos-source/offsets" \
  -d "{\"offsets\":[{\"partition\":{\"filename\":\"$WORK/in.txt\"},\"offset\":{\"position\":13}}]}" >/dev/null ||
  fail "PATCH offsets refused"
"$TESTKIT" dump "$BOOTSTRAP" "$OFFSETS" | matches '"position":13}' || fail "the altered offset is not on the offsets topic"
stop_kcd
grep -q "Reading the committed offsets" "$WORK/kcd.log" && fail "reading offsets failed"
"$TESTKIT" dump "$BOOTSTRAP" "$TOPIC" >"$WORK/topic.tsv" || fail "cannot read the topic"
got=$(wc -l <"$WORK/topic.tsv")
[ "$got" = "$N" ] || fail "a read_committed consumer sees $got records, not $N ($(( got - N )) extra)"
cut -f3 "$WORK/topic.tsv" | sort | cmp -s - "$WORK/in.txt" || fail "the committed records are not exactly the input lines"
# one task, key-less records: each partition's lines keep the file's order
for p in 0 1 2; do
  awk -F'\t' -v p=$p '$1 == p { print $3 }' "$WORK/topic.tsv" | sort -c 2>/dev/null || fail "partition $p is out of order"
done
pass "exactly-once with kill -9 at ~$TARGET: a read_committed consumer sees all $N lines once each, in order"
