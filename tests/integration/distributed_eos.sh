#!/usr/bin/env bash
# Exactly-once sources in distributed mode (KIP-618), three kcd workers on the real broker:
#  - the leader writes its config-topic records in transactions of connect-cluster-<group>
#    (each is followed by a commit marker: a gap in the topic's offsets);
#  - zombie fencing: the config topic says an earlier generation of the connector ran 2 tasks,
#    and a producer of that generation's task 1 holds an open transaction; before the new task
#    starts, the leader fences both ids and writes tasks-fencing-<name> = {"task-count":1}; the
#    zombie's commit then fails and its record is never seen;
#  - the worker running the file source (200,000 lines) is killed -9 mid-flow: the task resumes
#    on another worker and a read_committed consumer sees every line exactly once, in order.
. "$(dirname "$0")/lib.sh"
need_kafka
N=${KCD_IT_LINES:-200000}
G="deos-$RUN_ID"
DATA="$G-data"
"$TESTKIT" create-topic "$BOOTSTRAP" "$DATA" 3 || fail "cannot create $DATA"
seq -f 'line-%07g' 1 "$N" >"$WORK/in.txt"
declare -A PORT PID
for n in 1 2 3; do PORT[$n]=$(free_port); done

start_worker() { # start_worker N
  local n=$1
  write_worker "$WORK/w$n.properties" "group.id=$G" "config.storage.topic=$G-configs" \
    "offset.storage.topic=$G-offsets" "status.storage.topic=$G-status" \
    "config.storage.replication.factor=1" "offset.storage.replication.factor=1" \
    "status.storage.replication.factor=1" "offset.storage.partitions=5" "status.storage.partitions=3" \
    "session.timeout.ms=6000" "heartbeat.interval.ms=1000" "exactly.once.source.support=enabled" \
    "listeners=http://127.0.0.1:${PORT[$n]}"
  sed -i -e '/^offset.storage.file.filename/d' -e '/^listeners=http:\/\/127.0.0.1:0/d' "$WORK/w$n.properties"
  "$KCD" distributed "$WORK/w$n.properties" >>"$WORK/w$n.log" 2>&1 &
  PID[$n]=$!
}
task_state() { curl -sf "$(url "$1")/connectors/eos-source/status" | python3 -c '
import json, sys
s = json.load(sys.stdin)
t = s["tasks"]
print(t[0]["state"] + " " + t[0]["worker_id"] if t else "none -")' 2>/dev/null || echo "none -"; }

for n in 1 2 3; do start_worker $n; done
for n in 1 2 3; do
  deadline=$((SECONDS + 90))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$(url $n)/health")" = 200 ]; do
    [ $SECONDS -lt $deadline ] || fail "worker $n did not join"
    kill -0 "${PID[$n]}" 2>/dev/null || fail "worker $n exited"
    sleep 0.3
  done
done

# an earlier generation of the connector ran 2 tasks; its task 1's producer is still alive
printf 'tasks-fencing-eos-source\t{"task-count":2}\n' >"$WORK/fencing.tsv"
"$TESTKIT" produce-keyed "$BOOTSTRAP" "$G-configs" "$WORK/fencing.tsv" || fail "cannot write the task-count record"
"$TESTKIT" txn-zombie "$BOOTSTRAP" "$G-eos-source-1" "$DATA" "$WORK/go" >"$WORK/zombie.out" 2>&1 &
ZOMBIE=$!
deadline=$((SECONDS + 60))
until grep -q open "$WORK/zombie.out"; do
  [ $SECONDS -lt $deadline ] || fail "the zombie producer did not open its transaction: $(cat "$WORK/zombie.out")"
  sleep 0.2
done

body=$(python3 -c 'import json,sys; print(json.dumps({"name": "eos-source", "config": {
  "connector.class": "FileStreamSource", "file": sys.argv[1], "topic": sys.argv[2], "batch.size": "500",
  "exactly.once.support": "required", "transaction.boundary": "poll"}}))' "$WORK/in.txt" "$DATA")
