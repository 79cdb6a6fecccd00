# lib.sh - shared helpers for the integration tests (sourced).
set -euo pipefail
: "${KCD_BUILD:?set KCD_BUILD to the build folder}"
: "${KCD_SOURCE:?set KCD_SOURCE to the source folder}"
KCD="$KCD_BUILD/bin/kcd"
TESTKIT="$KCD_BUILD/bin/testkit"
PLUGINS="$KCD_BUILD/lib/kcd/plugins"
BOOTSTRAP="127.0.0.1:${KCD_KAFKA_PORT:-19092}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kcd-it.XXXXXX")
RUN_ID="$(date +%s)-$$-$RANDOM"
KCD_PID=""

# Tests running several kcd workers (distributed mode) keep them in the arrays PID and PORT
# (PID[n], PORT[n], logs in $WORK/w<n>.log): url N is worker N's REST address; kill_workers kills
# those still alive, as cleanup does at exit.
url() { echo "http://127.0.0.1:${PORT[$1]}"; }
kill_workers() {
  if declare -p PID >/dev/null 2>&1; then
    for n in "${!PID[@]}"; do kill -9 "${PID[$n]}" 2>/dev/null || true; done
  fi
  return 0
}

cleanup() {
  kill_workers
  if [ -n "$KCD_PID" ] && kill -0 "$KCD_PID" 2>/dev/null; then kill -9 "$KCD_PID" 2>/dev/null || true; fi
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# every curl of a test gives up after 2 minutes (Connect answers a stuck request with a 500 after
# 90 s; a server that never answers must fail the test, not hang it until ctest's timeout)
export CURL_HOME=$WORK
echo "max-time = 120" >"$WORK/.curlrc"

fail() {
  echo "FAIL: $*" >&2
  [ -f "$WORK/kcd.log" ] && tail -40 "$WORK/kcd.log" >&2
  for f in "$WORK"/w*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }; done
  exit 1
}
pass() { echo "PASS: $*"; }
# producer | matches ARGS...: grep -q ARGS, but reading all its input. Under pipefail a grep -q
# leaving at the first match can kill the producer with SIGPIPE and fail the pipeline although
# the line was there (or, before "&& fail", pass a test that should fail).
matches() { grep "$@" >/dev/null; }

# need_service NAME: the server tests/services/NAME runs, started unless it answers already
need_service() {
  "$KCD_SOURCE/tests/services/$1" status || "$KCD_SOURCE/tests/services/$1" start
}
need_kafka() { need_service kafka; }

# wait_output WANT SECONDS WHAT CMD...: until CMD prints WANT while kcd runs, else fail naming WHAT
wait_output() {
  local want=$1 deadline=$((SECONDS + $2)) what=$3 got=""
  shift 3
  while :; do
    got=$("$@" 2>/dev/null || true)
    [ "$got" = "$want" ] && return 0
    [ $SECONDS -lt $deadline ] || fail "waited for $what to give [$want], last [$got]"
    kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
    sleep 0.5
  done
}

# wait_task_failed REST_URL CONNECTOR [SECONDS]: until the connector's task is FAILED; its status
# (with the trace) is then in $TASK_STATUS
wait_task_failed() {
  local deadline=$((SECONDS + ${3:-60}))
  until TASK_STATUS=$(curl -s "$1/connectors/$2/status") && grep -q '"state":"FAILED"' <<<"$TASK_STATUS"; do
    [ $SECONDS -lt $deadline ] || fail "$2 did not fail: $TASK_STATUS"
    sleep 0.5
  done
}

# write_worker FILE [extra lines...]
write_worker() {
  local f=$1; shift
  {
    echo "bootstrap.servers=$BOOTSTRAP"
    echo "key.converter=org.apache.kafka.connect.storage.StringConverter"
    echo "value.converter=org.apache.kafka.connect.storage.StringConverter"
    echo "offset.storage.file.filename=$WORK/offsets.json"
    echo "offset.flush.interval.ms=500"
    echo "plugin.path=$PLUGINS"
    echo "listeners=http://127.0.0.1:0" # a free port: tests run side by side
    for l in "$@"; do echo "$l"; done
  } >"$f"
}

