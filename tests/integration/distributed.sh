#!/usr/bin/env bash
# kcd distributed: three, then four kcd workers in one Connect group on the real broker.
#  - connectors created through a follower (which forwards to the leader) run with their work
#    spread evenly (largest minus smallest load at most one);
#  - file source -> topic (6 partitions) -> file sink (tasks.max=3), 1,000,000 lines: a worker is
#    killed -9 in the middle; its work resumes on the others and every line arrives (time printed);
#  - a fourth worker joins and takes its share while the flow goes on; the longest gap in the
#    sink's output during that rebalance is printed; REST calls during it answer, never hang;
#  - a worker SIGSTOPped past its session timeout: its tasks move, and once SIGCONTed it writes
#    nothing while its session is gone (each worker's sink writes its own file, through
#    ${env:KCD_OUT}, so the test sees who wrote what);
#  - every worker stopped and started again: connectors, paused and stopped states and source
#    offsets come back from the topics alone.
. "$(dirname "$0")/lib.sh"
need_kafka
G="dist-$RUN_ID"
DATA="$G-data"
"$TESTKIT" create-topic "$BOOTSTRAP" "$DATA" 6 || fail "cannot create $DATA"
declare -A PORT PID
for n in 1 2 3 4; do PORT[$n]=$(free_port); done

start_worker() { # start_worker N
  local n=$1
  write_worker "$WORK/w$n.properties" "group.id=$G" "config.storage.topic=$G-configs" \
    "offset.storage.topic=$G-offsets" "status.storage.topic=$G-status" \
    "config.storage.replication.factor=1" "offset.storage.replication.factor=1" \
    "status.storage.replication.factor=1" "offset.storage.partitions=5" "status.storage.partitions=3" \
    "session.timeout.ms=6000" "heartbeat.interval.ms=1000" \
    "consumer.session.timeout.ms=6000" "consumer.heartbeat.interval.ms=1000" \
    "config.providers=env" "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider" \
    "listeners=http://127.0.0.1:${PORT[$n]}"
  sed -i -e '/^offset.storage.file.filename/d' -e '/^listeners=http:\/\/127.0.0.1:0/d' "$WORK/w$n.properties"
  KCD_OUT="$WORK/out-w$n.txt" "$KCD" distributed "$WORK/w$n.properties" >>"$WORK/w$n.log" 2>&1 &
  PID[$n]=$!
}
trap 'rm -f "$WORK/appending"; cleanup' EXIT
# the leader's URL, from the newest join any worker logged
leader() { grep -ho 'Joined generation [0-9]* (leader [^)]*)' "$WORK"/w*.log | sort -k3 -n | tail -1 | sed -e 's/.*leader \(.*\))/\1/' -e 's|/$||'; }
total() { cat "$WORK"/out-w*.txt 2>/dev/null | wc -l; }
unique() { cat "$WORK"/out-w*.txt 2>/dev/null | sort -u | wc -l; }
status() { curl -sf "$(url "$1")/connectors/$2/status"; }
# "worker_id count" lines for every connector and task of the group, read through worker $1
loads() {
  for c in src sink; do status "$1" $c; echo; done | python3 -c '
import json, sys, collections
n = collections.Counter()
for line in sys.stdin:
    if not line.strip(): continue
    s = json.loads(line)
    n[s["connector"]["worker_id"]] += 1
    for t in s["tasks"]: n[t["worker_id"]] += 1
print(" ".join(f"{w}={c}" for w, c in sorted(n.items())))'
}
all_running() { # all_running N CONNECTOR TASKS: the connector and its TASKS tasks RUNNING, seen from worker N
  status "$1" "$2" | python3 -c '
import json, sys
s = json.load(sys.stdin)
ok = s["connector"]["state"] == "RUNNING" and len(s["tasks"]) == int(sys.argv[1]) and all(t["state"] == "RUNNING" for t in s["tasks"])
print("yes" if ok else "no")' "$3" 2>/dev/null || echo no
}
wait_running() { # wait_running N CONNECTOR TASKS SECONDS
  local deadline=$((SECONDS + $4))
  until [ "$(all_running "$1" "$2" "$3")" = yes ]; do
    [ $SECONDS -lt $deadline ] || fail "$2 not RUNNING with $3 tasks after $4 s: $(status "$1" "$2")"
    sleep 0.3
  done
}
wait_unique_lines() { # wait_unique_lines WANT SECONDS
  local deadline=$((SECONDS + $2))
  until [ "$(unique)" -ge "$1" ]; do
    [ $SECONDS -lt $deadline ] || fail "waited $2 s for $1 distinct lines, have $(unique)"
    sleep 0.5
  done
}

