#!/usr/bin/env bash
# error_modes.sh - what kcd's safety settings cost: the file pipeline of file_pipeline.sh
# (file source -> real Kafka, 3 partitions -> file sink, N lines) run plain, with
# errors.tolerance=all + a dead letter queue on both connectors (no record fails), and with
# exactly-once source support (transactional producer, offsets on the offsets topic) at
# transaction.boundary=poll and =interval (1 s). Median of BENCH_RUNS (default 3) per mode,
# all in this one invocation; prints each mode's throughput as a ratio to the plain run.
# (Kafka Connect's standalone worker has no exactly-once mode, so there is no peer column.)
#
#   bench/error_modes.sh        (N=1000000; BENCH_LINES=... to change)
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

# run_mode MODE RUN: one kcd run until the sink has N lines; prints "secs cpu_s rss_kb"
run_mode() {
  local mode=$1 run=$2 id topic t0 t1 pid rss cpu
  id="$(date +%s)-$$-$mode-$run"
  topic="bench-modes-$id"
  rm -f "$WORK/out.txt" "$WORK/offsets"
  bench_topic "$topic" 3
  file_pipeline_configs "$topic" http://127.0.0.1:0
  case $mode in
  tolerance-all)
    printf 'errors.tolerance=all\nerrors.log.enable=true\n' | tee -a "$WORK/src.properties" >>"$WORK/sink.properties"
    printf 'errors.deadletterqueue.topic.name=%s-dlq\nerrors.deadletterqueue.topic.replication.factor=1\nerrors.deadletterqueue.context.headers.enable=true\n' \
      "$topic" >>"$WORK/sink.properties" ;;
  exactly-once-poll | exactly-once-interval)
    printf 'exactly.once.source.support=enabled\noffset.storage.topic=bench-offsets-%s\noffset.storage.partitions=5\noffset.storage.replication.factor=1\n' \
      "$id" >>"$WORK/worker.properties"
    if [ $mode = exactly-once-interval ]; then
      printf 'transaction.boundary=interval\ntransaction.boundary.interval.ms=1000\n' >>"$WORK/src.properties"
    fi ;;
  esac
  t0=$(date +%s.%N)
  "$BUILD/bin/kcd" standalone "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties" \
    >"$WORK/$mode.log" 2>&1 &
  pid=$!
  while [ "$( [ -f "$WORK/out.txt" ] && wc -l <"$WORK/out.txt" || echo 0)" -lt "$N" ]; do
    kill -0 $pid 2>/dev/null || { echo "kcd ($mode) died; log:" >&2; tail -20 "$WORK/$mode.log" >&2; exit 1; }
    sleep 0.05
  done
  t1=$(date +%s.%N)
  rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  cpu=$(proc_cpu $pid)
  kill -TERM $pid
  wait $pid || true
  echo "$(echo "$t1 - $t0" | bc -l) $cpu $rss"
}

RUNS=${BENCH_RUNS:-3}
MODES=(plain tolerance-all exactly-once-poll exactly-once-interval)
declare -A R
for run in $(seq 1 "$RUNS"); do # modes interleaved, so drift on a shared machine hits all alike
  for m in "${MODES[@]}"; do R[$m]+="$(run_mode "$m" "$run")"$'\n'; done
done
echo
echo "file source -> Kafka (3 partitions) -> file sink, $N lines, $(nproc) cores, kcd only"
echo "command: BENCH_LINES=$N BENCH_RUNS=$RUNS bench/error_modes.sh   (median of $RUNS runs)"
printf '%-24s %12s %10s %10s %12s %14s\n' mode "records/s" "wall s" "cpu s" "peak RSS MiB" "vs plain"
plain_secs=""
for m in "${MODES[@]}"; do
  med=$(printf '%s' "${R[$m]}" | sed '/^$/d' | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  read -r secs cpu rss <<<"$med"
  [ -n "$plain_secs" ] || plain_secs=$secs
  printf '%-24s %12.0f %10.2f %10.2f %12.1f %13.2fx\n' "$m" "$(echo "$N / $secs" | bc -l)" "$secs" "$cpu" \
    "$(echo "$rss / 1024" | bc -l)" "$(echo "$plain_secs / $secs" | bc -l)"
done