code=$(curl -s -o "$WORK/create.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  "$(url 2)/connectors" -d "$body")
[ "$code" = 201 ] || fail "creating the connector through worker 2 answered $code: $(cat "$WORK/create.out")"

deadline=$((SECONDS + 90))
until [ "$(task_state 1 | cut -d' ' -f1)" = RUNNING ]; do
  [ $SECONDS -lt $deadline ] || fail "the exactly-once task is not RUNNING: $(task_state 1)"
  sleep 0.3
done
grep -h "Fenced the producers of 2 earlier task(s) of eos-source" "$WORK"/w*.log >/dev/null ||
  fail "the leader did not fence the 2 task producers of the earlier generation"
"$TESTKIT" dump-timestamps "$BOOTSTRAP" "$G-configs" >"$WORK/configs.tsv" || fail "cannot read the config topic"
grep -P '\ttasks-fencing-eos-source\t\{"task-count":1\}$' "$WORK/configs.tsv" >/dev/null ||
  fail "no tasks-fencing-eos-source {\"task-count\":1} record: $(cut -f4,5 "$WORK/configs.tsv")"
grep -h "exactly-once: transactional producer" "$WORK"/w*.log >/dev/null || fail "the task has no transactional producer"
# the zombie may not commit now: the fencing aborted its transaction
touch "$WORK/go"
wait "$ZOMBIE"
grep -q '^fenced' "$WORK/zombie.out" || fail "the zombie producer was not fenced: $(cat "$WORK/zombie.out")"
echo "zombie: $(cat "$WORK/zombie.out" | tail -1)"

# each leader record is a transaction of its own: a commit marker takes the next offset
python3 - "$WORK/configs.tsv" <<'PY' || fail "leader records written outside transactions"
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
offsets = [int(r[1]) for r in rows]
checked = 0
for i, r in enumerate(rows):
    key = r[3]
    if r[4] == '{"task-count":2}':
        continue  # the test's own record, written plainly
    if key.startswith(("connector-", "commit-", "tasks-fencing-eos", "session-key")) and i + 1 < len(rows):
        if offsets[i + 1] == offsets[i] + 1:
            sys.exit(f"{key} at offset {offsets[i]} is followed by a record at the next offset: no commit marker")
        checked += 1
if checked < 3:
    sys.exit(f"only {checked} leader records to check")
print(f"{checked} leader records each followed by a transaction marker")
PY

# kill -9 the worker running the task when a random share of the lines is in the topic
TARGET=$(( (RANDOM * 32768 + RANDOM) % (N * 6 / 10) + N / 10 ))
owner=$(task_state 1 | cut -d' ' -f2)
victim=""
for n in 1 2 3; do [ "$owner" = "127.0.0.1:${PORT[$n]}" ] && victim=$n; done
[ -n "$victim" ] || fail "no worker owns the task ($owner)"
deadline=$((SECONDS + 300))
while [ "$("$TESTKIT" count "$BOOTSTRAP" "$DATA" 2>/dev/null || echo 0)" -lt "$TARGET" ]; do
  [ $SECONDS -lt $deadline ] || fail "timed out before the kill point"
  sleep 0.05
done
kill -9 "${PID[$victim]}"
killed=$(date +%s.%N)
unset "PID[$victim]"
echo "killed worker $victim (running the task) at about $TARGET records"
alive=1; [ "$victim" = 1 ] && alive=2
deadline=$((SECONDS + 120))
until st=$(task_state $alive) && [ "${st%% *}" = RUNNING ] && [ "${st#* }" != "$owner" ]; do
  [ $SECONDS -lt $deadline ] || fail "the task did not resume elsewhere: $st"
  sleep 0.2
done
echo "the task resumed on ${st#* } $(python3 -c "import time; print(f'{time.time() - $killed:.1f}')") s after the kill"

# done when the committed offset reaches the file's end
size=$(stat -c %s "$WORK/in.txt")
deadline=$((SECONDS + 300))
until "$TESTKIT" dump "$BOOTSTRAP" "$G-offsets" 2>/dev/null | matches "\"position\":$size}"; do
  [ $SECONDS -lt $deadline ] || fail "the source did not commit the end of the file"
  sleep 1
done
"$TESTKIT" dump "$BOOTSTRAP" "$DATA" >"$WORK/topic.tsv" || fail "cannot read the topic"
grep -q $'\tzombie$' "$WORK/topic.tsv" && fail "the fenced zombie's record is visible"
got=$(wc -l <"$WORK/topic.tsv")
[ "$got" = "$N" ] || fail "a read_committed consumer sees $got records, not $N ($((got - N)) extra)"
cut -f3 "$WORK/topic.tsv" | sort | cmp -s - "$WORK/in.txt" || fail "the committed records are not exactly the input lines"
for p in 0 1 2; do
  awk -F'\t' -v p=$p '$1 == p { print $3 }' "$WORK/topic.tsv" | sort -c 2>/dev/null || fail "partition $p is out of order"
done
# the others leave cleanly (under ASan: no leak, no error)
for n in "${!PID[@]}"; do
  kill -TERM "${PID[$n]}"
  wait_exit "${PID[$n]}" 120 "worker $n" || fail "worker $n exited $? on SIGTERM"
  unset "PID[$n]"
done
pass "distributed exactly-once: leader transactions, zombies fenced, kill -9 of the task's worker at ~$TARGET: all $N lines once each"
