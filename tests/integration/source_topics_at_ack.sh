#!/usr/bin/env bash
# GET /connectors/<source>/topics names a topic once Kafka acknowledged a record for it, as
# Connect does (recordActiveTopic in its send callback): a source whose records Kafka refuses
# (a topic name Kafka takes as invalid) fails with no topic listed, while a source beside it
# that writes lists its topic.
. "$(dirname "$0")/lib.sh"
need_kafka
GOOD="it-topics-ack-$RUN_ID"
BAD="it-topics-ack-$RUN_ID!refused" # '!' is not in Kafka's topic alphabet
printf 'one\ntwo\n' >"$WORK/in.txt"
write_worker "$WORK/worker.properties"
printf 'name=good\nconnector.class=FileStreamSource\ntopic=%s\nfile=%s\n' "$GOOD" "$WORK/in.txt" >"$WORK/good.properties"
printf 'name=bad\nconnector.class=FileStreamSource\ntopic=%s\nfile=%s\n' "$BAD" "$WORK/in.txt" >"$WORK/bad.properties"
start_kcd "$WORK/worker.properties" "$WORK/good.properties" "$WORK/bad.properties"
REST=$(rest_url)
wait_task_failed "$REST" bad 120
grep -q "$BAD" <<<"$TASK_STATUS" || fail "the failed task does not name the topic Kafka refused: $TASK_STATUS"
topics=$(curl -s "$REST/connectors/bad/topics")
[ "$topics" = '{"bad":{"topics":[]}}' ] || fail "a topic with no acknowledged record is listed: $topics"
deadline=$((SECONDS + 60))
until [ "$(curl -s "$REST/connectors/good/topics")" = "{\"good\":{\"topics\":[\"$GOOD\"]}}" ]; do
  [ $SECONDS -lt $deadline ] || fail "the source that wrote does not list its topic: $(curl -s "$REST/connectors/good/topics")"
  sleep 0.5
done
stop_kcd
pass "only the topic Kafka acknowledged records for is listed"
