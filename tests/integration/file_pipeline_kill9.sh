#!/usr/bin/env bash
# The file pipeline with kill -9 of the worker at a random moment, then a restart: every line
# arrives at least once, and the only duplicates in the topic are records after the last
# stored source offset.
. "$(dirname "$0")/lib.sh"
need_kafka
N=${KCD_IT_LINES:-200000}
LINE_BYTES=13 # "line-0000001\n"
TOPIC="it-kill9-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
seq -f 'line-%07g' 1 "$N" >"$WORK/in.txt"
write_worker "$WORK/worker.properties" "offset.flush.interval.ms=200" "consumer.session.timeout.ms=6000"
cat >"$WORK/source.properties" <<P
name=k9-source
connector.class=FileStreamSource
file=$WORK/in.txt
topic=$TOPIC
batch.size=500
P
cat >"$WORK/sink.properties" <<P
name=k9-sink
connector.class=FileStreamSinkConnector
topics=$TOPIC
file=$WORK/out.txt
P
# kill when the sink has seen a random share of the lines
TARGET=$(( (RANDOM * 32768 + RANDOM) % (N * 8 / 10) + N / 10 ))
start_kcd "$WORK/worker.properties" "$WORK/source.properties" "$WORK/sink.properties"
deadline=$((SECONDS + 300))
while [ "$(lines "$WORK/out.txt")" -lt "$TARGET" ]; do
  [ $SECONDS -lt $deadline ] || fail "timed out before the kill point"
  sleep 0.005
done
kill -9 "$KCD_PID"
wait "$KCD_PID" 2>/dev/null || true
KCD_PID=""
stored=$(grep -o '\\"position\\":[0-9]*' "$WORK/offsets.json" 2>/dev/null | grep -o '[0-9]*$' || echo 0)
echo "killed at $(lines "$WORK/out.txt") sink lines (target $TARGET); stored source position $stored"

start_kcd "$WORK/worker.properties" "$WORK/source.properties" "$WORK/sink.properties"
wait_unique "$WORK/out.txt" "$N" 300
sleep 1
stop_kcd

lost=$(comm -23 <(sort -u "$WORK/in.txt") <(sort -u "$WORK/out.txt") | head -3)
[ -z "$lost" ] || fail "lines lost: the sink lacks input lines such as: $lost"
# the sink never cuts its file: a line the kill tore stays, as a prefix of an input line; at most one
extra=$(comm -13 <(sort -u "$WORK/in.txt") <(sort -u "$WORK/out.txt"))
if [ -n "$extra" ]; then
  [ "$(wc -l <<<"$extra")" = 1 ] || fail "the sink wrote lines that are no input lines: $(head -3 <<<"$extra")"
  awk -v p="$extra" 'index($0, p) == 1 { found = 1 } END { exit !found }' "$WORK/in.txt" ||
    fail "the sink wrote a line that is no input line nor a torn one: $extra"
  echo "a line torn by the kill is kept: [$extra]"
fi
"$TESTKIT" dump "$BOOTSTRAP" "$TOPIC" >"$WORK/topic.tsv" || fail "cannot read topic"
cmp -s <(sort -u "$WORK/in.txt") <(cut -f3 "$WORK/topic.tsv" | sort -u) || fail "topic lacks some input lines"
# duplicates in the topic must all start at or after the stored position
bad=$(cut -f3 "$WORK/topic.tsv" | sort | uniq -d | awk -v s="$stored" -v b="$LINE_BYTES" \
      '{n=substr($1,6)+0; if ((n-1)*b < s) print}' | head -5)
[ -z "$bad" ] || fail "records before the stored offset were produced twice: $bad"
topic_dups=$(( $(wc -l <"$WORK/topic.tsv") - N ))
sink_dups=$(( $(lines "$WORK/out.txt") - N ))
pass "kill -9 and restart: all $N lines arrived; duplicates: topic $topic_dups (all after stored position $stored), sink $sink_dups"