# ---- what distributed mode cannot run is refused at start, each key named --------------------
printf 'bootstrap.servers=%s\nsecurity.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\nplugin.path=%s\n' \
  "$BOOTSTRAP" "$PLUGINS" >"$WORK/bad.properties"
rc=0
"$KCD" distributed "$WORK/bad.properties" >"$WORK/bad.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a worker config without group.id, with SASL GSSAPI: exit $rc"
for want in '"group.id"' '"config.storage.topic"' '"offset.storage.topic"' '"status.storage.topic"' \
  'value GSSAPI for configuration sasl.mechanism' 'Missing SASL credentials'; do
  grep -qF "$want" "$WORK/bad.out" || fail "not named: $want in $(cat "$WORK/bad.out")"
done
pass "refused at start, each named: $(wc -l <"$WORK/bad.out") problems (missing group.id and topics, sasl.mechanism, SASL credentials)"

# ---- three workers; connectors created through a follower -----------------------------------
seq 1 200000 >"$WORK/in.txt"
for n in 1 2 3; do start_worker $n; done
deadline=$((SECONDS + 60))
until [ "$(grep -l 'Joined generation' "$WORK"/w1.log "$WORK"/w2.log "$WORK"/w3.log 2>/dev/null | wc -l)" = 3 ] &&
  [ -n "$(leader)" ]; do
  [ $SECONDS -lt $deadline ] || fail "three workers did not form a group within 60 s"
  sleep 0.3
