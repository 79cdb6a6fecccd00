#!/usr/bin/env bash
# Malformed records at random places of a live 200,000-record run: invalid JSON and values that
# do not match their own schema, interleaved with good records written by a running source.
# With errors.tolerance=all and a DLQ the sink gets every good record once and the DLQ every
# bad one byte for byte; kcd keeps running.
. "$(dirname "$0")/lib.sh"
need_kafka
N=${KCD_IT_LINES:-200000}
TOPIC="it-malformed-$RUN_ID"
DLQ="$TOPIC-dlq"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
# about 1% invalid JSON and 0.5% wrong schema, at random positions (seeded from $RANDOM)
awk -v n="$N" -v seed="$RANDOM" 'BEGIN {
  srand(seed)
  s = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"n\",\"type\":\"int32\",\"optional\":false}],\"optional\":false},\"payload\":"
  for (i = 1; i <= n; i++) {
    r = rand()
    if (r < 0.01) printf "%s{\"n\":%d,\n", s, i                                       # invalid JSON
    else if (r < 0.015) printf "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":\"n%d\"}\n", i # wrong schema
    else printf "%s{\"n\":%d}}\n", s, i
  }
}' >"$WORK/all.txt"
grep -v -e ',$' -e '"payload":"n' "$WORK/all.txt" | sed 's/.*"payload"://; s/}$//' | sort >"$WORK/good.txt"
grep -e ',$' -e '"payload":"n' "$WORK/all.txt" | sort >"$WORK/bad.txt"
echo "$(wc -l <"$WORK/good.txt") good, $(grep -c ',$' "$WORK/all.txt") invalid JSON, $(grep -c '"payload":"n' "$WORK/all.txt") wrong schema"
split -l $((N / 20)) "$WORK/all.txt" "$WORK/chunk."
: >"$WORK/in.txt"
write_worker "$WORK/worker.properties" "consumer.session.timeout.ms=6000"
printf 'name=mf-src\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\nbatch.size=500\n' "$WORK/in.txt" "$TOPIC" \
  >"$WORK/src.properties"
cat >"$WORK/sink.properties" <<P
name=mf-sink
connector.class=FileStreamSink
topics=$TOPIC
file=$WORK/out.txt
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=true
errors.tolerance=all
errors.deadletterqueue.topic.name=$DLQ
errors.deadletterqueue.topic.replication.factor=1
errors.deadletterqueue.context.headers.enable=true
P
start_kcd "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties"
for c in "$WORK"/chunk.*; do # the input grows while kcd runs
  cat "$c" >>"$WORK/in.txt"
  sleep 0.2
done
wait_lines "$WORK/out.txt" "$(wc -l <"$WORK/good.txt")" 300
deadline=$((SECONDS + 120))
until [ "$("$TESTKIT" count "$BOOTSTRAP" "$DLQ" 2>/dev/null || echo 0)" -ge "$(wc -l <"$WORK/bad.txt")" ]; do
  [ $SECONDS -lt $deadline ] || fail "DLQ has $("$TESTKIT" count "$BOOTSTRAP" "$DLQ") of $(wc -l <"$WORK/bad.txt")"
  sleep 0.5
done
kill -0 "$KCD_PID" || fail "kcd is not running"
sleep 1
stop_kcd
sort "$WORK/out.txt" | cmp -s - "$WORK/good.txt" || fail "the sink did not get exactly the good records"
"$TESTKIT" dump-headers "$BOOTSTRAP" "$DLQ" >"$WORK/dlq.tsv" || fail "cannot read the DLQ"
cut -f3 "$WORK/dlq.tsv" | sort | cmp -s - "$WORK/bad.txt" || fail "the DLQ does not hold exactly the bad records"
grep -c "__connect.errors.stage=VALUE_CONVERTER" "$WORK/dlq.tsv" | matches -x "$(wc -l <"$WORK/bad.txt")" ||
  fail "DLQ records lack their context headers"
pass "$(wc -l <"$WORK/bad.txt") malformed records at random places of $N: good ones all at the sink once, bad ones all in the DLQ byte for byte, kcd kept running"
