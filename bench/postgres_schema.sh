#!/usr/bin/env bash
# postgres_schema.sh - upserts of records in Connect's JSON with schemas (JsonConverter,
# schemas.enable=true: every record carries its 10-column struct schema, ~760 bytes) from a real
# topic into PostgreSQL, defaults against defaults: kcd's postgres sink beside the Debezium JDBC
# sink 3.3.1 on Apache Kafka Connect 4.1.1 (both from Maven Central), one task each, and the
# limit measured in the same run (psql \copy into a staging table plus one INSERT ... ON
# CONFLICT). Each sink runs from the topic's start until every key holds its last value. The
# limit and kcd run BENCH_ROUNDS times (3), interleaved, and their medians are compared: one run
# of either varied by a third on this shared machine. Debezium runs once.
#
#   bench/postgres_schema.sh      (N=1000000 records, N/10 keys; BENCH_RECORDS=... to change;
#                                  BENCH_KCD_SETTINGS='"key": "value", ...' adds settings to kcd's sink;
#                                  BENCH_SKIP_JAVA=1: kcd and the limit only)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_RECORDS:-1000000}
KEYS=$((N / 10))
DBZ_VERSION=3.3.1.Final
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
WORK=$(mktemp -d /tmp/kcd-bench.XXXXXX)
. "$ROOT/bench/lib.sh"
pg_bench_setup
libs=$(connect_libs)
# the Debezium JDBC sink as a Connect plugin folder (resolved once), without the Jackson and
# SLF4J jars Connect has: a second Jackson in the plugin's loader fails its task
# ("Jdk8Module not a subtype" from Hibernate's ServiceLoader)
DBZ=$CACHE/debezium-jdbc-$DBZ_VERSION
if [ ! -f "$DBZ/plugin/.complete" ]; then
  rm -rf "$DBZ/plugin"
  mkdir -p "$DBZ"
  cat >"$DBZ/pom.xml" <<P
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
 <groupId>local.kcd</groupId><artifactId>debezium-jdbc</artifactId><version>1</version><packaging>pom</packaging>
 <dependencies><dependency><groupId>io.debezium</groupId><artifactId>debezium-connector-jdbc</artifactId><version>$DBZ_VERSION</version></dependency></dependencies></project>
P
  mvn -q -B -f "$DBZ/pom.xml" dependency:copy-dependencies -DoutputDirectory="$DBZ/plugin/debezium-connector-jdbc" \
    -DincludeScope=runtime -DexcludeArtifactIds=jackson-annotations,jackson-core,jackson-databind,slf4j-api >&2
  touch "$DBZ/plugin/.complete"
fi
python3 "$ROOT/bench/json_convert.d/records.py" "$N" "$WORK/records.tsv" "$WORK/rows.tsv"
TOPIC="bench-pgs-$RUN"
bench_topic "$TOPIC" 3
"$BUILD/bin/testkit" produce-keyed "$BOOTSTRAP" "$TOPIC" "$WORK/records.tsv"
BYTES=$(( $(cut -f2- "$WORK/records.tsv" | wc -c) / N ))

COLS='"ID" BIGINT NOT NULL, "SEQ" BIGINT, "DEVICE" TEXT, "SSID" TEXT, "PACKETS" BIGINT, "BYTES" BIGINT, "SIGNAL_DBM" DOUBLE PRECISION, "CHANNEL" INT, "SEEN" TEXT, "ACTIVE" BOOLEAN'
NAMES='"ID","SEQ","DEVICE","SSID","PACKETS","BYTES","SIGNAL_DBM","CHANNEL","SEEN","ACTIVE"'
SETS=$(echo "$NAMES" | tr ',' '\n' | grep -v '"ID"' | sed 's/.*/&=EXCLUDED.&/' | paste -sd, -)


# sink_run WHO TABLE: the worker WHO ($WORK/WHO.*) until TABLE holds every key's last value;
# prints "seconds cpu_seconds peak_rss_kb"
sink_run() {
  if [ "$1" = kcd ]; then
    pg_time_sink "$2" "$WORK/kcd.log" "$BUILD/bin/kcd" standalone "$WORK/kcd.properties" "$WORK/kcd-sink.json"
  else
    pg_time_sink "$2" "$WORK/dbz.log" java -Xms256m -Xmx1g -cp "$libs/*" org.apache.kafka.connect.cli.ConnectStandalone \
      "$WORK/dbz.properties" "$WORK/dbz-sink.properties"
  fi
}

# both workers as a user would write them: key as a string, value JsonConverter (schemas on,
# its default); the sinks with only what they need
for who in kcd dbz; do
  cat >"$WORK/$who.properties" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=$WORK/offsets-$who