done
L=$(leader)
F=""
for n in 1 2 3; do [ "$(url $n)" != "$L" ] && F=$n; done
[ -n "$F" ] || fail "no follower: leader $L"
code=$(curl -s -o "$WORK/put.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' "$(url "$F")/connectors/src/config" \
  -d "{\"connector.class\":\"FileStreamSource\",\"file\":\"$WORK/in.txt\",\"topic\":\"$DATA\",\"tasks.max\":\"1\"}")
[ "$code" = 201 ] || fail "PUT through follower $(url "$F") (leader $L): $code $(cat "$WORK/put.json")"
code=$(curl -s -o "$WORK/post.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$(url "$F")/connectors" \
  -d "{\"name\":\"sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"\${env:KCD_OUT}\",\"topics\":\"$DATA\",\"tasks.max\":\"3\"}}")
[ "$code" = 201 ] || fail "POST through follower: $code $(cat "$WORK/post.json")"
pass "connectors created through follower $(url "$F"), forwarded to the leader $L"
wait_running 1 src 1 60
wait_running 2 sink 3 60
l=$(loads 3)
python3 -c 'import sys; c=[int(x.split("=")[1]) for x in sys.argv[1].split()]; sys.exit(0 if len(c)==3 and max(c)-min(c)<=1 else 1)' "$l" ||
  fail "work not spread evenly over three workers: $l"
pass "work spread evenly over three workers: $l"
# each worker's /metrics: its rebalances, the group's leader, and only the tasks it runs
tasks_total=0
for n in 1 2 3; do
  curl -sf "$(url "$n")/metrics" >"$WORK/metrics-$n.txt" || fail "GET /metrics of worker $n failed"
  grep -q '^kafka_connect_worker_rebalance_completed_rebalances_total [1-9]' "$WORK/metrics-$n.txt" ||
    fail "worker $n: no completed rebalance in its metrics"
  grep -qF "kafka_connect_worker_rebalance_leader_name{leader_name=\"$L" "$WORK/metrics-$n.txt" ||
    fail "worker $n: leader_name is not $L: $(grep leader_name "$WORK/metrics-$n.txt")"
  grep -q '^kafka_connect_worker_rebalance_connect_protocol{connect_protocol="sessioned"} 1' "$WORK/metrics-$n.txt" ||
    fail "worker $n: connect_protocol is not sessioned"
  tasks_total=$((tasks_total + $(awk '$1 == "kafka_connect_worker_task_count" {print $2}' "$WORK/metrics-$n.txt")))
done
[ "$tasks_total" = 4 ] || fail "the workers' task counts add up to $tasks_total, not the 4 tasks of src and sink"
pass "each worker's metrics: its rebalances, leader $L, sessioned protocol; task counts add up to 4"
[ "$(curl -s "$(url 1)/connectors/sink/config" | python3 -c 'import json,sys; print(json.load(sys.stdin)["file"])')" = '${env:KCD_OUT}' ] ||
  fail "the config topic does not keep the provider reference as written"

# ---- kill -9 in the middle of 1,000,000 lines --------------------------------------------------
# the rest of the input comes while the pipeline runs, so the kill falls in the middle of it
( for i in $(seq 200001 100000 900001); do seq "$i" $((i + 99999)) >>"$WORK/in.txt"; sleep 0.3; done ) >/dev/null 2>&1 &
deadline=$((SECONDS + 120))
until [ "$(total)" -ge 250000 ]; do
  [ $SECONDS -lt $deadline ] || fail "the pipeline moved only $(total) lines in 120 s"
  sleep 0.1
done
VICTIM=""
for n in 1 2 3; do [ "$(url $n)" != "$L" ] && [ "$n" != "$F" ] && VICTIM=$n; done
[ -n "$VICTIM" ] || VICTIM=$F
at_kill=$(total)
kill -9 "${PID[$VICTIM]}"
[ "$at_kill" -lt 1000000 ] || fail "the kill came after all lines were delivered ($at_kill): not in the middle"
t_kill=$(date +%s.%N)
unset "PID[$VICTIM]"
SURV=""
for n in 1 2 3; do [ "$n" != "$VICTIM" ] && SURV=$n; done
victim_id="127.0.0.1:${PORT[$VICTIM]}"
deadline=$((SECONDS + 90))
until [ "$(loads "$SURV" | grep -c "$victim_id")" = 0 ] && [ "$(all_running "$SURV" sink 3)" = yes ] &&
  [ "$(all_running "$SURV" src 1)" = yes ]; do
  [ $SECONDS -lt $deadline ] || fail "the killed worker's work did not move within 90 s: $(loads "$SURV")"
  sleep 0.2
done
t_moved=$(date +%s.%N)
wait_unique_lines 1000000 180
t_all=$(date +%s.%N)
[ "$(sort -n "$WORK"/out-w*.txt | uniq | head -1)" = 1 ] && [ "$(sort -n "$WORK"/out-w*.txt | uniq | tail -1)" = 1000000 ] ||
  fail "lines missing after the kill"
pass "$(printf 'kill -9 of worker %s at line %s: its work RUNNING elsewhere after %.1f s, all 1000000 lines after %.1f s (%s written, %s again after the kill)' \
  "$victim_id" "$at_kill" "$(echo "$t_moved - $t_kill" | bc)" "$(echo "$t_all - $t_kill" | bc)" "$(total)" "$(( $(total) - 1000000 ))")"

# ---- a fourth worker joins while records flow; REST during the rebalance ----------------------
start_worker "$VICTIM" # the killed worker's port again: a fresh member
start_worker 4
deadline=$((SECONDS + 30))
until curl -sf -o /dev/null "$(url 4)/"; do
  [ $SECONDS -lt $deadline ] || fail "the fourth worker's REST did not come up within 30 s"
  sleep 0.1
done
touch "$WORK/appending"
(
  i=1000001
  while [ -f "$WORK/appending" ]; do
    seq $i $((i + 499)) >>"$WORK/in.txt"
    i=$((i + 500))
    sleep 0.05
  done
  echo $((i - 1)) >"$WORK/appended"
) >/dev/null 2>&1 &
# the output's growth, sampled every 100 ms, to find the longest pause
(
  last=$(total); t_last=$(date +%s%N); worst=0
  while [ -f "$WORK/appending" ]; do
    sleep 0.1
    now=$(total); t=$(date +%s%N)
    if [ "$now" != "$last" ]; then
      gap=$(( (t - t_last) / 1000000 )); [ $gap -gt $worst ] && worst=$gap
      last=$now; t_last=$t
    fi
  done
  echo $worst >"$WORK/gap"
) >/dev/null 2>&1 &
rest_codes=""
deadline=$((SECONDS + 60))
while :; do
  s=$(curl -s -m 15 -o /dev/null -w '%{http_code} %{time_total}' "$(url 4)/connectors/sink/status" || echo "000 15")
  p=$(curl -s -m 15 -o /dev/null -w '%{http_code} %{time_total}' -X PUT -H 'Content-Type: application/json' \
    "$(url 4)/connectors/probe/config" -d "{\"connector.class\":\"FileStreamSink\",\"file\":\"$WORK/probe.txt\",\"topics\":\"$G-probe\"}" || echo "000 15")
  rest_codes="$rest_codes ${s%% *}/${p%% *}"
  for r in "$s" "$p"; do
    case "${r%% *}" in 200|201|404|409) ;; *) fail "REST during the rebalance answered ${r%% *}: $rest_codes";; esac
    python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 10 else 1)' "${r##* }" || fail "a REST call took ${r##* } s"
  done
  [ "$(loads 4 | grep -c "127.0.0.1:${PORT[4]}")" = 1 ] && break
  [ $SECONDS -lt $deadline ] || fail "the fourth worker got no work within 60 s: $(loads 4)"
  sleep 0.2
