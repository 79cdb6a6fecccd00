# lib.sh - shared by the benchmarks (sourced).
CONNECT_VERSION=${KCD_CONNECT_VERSION:-4.1.1}
CACHE=${KCD_CACHE:-$HOME/.cache/kcd}

# Resolves Apache Kafka Connect (runtime, file connectors, JSON converter) from Maven Central
# once; prints the folder of its jars.
connect_libs() {
  local dir=$CACHE/connect-$CONNECT_VERSION
  if [ ! -f "$dir/libs/.complete" ]; then
    mkdir -p "$dir"
    cat >"$dir/pom.xml" <<P
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
 <groupId>local.kcd</groupId><artifactId>connect-runtime</artifactId><version>1</version><packaging>pom</packaging>
 <dependencies>
  <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId><version>$CONNECT_VERSION</version></dependency>
  <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-file</artifactId><version>$CONNECT_VERSION</version></dependency>
  <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-json</artifactId><version>$CONNECT_VERSION</version></dependency>
 </dependencies></project>
P
    mvn -q -B -f "$dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/libs" -DincludeScope=runtime >&2
    touch "$dir/libs/.complete"
  fi
  echo "$dir/libs"
}


# file_pipeline_configs TOPIC LISTENER: $WORK/worker.properties, src.properties and sink.properties
# of the file pipeline ($WORK/in.txt -> TOPIC -> $WORK/out.txt; offsets in $WORK/offsets), with
# the REST API on LISTENER
file_pipeline_configs() {
  cat >"$WORK/worker.properties" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets
offset.flush.interval.ms=10000
plugin.path=$BUILD/lib/kcd/plugins
listeners=$2
P
  printf 'name=src\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\n' "$WORK/in.txt" "$1" >"$WORK/src.properties"
  printf 'name=sink\nconnector.class=FileStreamSink\ntopics=%s\nfile=%s\n' "$1" "$WORK/out.txt" >"$WORK/sink.properties"
}

# median VALUE...: the middle of an odd count; a value may be a run's line ("seconds cpu rss"), ordered
# by its first number and given whole
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }

# bench_topic TOPIC PARTITIONS: creates the topic and notes it in $WORK for drop_bench_topics (a
# file, so that topics made in $(...) subshells are noted too)
bench_topic() {
  "$BUILD/bin/testkit" create-topic "$BOOTSTRAP" "$1" "$2" >/dev/null && echo "$1" >>"$WORK/.bench-topics"
}

# drop_bench_topics: deletes the topics bench_topic made, from the benchmark's EXIT trap (a run of
# 1,000,000 records leaves about a gigabyte on the broker's disk otherwise); KEEP_WORK=1 keeps them
drop_bench_topics() {
  [ "${KEEP_WORK:-0}" != 1 ] && [ -f "$WORK/.bench-topics" ] || return 0
  local t
  while read -r t; do "$BUILD/bin/testkit" delete-topic "$BOOTSTRAP" "$t" >/dev/null 2>&1 || true; done <"$WORK/.bench-topics"
}

# committed_at_least GROUP TOPIC N: the consumer group's committed offsets on TOPIC sum to N or more
# (a partition with nothing committed says -1001: it adds nothing)
committed_at_least() {
  [ "$("$BUILD/bin/testkit" committed "$BOOTSTRAP" "$1" "$2" 2>/dev/null | awk '$2 > 0 {s += $2} END {print s + 0}')" -ge "$3" ]
}

# time_kcd LOG DONE KCD-ARGS...: runs `kcd standalone KCD-ARGS` (output to LOG) until the command
# DONE (a shell function; it sees the caller's locals) succeeds, looking every 0.1 s; prints
# "wall-seconds cpu-seconds peak-RSS-KiB" of that kcd, then stops it
time_kcd() {
  local log=$1 done=$2 t0 t1 pid rss cpu
  shift 2
  t0=$(date +%s.%N)
  "$BUILD/bin/kcd" standalone "$@" >"$log" 2>&1 &
  pid=$!
  until "$done"; do
    kill -0 $pid 2>/dev/null || { echo "kcd died:" >&2; tail -20 "$log" >&2; exit 1; }
    sleep 0.1
  done
  t1=$(date +%s.%N)
  rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  cpu=$(proc_cpu $pid)
  kill -TERM $pid
  wait $pid || true
  echo "$(echo "$t1 - $t0" | bc -l) $cpu $rss"
}

