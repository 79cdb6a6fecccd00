#!/usr/bin/env bash
# neo4j_merge.sh - events per second from a real topic of N enriched probe records (5,000
# devices, 300 SSIDs) into Neo4j by kcd's Neo4j sink with the pipeline's SINK_NEO4J_PROBES_01
# statement (MERGE source, MERGE ssid, MERGE the edge; indexes on :source(mac) and :ssid(name)),
# beside its peer in the same run: Neo4j's official Java driver (the one the Neo4j Streams
# connector is built on; the connector itself is not on Maven Central) sending the same statement
# and events from memory in the same 1,000-event transactions (bench/neo4j.d/DriverLoad.java,
# compiled here against Maven Central's driver). Medians of 3.
#
#   bench/neo4j_merge.sh      (N=100000; BENCH_RECORDS=... to change)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_RECORDS:-100000}
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
NEO4J=$("$ROOT/tests/services/neo4j" url)
VENV=${KCD_CACHE:-$HOME/.cache/kcd}/venv-neo4j
WORK=$(mktemp -d /tmp/kcd-bench.XXXXXX)
RUN=$(date +%s)-$$
. "$ROOT/bench/lib.sh"
trap 'drop_bench_topics; [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"' EXIT
"$ROOT/tests/services/kafka" status || { echo "start the broker first: tests/services/kafka start" >&2; exit 1; }
"$ROOT/tests/services/neo4j" status || { echo "start Neo4j first: tests/services/neo4j start" >&2; exit 1; }
if ! "$VENV/bin/python" -c 'import neo4j' 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q neo4j==6.4.1
fi
# the peer: the Java driver and Jackson from Maven Central, the loader compiled once
DRIVER_VERSION=5.28.15
PEER=${KCD_CACHE:-$HOME/.cache/kcd}/neo4j-java-driver-$DRIVER_VERSION
if [ ! -f "$PEER/.complete" ] || [ "$ROOT/bench/neo4j.d/DriverLoad.java" -nt "$PEER/classes/DriverLoad.class" ]; then
  mkdir -p "$PEER/libs" "$PEER/classes"
  cat >"$PEER/pom.xml" <<P
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
 <groupId>local.kcd</groupId><artifactId>neo4j-driver-peer</artifactId><version>1</version><packaging>pom</packaging>
 <dependencies>
  <dependency><groupId>org.neo4j.driver</groupId><artifactId>neo4j-java-driver</artifactId><version>$DRIVER_VERSION</version></dependency>
  <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>2.17.2</version></dependency>
 </dependencies></project>
P
  mvn -q -B -f "$PEER/pom.xml" dependency:copy-dependencies -DoutputDirectory="$PEER/libs" -DincludeScope=runtime >&2
  javac -nowarn -d "$PEER/classes" -cp "$PEER/libs/*" "$ROOT/bench/neo4j.d/DriverLoad.java"
  touch "$PEER/.complete"
fi
STATEMENT=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["config"]; print(c["neo4j.topic.cypher.pcap_probe_enriched_00"])' \
  "$ROOT/tests/data/seed-configs/SINK_NEO4J_PROBES_01.json")
python3 - "$ROOT/tests/data/samples/probe-enriched-record.json" "$N" "$WORK/records.jsonl" <<'PY'
import json, sys
p, n = json.load(open(sys.argv[1])), int(sys.argv[2])
with open(sys.argv[3], "w") as f:
    for i in range(n):
        d = i % 5000
        mac = "44:65:0d:%02x:%02x:%02x" % (d >> 16 & 255, d >> 8 & 255, d & 255)
        f.write(json.dumps(dict(p, SOURCE_ADDRESS=mac, SOURCE_ADDRESS_RESOLVED="Dev_" + mac[9:],
                                SOURCE_DEVICE_NAME="device %d" % d, IS_KNOWN_DEVICE=d % 3 == 0,
                                SSID="net-%d" % (i % 300)), separators=(",", ":")) + "\n")
PY
TOPIC="bench-neo4j-$RUN"
bench_topic "$TOPIC" 3
"$BUILD/bin/testkit" produce "$BOOTSTRAP" "$TOPIC" "$WORK/records.jsonl"