done
pass "a fourth worker joined and took its share: $(loads 4); REST answers during the rebalance (status/put):$(echo "$rest_codes" | tr ' ' '\n' | sort | uniq -c | awk '{printf " %s x%s", $2, $1}')"
sleep 3

# ---- SIGSTOP past the session timeout ----------------------------------------------------------
Z=""
for n in 1 2 3 4; do
  [ -n "${PID[$n]:-}" ] || continue
  status 4 sink | matches "\"127.0.0.1:${PORT[$n]}\"" && [ "$(status 4 src | grep -c "127.0.0.1:${PORT[$n]}")" = 0 ] && Z=$n
done
[ -n "$Z" ] || fail "no worker runs a sink task without the source: $(loads 4)"
kill -STOP "${PID[$Z]}"
size_stopped=$(lines "$WORK/out-w$Z.txt")
zid="127.0.0.1:${PORT[$Z]}"
deadline=$((SECONDS + 60))
OTHER=""
for n in 1 2 3 4; do [ -n "${PID[$n]:-}" ] && [ "$n" != "$Z" ] && OTHER=$n; done
until [ "$(status "$OTHER" sink | grep -c "$zid")" = 0 ] && [ "$(all_running "$OTHER" sink 3)" = yes ]; do
  [ $SECONDS -lt $deadline ] || fail "the stopped worker's tasks did not move within 60 s: $(status "$OTHER" sink)"
  sleep 0.2
done
sleep 2 # the flow goes on elsewhere
kill -CONT "${PID[$Z]}"
sleep 1.5
size_after=$(lines "$WORK/out-w$Z.txt")
[ "$size_after" = "$size_stopped" ] ||
  fail "worker $zid wrote $((size_after - size_stopped)) lines after its session expired"
pass "worker $zid SIGSTOPped past its session: its tasks moved; SIGCONTed, it wrote nothing while its session was gone"
rm -f "$WORK/appending"
deadline=$((SECONDS + 20))
until [ -f "$WORK/appended" ] && [ -f "$WORK/gap" ]; do [ $SECONDS -lt $deadline ] || fail "the appender did not stop"; sleep 0.2; done
appended=$(cat "$WORK/appended")
wait_unique_lines "$appended" 120
[ "$(sort -n "$WORK"/out-w*.txt | uniq | tail -1)" = "$appended" ] || fail "lines missing at the end"
pass "all $appended lines delivered; the longest pause of the sink's output while the fourth worker joined and the stopped worker's tasks moved: $(cat "$WORK/gap") ms"

# ---- every worker stopped and started again: the topics alone bring it all back --------------
curl -sf -X PUT "$(url 4)/connectors/sink/pause" >/dev/null || fail "pause"
curl -sf -X PUT "$(url 4)/connectors/src/stop" >/dev/null || fail "stop"
deadline=$((SECONDS + 30))
until [ "$(status 4 src | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["connector"]["state"], len(s["tasks"]))')" = "STOPPED 0" ]; do
  [ $SECONDS -lt $deadline ] || fail "src did not stop: $(status 4 src)"
  sleep 0.3
