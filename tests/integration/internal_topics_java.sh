#!/usr/bin/env bash
# Connect's config and status topics between kcd and Apache Kafka Connect 4.1.1 in distributed
# mode (ConnectDistributed from Maven Central) on the real broker, the ground of taking over a
# Java cluster: connectors created, paused, stopped and deleted through the Java worker's REST
# API read back by kcd's readers (core/cluster/config_log.c, status_log.c) from the topics alone
# as the Java worker reports them (configs, task configs, target states, its session key; the
# connectors' and tasks' states and workers); then a connector whose config, task configs and
# commit kcd's writer put on the topic runs on the Java worker with exactly those configs.
. "$(dirname "$0")/lib.sh"
need_kafka
need_connect
PORT=$(free_port)
CONFIGS="cfg-$RUN_ID"
STATUS="st-$RUN_ID"
cat >"$WORK/connect.properties" <<P
bootstrap.servers=$BOOTSTRAP
group.id=java-$RUN_ID
config.storage.topic=$CONFIGS
offset.storage.topic=off-$RUN_ID
status.storage.topic=$STATUS
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
listeners=http://127.0.0.1:$PORT
P
start_java_connect ConnectDistributed "$WORK/connect.properties"
T="cfgtopic-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$T" 1 || fail "cannot create $T"
echo line >"$WORK/in.txt"
put() { curl -sf -X PUT -H 'Content-Type: application/json' --data "$2" "$URL/connectors/$1/config" >/dev/null || fail "PUT $1"; }
put src "{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSourceConnector\",\"topic\":\"$T\",\"file\":\"$WORK/in.txt\"}"
put paused "{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSinkConnector\",\"topics\":\"$T\",\"file\":\"$WORK/p.txt\",\"tasks.max\":\"2\"}"
put stopped "{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSinkConnector\",\"topics\":\"$T\",\"file\":\"$WORK/s.txt\"}"
put gone "{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSinkConnector\",\"topics\":\"$T\",\"file\":\"$WORK/g.txt\"}"
curl -sf -X PUT "$URL/connectors/paused/pause" >/dev/null || fail "pause"
curl -sf -X PUT "$URL/connectors/stopped/stop" >/dev/null || fail "stop"
curl -sf -X DELETE "$URL/connectors/gone" >/dev/null || fail "delete"

# the Java worker's view (REST) against kcd's (the topic), until they agree
compare() {
  "$KCD_BUILD/bin/kcd-test-internal-topics" read-config "$BOOTSTRAP" "$CONFIGS" >"$WORK/kcd.json" 2>"$WORK/kcd.err" || return 1
  "$KCD_BUILD/bin/kcd-test-internal-topics" read-status "$BOOTSTRAP" "$STATUS" >"$WORK/status.json" 2>>"$WORK/kcd.err" || return 1
  python3 - "$URL" "$WORK/kcd.json" "$WORK/status.json" <<'PY'
import json, sys, urllib.request
url, kcd, statuses = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
get = lambda p: json.load(urllib.request.urlopen(url + p))
java, java_status = {}, {}
for name in get("/connectors"):
    st = get(f"/connectors/{name}/status")
    state = st["connector"]["state"]
    java[name] = {"config": get(f"/connectors/{name}/config"),
                  "target": {"RUNNING": "STARTED"}.get(state, state),
                  "tasks": [t["config"] for t in get(f"/connectors/{name}/tasks")]}
    java_status[name] = {"connector": [state, st["connector"]["worker_id"]],
                         "tasks": {str(t["id"]): [t["state"], t["worker_id"]] for t in st["tasks"]}}
mine = {n: {"config": c["config"], "target": c["target"], "tasks": c["tasks"]} for n, c in kcd["connectors"].items()}
s = statuses["statuses"]
# kcd's statuses of the connectors and of the tasks Connect lists (a stopped connector's old
# task statuses stay on the topic; Connect lists no tasks for it)
my_status = {n: {"connector": [s[n]["connector"]["state"], s[n]["connector"]["worker_id"]] if n in s and "connector" in s[n] else None,
                 "tasks": {t: [s[n]["tasks"][t]["state"], s[n]["tasks"][t]["worker_id"]] for t in java_status[n]["tasks"] if n in s and t in s[n]["tasks"]}}
             for n in java_status}
if (java != mine or kcd["skipped"] or kcd["session_key_algorithm"] != "HmacSHA256" or my_status != java_status
        or statuses["skipped"] or "connector" in s.get("gone", {})):
    print("java:", json.dumps(java, sort_keys=True), json.dumps(java_status, sort_keys=True),
          "\nkcd: ", json.dumps(kcd, sort_keys=True), json.dumps(statuses, sort_keys=True), file=sys.stderr)
    sys.exit(1)
PY
}
deadline=$((SECONDS + 60))
until compare 2>"$WORK/compare.err"; do
  [ $SECONDS -lt $deadline ] || fail "kcd reads the config topic otherwise than Connect reports it: $(cat "$WORK/compare.err" "$WORK/kcd.err")"
  sleep 1
done
grep -q '"gone"' "$WORK/kcd.json" && fail "the deleted connector is still there"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["connectors"]; assert c["paused"]["target"]=="PAUSED" and len(c["paused"]["tasks"])==2 and c["stopped"]["target"]=="STOPPED" and c["stopped"]["tasks"]==[], c' \
  "$WORK/kcd.json" || fail "paused/stopped not as expected: $(cat "$WORK/kcd.json")"
pass "kcd reads Connect's config topic (offset $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["offset"])' "$WORK/kcd.json")) and status topic as Connect reports them: 3 connectors, their task configs, STARTED/PAUSED/STOPPED, the deletion, the session key, RUNNING/PAUSED/STOPPED states and their worker"

# kcd writes a connector as Connect's leader does; the Java worker runs it
cfg="{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSinkConnector\",\"name\":\"fromkcd\",\"topics\":\"$T\",\"file\":\"$WORK/fromkcd.txt\"}"
task="[{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSinkConnector\",\"name\":\"fromkcd\",\"topics\":\"$T\",\"file\":\"$WORK/fromkcd.txt\",\"task.class\":\"org.apache.kafka.connect.file.FileStreamSinkTask\"}]"
"$KCD_BUILD/bin/kcd-test-internal-topics" write-connector "$BOOTSTRAP" "$CONFIGS" fromkcd "$cfg" "$task" || fail "kcd cannot write the config topic"
deadline=$((SECONDS + 60))
until curl -sf "$URL/connectors/fromkcd/status" | matches '"tasks":\[{"id":0,"state":"RUNNING"'; do
  [ $SECONDS -lt $deadline ] || fail "the Java worker does not run the connector kcd wrote: $(curl -s "$URL/connectors/fromkcd/status") $(grep -i 'fromkcd\|ERROR' "$WORK/connect.log" | tail -5)"
  sleep 0.5
done
wait_lines "$WORK/fromkcd.txt" 1 60
[ "$(cat "$WORK/fromkcd.txt")" = line ] || fail "the kcd-written sink wrote [$(cat "$WORK/fromkcd.txt")]"
python3 - "$URL" "$task" <<'PY' || fail "the Java worker changed the task configs kcd wrote"
import json, sys, urllib.request
tasks = [t["config"] for t in json.load(urllib.request.urlopen(sys.argv[1] + "/connectors/fromkcd/tasks"))]
sys.exit(0 if tasks == json.loads(sys.argv[2]) else 1)
PY
pass "Connect $CONNECT_VERSION runs the connector kcd's writer put on its config topic, with kcd's task configs, and it delivers"
