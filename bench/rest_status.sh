#!/usr/bin/env bash
# rest_status.sh - GET /connectors/{name}/status requests per second with 50 connectors loaded,
# and the worker's RSS with those 50 connectors, for kcd and for Apache Kafka Connect's
# ConnectStandalone (same connectors, same broker), side by side with ratios. Load from wrk.
#
#   bench/rest_status.sh          (BENCH_CONNECTORS=50, BENCH_SECONDS=10; BENCH_SKIP_JAVA=1: kcd only)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_CONNECTORS:-50}
SECS=${BENCH_SECONDS:-10}
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
PORT=18083
WORK=$(mktemp -d /tmp/kcd-bench-rest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
"$ROOT/tests/services/kafka" status || { echo "start the broker first: tests/services/kafka start" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
. "$ROOT/bench/lib.sh"

cat >"$WORK/worker.properties" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets
plugin.path=$BUILD/lib/kcd/plugins
listeners=http://127.0.0.1:$PORT
P
conns=()
for i in $(seq 1 "$N"); do
  : >"$WORK/in-$i.txt"
  printf 'name=c-%d\nconnector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\nfile=%s\ntopic=bench-rest-%d\n' \
    "$i" "$WORK/in-$i.txt" "$i" >"$WORK/c-$i.properties"
  conns+=("$WORK/c-$i.properties")
done

# run NAME CMD...: starts the worker, waits for all N connectors RUNNING, loads it with wrk;
# prints "requests_per_s rss_kb"
run() {
  local name=$1; shift
  rm -f "$WORK/offsets"
  "$@" >"$WORK/$name.log" 2>&1 &
  local pid=$! deadline=$((SECONDS + 180))
  until [ "$(curl -s "http://127.0.0.1:$PORT/connectors?expand=status" | grep -o '"state":"RUNNING"' | wc -l)" -ge $((2 * N)) ]; do
    [ $SECONDS -lt $deadline ] || { echo "$name: connectors not RUNNING in time" >&2; tail -20 "$WORK/$name.log" >&2; kill $pid; exit 1; }
    kill -0 $pid 2>/dev/null || { echo "$name died" >&2; tail -20 "$WORK/$name.log" >&2; exit 1; }
    sleep 0.5
  done
  local rss_before; rss_before=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  local rps
  rps=$(wrk -t2 -c32 -d"${SECS}s" "http://127.0.0.1:$PORT/connectors/c-7/status" | awk '/Requests\/sec/ {print $2}')
  local rss; rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  kill -TERM $pid; wait $pid || true
  echo "$rps $rss_before $rss"
}

declare -A R
R[kcd]=$(run kcd "$BUILD/bin/kcd" standalone "$WORK/worker.properties" "${conns[@]}")
if [ "${BENCH_SKIP_JAVA:-0}" != 1 ]; then
  libs=$(connect_libs)
  sed '/^plugin.path=/d' "$WORK/worker.properties" >"$WORK/java.properties"
  R[java]=$(run java java -Xms256m -Xmx1g -cp "$libs/*" org.apache.kafka.connect.cli.ConnectStandalone \
    "$WORK/java.properties" "${conns[@]}")
fi
echo
echo "GET /connectors/c-7/status with $N file source connectors loaded, wrk -t2 -c32 -d${SECS}s, $(nproc) cores"
echo "command: BENCH_CONNECTORS=$N BENCH_SECONDS=$SECS bench/rest_status.sh"
printf '%-22s %14s %20s %18s\n' worker "requests/s" "RSS idle, MiB" "peak RSS, MiB"
for w in kcd java; do
  [ -n "${R[$w]:-}" ] || continue
  read -r rps idle peak <<<"${R[$w]}"
  printf '%-22s %14.0f %20.1f %18.1f\n' "$([ $w = kcd ] && echo kcd || echo "Kafka Connect $CONNECT_VERSION")" \
    "$rps" "$(echo "$idle / 1024" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
done
if [ -n "${R[java]:-}" ]; then
  read -r kr ki kp <<<"${R[kcd]}"
  read -r jr ji jp <<<"${R[java]}"
  printf 'ratios kcd/Connect: requests/s %.2fx, idle RSS %.2fx, peak RSS %.2fx\n' \
    "$(echo "$kr / $jr" | bc -l)" "$(echo "$ki / $ji" | bc -l)" "$(echo "$kp / $jp" | bc -l)"
fi