done
offsets_before=$(curl -sf "$(url 4)/connectors/src/offsets")
config_before=$(curl -sf "$(url 4)/connectors/sink/config")
for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}"; done
for n in "${!PID[@]}"; do wait_exit "${PID[$n]}" 120 "worker $n" || fail "worker $n exited with $? on SIGTERM"; done
PID=()
rm -f "$WORK"/w*.log.old
for n in 1 2 3; do start_worker $n; done
deadline=$((SECONDS + 60))
until [ "$(curl -s "$(url 2)/connectors" 2>/dev/null)" != "" ] &&
  [ "$(status 2 sink 2>/dev/null | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["connector"]["state"], len(s["tasks"]), all(t["state"]=="PAUSED" for t in s["tasks"]))' 2>/dev/null)" = "PAUSED 3 True" ]; do
  [ $SECONDS -lt $deadline ] || fail "after the restart the sink is not PAUSED with 3 tasks: $(status 2 sink)"
  sleep 0.3
done
[ "$(status 2 src | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["connector"]["state"], len(s["tasks"]))')" = "STOPPED 0" ] ||
  fail "after the restart src is not STOPPED: $(status 2 src)"
[ "$(curl -sf "$(url 3)/connectors/src/offsets")" = "$offsets_before" ] || fail "offsets differ after the restart: $(curl -s "$(url 3)/connectors/src/offsets") vs $offsets_before"
[ "$(curl -sf "$(url 1)/connectors/sink/config")" = "$config_before" ] || fail "the sink's config differs after the restart"
[ "$(curl -s "$(url 1)/connectors" | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)))')" = "['probe', 'sink', 'src']" ] ||
  fail "connectors after the restart: $(curl -s "$(url 1)/connectors")"
before=$(total)
seq $((appended + 1)) $((appended + 1000)) >>"$WORK/in.txt"
curl -sf -X PUT "$(url 1)/connectors/src/resume" >/dev/null || fail "resume src"
curl -sf -X PUT "$(url 1)/connectors/sink/resume" >/dev/null || fail "resume sink"
wait_unique_lines $((appended + 1000)) 90
again=$(( $(total) - before - 1000 ))
[ "$again" = 0 ] || fail "$again lines delivered again after the restart, though the source's offsets were kept"
pass "all workers restarted: connectors, PAUSED and STOPPED states and source offsets came back from the topics; the source went on from its offset ($offsets_before)"

# a connector made PAUSED (initial_state) makes no task until its first resume, as in Connect;
# the tasks view shows each task's config as the connector made it, without the defaults kcd
# filled in, with task.class
touch "$WORK/late.txt"
code=$(curl -s -o "$WORK/late.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$(url 2)/connectors" \
  -d "{\"name\":\"late\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$WORK/late.txt\",\"topic\":\"$DATA-late\"},\"initial_state\":\"PAUSED\"}")
[ "$code" = 201 ] || fail "POST with initial_state PAUSED: $code $(cat "$WORK/late.json")"
late_state() { status 3 late 2>/dev/null | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["connector"]["state"], len(s["tasks"]))' 2>/dev/null; }
deadline=$((SECONDS + 60))
until [ "$(late_state)" = "PAUSED 0" ]; do
  [ $SECONDS -lt $deadline ] || fail "late is not PAUSED without tasks: $(status 3 late)"
  sleep 0.3
done
for _ in 1 2 3 4 5 6; do # and stays so
  [ "$(late_state)" = "PAUSED 0" ] || fail "late made tasks while paused: $(status 3 late)"
  [ "$(curl -s "$(url 1)/connectors/late/tasks")" = "[]" ] || fail "late has task configs while paused"
  sleep 0.5
done
curl -sf -X PUT "$(url 1)/connectors/late/resume" >/dev/null || fail "resume late"
wait_running 2 late 1 60
curl -sf "$(url 3)/connectors/late/tasks" >"$WORK/late-tasks.json" || fail "GET late's tasks"
python3 - "$WORK/late-tasks.json" <<'PY' || fail "late's task view: $(cat "$WORK/late-tasks.json")"
import json, sys
tasks = json.load(open(sys.argv[1]))
assert [t["id"] for t in tasks] == [{"connector": "late", "task": 0}], tasks
cfg = tasks[0]["config"]
assert cfg["task.class"] == "org.apache.kafka.connect.file.FileStreamSourceTask", cfg
assert cfg["topic"].endswith("-late") and cfg["file"].endswith("late.txt"), cfg
filled = [k for k in ("errors.tolerance", "tasks.max.enforce", "errors.retry.timeout", "config.action.reload") if k in cfg]
assert not filled, f"defaults kcd filled in are shown: {filled}"
PY
pass "made PAUSED: no task until the first resume; the tasks view without filled defaults, with task.class"
