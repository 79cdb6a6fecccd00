#!/usr/bin/env bash
# Sink tasks get their partitions at once, not after the old consumer's session (45 s):
#  - real broker, kcd killed with -9 and started again: its file sink (a static group member,
#    group.instance.id <connector>-<task>-<hash of its offsets file>) takes its old place; the
#    time from the restart to the first new record written is printed;
#  - real broker, kcd stopped gracefully: its static member is taken out of the group (LeaveGroup
#    by identity), so a consumer of another kind (here a dynamic member: the connector with
#    consumer.override.group.instance.id empty) gets every partition at once;
#  - embedded broker, the sink reconfigured through REST: its task gets the partitions again within
#    a few seconds (the mock broker keeps no static members: short sessions there).
# Each wait fails after 20 s: the old behaviour, a 45 s session, cannot pass.
. "$(dirname "$0")/lib.sh"
need_kafka
TOPIC="it-instant-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
write_worker "$WORK/worker.properties"
sink() { # sink FILE OUT EXTRA
  printf 'name=instant\nconnector.class=FileStreamSink\ntopics=%s\nfile=%s\n%s\n' "$TOPIC" "$2" "$3" >"$1"
}
sink "$WORK/static.properties" "$WORK/out.txt" ""
sink "$WORK/dynamic.properties" "$WORK/out2.txt" "consumer.override.group.instance.id="
produce() { # produce PREFIX: 30 keyed records over the 3 partitions
  seq 1 30 | awk -v p="$1" '{ print $1 "\t" p $1 }' >"$WORK/$1.tsv"
  "$TESTKIT" produce-keyed "$BOOTSTRAP" "$TOPIC" "$WORK/$1.tsv" || fail "cannot produce"
}
count() { grep -c "^$1" "$2" 2>/dev/null || true; }
wait_all() { # wait_all PREFIX FILE: all 30 within 20 s; prints the seconds since $t0
  local deadline=$((SECONDS + 20))
  until [ "$(count "$1" "$2")" -ge 30 ]; do
    [ $SECONDS -lt $deadline ] || fail "only $(count "$1" "$2") of 30 '$1' records after 20 s"
    kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
    sleep 0.05
  done
  python3 -c "import time; print(f'{time.time() - $t0:.1f}')"
}

start_kcd "$WORK/worker.properties" "$WORK/static.properties"
produce a
t0=$(date +%s.%N)
wait_all a "$WORK/out.txt" >/dev/null
kill -9 "$KCD_PID"
wait "$KCD_PID" 2>/dev/null || true
start_kcd "$WORK/worker.properties" "$WORK/static.properties"
t0=$(date +%s.%N)
produce b
took=$(wait_all b "$WORK/out.txt")
echo "kill -9 and restart: all records flowing again ${took}s after the restart"
stop_kcd
grep -q "Leaving consumer group" "$WORK/kcd.log" && fail "the static member could not leave: $(grep 'Leaving consumer group' "$WORK/kcd.log")"
start_kcd "$WORK/worker.properties" "$WORK/dynamic.properties"
t0=$(date +%s.%N)
produce c
took2=$(wait_all c "$WORK/out2.txt")
echo "graceful stop, then a dynamic member: every partition's records ${took2}s after its start"
stop_kcd

# the embedded broker: a reconfiguration through REST
write_worker "$WORK/embedded.properties"
sed -i -e '/^bootstrap.servers=/d' -e "s|^offset.storage.file.filename=.*|offset.storage.file.filename=$WORK/emb-offsets.json|" \
  "$WORK/embedded.properties"
: >"$WORK/in.txt"
mv "$WORK/kcd.log" "$WORK/kcd-real-broker.log" # rest_url reads the newest kcd's port from it
start_kcd "$WORK/embedded.properties"
URL=$(rest_url)
put() { curl -fsS -X PUT -H 'Content-Type: application/json' "$URL/connectors/$1/config" -d "$2" >/dev/null || fail "PUT $1"; }
put src "{\"connector.class\":\"FileStreamSource\",\"file\":\"$WORK/in.txt\",\"topic\":\"emb\"}"
put snk "{\"connector.class\":\"FileStreamSink\",\"file\":\"$WORK/emb-out.txt\",\"topics\":\"emb\"}"
seq -f 'd%g' 1 30 >>"$WORK/in.txt"
t0=$(date +%s.%N)
wait_all d "$WORK/emb-out.txt" >/dev/null
put snk "{\"connector.class\":\"FileStreamSink\",\"file\":\"$WORK/emb-out.txt\",\"topics\":\"emb\",\"batch.size\":\"7\"}"
t0=$(date +%s.%N)
seq -f 'e%g' 1 30 >>"$WORK/in.txt"
took3=$(wait_all e "$WORK/emb-out.txt")
echo "embedded broker, sink reconfigured: records flowing again ${took3}s after the PUT"
stop_kcd
pass "sinks resume at once: kill -9 + restart ${took}s, after a graceful stop ${took2}s, embedded reconfiguration ${took3}s (the old member's session: 45 s)"
