#!/usr/bin/env bash
# The worker's automatic restarts, on the test sink (flaky-sink) whose outages a file switches:
#  - start() answers KC_ERETRY while a file exists (a server not up yet): the task is FAILED with
#    the restart to come in its trace, restarted with backoff, and once the file is gone it runs
#    and delivers every record;
#  - put() answers KC_EOUTAGE (a server away longer than the plugin retries) with the connector's
#    task.auto.restart.max.attempts=2: two restarts, then FAILED for good, saying so;
#  - a failure that is not transient (the output cannot be opened) is not restarted.
. "$(dirname "$0")/lib.sh"
need_kafka
TOPIC="it-autorestart-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 1 || fail "cannot create topic"
seq -f 'line-%03g' 1 100 >"$WORK/in.txt"
"$TESTKIT" produce "$BOOTSTRAP" "$TOPIC" "$WORK/in.txt" || fail "cannot produce"
write_worker "$WORK/worker.properties" "task.auto.restart.backoff.max.ms=2000"
sed -i "s|^plugin.path=.*|plugin.path=$PLUGINS,$KCD_BUILD/tests/plugins/flaky|" "$WORK/worker.properties"
sink() { # sink NAME EXTRA-LINES
  printf 'name=%s\nconnector.class=com.example.kcd.FlakySinkConnector\ntopics=%s\nfail.every=1000000\n%s\n' \
    "$1" "$TOPIC" "$2" >"$WORK/$1.properties"
}
touch "$WORK/down" "$WORK/gone"
sink waits "file=$WORK/waits.txt
start.down.while=$WORK/down"
sink outage "file=$WORK/outage.txt
put.down.while=$WORK/gone
task.auto.restart.max.attempts=2"
sink broken "file=$WORK/no/such/folder/out.txt"
start_kcd "$WORK/worker.properties" "$WORK/waits.properties" "$WORK/outage.properties" "$WORK/broken.properties"
URL=$(rest_url)
task() { curl -s "$URL/connectors/$1/status" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; print(t[0]["state"] if t else "none"); print(t[0].get("trace","") if t else "")' 2>/dev/null; }
wait_task() { # wait_task NAME STATE TRACE-FRAGMENT SECONDS
  local deadline=$((SECONDS + $4))
  until st=$(task "$1") && [ "$(head -1 <<<"$st")" = "$2" ] && grep -qF -- "$3" <<<"$st"; do
    [ $SECONDS -lt $deadline ] || fail "$1: not $2 with [$3] after $4 s: $st"
    kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
    sleep 0.2
  done
}
wait_task waits FAILED "the server is not up ($WORK/down exists) (kcd restarts the task in" 30
wait_task waits FAILED "automatic restart 2 of 20" 30
echo "waits: $(task waits | tail -1)"
rm "$WORK/down"
wait_task waits RUNNING "" 30
wait_lines "$WORK/waits.txt" 100 60
cmp -s "$WORK/waits.txt" "$WORK/in.txt" || fail "waits: the output is not the input"
wait_task outage FAILED "the server is gone ($WORK/gone exists) (gave up after 2 automatic restarts)" 60
[ "$(grep -c 'outage-0}' <(grep 'Restarting the task in' "$WORK/kcd.log"))" = 2 ] ||
  fail "outage: not exactly 2 automatic restarts: $(grep 'Restarting the task' "$WORK/kcd.log" | grep outage)"
wait_task broken FAILED "cannot open output" 30
task broken | matches "kcd restarts" && fail "broken: a failure on its config was restarted"
grep -q 'broken-0}' <(grep 'Restarting the task in' "$WORK/kcd.log") && fail "broken: restarted automatically"
stop_kcd
pass "automatic restarts: a start failing for now retried until it ran (every record delivered); an outage given up after 2 restarts; a config failure left alone"
