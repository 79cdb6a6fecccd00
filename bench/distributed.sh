#!/usr/bin/env bash
# distributed.sh - three-worker clusters of kcd and of Apache Kafka Connect 4.1.1 (Maven
# Central), one after the other on the same broker with the same group settings:
#   - start: time from the first PUT of N connectors (FileStreamSink, tasks.max=3, N=100 by
#     default) until every connector and its 3 tasks are RUNNING (read through GET
#     /connectors?expand=status);
#   - memory: RSS of each worker then;
#   - failover: kill -9 of one worker, time until every connector and task is RUNNING on the two
#     others.
# Same group settings on both sides: session.timeout.ms=10000, heartbeat.interval.ms=3000, and
# scheduled.rebalance.max.delay.ms=0 (Connect's default of 300000 would make its failover wait
# five minutes for the lost worker; kcd never waits). Prints both and the ratios.
#
#   bench/distributed.sh                (BENCH_CONNECTORS=100)
#   BENCH_SKIP_JAVA=1 bench/distributed.sh   (BENCH_KEEP=1 keeps the workers' logs)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_CONNECTORS:-100}
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
WORK=$(mktemp -d /tmp/kcd-bench.XXXXXX)
PIDS=()
. "$ROOT/bench/lib.sh"
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; drop_bench_topics; [ "${BENCH_KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"' EXIT
"$ROOT/tests/services/kafka" status || { echo "start the broker first: tests/services/kafka start" >&2; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
RUN=$(date +%s)-$$
DATA=bench-dist-$RUN
bench_topic "$DATA" 3

# cluster KIND: starts three workers of KIND (kcd, java); sets PORTS and PIDS
cluster() {
  local kind=$1 g="bench-dist-$1-$RUN"
  PORTS=() PIDS=()
  for n in 1 2 3; do
    local port
    port=$(free_port)
    PORTS+=("$port")
    cat >"$WORK/$kind-$n.properties" <<EOF
bootstrap.servers=$BOOTSTRAP
group.id=$g
config.storage.topic=$g-configs
offset.storage.topic=$g-offsets
status.storage.topic=$g-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
session.timeout.ms=10000
heartbeat.interval.ms=3000
scheduled.rebalance.max.delay.ms=0
listeners=http://127.0.0.1:$port
rest.advertised.host.name=127.0.0.1
plugin.path=$BUILD/lib/kcd/plugins
EOF
    if [ "$kind" = kcd ]; then
      "$BUILD/bin/kcd" distributed "$WORK/$kind-$n.properties" >"$WORK/$kind-$n.log" 2>&1 &
    else
      java -Xms256m -Xmx1g -cp "$libs/*" org.apache.kafka.connect.cli.ConnectDistributed "$WORK/$kind-$n.properties" \
        >"$WORK/$kind-$n.log" 2>&1 &
    fi
    PIDS+=($!)
  done
  for port in "${PORTS[@]}"; do
    local deadline=$((SECONDS + 180))
    until curl -sf "http://127.0.0.1:$port/connectors" >/dev/null; do
      [ $SECONDS -lt $deadline ] || { echo "$kind worker on $port did not start" >&2; exit 1; }
      sleep 0.2
    done
  done
}

# running PORT [DEAD]: prints how many connectors have their connector and 3 tasks RUNNING, none
# on worker DEAD
running() {
  curl -sf "http://127.0.0.1:$1/connectors?expand=status" | python3 -c '
import json, sys
dead = sys.argv[1]
n = 0
for c in json.load(sys.stdin).values():
    s = c["status"]
    parts = [s["connector"]] + s["tasks"]
    n += len(s["tasks"]) == 3 and all(p["state"] == "RUNNING" and p["worker_id"] != dead for p in parts)
print(n)' "${2:-none}" 2>/dev/null || echo 0
}

wait_all() { # wait_all PORT [DEAD]
  local deadline=$((SECONDS + 600))
  until [ "$(running "$@")" = "$N" ]; do
    [ $SECONDS -lt $deadline ] || { echo "not all RUNNING after 600 s: $(running "$@") of $N" >&2; exit 1; }
    sleep 0.2
  done
}

# bench KIND: prints "start_s rss1_kb rss2_kb rss3_kb failover_s"
bench() {
  local kind=$1
  cluster "$kind"
  sleep 5 # the group formed
  local t0 t1 t2 t3
  t0=$(date +%s.%N)
  for i in $(seq 1 "$N"); do
    curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' "http://127.0.0.1:${PORTS[$((i % 3))]}/connectors/c$i/config" \
      -d "{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSinkConnector\",\"file\":\"/dev/null\",\"topics\":\"$DATA\",\"tasks.max\":\"3\"}" ||
      { echo "$kind: PUT c$i failed" >&2; exit 1; }
  done
  wait_all "${PORTS[0]}"
  t1=$(date +%s.%N)
  local rss=()
  for p in "${PIDS[@]}"; do rss+=("$(awk '/VmRSS/ {print $2}' /proc/$p/status)"); done
  kill -9 "${PIDS[2]}"
  t2=$(date +%s.%N)
  wait_all "${PORTS[0]}" "127.0.0.1:${PORTS[2]}"
  t3=$(date +%s.%N)
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  PIDS=()
  echo "$(echo "$t1 - $t0" | bc -l) ${rss[*]} $(echo "$t3 - $t2" | bc -l)"
}

libs=""
[ "${BENCH_SKIP_JAVA:-0}" = 1 ] || libs=$(connect_libs)
k=$(bench kcd)
printf 'kcd:     %d connectors x 3 tasks RUNNING in %.1f s; RSS per worker %s MiB; kill -9 to all RUNNING on two workers %.1f s\n' \
  "$N" "$(echo "$k" | cut -d' ' -f1)" "$(echo "$k" | awk '{printf "%d/%d/%d", $2/1024, $3/1024, $4/1024}')" "$(echo "$k" | cut -d' ' -f5)"
[ "${BENCH_SKIP_JAVA:-0}" = 1 ] && exit 0
j=$(bench java)
printf 'Connect: %d connectors x 3 tasks RUNNING in %.1f s; RSS per worker %s MiB; kill -9 to all RUNNING on two workers %.1f s\n' \
  "$N" "$(echo "$j" | cut -d' ' -f1)" "$(echo "$j" | awk '{printf "%d/%d/%d", $2/1024, $3/1024, $4/1024}')" "$(echo "$j" | cut -d' ' -f5)"
python3 - "$k" "$j" <<'EOF'
import sys
k = [float(x) for x in sys.argv[1].split()]
j = [float(x) for x in sys.argv[2].split()]
print(f"ratios (Connect / kcd): time to all RUNNING {j[0] / k[0]:.2f}, RSS {sum(j[1:4]) / sum(k[1:4]):.2f}, "
      f"failover time {j[4] / k[4]:.2f} (above 1: kcd is faster or smaller)")
EOF
