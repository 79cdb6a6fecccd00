#!/usr/bin/env bash
# idle_busy_sinks.sh - 50 file-sink connectors in one worker, kcd beside Apache Kafka Connect's
# ConnectStandalone (same connectors, same broker):
#   idle: on an empty topic, once all are RUNNING: RSS, threads, CPU (% of one core) and
#         wake-ups per second (context switches of all threads) over BENCH_SECONDS;
#   busy: then BENCH_RECORDS records (200 bytes) land in the topic, in a Java producer's
#         batches (16 KB), and every connector (its own consumer group) reads them all:
#         seconds until all have, and peak RSS, beside kcd's tasks.buffer.max.bytes (the
#         budget for prefetched records); then RSS once the worker has been quiet for 15 s
#         (what it gives back); then as many again in librdkafka's batches (up to 1 MB), of
#         which a consumer holds at least one whole, with the peak measured from there.
#
#   bench/idle_busy_sinks.sh     (BENCH_CONNECTORS=50, BENCH_SECONDS=20, BENCH_RECORDS=100000;
#                                 BENCH_SKIP_JAVA=1: kcd only)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_CONNECTORS:-50}
SECS=${BENCH_SECONDS:-20}
RECORDS=${BENCH_RECORDS:-100000}
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
PORT=18084
WORK=$(mktemp -d /tmp/kcd-bench-idle.XXXXXX)
. "$ROOT/bench/lib.sh"
trap 'drop_bench_topics; rm -rf "$WORK"' EXIT
"$ROOT/tests/services/kafka" status || { echo "start the broker first: tests/services/kafka start" >&2; exit 1; }
python3 -c "
for i in range($RECORDS): print('%d\trecord-%09d-%s' % (i, i, 'x' * 180))" >"$WORK/keyed.txt"

# switches PID: context switches of all its threads so far
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s + 0}'; }

# burst PID TOPIC BATCH_BYTES LINES: produces the records in batches of up to BATCH_BYTES and waits
# until every sink's file has LINES lines; prints "seconds peak_rss_kb"
burst() {
  local b0 deadline=$((SECONDS + 600)) done f
  b0=$(date +%s.%N)
  TESTKIT_BATCH_SIZE=$3 "$BUILD/bin/testkit" produce-keyed "$BOOTSTRAP" "$2" "$WORK/keyed.txt" >&2
  while :; do
    done=0
    for f in "$WORK"/out-*.txt; do [ -f "$f" ] && [ "$(wc -l <"$f")" -ge "$4" ] && done=$((done + 1)); done
    [ "$done" -ge "$N" ] && break
    [ $SECONDS -lt $deadline ] || { echo "only $done of $N sinks read everything" >&2; kill "$1"; exit 1; }
    sleep 0.2
  done
  echo "$(echo "$(date +%s.%N) - $b0" | bc -l) $(awk '/VmHWM/ {print $2}' /proc/"$1"/status)"
}

