#!/usr/bin/env bash
# metrics_cost.sh - what watching kcd costs: file source -> real Kafka (3 partitions) -> file
# sink, N lines, with GET /metrics scraped every second (as a Prometheus with a 1 s
# scrape_interval would) against the same pipeline scraped never. The peer here is kcd itself
# unwatched; the counting itself cannot be turned off (relaxed atomic adds once per batch).
# Runs alternate, BENCH_RUNS of each (default 5), median by wall time; prints the ratio of
# throughputs (goal: at least 0.97). The pipeline shares two cores with the broker, so runs vary
# by tens of percent; the CPU one scrape costs kcd (1000 scrapes of an idle worker) is printed too,
# as the figure noise does not blur.
#
#   bench/metrics_cost.sh          (N=5000000, 5 runs each; BENCH_LINES=..., BENCH_RUNS=... to change)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_LINES:-5000000}
RUNS=${BENCH_RUNS:-5}
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
PORT=18093
WORK=$(mktemp -d /tmp/kcd-bench.XXXXXX)
. "$ROOT/bench/lib.sh"
trap 'drop_bench_topics; kill $SCRAPER 2>/dev/null || true; rm -rf "$WORK"' EXIT
SCRAPER=""
"$ROOT/tests/services/kafka" status || { echo "start the broker first: tests/services/kafka start" >&2; exit 1; }

seq -f 'line-%07g' 1 "$N" >"$WORK/in.txt"
sink_done() { [ -f "$WORK/out.txt" ] && [ "$(wc -l <"$WORK/out.txt")" -ge "$N" ]; }

run() { # run scraped|unwatched RUN: prints "wall cpu rss scrapes"
  local mode=$1 topic="bench-metrics-$1-$2-$$"
  rm -f "$WORK/out.txt" "$WORK/offsets" "$WORK/scrapes"
  bench_topic "$topic" 3
  file_pipeline_configs "$topic" "http://127.0.0.1:$PORT"
  SCRAPER=""
  if [ "$mode" = scraped ]; then
    (while :; do curl -sf "http://127.0.0.1:$PORT/metrics" >/dev/null && echo >>"$WORK/scrapes"; sleep 1; done) &
    SCRAPER=$!
  fi
  local r
  r=$(time_kcd "$WORK/kcd.log" sink_done "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties")
  [ -n "$SCRAPER" ] && { kill "$SCRAPER" 2>/dev/null || true; wait "$SCRAPER" 2>/dev/null || true; }
  echo "$r $( [ -f "$WORK/scrapes" ] && wc -l <"$WORK/scrapes" || echo 0)"
}

declare -A ALL
for i in $(seq 1 "$RUNS"); do
  for mode in unwatched scraped; do ALL[$mode]+="$(run "$mode" "$i")"$'\n'; done
done
pick() { printf '%s' "${ALL[$1]}" | sed '/^$/d' | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"; }
for mode in unwatched scraped; do
  printf '%s' "${ALL[$mode]}" | sed '/^$/d' | tr '\n' ';' | sed "s/^/$mode runs (wall cpu rss scrapes): /; s/;$/\n/"
done
echo "file source -> Kafka (3 partitions) -> file sink, $N lines, $(nproc) cores; runs alternate"
echo "command: BENCH_LINES=$N BENCH_RUNS=$RUNS bench/metrics_cost.sh   (median of $RUNS runs each)"
printf '%-34s %12s %8s %8s %12s %8s\n' worker "records/s" "wall s" "cpu s" "peak RSS MiB" scrapes
for mode in unwatched scraped; do
  read -r secs cpu rss scrapes <<<"$(pick "$mode")"
  printf '%-34s %12.0f %8.2f %8.2f %12.1f %8s\n' "kcd, /metrics $([ "$mode" = scraped ] && echo 'scraped every 1 s' || echo 'never scraped')" \
    "$(echo "$N / $secs" | bc -l)" "$secs" "$cpu" "$(echo "$rss / 1024" | bc -l)" "$scrapes"
done
read -r us _ <<<"$(pick unwatched)"
read -r ss _ <<<"$(pick scraped)"
printf 'ratio scraped/unwatched: throughput %.3f (goal: at least 0.97)\n' "$(echo "$us / $ss" | bc -l)"

# What one scrape costs, without the pipeline's noise: kcd's CPU time over 1000 scrapes in a row
# of a worker holding the pipeline's two connectors (the input read, so it idles)
rm -f "$WORK/out.txt" "$WORK/offsets"
topic="bench-metrics-idle-$$"
bench_topic "$topic" 3
file_pipeline_configs "$topic" "http://127.0.0.1:$PORT"
"$BUILD/bin/kcd" standalone "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties" >"$WORK/idle.log" 2>&1 &
pid=$!
until sink_done; do kill -0 $pid 2>/dev/null || { tail -20 "$WORK/idle.log" >&2; exit 1; }; sleep 0.2; done
cpu() { awk -v c="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / c}' /proc/$pid/stat; }
curl -sf "http://127.0.0.1:$PORT/metrics" >"$WORK/one-scrape.txt"
sleep 1
c0=$(cpu); t0=$(date +%s.%N)
for _ in $(seq 1 1000); do echo "url = \"http://127.0.0.1:$PORT/metrics\""; echo 'output = "/dev/null"'; done >"$WORK/curl.cfg"
curl -sf --parallel-max 1 -K "$WORK/curl.cfg" || true
c1=$(cpu); t1=$(date +%s.%N)
kill -TERM $pid; wait $pid || true
printf 'one scrape (%s lines, %s bytes): %.3f ms of kcd CPU (1000 in %.2f s); at one a second, %.3f%% of one core\n' \
  "$(wc -l <"$WORK/one-scrape.txt")" "$(wc -c <"$WORK/one-scrape.txt")" "$(echo "($c1 - $c0) * 1000 / 1000" | bc -l)" \
  "$(echo "$t1 - $t0" | bc -l)" "$(echo "($c1 - $c0) / 1000 * 100" | bc -l)"
