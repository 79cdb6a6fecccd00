#!/usr/bin/env bash
# A sink catching up with a small prefetch queue is not held by librdkafka 2.0's once-a-second
# look at a full queue: after reading half a queue the task wakes the partitions' fetchers
# (sink_task.c fetch_kick). 20 MB read through a 64 KiB queue fetching 64 KiB a partition: without
# the wake-ups each of its ~100 refills waits up to a second; with them it takes a second or two.
# The test checks that the wake-ups happened while records came (at least once per two batches
# of 500), and stop once the topic is read (an idle task sends nothing).
. "$(dirname "$0")/lib.sh"
need_kafka
N=20000
TOPIC="it-wakeup-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
python3 -c "
import sys
pad = 'x' * 1000
for i in range($N): print('line-%07d-%s' % (i, pad))" >"$WORK/in.txt"
# fill the topic first, with the source alone
write_worker "$WORK/fill.properties"
cat >"$WORK/source.properties" <<P
name=it-fill
connector.class=FileStreamSource
file=$WORK/in.txt
topic=$TOPIC
P
start_kcd "$WORK/fill.properties" "$WORK/source.properties"
wait_count "$TOPIC" "$N" 120 "the source did not fill the topic"
stop_kcd
# then the sink alone, its queue 64 KiB and 100 records
write_worker "$WORK/worker.properties" "log.level=DEBUG"
cat >"$WORK/sink.json" <<J
{"name":"it-wakeup","config":{"connector.class":"FileStreamSink","topics":"$TOPIC","file":"$WORK/out.txt",
 "consumer.override.queued.max.messages.kbytes":"64","consumer.override.queued.min.messages":"100",
 "consumer.override.max.partition.fetch.bytes":"65536"}}
J
: >"$WORK/kcd.log"
start_kcd "$WORK/worker.properties" "$WORK/sink.json"
wait_lines "$WORK/out.txt" "$N" 120
cmp -s "$WORK/in.txt" <(sort "$WORK/out.txt") || fail "the sink's lines differ from the input"
woken=$(grep -c "since the last wake-up: waking the fetchers of 3 partitions" "$WORK/kcd.log" || true)
[ "$woken" -ge $((N / 1000)) ] || fail "the fetchers were woken $woken times for $N records through a 64 KiB queue (expected once per batch at least)"
sleep 3 # idle: the topic is read to its end
idle=$(grep -c "since the last wake-up" "$WORK/kcd.log" || true)
sleep 5
[ "$(grep -c "since the last wake-up" "$WORK/kcd.log" || true)" = "$idle" ] || fail "an idle sink task kept waking the fetchers"
stop_kcd
pass "20 MB through a 64 KiB prefetch queue: $N records, the fetchers woken $woken times while reading, never while idle"
