#!/usr/bin/env bash
# errors.tolerance=all with a dead letter queue: 100,000 records of which 1% are malformed JSON;
# every good record reaches the sink, every bad one reaches the DLQ byte-identical with
# Connect's __connect.errors.* headers. errors.tolerance=none: the task fails at the first bad
# record with its offset in the trace, and nothing after it is committed.
. "$(dirname "$0")/lib.sh"
need_kafka
N=${KCD_IT_RECORDS:-100000}
TOPIC="it-dlq-$RUN_ID"
DLQ="$TOPIC-dlq"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) if (i % 100 == 0) printf "{\"n\":%d,\n", i; else printf "{\"n\":%d}\n", i }' \
  >"$WORK/in.txt"
grep -v ',$' "$WORK/in.txt" | sort >"$WORK/good.txt"
grep ',$' "$WORK/in.txt" | sort >"$WORK/bad.txt"
"$TESTKIT" produce "$BOOTSTRAP" "$TOPIC" "$WORK/in.txt" || fail "cannot produce"
write_worker "$WORK/worker.properties" "consumer.session.timeout.ms=6000"
cat >"$WORK/all.properties" <<P
name=dlq-all
connector.class=FileStreamSink
topics=$TOPIC
file=$WORK/out.txt
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
errors.tolerance=all
errors.log.enable=true
errors.deadletterqueue.topic.name=$DLQ
errors.deadletterqueue.topic.replication.factor=1
errors.deadletterqueue.context.headers.enable=true
P
start_kcd "$WORK/worker.properties" "$WORK/all.properties"
wait_lines "$WORK/out.txt" "$(wc -l <"$WORK/good.txt")" 300
deadline=$((SECONDS + 120))
until [ "$("$TESTKIT" count "$BOOTSTRAP" "$DLQ" 2>/dev/null || echo 0)" -ge "$(wc -l <"$WORK/bad.txt")" ]; do
  [ $SECONDS -lt $deadline ] || fail "DLQ has $("$TESTKIT" count "$BOOTSTRAP" "$DLQ") of $(wc -l <"$WORK/bad.txt")"
  sleep 0.5
done
sleep 1
stop_kcd
sort "$WORK/out.txt" | cmp -s - "$WORK/good.txt" || fail "the sink did not get exactly the good records"
"$TESTKIT" dump-headers "$BOOTSTRAP" "$DLQ" >"$WORK/dlq.tsv" || fail "cannot read the DLQ"
cut -f3 "$WORK/dlq.tsv" | sort | cmp -s - "$WORK/bad.txt" || fail "the DLQ does not hold exactly the bad records, byte for byte"
"$TESTKIT" dump "$BOOTSTRAP" "$TOPIC" >"$WORK/topic.tsv"
# every DLQ record names where it came from: topic, partition and offset of that same bytes
python3 - "$WORK/dlq.tsv" "$WORK/topic.tsv" "$TOPIC" <<'PY' || fail "DLQ context headers wrong"
import sys
src = {}
for line in open(sys.argv[2]):
    p, o, v = line.rstrip("\n").split("\t", 2)
    src[v] = (p, o)
for line in open(sys.argv[1]):
    p, o, v, hs = line.rstrip("\n").split("\t", 3)
    h = dict(kv.split("=", 1) for kv in hs.split("|"))
    assert h["__connect.errors.topic"] == sys.argv[3], h
    assert (h["__connect.errors.partition"], h["__connect.errors.offset"]) == src[v], (h, src[v])
    assert h["__connect.errors.connector.name"] == "dlq-all" and h["__connect.errors.task.id"] == "0"
    assert h["__connect.errors.stage"] == "VALUE_CONVERTER", h
    assert h["__connect.errors.class.name"] == "org.apache.kafka.connect.json.JsonConverter", h
    assert h["__connect.errors.exception.class.name"] == "org.apache.kafka.connect.errors.DataException"
    assert "serialization error" in h["__connect.errors.exception.message"], h
    assert h["__connect.errors.exception.stacktrace"]
PY
grep -q "Executing stage 'VALUE_CONVERTER'" "$WORK/kcd.log" || fail "errors.log.enable logged nothing"

# errors.tolerance=none: the task fails at the first bad record; nothing after it is committed
cat >"$WORK/none.properties" <<P
name=dlq-none
connector.class=FileStreamSink
topics=$TOPIC
file=$WORK/out-none.txt
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
P
start_kcd "$WORK/worker.properties" "$WORK/none.properties"
deadline=$((SECONDS + 120))
until grep -q "Task is being killed" "$WORK/kcd.log"; do
  [ $SECONDS -lt $deadline ] || fail "the task did not fail on the first bad record"
  sleep 0.3
done
stop_kcd
trace=$(grep "Task is being killed" "$WORK/kcd.log" | tail -1)
failed_at=$(grep -o 'partition=[0-9]* offset=[0-9]*' <<<"$trace") || fail "no offset in the trace: $trace"
fp=$(grep -o 'partition=[0-9]*' <<<"$failed_at" | cut -d= -f2)
fo=$(grep -o 'offset=[0-9]*' <<<"$failed_at" | cut -d= -f2)
awk -F'\t' -v p="$fp" -v o="$fo" '$1 == p && $2 == o' "$WORK/topic.tsv" | matches ',$' ||
  fail "the trace names partition $fp offset $fo, which is not a bad record"
"$TESTKIT" committed "$BOOTSTRAP" connect-dlq-none "$TOPIC" >"$WORK/committed.tsv" || fail "cannot read committed offsets"
# per partition: committed <= the first bad record's offset (a partition without a bad record
# may be committed to its end: every record in it was delivered)
python3 - "$WORK/committed.tsv" "$WORK/topic.tsv" <<'PY' || fail "offsets past a bad record were committed"
import sys
first_bad = {}
for line in open(sys.argv[2]):
    p, o, v = line.rstrip("\n").split("\t", 2)
    if v.endswith(",") and p not in first_bad:
        first_bad[p] = int(o)
for line in open(sys.argv[1]):
    p, c = line.split()
    if p in first_bad:
        assert int(c) <= first_bad[p], (p, c, first_bad[p])
PY
pass "tolerance=all: $(wc -l <"$WORK/good.txt") good records to the sink, $(wc -l <"$WORK/bad.txt") bad ones byte-identical in the DLQ with context headers; tolerance=none: failed at partition $fp offset $fo, nothing after it committed"
