#!/usr/bin/env bash
# kcd and Apache Kafka Connect 4.1.1 (Maven Central) in distributed mode on one group and one set
# of internal topics, with the file connectors (Connect's class names, which kcd takes):
#  1. a Java worker runs file source -> topic -> file sink; it is stopped (SIGTERM);
#  2. two kcd workers on its group and topics take over: the same connectors and configs, the
#     lines written meanwhile arrive, and no line is delivered twice (the Java worker's committed
#     source and sink offsets are where kcd goes on);
#  3. the reverse: the kcd workers stopped, the Java worker takes over kcd's topics, the same;
#  4. a mixed group (the README's "Java and kcd workers together"): a kcd worker joins the running
#     Java worker, the work is shared between them, and every line arrives.
. "$(dirname "$0")/lib.sh"
need_kafka
need_connect
G="javamix-$RUN_ID"
DATA="$G-data"
"$TESTKIT" create-topic "$BOOTSTRAP" "$DATA" 3 || fail "cannot create $DATA"
JPORT=$(free_port)
declare -A PORT PID
for n in 1 2; do PORT[$n]=$(free_port); done
group_keys() {
  cat <<EOF
bootstrap.servers=$BOOTSTRAP
group.id=$G
config.storage.topic=$G-configs
offset.storage.topic=$G-offsets
status.storage.topic=$G-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=5
status.storage.partitions=3
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.flush.interval.ms=1000
session.timeout.ms=6000
heartbeat.interval.ms=1000
scheduled.rebalance.max.delay.ms=0
consumer.session.timeout.ms=6000
consumer.heartbeat.interval.ms=1000
rest.advertised.host.name=127.0.0.1
EOF
}
{ group_keys; echo "listeners=http://127.0.0.1:$JPORT"; } >"$WORK/java.properties"
start_kcd_worker() { # start_kcd_worker N
  { group_keys; echo "plugin.path=$PLUGINS"; echo "listeners=http://127.0.0.1:${PORT[$1]}"; } >"$WORK/k$1.properties"
  "$KCD" distributed "$WORK/k$1.properties" >>"$WORK/k$1.log" 2>&1 &
  PID[$1]=$!
}
stop_kcd_workers() {
  for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}"; [ "$KCD_PID" = "${PID[$n]}" ] && KCD_PID=""; done
  for n in "${!PID[@]}"; do wait_exit "${PID[$n]}" 120 "kcd worker $n" || fail "kcd worker $n exited with $? on SIGTERM"; done
  PID=()
}
stop_java() { kill -TERM "$KCD_PID"; wait_exit "$KCD_PID" 120 "the Java worker" || true; KCD_PID=""; }
fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/connect.log "$WORK"/k*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }; done
  exit 1
}
# running URL CONNECTOR TASKS: the connector and TASKS tasks RUNNING
running() {
  curl -sf "$1/connectors/$2/status" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("yes" if s["connector"]["state"] == "RUNNING" and len(s["tasks"]) == int(sys.argv[1]) and
      all(t["state"] == "RUNNING" for t in s["tasks"]) else "no")' "$3" 2>/dev/null || echo no
}
wait_running() { wait_output yes 90 "$2 RUNNING through $1" running "$1" "$2" "$3"; }
# every line 1..N exactly once in out.txt (ONCE=0: at least once)
check_lines() {
  local n=$1 deadline=$((SECONDS + 120))
  until [ "$(sort -u "$WORK/out.txt" 2>/dev/null | wc -l)" -ge "$n" ]; do
    [ $SECONDS -lt $deadline ] || fail "waited 120 s for $n distinct lines in the sink's file, have $(sort -u "$WORK/out.txt" | wc -l)"
    sleep 0.5
  done
  [ "$(sort -n "$WORK/out.txt" | uniq | tail -1)" = "$n" ] || fail "lines beyond $n?"
  if [ "${ONCE:-1}" = 1 ]; then
    sleep 2 # a late duplicate would show now
    local total
    total=$(lines "$WORK/out.txt")
    [ "$total" = "$n" ] || fail "$((total - n)) lines delivered twice"
  fi
}
SRC='{"connector.class":"org.apache.kafka.connect.file.FileStreamSourceConnector","file":"'"$WORK/in.txt"'","topic":"'"$DATA"'","tasks.max":"1"}'
SINK='{"connector.class":"org.apache.kafka.connect.file.FileStreamSinkConnector","file":"'"$WORK/out.txt"'","topics":"'"$DATA"'","tasks.max":"2"}'

