#!/usr/bin/env bash
# Tasks that heal themselves, as in a compose stack started in any order: PostgreSQL, OpenSearch
# and Neo4j are stopped, kcd starts the three sinks on a topic of 500 records, and the servers
# come back 20 s later. Meanwhile each task is FAILED with the automatic restart to come in its
# trace (the worker's task.auto.restart.*); once the servers are up, every task ends RUNNING
# and every record is in each server. A sink failing on its config (a Cypher syntax error) is
# not restarted: it stays FAILED with the plain trace.
. "$(dirname "$0")/lib.sh"
need_kafka
need_postgres
need_opensearch
need_neo4j
N=500
TOPIC="it-heal-$RUN_ID"
DB="kcd_it_$(echo "$RUN_ID" | tr -c 'a-z0-9\n' '_')"
LABEL="heal_$(echo "$RUN_ID" | tr -c 'a-z0-9\n' '_')"
INDEX=$(echo "$TOPIC" | tr 'A-Z' 'a-z')
services() { for s in postgres opensearch neo4j; do "$KCD_SOURCE/tests/services/$s" "$1" >/dev/null 2>&1 || "$KCD_SOURCE/tests/services/$s" "$1"; done; }
trap 'services start; psql_q "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; cleanup' EXIT
psql_q "CREATE DATABASE $DB" || fail "cannot create database $DB"
cypher "RETURN 1" >/dev/null # the driver's venv, made while Neo4j is up
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 2 || fail "cannot create topic"
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++) printf "%d\t{\"ID\": %d, \"NOTE\": \"row %d\"}\n", i, i, i }' >"$WORK/records.tsv"
"$TESTKIT" produce-keyed "$BOOTSTRAP" "$TOPIC" "$WORK/records.tsv" || fail "cannot produce"
write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false" "consumer.session.timeout.ms=6000" "offset.flush.interval.ms=500" \
  "task.auto.restart.backoff.max.ms=4000" "task.auto.restart.max.attempts=100"
KEYC='"key.converter": "org.apache.kafka.connect.storage.StringConverter"'
cat >"$WORK/pg.json" <<J
{"name": "heal-pg", "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", $KEYC,
  "connection.url": "jdbc:postgresql://127.0.0.1:$PG_PORT/$DB", "connection.user": "postgres",
  "connection.password": "postgres", "connection.attempts": "1", "topics": "$TOPIC", "auto.create": "true",
  "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "ID"}}
J
cat >"$WORK/es.json" <<J
{"name": "heal-es", "config": {"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
  $KEYC, "connection.url": "$ES_URL", "topics": "$TOPIC", "key.ignore": "false", "schema.ignore": "true"}}
J
cat >"$WORK/neo4j.json" <<J
{"name": "heal-neo4j", "config": {"connector.class": "streams.kafka.connect.sink.Neo4jSinkConnector", $KEYC,
  "topics": "$TOPIC", "neo4j.server.uri": "$NEO4J_URL", "neo4j.authentication.basic.username": "neo4j",
  "neo4j.authentication.basic.password": "connect", "neo4j.retry.max.attemps": "1",
  "neo4j.topic.cypher.$TOPIC": "MERGE (n:$LABEL {id: event.ID}) SET n.note = event.NOTE"}}
J
cat >"$WORK/bad.json" <<J
{"name": "heal-bad", "config": {"connector.class": "streams.kafka.connect.sink.Neo4jSinkConnector", $KEYC,
  "topics": "$TOPIC", "neo4j.server.uri": "$NEO4J_URL", "neo4j.authentication.basic.username": "neo4j",
  "neo4j.authentication.basic.password": "connect",
  "neo4j.topic.cypher.$TOPIC": "MERGE (n:$LABEL {id: event.ID) THIS IS NOT CYPHER"}}
J

services stop
echo "PostgreSQL, OpenSearch and Neo4j stopped"
start_kcd "$WORK/worker.properties" "$WORK/pg.json" "$WORK/es.json" "$WORK/neo4j.json" "$WORK/bad.json"
URL=$(rest_url)
task() { curl -s "$URL/connectors/$1/status" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; print(t[0]["state"] if t else "none"); print(t[0].get("trace","") if t else "")' 2>/dev/null; }
deadline=$((SECONDS + 60))
for c in heal-pg heal-es heal-neo4j; do
  until task $c | matches "kcd restarts the task in"; do
    [ $SECONDS -lt $deadline ] || fail "$c shows no automatic restart while its server is down: $(task $c)"
    kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
    sleep 0.5
  done
  echo "$c while its server is down: $(task $c | tr '\n' ' ' | cut -c1-220)"
done
sleep 20
services start
echo "servers started again"
deadline=$((SECONDS + 180))
for c in heal-pg heal-es heal-neo4j; do
  until [ "$(task $c | head -1)" = RUNNING ]; do
    [ $SECONDS -lt $deadline ] || fail "$c did not end RUNNING: $(task $c)"
    kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
    sleep 0.5
  done
done
PG_DB=$DB wait_sql $N "SELECT count(*) FROM \"$TOPIC\"" 120
wait_es $N "/$INDEX/_count" "r['count']" 120
wait_cypher $N "MATCH (n:$LABEL) RETURN count(n)" 120
grep -c "Restarting the task in" "$WORK/kcd.log" | sed 's/^/automatic restarts logged: /'
[ "$(task heal-bad | head -1)" = FAILED ] || fail "the sink with a Cypher syntax error is not FAILED: $(task heal-bad)"
task heal-bad | matches "kcd restarts" && fail "a config error was restarted automatically: $(task heal-bad)"
cypher "MATCH (n:$LABEL) DETACH DELETE n" >/dev/null || true
stop_kcd
pass "sinks started before their servers: all three RUNNING with $N records each once the servers came up; the config error left FAILED"