listeners=http://127.0.0.1:$( [ $who = kcd ] && echo 0 || python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
P
done
echo "plugin.path=$BUILD/lib/kcd/plugins" >>"$WORK/kcd.properties"
echo "plugin.path=$DBZ/plugin" >>"$WORK/dbz.properties"
# kcd_sink_json R: kcd's sink for round R, a connector (and consumer group) of its own into kcd_t_R
kcd_sink_json() {
  cat >"$WORK/kcd-sink.json" <<J
{"name": "bench-pgs-kcd-$RUN-$1", "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
 "connection.url": "jdbc:postgresql://127.0.0.1:$PG_PORT/$DB", "connection.user": "postgres", "connection.password": "postgres",
 "topics": "$TOPIC", "table.name.format": "kcd_t_$1", "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "ID"
 ${BENCH_KCD_SETTINGS:+, $BENCH_KCD_SETTINGS}}}
J
}
cat >"$WORK/dbz-sink.properties" <<P
name=bench-pgs-dbz-$RUN
connector.class=io.debezium.connector.jdbc.JdbcSinkConnector
tasks.max=1
topics=$TOPIC
connection.url=jdbc:postgresql://127.0.0.1:$PG_PORT/$DB
connection.username=postgres
connection.password=postgres
insert.mode=upsert
primary.key.mode=record_value
primary.key.fields=ID
quote.identifiers=true
table.name.format=dbz_t
P
ROUNDS=${BENCH_ROUNDS:-3}
lims=() kcd_runs=()
for r in $(seq 1 "$ROUNDS"); do
  lims+=("$(pg_limit_run)")
  kcd_sink_json "$r"
  kcd_runs+=("$(sink_run kcd "kcd_t_$r")")
done
lim=$(median "${lims[@]}")
read -r tk ck rk <<<"$(median "${kcd_runs[@]}")"
echo "limit runs: ${lims[*]} s; kcd runs: $(printf '%s\n' "${kcd_runs[@]}" | awk '{printf "%s ", $1}')s" >&2
SKIP_JAVA=${BENCH_SKIP_JAVA:-0}
[ "$SKIP_JAVA" = 1 ] || read -r td cd rd <<<"$(sink_run dbz dbz_t)"
[ "$(psqlx -d "$DB" -c "SELECT count(*) FROM (SELECT * FROM kcd_t_$ROUNDS EXCEPT SELECT * FROM lim) d")" = 0 ] ||
  echo "note: kcd's table differs from the limit's" >&2
[ "$SKIP_JAVA" = 1 ] || [ "$(psqlx -d "$DB" -c "SELECT count(*) FROM (SELECT * FROM dbz_t EXCEPT SELECT * FROM lim) d")" = 0 ] ||
  echo "note: Debezium's table differs from the limit's" >&2
echo
echo "PostgreSQL upserts of schema'd JSON: $N records of $BYTES bytes, $KEYS keys, 3 partitions, one task, $(nproc) cores"
echo "command: BENCH_RECORDS=$N bench/postgres_schema.sh"
printf '%-48s %8s %11s %8s %9s\n' "" "wall s" "records/s" "cpu s" "RSS MiB"
printf '%-48s %8.2f %11.0f %8s %9s\n' "limit: psql \\copy + INSERT ... ON CONFLICT (median)" "$lim" "$(echo "$N / $lim" | bc -l)" - -
printf '%-48s %8.2f %11.0f %8.2f %9.1f\n' "kcd postgres sink (defaults, median)" "$tk" "$(echo "$N / $tk" | bc -l)" "$ck" "$(echo "$rk / 1024" | bc -l)"
if [ "$SKIP_JAVA" = 1 ]; then
  printf 'ratio kcd/limit: %.2fx (goal: at least 0.5x); CPU per record: kcd %.1f us\n' "$(echo "$lim / $tk" | bc -l)" "$(echo "$ck * 1000000 / $N" | bc -l)"
  exit 0
fi
printf '%-48s %8.2f %11.0f %8.2f %9.1f\n' "Debezium JDBC sink $DBZ_VERSION, Connect $CONNECT_VERSION" "$td" "$(echo "$N / $td" | bc -l)" "$cd" "$(echo "$rd / 1024" | bc -l)"
printf 'ratio kcd/Debezium (throughput): %.2fx (goal: at least 3x); kcd/limit: %.2fx (goal: at least 0.5x); CPU per record: kcd %.1f us, Debezium %.1f us\n' \
  "$(echo "$td / $tk" | bc -l)" "$(echo "$lim / $tk" | bc -l)" "$(echo "$ck * 1000000 / $N" | bc -l)" "$(echo "$cd * 1000000 / $N" | bc -l)"
