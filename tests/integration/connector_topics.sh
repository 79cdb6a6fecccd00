#!/usr/bin/env bash
# GET /connectors/<name>/topics as Connect reports it (recordActiveTopic, for every record):
#   - a source names a topic once Kafka acknowledged a record for it: a source whose records
#     Kafka refuses (a topic name outside Kafka's alphabet) fails with nothing listed;
#   - a sink names a topic once it read a record of it, not when it is assigned its partitions;
#   - after PUT .../topics/reset the list is empty, and the next record lists its topic again.
. "$(dirname "$0")/lib.sh"
need_kafka
GOOD="it-topics-src-$RUN_ID"
BAD="it-topics-src-$RUN_ID!refused" # '!' is not in Kafka's topic alphabet
SINKT="it-topics-sink-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$SINKT" 1 || fail "cannot create topic"
printf 'one\ntwo\n' >"$WORK/in.txt"
write_worker "$WORK/worker.properties"
printf 'name=good\nconnector.class=FileStreamSource\ntopic=%s\nfile=%s\n' "$GOOD" "$WORK/in.txt" >"$WORK/good.properties"
printf 'name=bad\nconnector.class=FileStreamSource\ntopic=%s\nfile=%s\n' "$BAD" "$WORK/in.txt" >"$WORK/bad.properties"
printf 'name=sink\nconnector.class=FileStreamSink\ntopics=%s\nfile=%s\n' "$SINKT" "$WORK/out.txt" >"$WORK/sink.properties"
start_kcd "$WORK/worker.properties" "$WORK/good.properties" "$WORK/bad.properties" "$WORK/sink.properties"
REST=$(rest_url)
topics() { curl -s "$REST/connectors/$1/topics"; }
listed() { echo "{\"$1\":{\"topics\":[$2]}}"; }
wait_topics() { wait_output "$2" 60 "$3" topics "$1"; } # wait_topics CONNECTOR WANT WHAT

wait_task_failed "$REST" bad 120
grep -q "$BAD" <<<"$TASK_STATUS" || fail "the failed task does not name the topic Kafka refused: $TASK_STATUS"
[ "$(topics bad)" = "$(listed bad "")" ] || fail "a topic with no acknowledged record is listed: $(topics bad)"
wait_topics good "$(listed good "\"$GOOD\"")" "the source that wrote does not list its topic"

# the sink: assigned, nothing read yet
wait_output 1 60 "the sink's assignment" grep -c "Partitions assigned: 1 (WorkerSinkTask{id=sink-0})" "$WORK/kcd.log"
sleep 1
[ "$(topics sink)" = "$(listed sink "")" ] || fail "the sink lists a topic it read nothing from: $(topics sink)"
echo "first" >"$WORK/record.txt"
"$TESTKIT" produce "$BOOTSTRAP" "$SINKT" "$WORK/record.txt" || fail "cannot produce"
wait_topics sink "$(listed sink "\"$SINKT\"")" "the sink does not list the topic it read"

# reset: empty, then the next record lists its topic again
for c in good sink; do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$REST/connectors/$c/topics/reset")" = 202 ] || fail "reset of $c"
  [ "$(topics $c)" = "$(listed $c "")" ] || fail "$c still lists topics after the reset: $(topics $c)"
done
echo "three" >>"$WORK/in.txt"
"$TESTKIT" produce "$BOOTSTRAP" "$SINKT" "$WORK/record.txt" || fail "cannot produce"
wait_topics good "$(listed good "\"$GOOD\"")" "the source does not list its topic again after a reset and a new record"
wait_topics sink "$(listed sink "\"$SINKT\"")" "the sink does not list its topic again after a reset and a new record"
stop_kcd
pass "sources list a topic once a record was acknowledged, sinks once one was read, and both again after a reset"