start_kcd() { # start_kcd ARGS... (log appended to $WORK/kcd.log)
  "$KCD" standalone "$@" >>"$WORK/kcd.log" 2>&1 &
  KCD_PID=$!
}

# wait_exit PID SECONDS WHAT: PID's exit status once it exits. A process still there after
# SECONDS has its threads' stacks printed (jstack for a JVM, gdb otherwise), is killed, and the
# test fails naming WHAT: a hung stop says where it hangs instead of running into ctest's timeout.
wait_exit() {
  local pid=$1 deadline=$((SECONDS + $2)) rc=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "--- $3 (pid $pid) still running $2 s after it was told to stop; its threads:" >&2
      if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ]; then
        timeout 30 jstack "$pid" >&2 2>&1 || true
      else
        timeout 60 gdb -p "$pid" -batch -ex "thread apply all bt" >&2 2>&1 || true
      fi
      kill -9 "$pid" 2>/dev/null || true
      fail "$3 did not exit within $2 s of SIGTERM"
    fi
    sleep 0.2
  done
  wait "$pid" || rc=$?
  return $rc
}

stop_kcd() { # graceful stop; fails the test on a non-zero exit
  kill -TERM "$KCD_PID"
  local rc=0
  wait_exit "$KCD_PID" 120 kcd || rc=$?
  KCD_PID=""
  [ "$rc" = 0 ] || fail "kcd exited with $rc after SIGTERM"
}

# wait_count TOPIC MIN SECONDS MESSAGE: until TOPIC holds at least MIN records, else fail MESSAGE
wait_count() {
  local deadline=$((SECONDS + $3))
  until [ "$("$TESTKIT" count "$BOOTSTRAP" "$1" 2>/dev/null || echo 0)" -ge "$2" ]; do
    [ $SECONDS -lt $deadline ] || fail "$4"
    sleep 0.5
  done
}
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

# wait_lines FILE N TIMEOUT_S: until FILE has at least N lines
wait_lines() {
  local deadline=$((SECONDS + $3))
  while [ "$(lines "$1")" -lt "$2" ]; do
    [ $SECONDS -lt $deadline ] || fail "timed out: $1 has $(lines "$1") of $2 lines"
    kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
    sleep 0.2
  done
}

