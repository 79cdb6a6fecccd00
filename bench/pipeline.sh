#!/usr/bin/env bash
# pipeline.sh - the whole Wi-Fi pipeline (deploy/pipeline, its connector files unchanged) on one
# capture of BENCH_PACKETS (default 1,000,000) packets: the project's capture scene
# (tests/data/captures/kcd-scene_*.pcap) repeated, 10,000 packets a second ending now.
#
# Two runs, each on emptied sinks and new topics, with deploy/pipeline/run-local
# (KCD_PIPELINE_CAPTURE=0) starting kcd with every connector but the capture:
#  (kcd)  kcd's pcap source (SOURCE_PCAP_FILES_00: split by subtype, keyed by origin) applied;
#  (peer) the article's capture loop instead feeding the same topics:
#         tshark -T ek | jq | kcat, jq making the records the source makes (the same 22 fields;
#         the subtype in decimal, as tshark 3 printed it and the topic split needs; key
#         <file>:<frame number>) and naming the topic, awk handing each line to that topic's kcat.
# Each run is timed from the capture's start to the last record in each sink: every packet a row
# of PostgreSQL's pcap table, every packet a document of the pcap index, and the Neo4j sink's
# committed offsets covering every probe request. Printed: those times, packets per second
# through the whole pipeline, kcd's CPU seconds and peak RSS (in the peer run, the loop's CPU
# beside what kcd's sinks spent), and the ratios.
#
#   bench/pipeline.sh    (needs a built tree and what ./dev test installs; starts the services
#                         with run-local; installs tshark, jq and kcat with apt-get when missing)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_PACKETS:-1000000}
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
PG_PORT=${KCD_PG_PORT:-15432}
WORK=$(mktemp -d /tmp/kcd-bench.XXXXXX)
. "$ROOT/bench/lib.sh"
stop_kcd() { # the run's kcd, if one runs
  local pid
  pid=$(cat "$WORK/run/kcd.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}
trap 'stop_kcd; rm -rf "$WORK"' EXIT
need_tools tshark jq kcat
TOPICS=(PCAP_PROBE PCAP_BEACON PCAP_RTS PCAP_CTS PCAP_ACK PCAP_NULL PCAP_OTHER)

now_us=$(($(date +%s) * 1000000))
"$ROOT/bench/repeat_capture.py" "$WORK/big.pcap" "$N" $((now_us - N * 100)) 100 "$ROOT"/tests/data/captures/kcd-scene_*.pcap
probes=$("$BUILD/bin/kcd-pcap" "$WORK/big.pcap" | grep -c '"wlan_fc_type_subtype":\["4"\]')
echo "capture: $N packets ($probes probe requests), $(du -m "$WORK/big.pcap" | cut -f1) MB"

pg_rows() { PGPASSWORD=postgres psql -X -A -t -h 127.0.0.1 -p "$PG_PORT" -U postgres -d wifi -c "SELECT count(*) FROM pcap" 2>/dev/null || echo 0; }
es_docs() { curl -sf "$ES_URL/pcap/_count" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])' 2>/dev/null || echo 0; }
neo4j_done() { committed_at_least connect-SINK_NEO4J_PCAP_PROBES_00 PCAP_PROBE "$probes"; }

# start_pipeline: new topics and consumer groups, emptied sinks, kcd running every connector but
# the capture (run-local); sets PID
start_pipeline() {
  stop_kcd
  rm -rf "$WORK/run"
  KCD_PIPELINE_DIR=$WORK/run KCD_PIPELINE_CAPTURE=0 "$ROOT/deploy/pipeline/run-local" "$WORK/big.pcap" >"$WORK/run-local.log" 2>&1 ||
    { echo "run-local failed:" >&2; tail -20 "$WORK/run-local.log" >&2; exit 1; }
  ES_URL=$("$ROOT/tests/services/opensearch" url)
  PID=$(cat "$WORK/run/kcd.pid")
}

# wait_sinks T0: polls until every sink holds every record; sets T_PG, T_ES, T_NEO4J (seconds
# since T0)
wait_sinks() {
  local t0=$1 now
  T_PG="" T_ES="" T_NEO4J=""
  while [ -z "$T_PG" ] || [ -z "$T_ES" ] || [ -z "$T_NEO4J" ]; do
    kill -0 "$PID" 2>/dev/null || { echo "kcd died:" >&2; tail -20 "$WORK/run/kcd.log" >&2; exit 1; }
    now=$(date +%s.%N)
    [ -n "$T_PG" ] || [ "$(pg_rows)" -lt "$N" ] || T_PG=$(echo "$now - $t0" | bc -l)
    [ -n "$T_ES" ] || [ "$(es_docs)" -lt "$N" ] || T_ES=$(echo "$now - $t0" | bc -l)
    [ -n "$T_NEO4J" ] || ! neo4j_done || T_NEO4J=$(echo "$now - $t0" | bc -l)
    if [ "$(echo "$now - $t0 > 1800" | bc)" = 1 ]; then
      echo "after 30 minutes: PostgreSQL $(pg_rows) rows, Elasticsearch $(es_docs) documents of $N; Neo4j done: ${T_NEO4J:-no}" >&2
      exit 1
    fi
    sleep 0.5
  done
}

# ---- (kcd) the pcap source
start_pipeline
cpu0=$(proc_cpu "$PID")
t0=$(date +%s.%N)
"$BUILD/bin/kcd" apply "$WORK/run/capture" --url "$(cat "$WORK/run/rest.url")" >/dev/null
wait_sinks "$t0"
kcd=("$T_PG" "$T_ES" "$T_NEO4J")
kcd_cpu=$(echo "$(proc_cpu "$PID") - $cpu0" | bc -l)
kcd_rss=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")

# ---- (peer) tshark -T ek | jq | kcat into the same topics, kcd's sinks after them
start_pipeline
cat >"$WORK/loop.sh" <<SH
mkdir -p '$WORK/fifo'
for t in ${TOPICS[*]}; do
  mkfifo "$WORK/fifo/\$t"
  kcat -P -b $BOOTSTRAP -t "\$t" -K \$'\\t' <"$WORK/fifo/\$t" &
done
tshark -r '$WORK/big.pcap' -T ek -l -e frame.number ${TSHARK_E[*]} 2>/dev/null | grep timestamp |
  jq -r 'def dec: ascii_downcase | ltrimstr("0x") | explode
           | reduce .[] as \$c (0; . * 16 + (if \$c >= 97 then \$c - 87 else \$c - 48 end));
         (.layers.wlan_fc_type_subtype[0] | dec | tostring) as \$st
         | ({"4": "PROBE", "8": "BEACON", "27": "RTS", "28": "CTS", "29": "ACK", "36": "NULL"}[\$st] // "OTHER") as \$t
         | "PCAP_\(\$t)\tbig.pcap:\(.layers.frame_number[0])\t\({timestamp: .timestamp}
             + (.layers | del(.frame_number) | .wlan_fc_type_subtype = [\$st]) | tojson)"' |
  awk -F'\t' -v d='$WORK/fifo' 'BEGIN { n = split("${TOPICS[*]}", t, " "); for (i = 1; i <= n; i++) printf "" > (d "/" t[i]) }
                                { print \$2 "\t" \$3 > (d "/" \$1) }'
wait # every kcat delivered its topic's records
SH
cpu0=$(proc_cpu "$PID")
t0=$(date +%s.%N)
timed bash "$WORK/loop.sh" >"$WORK/loop.time" &
loop=$!
wait_sinks "$t0"
wait $loop
read -r _ loop_cpu loop_rss <"$WORK/loop.time"
peer=("$T_PG" "$T_ES" "$T_NEO4J")
peer_sink_cpu=$(echo "$(proc_cpu "$PID") - $cpu0" | bc -l)
for t in "${TOPICS[@]}"; do sent=$(( ${sent:-0} + $("$BUILD/bin/testkit" count "$BOOTSTRAP" "$t") )); done
[ "$sent" = "$N" ] || echo "note: the peer's loop put $sent records on the topics, not $N" >&2
stop_kcd

last() { printf '%s\n' "$@" | sort -g | tail -1; }
kcd_last=$(last "${kcd[@]}")
peer_last=$(last "${peer[@]}")
f() { printf '%.1f' "$1"; }
printf '\nThe Wi-Fi pipeline on %d packets (%d probe requests): capture file -> Kafka -> PostgreSQL, Elasticsearch, Neo4j\n' "$N" "$probes"
printf '  %-38s %10s %10s %10s %10s %9s %12s\n' "" "PostgreSQL" "Elastic" "Neo4j" "pkt/s" "CPU s" "peak RSS"
printf '  %-38s %9ss %9ss %9ss %10.0f %9s %9d MB\n' "kcd (pcap source + sinks)" "$(f "${kcd[0]}")" "$(f "${kcd[1]}")" "$(f "${kcd[2]}")" \
  "$(echo "$N / $kcd_last" | bc -l)" "$(f "$kcd_cpu")" $((kcd_rss / 1024))
printf '  %-38s %9ss %9ss %9ss %10.0f %9s %9d MB (largest of the loop)\n' "tshark|jq|kcat + kcd's sinks" "$(f "${peer[0]}")" "$(f "${peer[1]}")" "$(f "${peer[2]}")" \
  "$(echo "$N / $peer_last" | bc -l)" "$(f "$loop_cpu")+$(f "$peer_sink_cpu")" $((loop_rss / 1024))
printf '  peer / kcd: %sx time to the last sink, %sx CPU seconds (loop + sinks against kcd)\n' \
  "$(echo "$peer_last / $kcd_last" | bc -l | xargs printf '%.2f')" "$(echo "($loop_cpu + $peer_sink_cpu) / $kcd_cpu" | bc -l | xargs printf '%.2f')"
printf '  reproduce: BENCH_PACKETS=%d bench/pipeline.sh\n' "$N"
