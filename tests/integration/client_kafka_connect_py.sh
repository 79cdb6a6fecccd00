#!/usr/bin/env bash
# A real third-party client of Connect's REST API against kcd: kafka-connect-py 1.0.0 (PyPI),
# its library's own workflow on a file source and a file sink through the real broker: cluster
# info, plugins, validate, create, list (plain, expand=status/info, by pattern and by state),
# get, config, status, tasks, task status, pause, resume, restart (connector, with tasks, one
# task), update, topics, stop, delete; and its command line (kc) for the same reads. Every
# call must succeed as the library reads Connect's answers, and records must flow.
. "$(dirname "$0")/lib.sh"
need_kafka
VENV=${KCD_CACHE:-$HOME/.cache/kcd}/kafka-connect-py-1.0.0
if [ ! -x "$VENV/bin/kc" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV" || fail "cannot make a virtualenv (python3-venv)"
  "$VENV/bin/pip" install -q kafka-connect-py==1.0.0 || fail "cannot install kafka-connect-py 1.0.0 from PyPI"
fi
TOPIC="it-kcpy-$RUN_ID"
seq 1 50 | sed 's/^/line-/' >"$WORK/in.txt"
write_worker "$WORK/worker.properties" "consumer.session.timeout.ms=6000"
start_kcd "$WORK/worker.properties"
URL=$(rest_url)
"$VENV/bin/python" - "$URL" "$WORK" "$TOPIC" <<'PY' || fail "kafka-connect-py's workflow failed against kcd (above)"
import sys, time
from kafka_connect import KafkaConnect

url, work, topic = sys.argv[1:]
kc = KafkaConnect(url=url)

def until(what, check, seconds=60):
    deadline = time.time() + seconds
    while True:
        got = check()
        if got:
            return got
        assert time.time() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.3)

def state(name):
    return kc.get_connector_status(name)["connector"]["state"]

def task_states(name):
    return [t["state"] for t in kc.get_connector_status(name)["tasks"]]

info = kc.get_cluster_info()
assert {"version", "commit", "kafka_cluster_id"} <= set(info), info
plugins = {p["class"] for p in kc.list_connector_plugins()}
assert "org.apache.kafka.connect.file.FileStreamSourceConnector" in plugins, plugins

source = {"connector.class": "FileStreamSource", "file": f"{work}/in.txt", "topic": topic}
ok = kc.validate_connector_config("FileStreamSourceConnector", dict(source, name="src"))
assert ok["error_count"] == 0, ok
bad = kc.validate_connector_config("FileStreamSourceConnector", dict(source, name="src", **{"tasks.max": "x"}))
assert bad["error_count"] == 1, bad

made = kc.create_connector({"name": "src", "config": source})
assert made["name"] == "src" and made["type"] == "source" and made["config"]["topic"] == topic, made
sink = {"connector.class": "FileStreamSink", "topics": topic, "file": f"{work}/out.txt"}
assert kc.create_connector({"name": "sink", "config": sink})["type"] == "sink"

assert sorted(kc.list_connectors()) == ["sink", "src"]
until("both RUNNING", lambda: all(state(n) == "RUNNING" and task_states(n) == ["RUNNING"] for n in ("src", "sink")))
expanded = kc.list_connectors(expand="status")
assert expanded["src"]["status"]["tasks"][0]["state"] == "RUNNING", expanded
assert kc.list_connectors(expand="info")["sink"]["info"]["type"] == "sink"
assert kc.list_connectors(pattern="^s.c$") == ["src"]
assert sorted(kc.list_connectors(state="running")) == ["sink", "src"]

got = kc.get_connector("src")
assert got["tasks"] == [{"connector": "src", "task": 0}], got
assert kc.get_connector_config("sink")["file"] == f"{work}/out.txt"
assert kc.list_connector_tasks("src")[0]["id"] == {"connector": "src", "task": 0}
assert kc.get_connector_task_status("src", 0)["state"] == "RUNNING"

def lines():
    try:
        return open(f"{work}/out.txt").read().splitlines()
    except FileNotFoundError:
        return []
until("50 records in the sink", lambda: len(lines()) == 50)

kc.pause_connector("src")
until("src PAUSED", lambda: state("src") == "PAUSED" and task_states("src") == ["PAUSED"])
assert kc.list_connectors(state="paused") == ["src"]
kc.resume_connector("src")
until("src RUNNING again", lambda: state("src") == "RUNNING" and task_states("src") == ["RUNNING"])

assert kc.restart_connector("src") is None  # 204: the connector alone
answer = kc.restart_connector("src", include_tasks=True)  # 202 with the states
assert answer["name"] == "src" and answer["tasks"][0]["id"] == 0, answer
kc.restart_connector_task("src", 0)
until("src RUNNING after restarts", lambda: state("src") == "RUNNING" and task_states("src") == ["RUNNING"])

with open(f"{work}/in.txt", "a") as f:
    f.write("line-51\n")
until("the 51st record", lambda: len(lines()) == 51)

updated = kc.update_connector("sink", dict(sink, **{"tasks.max": "1"}))
assert updated["name"] == "sink" and updated["config"]["tasks.max"] == "1", updated
topics = kc.list_connector_topics("src")
assert topics == {"src": {"topics": [topic]}}, topics
kc.reset_connector_topics("src")
assert kc.list_connector_topics("src") == {"src": {"topics": []}}

kc.stop_connector("sink")
until("sink STOPPED", lambda: state("sink") == "STOPPED" and task_states("sink") == [])
kc.delete_connector("sink")
kc.delete_connector("src")
assert kc.list_connectors() == []
assert lines() == [f"line-{i}" for i in range(1, 52)], lines()[:5]
print("kafka-connect-py workflow: every call answered as the library expects")
PY
# the command line of the same package, on a connector it creates from a file
printf '{"name": "cli", "config": {"connector.class": "FileStreamSource", "file": "%s", "topic": "%s"}}' \
  "$WORK/in.txt" "$TOPIC" >"$WORK/cli.json"
"$VENV/bin/kc" --url "$URL" create --config-file "$WORK/cli.json" >"$WORK/cli-create.out" 2>&1 ||
  fail "kc create: $(cat "$WORK/cli-create.out")"
"$VENV/bin/kc" --url "$URL" list >"$WORK/cli-list.out" 2>&1 || fail "kc list: $(cat "$WORK/cli-list.out")"
grep -q '"cli"' "$WORK/cli-list.out" || fail "kc list does not show the connector: $(cat "$WORK/cli-list.out")"
"$VENV/bin/kc" --url "$URL" status cli >"$WORK/cli-status.out" 2>&1 || fail "kc status: $(cat "$WORK/cli-status.out")"
grep -q '"state"' "$WORK/cli-status.out" || fail "kc status: $(cat "$WORK/cli-status.out")"
"$VENV/bin/kc" --url "$URL" delete cli >"$WORK/cli-delete.out" 2>&1 || fail "kc delete: $(cat "$WORK/cli-delete.out")"
[ "$(curl -s "$URL/connectors")" = "[]" ] || fail "kc delete left $(curl -s "$URL/connectors")"
pass "kafka-connect-py 1.0.0 (library and kc command) works against kcd"
stop_kcd