# wait_unique FILE N TIMEOUT_S: until FILE has N distinct lines
wait_unique() {
  local deadline=$((SECONDS + $3))
  while [ "$(sort -u "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do
    [ $SECONDS -lt $deadline ] || fail "timed out: $1 has $(sort -u "$1" | wc -l) of $2 distinct lines"
    kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
    sleep 0.5
  done
}

# rest_url: the http URL of the running kcd's REST server (the last one it logged)
rest_url() {
  local port="" deadline=$((SECONDS + 30))
  while [ -z "$port" ]; do
    [ $SECONDS -lt $deadline ] || fail "kcd did not log its REST port"
    port=$(grep -o 'REST server listening on http://127.0.0.1:[0-9]*' "$WORK/kcd.log" | tail -1 | grep -o '[0-9]*$' || true)
    [ -n "$port" ] || sleep 0.2
  done
  echo "http://127.0.0.1:$port"
}

need_postgres() { need_service postgres; }
PG_PORT=${KCD_PG_PORT:-15432}
# psql_q SQL...: one query against the test cluster, unaligned, tuples only
psql_q() { PGPASSWORD=postgres psql -X -q -A -t -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${PG_DB:-postgres}" -v ON_ERROR_STOP=1 -c "$*"; }
# wait_sql WANT SQL [SECONDS]: until the query answers WANT (60 s by default) while kcd runs
wait_sql() { wait_output "$1" "${3:-60}" "[$2]" psql_q "$2"; }
# seed_config NAME DB: a seed connector config with only its database host changed to the test cluster's
seed_config() {
  sed "s|jdbc:postgresql://postgres:5432/|jdbc:postgresql://127.0.0.1:$PG_PORT/$2|" "$KCD_SOURCE/tests/data/seed-configs/$1.json"
}

need_opensearch() { need_service opensearch; }
ES_URL=$("$KCD_SOURCE/tests/services/opensearch" url)
# es METHOD PATH [BODY]: one request to the test OpenSearch node; prints the reply
es() { curl -sS -X "$1" -H 'Content-Type: application/json' "$ES_URL$2" ${3:+--data-binary "$3"}; }
# es_json PATH PYTHON-EXPR: evaluates EXPR over the reply of GET PATH (bound to r); prints the result
es_json() { es GET "$1" | python3 -c 'import json,sys; r=json.load(sys.stdin); print('"$2"')'; }
# es_fresh_json PATH PYTHON-EXPR: es_json after a refresh (documents indexed since are searchable)
es_fresh_json() { es POST "/_refresh" >/dev/null 2>&1 || true; es_json "$@"; }
# wait_es WANT PATH EXPR [SECONDS]: until es_json PATH EXPR prints WANT while kcd runs
wait_es() { wait_output "$1" "${4:-60}" "$2 [$3]" es_fresh_json "$2" "$3"; }

need_neo4j() { need_service neo4j; }
NEO4J_URL=$("$KCD_SOURCE/tests/services/neo4j" url)
# cypher QUERY: runs QUERY on the test Neo4j with the official Python driver (PyPI's neo4j, in a
# venv of its own): an independent client checks what kcd's Bolt client wrote. Prints each
# row's values tab-separated.
NEO4J_VENV=${KCD_CACHE:-$HOME/.cache/kcd}/venv-neo4j
cypher() {
  if [ ! -x "$NEO4J_VENV/bin/python" ] || ! "$NEO4J_VENV/bin/python" -c 'import neo4j' 2>/dev/null; then
    python3 -m venv "$NEO4J_VENV" && "$NEO4J_VENV/bin/pip" install -q neo4j==6.4.1 >&2 || fail "cannot install the neo4j driver"
  fi
  "$NEO4J_VENV/bin/python" - "$NEO4J_URL" "$1" <<'PY'
import sys
from neo4j import GraphDatabase
with GraphDatabase.driver(sys.argv[1], auth=("neo4j", "connect")) as d:
    for rec in d.execute_query(sys.argv[2]).records:
        print("\t".join(str(v) for v in rec.values()))
PY
}
# wait_cypher WANT QUERY [SECONDS]: until cypher QUERY prints WANT while kcd runs
wait_cypher() { wait_output "$1" "${3:-60}" "[$2]" cypher "$2"; }

need_ferretdb() { need_service ferretdb; }
FERRETDB_URL=$("$KCD_SOURCE/tests/services/ferretdb" url)
# mongo PYTHON: runs PYTHON with `client` bound to a pymongo client of the test FerretDB (PyPI's
# pymongo, in a venv of its own)
MONGO_VENV=${KCD_CACHE:-$HOME/.cache/kcd}/venv-mongo
mongo() {
  if ! "$MONGO_VENV/bin/python" -c 'import pymongo' 2>/dev/null; then
    python3 -m venv "$MONGO_VENV" && "$MONGO_VENV/bin/pip" install -q pymongo==4.10.1 >&2 || fail "cannot install pymongo"
  fi
  "$MONGO_VENV/bin/python" -c "
import sys, bson
from pymongo import MongoClient
client = MongoClient(sys.argv[1] + '/?directConnection=true')
$1" "$FERRETDB_URL"
}

# mongo_bulk DB N: DB.bulk holds N documents {_id: i, n: i, note: "document i"}, i = 0..N-1
mongo_bulk() {
  mongo "
db = client['$1']
db.bulk.insert_many([{'_id': i, 'n': i, 'note': 'document %d' % i} for i in range($2)])
" || fail "cannot write the test documents"
}

# mongo_bulk_copied TOPIC N: every document of mongo_bulk's N is on TOPIC (JSON keys without
# schemas); prints how many came more than once, else fails naming the missing ones
mongo_bulk_copied() {
  "$TESTKIT" dump-timestamps "$BOOTSTRAP" "$1" | cut -f4 | python3 -c "
import json, sys
ids = [json.loads(json.loads(line)['id']) for line in sys.stdin if line.strip()]
missing = set(range($2)) - set(ids)
assert not missing, '%d documents missing, e.g. %s' % (len(missing), sorted(missing)[:5])
print(len(ids) - $2)
" || fail "documents were lost"
}

# mongo_bulk_configs NAME DB 'CONNECTOR_KEYS' [WORKER_LINE...]: $WORK/source.json, a Debezium
# MongoDB connector mongo-NAME copying DB.bulk 500 documents a poll into $TOPIC (set here:
# NAME-$RUN_ID.DB.bulk), with the extra JSON keys given (', "k": "v"' or ''); and
# $WORK/worker.properties with JSON keys and values without schemas, and the worker lines given
mongo_bulk_configs() {
  TOPIC="$1-$RUN_ID.$2.bulk"
  cat >"$WORK/source.json" <<J
{"name": "mongo-$1", "config": {"connector.class": "io.debezium.connector.mongodb.MongoDbConnector",
  "mongodb.hosts": "rs0/127.0.0.1:${FERRETDB_URL##*:}", "topic.prefix": "$1-$RUN_ID",
  "collection.include.list": "$2\\\\.bulk", "max.batch.size": "500"$3}}
J
  shift 3
  write_worker "$WORK/worker.properties" "key.converter=org.apache.kafka.connect.json.JsonConverter" \
    "value.converter=org.apache.kafka.connect.json.JsonConverter" "key.converter.schemas.enable=false" \
    "value.converter.schemas.enable=false" "$@"
}

# wait_copy_over WHAT: until the running kcd's MongoDB copy is over (FerretDB then refuses the
# change stream that follows), else fail saying WHAT did not happen
wait_copy_over() {
  local deadline=$((SECONDS + 180))
  until grep -q "the server cannot follow changes" "$WORK/kcd.log"; do
    [ $SECONDS -lt $deadline ] || fail "$1"
    kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
    sleep 0.5
  done
}

# free_port: a TCP port free on 127.0.0.1 now
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# need_connect: Apache Kafka Connect's jars (bench/lib.sh's connect_libs, Maven Central) in $libs,
# $CONNECT_VERSION set, and java on the PATH
need_connect() {
  . "$KCD_SOURCE/bench/lib.sh"
  command -v java >/dev/null || fail "java is needed (default-jdk-headless)"
  libs=$(connect_libs) || fail "cannot resolve Kafka Connect $CONNECT_VERSION from Maven Central"
}

# start_java_connect CLASS PROPERTIES_FILE: Apache Kafka Connect (bench/lib.sh's connect_libs, in
# $libs) with that main class (ConnectStandalone, ConnectDistributed), its log in
# $WORK/connect.log; waits for its REST API at $URL (the listener the properties name). The
# process is $KCD_PID, so cleanup() kills it like a kcd.
start_java_connect() {
  java -Xms128m -Xmx512m -cp "$libs/*" "org.apache.kafka.connect.cli.$1" "$2" >"$WORK/connect.log" 2>&1 &
  KCD_PID=$!
  URL=$(sed -n 's/^listeners=//p' "$2")
  local deadline=$((SECONDS + 120))
  until curl -sf "$URL/connectors" >/dev/null; do
    [ $SECONDS -lt $deadline ] || { tail -30 "$WORK/connect.log" >&2; fail "Kafka Connect did not start"; }
    kill -0 "$KCD_PID" 2>/dev/null || { tail -30 "$WORK/connect.log" >&2; fail "Kafka Connect exited"; }
    sleep 0.5
  done
}