py() { "$VENV/bin/python" - "$NEO4J" "$@"; }
fresh_graph() {
  py <<'PY'
import sys
from neo4j import GraphDatabase
with GraphDatabase.driver(sys.argv[1], auth=("neo4j", "connect")) as d:
    while d.execute_query("MATCH (n) WHERE n:source OR n:ssid WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS c").records[0]["c"]:
        pass
    d.execute_query("CREATE INDEX bench_source_mac IF NOT EXISTS FOR (n:source) ON (n.mac)")
    d.execute_query("CREATE INDEX bench_ssid_name IF NOT EXISTS FOR (n:ssid) ON (n.name)")
    d.execute_query("CALL db.awaitIndexes()")
PY
}
check_graph() { # prints "sources ssids edges"
  py <<'PY'
import sys
from neo4j import GraphDatabase
with GraphDatabase.driver(sys.argv[1], auth=("neo4j", "connect")) as d:
    q = lambda s: d.execute_query(s).records[0][0]
    print(q("MATCH (n:source) RETURN count(n)"), q("MATCH (n:ssid) RETURN count(n)"),
          q("MATCH (:source)-[r:LOOKED_FOR_SSID]->(:ssid) RETURN count(r)"))
PY
}

peer_run() {
  fresh_graph
  java -Xms256m -Xmx1g -cp "$PEER/libs/*:$PEER/classes" DriverLoad "$NEO4J" connect "$WORK/records.jsonl" "$STATEMENT" 1000
}

kcd_run() {
  local rep=$1 name="bench-neo4j-$1-$RUN"
  fresh_graph
  cat >"$WORK/worker.properties" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=$WORK/offsets-$rep
offset.flush.interval.ms=200
plugin.path=$BUILD/lib/kcd/plugins
listeners=http://127.0.0.1:0
P
  python3 - "$ROOT/tests/data/seed-configs/SINK_NEO4J_PROBES_01.json" "$name" "$TOPIC" "$NEO4J" >"$WORK/sink.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["config"]
c["topics"] = sys.argv[3]
c["neo4j.topic.cypher." + sys.argv[3]] = c.pop("neo4j.topic.cypher.pcap_probe_enriched_00")
c["neo4j.server.uri"] = sys.argv[4]
print(json.dumps({"name": sys.argv[2], "config": c}))
PY
  all_committed() { committed_at_least "connect-$name" "$TOPIC" "$N"; }
  time_kcd "$WORK/kcd-$rep.log" all_committed "$WORK/worker.properties" "$WORK/sink.json"
}

lims=() kcds=() graphs=()
for rep in 1 2 3; do
  lims+=("$(peer_run)")
  graphs+=("peer: $(check_graph)")
  kcds+=("$(kcd_run "$rep")")
  graphs+=("kcd: $(check_graph)")
done
lim=$(median "${lims[@]}")
read -r k c r <<<"$(median "${kcds[@]}")"
echo "peer runs: ${lims[*]} s; kcd runs: $(printf '%s\n' "${kcds[@]}" | awk '{printf "%s ", $1}')s; graphs (sources ssids edges): $(printf '%s; ' "${graphs[@]}")" >&2
echo
echo "Neo4j 5.26 MERGE (pipeline statement): $N records, 5000 devices, 300 SSIDs, topic with 3 partitions, $(nproc) cores"
echo "command: BENCH_RECORDS=$N bench/neo4j_merge.sh"
printf '%-58s %10s %12s %10s %12s\n' "" "wall s" "events/s" "kcd cpu s" "kcd RSS MiB"
printf '%-58s %10.2f %12.0f %10s %12s\n' "peer: Java driver, 1000-event transactions (median of 3)" "$lim" "$(echo "$N / $lim" | bc -l)" - -
printf '%-58s %10.2f %12.0f %10.2f %12.1f\n' "kcd neo4j sink, neo4j.batch.size=1000 (median of 3)" "$k" "$(echo "$N / $k" | bc -l)" "$c" "$(echo "$r / 1024" | bc -l)"
printf 'ratio kcd/peer (throughput): %.2fx (kcd from its start, reading Kafka; the peer from memory)\n' "$(echo "$lim / $k" | bc -l)"
