#!/usr/bin/env bash
# Bad configs are refused before anything starts: one line per problem, exit code 2, never a
# crash. Needs no broker.
. "$(dirname "$0")/lib.sh"

expect_exit2() { # expect_exit2 NAME ARGS...: runs kcd, wants exit 2, keeps stderr in $WORK/NAME.err
  local name=$1; shift
  local rc=0
  timeout 30 "$KCD" standalone "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  [ "$rc" = 2 ] || { cat "$WORK/$name.err" >&2; fail "$name: exit code $rc, expected 2"; }
}
expect_line() { # expect_line NAME PATTERN: stderr has a line matching PATTERN (grep -E)
  grep -Eq -- "$2" "$WORK/$1.err" || { cat "$WORK/$1.err" >&2; fail "$1: no line matching: $2"; }
}

# 1. A plugin built against another ABI major is refused, naming the file and both versions.
write_worker "$WORK/w-abi.properties"
sed -i "s|^plugin.path=.*|plugin.path=$PLUGINS,$KCD_BUILD/tests/plugins/bad-abi|" "$WORK/w-abi.properties"
cat >"$WORK/c-abi.properties" <<P
name=uses-bad-abi
connector.class=FileStreamSource
topic=t
transforms=bad
transforms.bad.type=com.example.BadAbiTransform
P
expect_exit2 abi "$WORK/w-abi.properties" "$WORK/c-abi.properties"
ABI_MINOR=$(awk '/#define KC_ABI_MINOR/ {print $3}' "$KCD_SOURCE/include/kc/kc_plugin.h")
expect_line abi "kcd-test-bad-abi\.so.*plugin built for ABI 2\.0, kcd provides ABI 1\.$ABI_MINOR"
expect_line abi "transforms\.bad\.type: Class com\.example\.BadAbiTransform could not be found"

# 2. A connector.class no plugin provides names the class and the plugin.path searched.
write_worker "$WORK/w.properties"
cat >"$WORK/c-class.json" <<J
{"name":"nope","config":{"connector.class":"com.example.NoSuchConnector","topics":"t"}}
J
expect_exit2 class "$WORK/w.properties" "$WORK/c-class.json"
expect_line class "com\.example\.NoSuchConnector.*plugin\.path searched: $PLUGINS"

# 3. A bad worker config: one line per problem.
cat >"$WORK/w-bad.properties" <<P
offset.flush.interval.ms=soon
log.level=LOUD
task.shutdown.graceful.timeout.ms=-5
P
expect_exit2 worker "$WORK/w-bad.properties"
expect_line worker "Invalid value soon for configuration offset\.flush\.interval\.ms: Not a number of type LONG"
expect_line worker "Invalid value LOUD for configuration log\.level"
expect_line worker "Invalid value -5 for configuration task\.shutdown\.graceful\.timeout\.ms: Value must be at least 0"
[ "$(grep -c '^kcd: ' "$WORK/worker.err")" = 3 ] || fail "worker: expected exactly 3 problem lines"

# 4. A bad connector config: missing required key, wrong type, invalid value; unknown key warned.
cat >"$WORK/c-bad.properties" <<P
name=bad-source
connector.class=FileStreamSourceConnector
tasks.max=two
batch.size=0
fiel=/tmp/typo.txt
P
expect_exit2 connector "$WORK/w.properties" "$WORK/c-bad.properties"
expect_line connector "Missing required configuration \"topic\" which has no default value"
expect_line connector "Invalid value two for configuration tasks\.max: Not a number of type INT"
expect_line connector "Invalid value 0 for configuration batch\.size: Value must be at least 1"
expect_line connector "WARN .*'fiel' was supplied but isn't a known config"
[ "$(grep -c '^kcd: ' "$WORK/connector.err")" = 3 ] || fail "connector: expected exactly 3 problem lines"

# 5. Malformed files: a JSON syntax error and a missing file, each one clear line.
echo '{"name": "x", "config": {' >"$WORK/c-broken.json"
expect_exit2 broken "$WORK/w.properties" "$WORK/c-broken.json"
expect_line broken "c-broken\.json: invalid JSON"
expect_exit2 missing "$WORK/does-not-exist.properties"
expect_line missing "does-not-exist\.properties"

# 6. A sink needs exactly one of topics and topics.regex.
cat >"$WORK/c-topics.properties" <<P
name=s
connector.class=FileStreamSink
topics=a
topics.regex=b.*
P
expect_exit2 topics "$WORK/w.properties" "$WORK/c-topics.properties"
expect_line topics "topics and topics\.regex are mutually exclusive"
# 7. A worker key one edit away from a known one is refused (bootstrap.server would otherwise leave
#    kcd on the embedded broker, its data not kept); a connector file given as the worker's is
#    named as such, not a dozen unknown keys; a missing connector JSON file says so.
write_worker "$WORK/w-typo.properties"
sed -i 's/^bootstrap.servers=/bootstrap.server=/' "$WORK/w-typo.properties"
echo "offset.flush.intervall.ms=1000" >>"$WORK/w-typo.properties"
expect_exit2 typo "$WORK/w-typo.properties"
expect_line typo "Unknown worker configuration 'bootstrap\.server': did you mean 'bootstrap\.servers'\?"
expect_line typo "Unknown worker configuration 'offset\.flush\.intervall\.ms': did you mean 'offset\.flush\.interval\.ms'\?"
grep -q "EMBEDDED" "$WORK/typo.err" "$WORK/typo.out" && fail "typo: the embedded broker started"
expect_exit2 swapped "$WORK/c-topics.properties"
expect_line swapped "this is a connector config \(it sets connector\.class\), not a worker config"
[ "$(grep -c . "$WORK/swapped.err")" = 1 ] || fail "swapped: expected one line, got $(cat "$WORK/swapped.err")"
expect_exit2 nojson "$WORK/w.properties" "$WORK/nowhere.json"
expect_line nojson "nowhere\.json: unable to open .*No such file or directory"
grep -q "line -1" "$WORK/nojson.err" && fail "nojson: a line number for a file that does not exist"
# 8. One worker per offsets file, and the REST port bound before any connector starts: a second
#    kcd on the same offsets file is refused naming the file and the first one's pid; one on a
#    port in use exits before it starts its connectors. (No broker: the embedded one.)
P1=$(free_port)
for n in a b c; do
  write_worker "$WORK/w-$n.properties"
  sed -i -e '/^bootstrap.servers=/d' -e '/^listeners=/d' "$WORK/w-$n.properties"