# need_tools TOOL...: installs the Debian packages of the same names when a tool is missing (as
# root; otherwise says what to install and fails)
need_tools() {
  local missing=() t
  for t in "$@"; do command -v "$t" >/dev/null || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || { echo "this benchmark needs ${missing[*]} (apt-get install ${missing[*]})" >&2; return 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The pipeline's 22 tshark fields (the pcap source's default fields), as tshark's -e arguments
TSHARK_E=()
for f in wlan.fc.type wlan.fc.type_subtype wlan_radio.channel wlan_radio.signal_dbm wlan_radio.duration wlan.ra \
  wlan.ra_resolved wlan.da wlan.da_resolved wlan.ta wlan.ta_resolved wlan.sa wlan.sa_resolved wlan.staa \
  wlan.staa_resolved wlan.tagged.all wlan.tag.vendor.data wlan.tag.vendor.oui.type wlan.tag.oui wlan.ssid \
  wlan.country_info.code wps.device_name; do TSHARK_E+=(-e "$f"); done

# timed CMD...: runs it, prints "wall-seconds cpu-seconds peak-RSS-KiB" (CPU of it and every
# process it waited for; RSS of the largest of them)
timed() {
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@"
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$WORK/time.txt"
}

# proc_cpu PID: the process's CPU seconds so far (user + system)
proc_cpu() { awk -v c="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / c}' "/proc/$1/stat"; }

# pg_bench_setup: the PostgreSQL benches' start (after ROOT and WORK are set): PG_PORT, RUN, a
# database of their own, $DB (dropped on exit with $WORK unless KEEP_WORK=1); fails unless the
# broker and PostgreSQL run
pg_bench_setup() {
  PG_PORT=${KCD_PG_PORT:-15432}
  RUN=$(date +%s)-$$
  DB="kcd_bench_$(echo "$RUN" | tr -c '0-9\n' '_')"
  trap 'drop_bench_topics; [ "${KEEP_WORK:-0}" = 1 ] || { psqlx -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; rm -rf "$WORK"; }' EXIT
  "$ROOT/tests/services/kafka" status || { echo "start the broker first: tests/services/kafka start" >&2; exit 1; }
  "$ROOT/tests/services/postgres" status || { echo "start PostgreSQL first: tests/services/postgres start" >&2; exit 1; }
  psqlx -d postgres -c "CREATE DATABASE $DB"
}
psqlx() { PGPASSWORD=postgres psql -X -q -A -t -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }

# pg_time_sink TABLE LOG CMD...: creates TABLE ($COLS, keyed by "ID") as auto.create would, runs
# CMD (output to LOG) until TABLE holds every key's last value ($N records over $KEYS keys: the
# last of key k has SEQ N-KEYS+k), giving up after BENCH_TIMEOUT s (900); prints "wall-seconds
# cpu-seconds peak-RSS-KiB" of CMD, then stops it. One psql session watches the table: a psql
# started every 0.2 s took about a tenth of the 2 cores from the run.
pg_time_sink() {
  local table=$1 log=$2 t0 t1 pid got=""
  shift 2
  psqlx -d "$DB" -c "CREATE TABLE \"$table\" ($COLS, PRIMARY KEY (\"ID\"))"
  coproc WATCH { PGPASSWORD=postgres psql -X -q -A -t -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$DB" 2>&1; }
  local query="SELECT count(*) FROM \"$table\" WHERE \"SEQ\" = $((N - KEYS)) + \"ID\";"
  t0=$(date +%s.%N)
  "$@" >"$log" 2>&1 &
  pid=$!
  while :; do
    echo "$query" >&"${WATCH[1]}"
    read -r got <&"${WATCH[0]}"
    [ "$got" = "$KEYS" ] && break
    kill -0 $pid 2>/dev/null || { echo "$1 died:" >&2; tail -30 "$log" >&2; exit 1; }
    if [ $(( $(date +%s) - ${t0%.*} )) -gt "${BENCH_TIMEOUT:-900}" ]; then
      echo "$1: not done after ${BENCH_TIMEOUT:-900} s; log: $log" >&2
      tail -30 "$log" >&2
      kill $pid; exit 1
    fi
    sleep 0.1
  done
  t1=$(date +%s.%N)
  echo '\q' >&"${WATCH[1]}"
  wait "$WATCH_PID" 2>/dev/null || true
  local rss cpu
  rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  cpu=$(proc_cpu $pid)
  kill -TERM $pid
  wait $pid 2>/dev/null || true
  echo "$(echo "$t1 - $t0" | bc -l) $cpu $rss"
}

# pg_limit_run: PostgreSQL's own upsert limit for a bench's rows, in seconds: psql \copy of
# $WORK/rows.tsv into a staging table, then one INSERT ... ON CONFLICT keeping each key's last
# row (by "SEQ"). Uses the caller's psqlx, $DB, $COLS, $NAMES and $SETS (the "ID"-keyed table).
pg_limit_run() {
  psqlx -d "$DB" -c "DROP TABLE IF EXISTS lim; DROP TABLE IF EXISTS lim_stage; CREATE TABLE lim ($COLS, PRIMARY KEY (\"ID\")); CREATE UNLOGGED TABLE lim_stage ($COLS)"
  local t0 t1
  t0=$(date +%s.%N)
  psqlx -d "$DB" -c "\\copy lim_stage ($NAMES) FROM '$WORK/rows.tsv'" \
    -c "INSERT INTO lim ($NAMES) SELECT DISTINCT ON (\"ID\") $NAMES FROM lim_stage ORDER BY \"ID\", \"SEQ\" DESC ON CONFLICT (\"ID\") DO UPDATE SET $SETS"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