# run NAME CMD...: prints "start_s rss_kb threads cpu_pct wakeups_per_s busy_s peak_rss_kb
# after_rss_kb busy_big_s peak_big_rss_kb"
run() {
  local name=$1; shift
  local topic="bench-idle-$name-$(date +%s)-$$"
  bench_topic "$topic" 3
  rm -f "$WORK"/out-* "$WORK/offsets"
  for i in $(seq 1 "$N"); do
    printf 'name=s-%d\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\ntopics=%s\nfile=%s\n' \
      "$i" "$topic" "$WORK/out-$i.txt" >"$WORK/s-$i.properties"
  done
  local t0; t0=$(date +%s.%N)
  "$@" "$WORK/$name.properties" "$WORK"/s-*.properties >"$WORK/$name.log" 2>&1 &
  local pid=$! deadline=$((SECONDS + 300))
  until [ "$(curl -s "http://127.0.0.1:$PORT/connectors?expand=status" | grep -o '"state":"RUNNING"' | wc -l)" -ge $((2 * N)) ]; do
    [ $SECONDS -lt $deadline ] || { echo "$name: connectors not RUNNING in time" >&2; tail -20 "$WORK/$name.log" >&2; kill $pid; exit 1; }
    kill -0 $pid 2>/dev/null || { echo "$name died" >&2; tail -20 "$WORK/$name.log" >&2; exit 1; }
    sleep 0.2
  done
  local started; started=$(echo "$(date +%s.%N) - $t0" | bc -l)
  sleep 10 # groups settle (joins, first commits)
  local c0 s0 c1 s1
  c0=$(proc_cpu $pid); s0=$(switches $pid)
  sleep "$SECS"
  c1=$(proc_cpu $pid); s1=$(switches $pid)
  local rss threads
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  threads=$(awk '/Threads/ {print $2}' /proc/$pid/status)
  # busy: the records arrive, in a Java producer's batches (batch.size 16384, as Connect's own
  # producers write); every connector reads them all
  local busy peak after busy_big peak_big
  read -r busy peak < <(burst "$pid" "$topic" 16384 "$RECORDS")
  sleep 15 # quiet again: what the burst took and the worker kept
  after=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  # again in librdkafka's batches (up to 1 MB): a consumer holds a fetched batch whole
  echo 5 >/proc/$pid/clear_refs # peak RSS starts again from here
  read -r busy_big peak_big < <(burst "$pid" "$topic" 1000000 $((2 * RECORDS)))
  kill -TERM $pid; wait $pid || true
  echo "$started $rss $threads $(echo "($c1 - $c0) * 100 / $SECS" | bc -l) $(echo "($s1 - $s0) / $SECS" | bc -l)" \
    "$busy $peak $after $busy_big $peak_big"
}

for w in kcd java; do
  cat >"$WORK/$w.properties" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets
offset.flush.interval.ms=10000
listeners=http://127.0.0.1:$PORT
P
done
echo "plugin.path=$BUILD/lib/kcd/plugins" >>"$WORK/kcd.properties"
declare -A R
R[kcd]=$(run kcd "$BUILD/bin/kcd" standalone)
if [ "${BENCH_SKIP_JAVA:-0}" != 1 ]; then
  libs=$(connect_libs)
  R[java]=$(run java java -Xms256m -Xmx1g -cp "$libs/*" org.apache.kafka.connect.cli.ConnectStandalone)
fi

echo
echo "$N file-sink connectors in one worker, $(nproc) cores; idle on an empty topic for $SECS s, then $RECORDS records (200 bytes) read by each"
echo "command: BENCH_CONNECTORS=$N BENCH_SECONDS=$SECS BENCH_RECORDS=$RECORDS bench/idle_busy_sinks.sh"
mib() { echo "$1 / 1024" | bc -l; }
printf '%-22s %7s %8s %7s %9s %9s | %6s %8s %9s | %10s %12s\n' worker "start s" "idle MiB" threads "idle CPU%" \
  "wakeups/s" "busy s" "peak MiB" "after MiB" "1MB busy s" "1MB peak MiB"
for w in kcd java; do
  [ -n "${R[$w]:-}" ] || continue
  read -r st rss th cpu wk busy peak after busy_big peak_big <<<"${R[$w]}"
  printf '%-22s %7.2f %8.1f %7d %9.2f %9.0f | %6.2f %8.1f %9.1f | %10.2f %12.1f\n' \
    "$([ $w = kcd ] && echo kcd || echo "Kafka Connect $CONNECT_VERSION")" "$st" "$(mib "$rss")" "$th" "$cpu" "$wk" \
    "$busy" "$(mib "$peak")" "$(mib "$after")" "$busy_big" "$(mib "$peak_big")"
done
echo "busy: $RECORDS records in a Java producer's 16 KB batches; after: RSS 15 s after; 1MB: $RECORDS more in librdkafka's 1 MB batches"
echo "goals for kcd: idle under 25 MiB, 100 threads and 1% of a core; busy peak within tasks.buffer.max.bytes (64 MiB) of idle"
read -r _ kr _ kc _ kb kp _ _ kpb <<<"${R[kcd]}"
printf 'kcd busy peak over idle: %.1f MiB in 16 KB batches, %.1f MiB in 1 MB batches\n' "$(mib $((kp - kr)))" "$(mib $((kpb - kr)))"
if [ -n "${R[java]:-}" ]; then
  read -r _ jr _ jc _ jb jp _ <<<"${R[java]}"
  printf 'ratios kcd/Connect: idle RSS %.2fx, idle CPU %.2fx, busy time %.2fx (below 1: kcd faster), busy peak RSS %.2fx\n' \
    "$(echo "$kr / $jr" | bc -l)" "$(echo "$kc / $jc" | bc -l)" "$(echo "$kb / $jb" | bc -l)" "$(echo "$kp / $jp" | bc -l)"
fi
