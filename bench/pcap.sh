#!/usr/bin/env bash
# pcap.sh - the pcap source against the pipeline's own capture loop, in one run, on one capture
# of BENCH_PACKETS (default 1,000,000) radiotap packets made by repeating the radiotap captures
# of tests/data/captures (timestamps moved forward so each copy follows the last).
#
#  (a) decoding alone: kcd-pcap (median of 3) against tshark -T ek, the pipeline's 22 fields, the same manuf
#      and wka files, output to /dev/null: packets/s and the ratio (goal: at least 50x);
#  (b) into the real broker: kcd standalone with the pcap source against the pipeline's
#      `tshark -T ek | grep timestamp | jq -c '{timestamp: .timestamp} + .layers' | kcat -P`,
#      each into its own topic (3 partitions) of the same broker, until every packet is there:
#      wall time, CPU seconds (all processes), and the ratios;
#  (c) peak RSS of kcd (VmHWM) and of kcd-pcap.
#
#   bench/pcap.sh        (needs a built tree and tests/services/kafka running; installs kcat and jq
#                         with apt-get when missing and run as root)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_PACKETS:-1000000}
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
WORK=$(mktemp -d /tmp/kcd-bench.XXXXXX)
. "$ROOT/bench/lib.sh"
trap 'drop_bench_topics; rm -rf "$WORK"' EXIT
"$ROOT/tests/services/kafka" status || { echo "start the broker first: tests/services/kafka start" >&2; exit 1; }
need_tools tshark jq kcat

# 10,000 packets a second from 2020-09-13
"$ROOT/bench/repeat_capture.py" "$WORK/big.pcap" "$N" 1600000000000000 100 "$ROOT"/tests/data/captures/*_radiotap.pcap
echo "capture: $N radiotap packets, $(du -m "$WORK/big.pcap" | cut -f1) MB"

# ---- (a) decoding alone
# kcd-pcap's run is short: the median of three, so one scheduling hiccup does not decide it
kp_runs=()
for _ in 1 2 3; do kp_runs+=("$(timed sh -c "'$BUILD/bin/kcd-pcap' --format tshark-4.0 '$WORK/big.pcap' >/dev/null")"); done
read -r kp_wall kp_cpu kp_rss <<<"$(median "${kp_runs[@]}")"
read -r ts_wall ts_cpu ts_rss < <(timed sh -c "tshark -r '$WORK/big.pcap' -T ek -l ${TSHARK_E[*]} >/dev/null 2>&1")

# ---- (b) into the broker
bench_topic "bench-pcap-kcd-$$" 3
bench_topic "bench-pcap-tshark-$$" 3
cat >"$WORK/worker.properties" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=$WORK/offsets.json
plugin.path=$BUILD/lib/kcd/plugins
listeners=http://127.0.0.1:0
P
cat >"$WORK/source.properties" <<P
name=bench-pcap
connector.class=PcapSourceConnector
pcap.files=$WORK/big.pcap
topic=bench-pcap-kcd-$$
format=tshark-4.0
P
t0=$(date +%s.%N)
"$BUILD/bin/kcd" standalone "$WORK/worker.properties" "$WORK/source.properties" >"$WORK/kcd.log" 2>&1 &
pid=$!
while [ "$("$BUILD/bin/testkit" count "$BOOTSTRAP" "bench-pcap-kcd-$$")" -lt "$N" ]; do
  kill -0 $pid 2>/dev/null || { echo "kcd died:" >&2; tail -20 "$WORK/kcd.log" >&2; exit 1; }
  sleep 0.1
done
t1=$(date +%s.%N)
kcd_rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
kcd_cpu=$(proc_cpu $pid)
kill -TERM $pid; wait $pid || true
kcd_wall=$(echo "$t1 - $t0" | bc -l)

read -r pl_wall pl_cpu pl_rss < <(timed bash -c "tshark -r '$WORK/big.pcap' -T ek -l ${TSHARK_E[*]} 2>/dev/null | grep timestamp |
  jq -c '{timestamp: .timestamp} + .layers' | kcat -P -b $BOOTSTRAP -t bench-pcap-tshark-$$")
got=$("$BUILD/bin/testkit" count "$BOOTSTRAP" "bench-pcap-tshark-$$")
[ "$got" = "$N" ] || echo "note: the tshark pipeline delivered $got of $N records" >&2

pps() { echo "$N / $1" | bc -l | xargs printf "%.0f"; }
ratio() { echo "$1 / $2" | bc -l | xargs printf "%.1f"; }
printf '\n(a) decoding %d packets, 22 fields, to /dev/null\n' "$N"
printf '  %-28s %9s s %12s pkt/s %8s CPU s %8s MB RSS\n' "kcd-pcap" "$kp_wall" "$(pps "$kp_wall")" "$kp_cpu" "$((kp_rss / 1024))"
printf '  %-28s %9s s %12s pkt/s %8s CPU s %8s MB RSS\n' "tshark -T ek" "$ts_wall" "$(pps "$ts_wall")" "$ts_cpu" "$((ts_rss / 1024))"
printf '  kcd-pcap / tshark: %sx packets per second (goal: at least 50x)\n' "$(ratio "$ts_wall" "$kp_wall")"
printf '\n(b) capture file -> Kafka topic (3 partitions), every packet delivered\n'
printf '  %-40s %8.2f s wall %8s CPU s %8s MB peak RSS\n' "kcd standalone, pcap source" "$kcd_wall" "$kcd_cpu" "$((kcd_rss / 1024))"
printf '  %-40s %8.2f s wall %8s CPU s %8s MB peak RSS (largest process)\n' "tshark | grep | jq | kcat" "$pl_wall" "$pl_cpu" "$((pl_rss / 1024))"
printf '  pipeline / kcd: %sx wall time, %sx CPU seconds\n' "$(ratio "$pl_wall" "$kcd_wall")" "$(ratio "$pl_cpu" "$kcd_cpu")"
printf '\n(c) kcd peak RSS %d MB (kcd-pcap %d MB)\n' "$((kcd_rss / 1024))" "$((kp_rss / 1024))"
