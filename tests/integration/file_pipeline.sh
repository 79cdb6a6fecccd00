#!/usr/bin/env bash
# File source -> real Kafka topic with 3 partitions -> file sink, 200,000 lines: every line
# arrives exactly once, and in order within each partition.
. "$(dirname "$0")/lib.sh"
need_kafka
N=${KCD_IT_LINES:-200000}
TOPIC="it-pipeline-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
seq -f 'line-%07g' 1 "$N" >"$WORK/in.txt"
write_worker "$WORK/worker.properties"
cat >"$WORK/source.properties" <<P
name=it-source
connector.class=org.apache.kafka.connect.file.FileStreamSourceConnector
file=$WORK/in.txt
topic=$TOPIC
P
cat >"$WORK/sink.json" <<J
{"name":"it-sink","config":{"connector.class":"FileStreamSink","topics":"$TOPIC","file":"$WORK/out.txt","tasks.max":"1"}}
J
start_kcd "$WORK/worker.properties" "$WORK/source.properties" "$WORK/sink.json"
wait_lines "$WORK/out.txt" "$N" 300
sleep 1 # a late duplicate would show up here
stop_kcd

[ "$(lines "$WORK/out.txt")" = "$N" ] || fail "sink has $(lines "$WORK/out.txt") lines, expected exactly $N"
cmp -s <(sort "$WORK/in.txt") <(sort "$WORK/out.txt") || fail "sink lines differ from the input"
"$TESTKIT" dump "$BOOTSTRAP" "$TOPIC" >"$WORK/topic.tsv" || fail "cannot read topic"
[ "$(wc -l <"$WORK/topic.tsv")" = "$N" ] || fail "topic holds $(wc -l <"$WORK/topic.tsv") records, expected $N"
# all three partitions used, each in input order by offset
parts=$(cut -f1 "$WORK/topic.tsv" | sort -u | wc -l)
[ "$parts" = 3 ] || fail "records landed in $parts partitions, expected 3"
awk -F'\t' '{n=substr($3,6)+0; if (n <= last[$1]) {print "partition " $1 " offset " $2 " out of order"; bad=1; exit 1} last[$1]=n}' \
  "$WORK/topic.tsv" || fail "topic order broken"
# the sink saw each partition's records in that same order
awk -F'\t' 'NR==FNR {p[$3]=$1; next} {n=substr($1,6)+0; q=p[$1]; if (n <= last[q]) {print "sink order broken at " $1; exit 1} last[q]=n}' \
  "$WORK/topic.tsv" "$WORK/out.txt" || fail "sink order broken within a partition"
grep -q 'position' "$WORK/offsets.json" || fail "no source offset stored"
pos=$(grep -o '\\"position\\":[0-9]*' "$WORK/offsets.json" | grep -o '[0-9]*$')
[ "$pos" = "$(stat -c %s "$WORK/in.txt")" ] || fail "stored position $pos, expected the file size"
pass "$N lines through 3 partitions, exactly once and in order"