# ---- 1. Java ------------------------------------------------------------------------------------
seq 1 50000 >"$WORK/in.txt"
start_java_connect ConnectDistributed "$WORK/java.properties"
JURL=$URL
for c in src sink; do
  body=$SRC; [ $c = sink ] && body=$SINK
  code=$(curl -s -o "$WORK/put.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' "$JURL/connectors/$c/config" -d "$body")
  [ "$code" = 201 ] || fail "PUT $c on Connect: $code $(cat "$WORK/put.json")"
done
wait_running "$JURL" src 1
wait_running "$JURL" sink 2
check_lines 50000
java_src=$(curl -sf "$JURL/connectors/src/config")
java_sink=$(curl -sf "$JURL/connectors/sink/config")
sleep 2 # an offset flush interval: the source's last offset is committed on stop anyway
stop_java
pass "Connect 4.1.1 ran file source -> topic -> file sink on group $G: 50000 lines, and was stopped"

# ---- 2. kcd takes over ----------------------------------------------------------------------------
seq 50001 100000 >>"$WORK/in.txt"
start_kcd_worker 1
start_kcd_worker 2
KCD_PID=${PID[2]} # the process wait_output watches
wait_output yes 60 "kcd's REST" sh -c "curl -sf $(url 2)/connectors >/dev/null && echo yes"
wait_running "$(url 2)" src 1
wait_running "$(url 1)" sink 2
same_json() { python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1]) == json.loads(sys.argv[2]) else 1)' "$1" "$2"; }
same_json "$(curl -sf "$(url 1)/connectors/src/config")" "$java_src" && same_json "$(curl -sf "$(url 1)/connectors/sink/config")" "$java_sink" ||
  fail "kcd shows other configs than Connect wrote"
check_lines 100000
pass "two kcd workers took over Connect's group and topics: same connectors and configs, lines 50001-100000 arrived, none twice"

# ---- 3. Java takes over kcd's topics ------------------------------------------------------------
stop_kcd_workers
seq 100001 150000 >>"$WORK/in.txt"
start_java_connect ConnectDistributed "$WORK/java.properties"
wait_running "$JURL" src 1
wait_running "$JURL" sink 2
check_lines 150000
pass "Connect took over kcd's topics: lines 100001-150000 arrived, none twice"

# ---- 4. mixed: a kcd worker joins the Java worker -----------------------------------------------
start_kcd_worker 1
who() { for c in src sink; do curl -sf "$JURL/connectors/$c/status"; echo; done | python3 -c '
import json, sys
ids = set()
for line in sys.stdin:
    if line.strip():
        s = json.loads(line); ids.add(s["connector"]["worker_id"]); ids.update(t["worker_id"] for t in s["tasks"])
print(len(ids))'; }
wait_output 2 90 "work shared by the Java and the kcd worker" who
wait_running "$JURL" src 1
wait_running "$JURL" sink 2
seq 150001 200000 >>"$WORK/in.txt"
ONCE=0 check_lines 200000
shares=$(for c in src sink; do curl -sf "$(url 1)/connectors/$c/status"; echo; done | python3 -c '
import json, sys, collections
n = collections.Counter()
for line in sys.stdin:
    if line.strip():
        s = json.loads(line); n[s["connector"]["worker_id"]] += 1
        for t in s["tasks"]: n[t["worker_id"]] += 1
print(" ".join(f"{w}={c}" for w, c in sorted(n.items())))')
pass "a kcd worker joined the Java worker's group: the work is shared ($shares, read through kcd) and lines 150001-200000 arrived"
stop_kcd_workers
stop_java
