#!/usr/bin/env bash
# json_convert.sh - Connect's JSON with schemas (JsonConverter, schemas.enable=true, ~900-byte
# records of 10 columns) read into Connect data and written back: kcd's converter against Connect
# 4.1.1's own JsonConverter in the same run (its jars from Maven Central), the best of ROUNDS
# rounds each (the JVM warms up in the first), records per second and the ratios.
#
#   bench/json_convert.sh      (BENCH_RECORDS=200000, BENCH_ROUNDS=5)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_RECORDS:-200000}
ROUNDS=${BENCH_ROUNDS:-5}
. "$ROOT/bench/lib.sh"
WORK=$(mktemp -d /tmp/kcd-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
libs=$(connect_libs)
python3 "$ROOT/bench/json_convert.d/records.py" "$N" "$WORK/records.jsonl"
read -r k_read k_write k_bytes < <("$BUILD/bin/kcd-bench-json-convert" "$WORK/records.jsonl" "$ROUNDS")
read -r j_read j_write j_bytes < <(java -Xms1g -Xmx2g -cp "$libs/*" "$ROOT/bench/json_convert.d/JsonConvertBench.java" \
  "$WORK/records.jsonl" "$ROUNDS" 2>/dev/null)
[ "$k_bytes" = "$j_bytes" ] || echo "note: written bytes differ: kcd $k_bytes, Connect $j_bytes" >&2
printf 'json_convert: %d records of %d bytes, best of %d rounds\n' "$N" "$(( $(wc -c <"$WORK/records.jsonl") / N ))" "$ROUNDS"
printf '  read  (to_connect):   kcd %9d rec/s   Connect %9d rec/s   ratio %.2fx\n' "$k_read" "$j_read" "$(echo "$k_read / $j_read" | bc -l)"
printf '  write (from_connect): kcd %9d rec/s   Connect %9d rec/s   ratio %.2fx\n' "$k_write" "$j_write" "$(echo "$k_write / $j_write" | bc -l)"
