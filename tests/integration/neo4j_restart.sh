#!/usr/bin/env bash
# Neo4j is killed with -9 at a random moment of a 30,000-record run and started again. Each
# record MERGEs a node per key (3,000 keys, each updated 10 times, keyed so a key's records stay
# in order on one of 3 partitions) and a node per record. The sink retries with backoff on a new
# connection; in the end there is one node per record and every key holds its last value; kcd
# keeps running. With FAULT=kill9 kcd itself is killed with -9 at that moment instead and started
# again: the records after the last committed offsets run again, and the same must hold.
. "$(dirname "$0")/lib.sh"
need_kafka
need_neo4j
N=${KCD_IT_RECORDS:-30000}
KEYS=$((N / 10))
DOWN=${KCD_IT_OUTAGE_S:-3}
TOPIC="it-neo4j-restart-$RUN_ID"
restart_neo4j() { "$KCD_SOURCE/tests/services/neo4j" start >/dev/null 2>&1 || "$KCD_SOURCE/tests/services/neo4j" start; }
trap 'restart_neo4j; cypher "MATCH (n) WHERE n:restart_item OR n:restart_seen DETACH DELETE n" >/dev/null 2>&1 || true; cleanup' EXIT
cypher "MATCH (n) WHERE n:restart_item OR n:restart_seen DETACH DELETE n" >/dev/null || fail "cannot clear the graph"
cypher "CREATE CONSTRAINT restart_item_id IF NOT EXISTS FOR (n:restart_item) REQUIRE n.id IS UNIQUE" >/dev/null &&
  cypher "CREATE CONSTRAINT restart_seen_seq IF NOT EXISTS FOR (n:restart_seen) REQUIRE n.seq IS UNIQUE" >/dev/null ||
  fail "cannot create the constraints"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
awk -v n="$N" -v k="$KEYS" 'BEGIN { for (i = 0; i < n; i++) printf "%d\t{\"ID\": %d, \"SEQ\": %d}\n", i % k, i % k, i }' \
  >"$WORK/records.tsv"
"$TESTKIT" produce-keyed "$BOOTSTRAP" "$TOPIC" "$WORK/records.tsv" || fail "cannot produce"
write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false" "consumer.session.timeout.ms=6000" "offset.flush.interval.ms=500"
cat >"$WORK/sink.json" <<J
{"name": "neo4j-restart", "config": {
  "connector.class": "streams.kafka.connect.sink.Neo4jSinkConnector", "topics": "$TOPIC",
  "neo4j.server.uri": "$NEO4J_URL", "neo4j.authentication.basic.username": "neo4j",
  "neo4j.authentication.basic.password": "connect", "neo4j.batch.size": "500",
  "neo4j.retry.backoff.msecs": "1000", "neo4j.retry.max.attemps": "120",
  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  "neo4j.topic.cypher.$TOPIC": "MERGE (n:restart_item {id: event.ID}) SET n.seq = event.SEQ MERGE (:restart_seen {seq: event.SEQ})"}}
J
cypher "RETURN 1" >/dev/null # the driver's venv, made before the clock matters
# one driver session watches the count (a new process per look took a second each: the fault
# would come late)
coproc WATCH { "$NEO4J_VENV/bin/python" -u -c '
import sys
from neo4j import GraphDatabase
with GraphDatabase.driver(sys.argv[1], auth=("neo4j", "connect")) as d:
    for _ in sys.stdin:
        print(d.execute_query("MATCH (s:restart_seen) RETURN count(s) AS n").records[0]["n"])
' "$NEO4J_URL"; }
seen() { local n; echo >&"${WATCH[1]}"; read -r n <&"${WATCH[0]}"; echo "${n:-0}"; }
TARGET=$(( (RANDOM * 32768 + RANDOM) % (N * 6 / 10) + N / 10 ))
start_kcd "$WORK/worker.properties" "$WORK/sink.json"
deadline=$((SECONDS + 300))
until [ "$(seen)" -ge "$TARGET" ]; do
  [ $SECONDS -lt $deadline ] || fail "timed out before the fault point ($(seen) of $TARGET)"
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
  sleep 0.05
done
at=$(seen)
exec {WATCH[1]}>&-
if [ "${FAULT:-neo4j}" = kill9 ]; then
  kill -9 "$KCD_PID"
  wait "$KCD_PID" 2>/dev/null || true
  KCD_PID=""
  echo "kcd killed with -9 at ~$at records (target $TARGET); committed: $("$TESTKIT" committed "$BOOTSTRAP" connect-neo4j-restart "$TOPIC" | awk '{s += $2} END {print s}')"
  start_kcd "$WORK/worker.properties" "$WORK/sink.json"
else
  "$KCD_SOURCE/tests/services/neo4j" kill
  echo "Neo4j killed with -9 for ${DOWN}s at ~$at records (target $TARGET)"
  sleep "$DOWN"
  kill -0 "$KCD_PID" || fail "kcd died while Neo4j was down"
  restart_neo4j
fi
wait_cypher "$N" "MATCH (s:restart_seen) RETURN count(s)" 300
LAST=$((9 * KEYS)) # a key's last record: SEQ = ID + LAST
deadline=$((SECONDS + 60))
until [ "$(cypher "MATCH (n:restart_item) RETURN count(n), sum(CASE WHEN n.seq = n.id + $LAST THEN 0 ELSE 1 END)")" = "$KEYS"$'\t'"0" ]; do
  if [ $SECONDS -ge $deadline ]; then # which keys, and how far back, says who wrote last
    echo "keys: $(cypher "MATCH (n:restart_item) RETURN count(n)"); not at their last value (id, seq, last seq):" >&2
    cypher "MATCH (n:restart_item) WHERE coalesce(n.seq, -1) <> n.id + $LAST RETURN n.id, n.seq, n.id + $LAST LIMIT 20" >&2
    fail "after 60 s, not every one of the $KEYS keys holds its last value"
  fi
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
  sleep 0.5
done
[ "$(cypher "MATCH (s:restart_seen) RETURN min(s.seq), max(s.seq)")" = "0	$((N - 1))" ] || fail "the record nodes are not 0..$((N - 1))"
retries=$(grep -c "Transaction failed, attempt" "$WORK/kcd.log" || true)
kill -0 "$KCD_PID" || fail "kcd died"
grep -q "Task is being killed" "$WORK/kcd.log" && fail "a task failed"
stop_kcd
pass "${FAULT:-neo4j} fault at ~$at of $N records: one node per record, $KEYS keys at their last value ($retries retried transactions)"
