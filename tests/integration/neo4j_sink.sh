#!/usr/bin/env bash
# The Neo4j sink against a real Neo4j 5.26 (tests/services/neo4j) over kcd's own Bolt client,
# checked with the official Python driver: the pipeline's SINK_NEO4J_PROBES_01 config, unchanged
# but for the server address, MERGEs source devices and SSIDs from enriched probe records (a
# repeated probe changes nothing, a null SSID becomes ""); values keep their types (lists,
# floats, booleans, nested maps); a record Neo4j refuses goes to the DLQ with the server's
# message while its neighbours are written; a statement that cannot run and a wrong password
# fail their tasks with the reason in the trace.
. "$(dirname "$0")/lib.sh"
need_kafka
need_neo4j
T=pcap_probe_enriched_00
T_TYPES="it-neo4j-types-$RUN_ID"
T_BAD="it-neo4j-bad-$RUN_ID"
cypher "MATCH (n) WHERE n:source OR n:ssid OR n:typed OR n:dev DETACH DELETE n" >/dev/null || fail "cannot clear the graph"
"$TESTKIT" delete-topic "$BOOTSTRAP" "$T" || fail "cannot delete $T"
"$TESTKIT" delete-group "$BOOTSTRAP" connect-SINK_NEO4J_PROBES_01 || fail "cannot delete the seed's group"
for t in "$T" "$T_TYPES" "$T_BAD"; do "$TESTKIT" create-topic "$BOOTSTRAP" "$t" 1 || fail "cannot create $t"; done
sed "s|bolt://neo4j:7687|$NEO4J_URL|" "$KCD_SOURCE/tests/data/seed-configs/SINK_NEO4J_PROBES_01.json" >"$WORK/probes.json"
grep -q "$NEO4J_URL" "$WORK/probes.json" || fail "seed config not pointed at the test server"
python3 - "$WORK" "$NEO4J_URL" "$T_TYPES" "$T_BAD" <<'PY'
import json, sys
work, url, types, bad = sys.argv[1:5]
base = {"connector.class": "streams.kafka.connect.sink.Neo4jSinkConnector", "neo4j.server.uri": url,
        "neo4j.authentication.basic.username": "neo4j", "neo4j.authentication.basic.password": "connect",
        "neo4j.retry.backoff.msecs": "200"}
def connector(name, topic, cypher, **extra):
    c = dict(base, topics=topic, **{"neo4j.topic.cypher." + topic: cypher})
    c.update(extra)
    json.dump({"name": name, "config": c}, open("%s/%s.json" % (work, name), "w"))
connector("neo4j-types", types, "MERGE (t:typed {id: event.ID}) SET t.tags = event.TAGS, t.dbm = event.DBM, "
          "t.known = event.KNOWN, t.inner = event.INNER.N, t.big = event.BIG")
connector("neo4j-bad", bad, "MERGE (d:dev {mac: event.MAC}) SET d.n = event.N", **{
    "errors.tolerance": "all", "errors.deadletterqueue.topic.name": bad + "-dlq",
    "errors.deadletterqueue.topic.replication.factor": "1", "errors.deadletterqueue.context.headers.enable": "true"})
connector("neo4j-syntax", types, "MERGE (t:typed {id: event.ID) RETURN")
connector("neo4j-password", types, "MERGE (t:typed {id: event.ID})",
          **{"neo4j.authentication.basic.password": "not-the-password"})
PY
# probes: Robin's Kindle looks for RNM0 twice and Loews once, a second device for RNM0, a third
# with no SSID field
python3 - "$KCD_SOURCE/tests/data/samples/probe-enriched-record.json" "$WORK/probes.jsonl" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
other = dict(p, SOURCE_ADDRESS="aa:bb:cc:00:00:01", SOURCE_ADDRESS_RESOLVED="Apple_00:00:01", SOURCE_DEVICE_NAME=None,
             IS_KNOWN_DEVICE=False)
third = {k: v for k, v in other.items() if k != "SSID"}
third.update(SOURCE_ADDRESS="aa:bb:cc:00:00:02", SOURCE_ADDRESS_RESOLVED="Apple_00:00:02")
with open(sys.argv[2], "w") as f:
    for r in (p, dict(p, SSID="Loews"), p, other, third):
        f.write(json.dumps(r) + "\n")
