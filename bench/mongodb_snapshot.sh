#!/usr/bin/env bash
# mongodb_snapshot.sh - documents per second of the MongoDB source's copy (snapshot.mode=initial)
# of a collection of N UniFi-like device documents on FerretDB into a topic, beside the limit
# measured in the same run: PyPI's pymongo reading the same collection in the same order (_id)
# and turning each document into relaxed extended JSON, as the events carry it. Debezium 2.x
# reads through change streams, which no server here has (FerretDB lacks them, no mongod can be
# installed), so it was not run as the peer and the change stream is not measured. Medians of 3.
#
#   bench/mongodb_snapshot.sh      (N=200000; BENCH_RECORDS=... to change)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_RECORDS:-200000}
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
MONGO=$("$ROOT/tests/services/ferretdb" url)
VENV=${KCD_CACHE:-$HOME/.cache/kcd}/venv-mongo
WORK=$(mktemp -d /tmp/kcd-bench.XXXXXX)
RUN=$(date +%s)-$$
DB="bench_$(echo "$RUN" | tr -c '0-9\n' '_')"
py() { "$VENV/bin/python" - "$MONGO/?directConnection=true" "$DB" "$@"; }
. "$ROOT/bench/lib.sh"
trap 'drop_bench_topics; py <<<"import sys; from pymongo import MongoClient; MongoClient(sys.argv[1]).drop_database(sys.argv[2])" || true; [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"' EXIT
"$ROOT/tests/services/kafka" status || { echo "start the broker first: tests/services/kafka start" >&2; exit 1; }
"$ROOT/tests/services/ferretdb" status || { echo "start FerretDB first: tests/services/ferretdb start" >&2; exit 1; }
"$VENV/bin/python" -c 'import pymongo' 2>/dev/null || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q pymongo==4.10.1; }
py "$N" <<'PY'
import sys
from pymongo import MongoClient
db = MongoClient(sys.argv[1])[sys.argv[2]]
n = int(sys.argv[3])
docs = [{"mac": "78:8a:20:%02x:%02x:%02x" % (i >> 16 & 255, i >> 8 & 255, i & 255), "name": "device %d" % i,
         "model": "U7PG2", "type": ["uap", "usw", "ugw"][i % 3], "ip": "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255),
         "adopted": i % 2 == 0, "cfgversion": i, "site_id": "5d1f0c8e2a4b3c0001a1b2c0"} for i in range(n)]
for i in range(0, n, 10000):
    db.device.insert_many(docs[i:i + 10000])
PY

limit_run() {
  py <<'PY'
import sys, time
from bson import json_util
from pymongo import MongoClient
db = MongoClient(sys.argv[1])[sys.argv[2]]
t0 = time.time()
n = 0
for d in db.device.find({}).sort("_id", 1):
    json_util.dumps(d, json_options=json_util.RELAXED_JSON_OPTIONS)
    n += 1
print(time.time() - t0)
PY
}

kcd_run() {
  local rep=$1 prefix="bench-mongo-$rep-$RUN"
  cat >"$WORK/worker.properties" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=$WORK/offsets-$rep
plugin.path=$BUILD/lib/kcd/plugins
listeners=http://127.0.0.1:0
P
  cat >"$WORK/source.json" <<J
{"name": "bench-mongo-$rep", "config": {"connector.class": "io.debezium.connector.mongodb.MongoDbConnector",
 "mongodb.hosts": "rs0/127.0.0.1:${MONGO##*:}", "mongodb.name": "$prefix", "collection.whitelist": "$DB\\\\.device"}}
J
  bench_topic "$prefix.$DB.device" 1
  all_copied() { [ "$("$BUILD/bin/testkit" count "$BOOTSTRAP" "$prefix.$DB.device" 2>/dev/null || echo 0)" -ge "$N" ]; }
  time_kcd "$WORK/kcd-$rep.log" all_copied "$WORK/worker.properties" "$WORK/source.json"
}

lims=() kcds=()
for rep in 1 2 3; do
  lims+=("$(limit_run)")
  kcds+=("$(kcd_run "$rep")")
done
lim=$(median "${lims[@]}")
read -r k c r <<<"$(median "${kcds[@]}")"
echo "limit runs: ${lims[*]} s; kcd runs: $(printf '%s\n' "${kcds[@]}" | awk '{printf "%s ", $1}')s" >&2
echo
echo "MongoDB source copy (FerretDB 1.24 on SQLite): $N device documents, $(nproc) cores"
echo "command: BENCH_RECORDS=$N bench/mongodb_snapshot.sh"
printf '%-60s %10s %12s %10s %12s\n' "" "wall s" "docs/s" "kcd cpu s" "kcd RSS MiB"
printf '%-60s %10.2f %12.0f %10s %12s\n' "limit: pymongo find() by _id + extended JSON (median of 3)" "$lim" "$(echo "$N / $lim" | bc -l)" - -
printf '%-60s %10.2f %12.0f %10.2f %12.1f\n' "kcd mongodb source, copy into Kafka (median of 3)" "$k" "$(echo "$N / $k" | bc -l)" "$c" "$(echo "$r / 1024" | bc -l)"
printf 'ratio kcd/limit (throughput): %.2fx (kcd from its start to the last record in Kafka)\n' "$(echo "$lim / $k" | bc -l)"