done
echo "listeners=http://127.0.0.1:$P1" >>"$WORK/w-a.properties"
echo "listeners=http://127.0.0.1:$(free_port)" >>"$WORK/w-b.properties"
sed -i "s|^offset.storage.file.filename=.*|offset.storage.file.filename=$WORK/offsets-c.json|" "$WORK/w-c.properties"
echo "listeners=http://127.0.0.1:$P1" >>"$WORK/w-c.properties"
seq 1 10 >"$WORK/lines.txt"
cat >"$WORK/c-lines.properties" <<P
name=lines
connector.class=FileStreamSource
file=$WORK/lines.txt
topic=lines
P
"$KCD" standalone "$WORK/w-a.properties" >"$WORK/a.log" 2>&1 &
KCD_PID=$!
deadline=$((SECONDS + 30))
until grep -q "REST server listening" "$WORK/a.log"; do
  [ $SECONDS -lt $deadline ] || fail "the first kcd did not start: $(tail -3 "$WORK/a.log")"
  sleep 0.2
done
expect_exit2 second "$WORK/w-b.properties" "$WORK/c-lines.properties"
expect_line second "offset\.storage\.file\.filename $WORK/offsets\.json is in use by another kcd \(pid $KCD_PID,"
rc=0
timeout 30 "$KCD" standalone "$WORK/w-c.properties" "$WORK/c-lines.properties" >"$WORK/c.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a kcd on a port in use exited $rc, not 1: $(tail -3 "$WORK/c.log")"
grep -q "REST server:" "$WORK/c.log" || fail "the port in use is not named: $(tail -3 "$WORK/c.log")"
grep -q "Source task started\|Connector lines .* started" "$WORK/c.log" && fail "a connector started on a worker that could not bind"
stop_kcd
# 9. log.format=json: every line one JSON object, with the connector and task a task's lines
#    name, a message with a quote and a tab in it intact. (No broker: the embedded one.)
write_worker "$WORK/w-json.properties" "log.format=json"
sed -i -e '/^bootstrap.servers=/d' -e "s|^offset.storage.file.filename=.*|offset.storage.file.filename=$WORK/offsets-json.json|" \
  "$WORK/w-json.properties"
ODD="$WORK/we\"ird"$'\t'"name.txt"
seq 1 5 >"$ODD"
python3 -c 'import json,sys; print(json.dumps({"name": "json-log", "config": {"connector.class": "FileStreamSource",
  "file": sys.argv[1], "topic": "json-log"}}))' "$ODD" >"$WORK/c-json.json"
: >"$WORK/kcd.log"
start_kcd "$WORK/w-json.properties" "$WORK/c-json.json"
deadline=$((SECONDS + 30))
until grep -q 'Source task started' "$WORK/kcd.log"; do
  [ $SECONDS -lt $deadline ] || fail "json: the task did not start: $(tail -3 "$WORK/kcd.log")"
  sleep 0.2
done
# mongo-c-driver's counters file would outlive a kill -9 and, meeting a later kcd with the same
# pid, make the driver warn on stderr, outside the JSON log
[ ! -e "/dev/shm/mongoc-$KCD_PID" ] || fail "json: the MongoDB driver made /dev/shm/mongoc-$KCD_PID"
stop_kcd
python3 - "$WORK/kcd.log" "$ODD" <<'PY' || fail "json: the log is not one JSON object per line"
import json, sys
seen_task = seen_odd = False
for l in open(sys.argv[1], encoding="utf-8").read().splitlines():
    o = json.loads(l)
    assert {"time", "level", "logger", "message"} <= set(o), l
    assert o["time"].endswith("Z") and o["level"] in ("ERROR", "WARN", "INFO", "DEBUG", "TRACE"), l
    if o["logger"] == "WorkerSourceTask{id=json-log-0}":
        assert o.get("connector") == "json-log" and o.get("task") == 0, l
        seen_task = True
        seen_odd |= sys.argv[2] in o["message"]
assert seen_task and seen_odd, (seen_task, seen_odd)
PY

# the pcap source's key.origin with key.field: it says why it cannot be
write_worker "$WORK/w-origin.properties"
printf 'name=origin-and-field\nconnector.class=PcapSourceConnector\npcap.files=/nonexistent/*.pcap\nkey.origin=true\nkey.field=wlan.sa\n' \
  >"$WORK/c-origin1.properties"
expect_exit2 origin1 "$WORK/w-origin.properties" "$WORK/c-origin1.properties"
expect_line origin1 "key\.origin and key\.field both set the key"
pass "bad configs refused with one line per problem and exit code 2"