PY
"$TESTKIT" produce "$BOOTSTRAP" "$T" "$WORK/probes.jsonl" || fail "cannot produce"
printf '%s\n' '{"ID": 1, "TAGS": ["a", "b"], "DBM": -63.5, "KNOWN": true, "INNER": {"N": 7}, "BIG": 9007199254740993}' \
  >"$WORK/types.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T_TYPES" "$WORK/types.jsonl" || fail "cannot produce"
printf '%s\n' '{"MAC": "m1", "N": 1}' '{"N": 2}' '{"MAC": "m3", "N": 3}' >"$WORK/bad.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T_BAD" "$WORK/bad.jsonl" || fail "cannot produce"
write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false" "consumer.session.timeout.ms=6000" "offset.flush.interval.ms=200"
start_kcd "$WORK/worker.properties" "$WORK/probes.json" "$WORK/neo4j-types.json" "$WORK/neo4j-bad.json" \
  "$WORK/neo4j-syntax.json" "$WORK/neo4j-password.json"

wait_cypher 3 "MATCH (s:source) RETURN count(s)"
wait_cypher 4 "MATCH (:source)-[r:LOOKED_FOR_SSID]->(:ssid) RETURN count(r)"
[ "$(cypher "MATCH (s:ssid) RETURN s.name ORDER BY s.name" | paste -sd,)" = ",Loews,RNM0" ] ||
  fail "ssid nodes: $(cypher "MATCH (s:ssid) RETURN s.name ORDER BY s.name" | paste -sd,)"
[ "$(cypher "MATCH (s:source {mac: '44:65:0d:e0:94:66'})-[:LOOKED_FOR_SSID]->(x) RETURN s.device_name, s.is_known, s.mac_resolved, x.name ORDER BY x.name" | paste -sd'|')" = \
  "Robin's Kindle	True	AmazonTe_e0:94:66	Loews|Robin's Kindle	True	AmazonTe_e0:94:66	RNM0" ] || fail "Robin's Kindle's node and edges differ"
[ "$(cypher "MATCH (s:source {mac: 'aa:bb:cc:00:00:01'}) RETURN s.device_name")" = "" ] ||
  fail "a null device name is not coalesced to the empty string"

wait_cypher 1 "MATCH (t:typed) RETURN count(t)"
[ "$(cypher "MATCH (t:typed {id: 1}) RETURN t.tags, t.dbm, t.known, t.inner, t.big")" = \
  "['a', 'b']	-63.5	True	7	9007199254740993" ] || fail "typed properties: $(cypher "MATCH (t:typed) RETURN t.tags, t.dbm, t.known, t.inner, t.big")"

# the record Neo4j refuses (MERGE on a null property) to the DLQ, its neighbours written
wait_cypher "['m1', 'm3']" "MATCH (d:dev) WITH d ORDER BY d.mac RETURN collect(d.mac)" 60
wait_count "$T_BAD-dlq" 1 30 "the refused record did not reach the DLQ"
"$TESTKIT" dump-headers "$BOOTSTRAP" "$T_BAD-dlq" >"$WORK/dlq.tsv"
grep -q $'\t{"N": 2}\t' "$WORK/dlq.tsv" || fail "the DLQ does not hold the refused record's bytes"
grep -q 'exception.message=Neo.ClientError.Statement.SemanticError: Cannot merge the following node because of null property value' "$WORK/dlq.tsv" ||
  fail "the DLQ headers lack the server's message: $(cat "$WORK/dlq.tsv")"

url=$(rest_url)
wait_task_failed "$url" neo4j-syntax
grep -q "neo4j.topic.cypher.$T_TYPES: Neo.ClientError.Statement.SyntaxError" <<<"$TASK_STATUS" ||
  fail "neo4j-syntax's trace lacks the key and the server's code: $TASK_STATUS"
wait_task_failed "$url" neo4j-password
grep -q "refused the credentials of neo4j" <<<"$TASK_STATUS" || fail "neo4j-password's trace lacks the reason: $TASK_STATUS"
kill -0 "$KCD_PID" || fail "kcd died"
stop_kcd
grep -q "not-the-password\|=connect\b" "$WORK/kcd.log" && fail "a password reached the log"
pass "seed Neo4j config over Bolt: sources, SSIDs and LOOKED_FOR_SSID merged; typed values; refused record in the DLQ; syntax and credential failures in the trace"
