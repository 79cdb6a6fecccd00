#!/usr/bin/env bash
# file_pipeline.sh - file source -> real Kafka (3 partitions) -> file sink, N lines, run by kcd
# and by Apache Kafka Connect (ConnectStandalone with FileStreamSource/FileStreamSink) on the
# same input against the same broker. Prints records/s, CPU seconds and peak RSS of each
# worker process (each the median of BENCH_RUNS runs, default 3), and the ratios.
#
#   bench/file_pipeline.sh                 (N=1000000; BENCH_LINES=... to change)
#   BENCH_SKIP_JAVA=1 bench/file_pipeline.sh   kcd only
#   BENCH_KCD_WORKER='consumer.queued.max.messages.kbytes=8192' bench/file_pipeline.sh
#                                              adds lines to kcd's worker properties
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_LINES:-1000000}
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
WORK=$(mktemp -d /tmp/kcd-bench.XXXXXX)
. "$ROOT/bench/lib.sh"
trap 'drop_bench_topics; rm -rf "$WORK"' EXIT
"$ROOT/tests/services/kafka" status || { echo "start the broker first: tests/services/kafka start" >&2; exit 1; }

seq -f 'line-%07g' 1 "$N" >"$WORK/in.txt"

# measure NAME CMD...: runs the worker until the sink has N lines; prints "secs cpu_s rss_kb"
measure() {
  local name=$1; shift
  local out=$WORK/$name.out
  local t0 t1 pid rss=0 cpu=0 deadline=$((SECONDS + ${BENCH_TIMEOUT:-600}))
  t0=$(date +%s.%N)
  "$@" >"$WORK/$name.log" 2>&1 &
  pid=$!
  while :; do
    local n=0
    [ -f "$out" ] && n=$(wc -l <"$out")
    [ "$n" -ge "$N" ] && break
    kill -0 $pid 2>/dev/null || { echo "$name died; log:" >&2; tail -20 "$WORK/$name.log" >&2; exit 1; }
    # a task that failed leaves the worker running: give up after BENCH_TIMEOUT s (600)
    [ $SECONDS -lt $deadline ] || { echo "$name: $n of $N lines after ${BENCH_TIMEOUT:-600} s; log:" >&2; tail -20 "$WORK/$name.log" >&2; kill $pid; exit 1; }
    sleep 0.05
  done
  t1=$(date +%s.%N)
  rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  cpu=$(proc_cpu $pid)
  kill -TERM $pid; wait $pid || true
  echo "$(echo "$t1 - $t0" | bc -l) $cpu $rss"
}

worker_props() { # worker_props FILE NAME
  cat >"$1" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/$2.offsets
offset.flush.interval.ms=10000
plugin.path=$BUILD/lib/kcd/plugins
listeners=http://127.0.0.1:18083
P
  if [ "$2" = kcd ] && [ -n "${BENCH_KCD_WORKER:-}" ]; then printf '%s\n' "$BENCH_KCD_WORKER" >>"$1"; fi
}

connectors() { # connectors NAME TOPIC
  printf 'name=%s-src\nconnector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\nfile=%s\ntopic=%s\n' \
    "$1" "$WORK/in.txt" "$2" >"$WORK/$1-src.properties"
  printf 'name=%s-sink\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\ntopics=%s\nfile=%s\n' \
    "$1" "$2" "$WORK/$1.out" >"$WORK/$1-sink.properties"
}

RUNS=${BENCH_RUNS:-3}
declare -A R
for w in kcd java; do
  [ "$w" = java ] && [ "${BENCH_SKIP_JAVA:-0}" = 1 ] && continue
  results=()
  for run in $(seq 1 "$RUNS"); do
  RUN=$(date +%s)-$$-$run
  rm -f "$WORK/$w.out" "$WORK/$w.offsets"
  topic="bench-$w-$RUN"
  bench_topic "$topic" 3
  worker_props "$WORK/$w.properties" "$w"
  connectors "$w" "$topic"
  if [ "$w" = kcd ]; then
    results+=("$(measure kcd "$BUILD/bin/kcd" standalone "$WORK/kcd.properties" "$WORK/kcd-src.properties" "$WORK/kcd-sink.properties")")
  else
    libs=$(connect_libs)
    sed -i '/^plugin.path=/d' "$WORK/java.properties"
    results+=("$(measure java java -Xms256m -Xmx1g -cp "$libs/*" org.apache.kafka.connect.cli.ConnectStandalone \
      "$WORK/java.properties" "$WORK/java-src.properties" "$WORK/java-sink.properties")")
  fi
  done
  # each column's own median: the peak RSS goal is about a typical run, not the one of median speed
  R[$w]="$(for c in 1 2 3; do median $(printf '%s\n' "${results[@]}" | awk -v c=$c '{print $c}'); done | tr '\n' ' ')"
  printf '%s runs (wall s, cpu s, peak RSS kB): %s\n' "$w" "$(printf '[%s] ' "${results[@]}")"
done

echo
echo "file source -> Kafka (3 partitions) -> file sink, $N lines, $(nproc) cores"
echo "command: BENCH_LINES=$N BENCH_RUNS=$RUNS bench/file_pipeline.sh   (medians of $RUNS runs)"
printf '%-22s %12s %12s %10s %12s\n' worker "records/s" "wall s" "cpu s" "peak RSS MiB"
for w in kcd java; do
  [ -n "${R[$w]:-}" ] || continue
  read -r secs cpu rss <<<"${R[$w]}"
  printf '%-22s %12.0f %12.2f %10.2f %12.1f\n' "$([ $w = kcd ] && echo kcd || echo "Kafka Connect $CONNECT_VERSION")" \
    "$(echo "$N / $secs" | bc -l)" "$secs" "$cpu" "$(echo "$rss / 1024" | bc -l)"
done
if [ -n "${R[java]:-}" ]; then
  read -r ks kc kr <<<"${R[kcd]}"
  read -r js jc jr <<<"${R[java]}"
  printf 'ratios kcd/Connect: throughput %.2fx, CPU %.2fx, peak RSS %.2fx\n' \
    "$(echo "$js / $ks" | bc -l)" "$(echo "$kc / $jc" | bc -l)" "$(echo "$kr / $jr" | bc -l)"
fi
