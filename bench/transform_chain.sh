#!/usr/bin/env bash
# transform_chain.sh - records per second through a 3-transform chain (ReplaceField exclude,
# TimestampConverter to Timestamp, InsertField static) against the same `kcd transform` with
# an empty chain, on the same input; plus heap allocations per record that the chain adds
# (counted by valgrind on a smaller input).
#
#   bench/transform_chain.sh        (BENCH_RECORDS=1000000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_RECORDS:-1000000}
WORK=$(mktemp -d /tmp/kcd-bench-tx.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 - "$N" "$ROOT/tests/data/samples/probe-stats-record.json" >"$WORK/in.jsonl" <<'PY'
import json, sys
n = int(sys.argv[1]); v = json.load(open(sys.argv[2]))
out = sys.stdout
for i in range(n):
    v["PCAP_PROBES"] = i
    out.write(json.dumps({"topic": "PCAP_PROBE_STATS", "partition": 0, "offset": i, "timestamp": 1586862373000 + i,
                          "key": v["SOURCE"], "value": v}, separators=(",", ":")) + "\n")
PY
head -2000 "$WORK/in.jsonl" >"$WORK/small.jsonl"
printf 'name=empty\n' >"$WORK/empty.properties"
cat >"$WORK/chain.properties" <<P
name=chain
transforms=drop,ts,add
transforms.drop.type=org.apache.kafka.connect.transforms.ReplaceField\$Value
transforms.drop.exclude=PROBED_SSIDS
transforms.ts.type=org.apache.kafka.connect.transforms.TimestampConverter\$Value
transforms.ts.field=EARLIEST_PROBE
transforms.ts.target.type=Timestamp
transforms.add.type=org.apache.kafka.connect.transforms.InsertField\$Value
transforms.add.static.field=SITE
transforms.add.static.value=asgard
P
run() { # run CONFIG: prints seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$BUILD/bin/kcd" transform "$WORK/$1.properties" --input "$WORK/in.jsonl" >"$WORK/$1.out"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
allocs() { # allocs CONFIG: heap allocations for the small input
  valgrind --tool=memcheck "$BUILD/bin/kcd" transform "$WORK/$1.properties" --input "$WORK/small.jsonl" 2>&1 >/dev/null |
    grep -o 'total heap usage: [0-9,]* allocs' | grep -o '[0-9,]* allocs' | tr -d ', allocs'
}
e=$(run empty); c=$(run chain)
[ "$(wc -l <"$WORK/chain.out")" = "$N" ] || { echo "chain output lost records" >&2; exit 1; }
ae=$(allocs empty); ac=$(allocs chain)
echo
echo "kcd transform, $N probe-stats records, $(nproc) cores"
echo "command: BENCH_RECORDS=$N bench/transform_chain.sh"
printf '%-34s %12s %10s\n' chain "records/s" "seconds"
printf '%-34s %12.0f %10.2f\n' "empty (parse + print only)" "$(echo "$N / $e" | bc -l)" "$e"
printf '%-34s %12.0f %10.2f\n' "ReplaceField+TimestampConverter+InsertField" "$(echo "$N / $c" | bc -l)" "$c"
printf 'ratio chain/empty throughput: %.2fx\n' "$(echo "$e / $c" | bc -l)"
printf 'heap allocations per record added by the chain: %.1f (valgrind, 2000 records: %s vs %s)\n' \
  "$(echo "($ac - $ae) / 2000" | bc -l)" "$ac" "$ae"
