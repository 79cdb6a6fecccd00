#!/usr/bin/env bash
# elasticsearch_bulk.sh - documents per second from a real topic of N raw capture records (the
# pipeline's sample, ~700 bytes of JSON each, 3 partitions) into OpenSearch by kcd's
# Elasticsearch sink (the pipeline's sink-elastic-pcap-00 config: key.ignore, schemaless), beside
# the limit measured in the same run: the same documents as ready-made _bulk bodies of 2,000
# actions posted by curl, 5 at a time (the sink's batch.size and max.in.flight.requests).
# The Confluent sink itself is not on Maven Central, so the limit is the peer here.
# kcd runs with one task and with three (one per partition); medians of three runs each.
#
#   bench/elasticsearch_bulk.sh      (N=200000; BENCH_RECORDS=... to change)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_RECORDS:-200000}
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
ES=$("$ROOT/tests/services/opensearch" url)
WORK=$(mktemp -d /tmp/kcd-bench.XXXXXX)
RUN=$(date +%s)-$$
. "$ROOT/bench/lib.sh"
trap 'drop_bench_topics; [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"; curl -s -X DELETE "$ES/bench-es-*" >/dev/null || true' EXIT
"$ROOT/tests/services/kafka" status || { echo "start the broker first: tests/services/kafka start" >&2; exit 1; }
"$ROOT/tests/services/opensearch" status || { echo "start OpenSearch first: tests/services/opensearch start" >&2; exit 1; }

# the records (one JSON line each) and the limit's _bulk bodies of the same documents, with ids
# as the sink makes them (key.ignore: topic+partition+offset; the length of an id costs the
# server, and the topic's name is long)
TOPIC="bench-es-$RUN"
python3 - "$ROOT/tests/data/samples/pcap-record.json" "$N" "$WORK" "$TOPIC" <<'PY'
import json, sys
sample, n, work, topic = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(work + "/records.jsonl", "w") as rec:
    for i in range(n):
        r = dict(sample, timestamp=str(1584802202655 + i), frame_number=[str(i)])
        rec.write(json.dumps(r, separators=(",", ":")) + "\n")
lines = open(work + "/records.jsonl").read().splitlines()
for c in range(0, n, 2000):
    with open("%s/bulk.%06d" % (work, c // 2000), "w") as f:
        for i in range(c, min(c + 2000, n)):
            f.write('{"index":{"_index":"bench-es-limit","_id":"%s+%d+%d"}}\n%s\n' % (topic, i % 3, i // 3, lines[i]))
PY
bench_topic "$TOPIC" 3
"$BUILD/bin/testkit" produce "$BOOTSTRAP" "$TOPIC" "$WORK/records.jsonl"

fresh_index() { # every run starts from an empty index, refreshed once a second as by default
  curl -s -X DELETE "$ES/$1" >/dev/null
  curl -sf -X PUT -H 'Content-Type: application/json' "$ES/$1" \
    -d '{"settings": {"number_of_shards": 1, "number_of_replicas": 0}}' >/dev/null
}

limit_run() {
  fresh_index bench-es-limit
  local t0 t1
  t0=$(date +%s.%N)
  ls "$WORK"/bulk.* | xargs -P 5 -I{} curl -sf -o /dev/null -H 'Content-Type: application/x-ndjson' \
    -X POST "$ES/_bulk" --data-binary @{}
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

# kcd_run TASKS REP: the sink from the topic's start until the committed offsets cover every record
kcd_run() {
  local tasks=$1 rep=$2 index="bench-es-kcd-$1-$2" name="bench-es-$1-$2-$RUN" times docs
  fresh_index "$index"
  cat >"$WORK/worker.properties" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets-$tasks-$rep
plugin.path=$BUILD/lib/kcd/plugins
listeners=http://127.0.0.1:0
P
  cat >"$WORK/sink.json" <<J
{"name": "$name", "config": {"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
 "topics": "$TOPIC", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
 "value.converter.schemas.enable": "false", "connection.url": "$ES", "type.name": "_doc", "key.ignore": "true",
 "schema.ignore": "true", "topic.index.map": "$TOPIC:$index", "tasks.max": "$tasks"${BENCH_SINK_EXTRA:-}}}
J
  all_committed() { committed_at_least "connect-$name" "$TOPIC" "$N"; }
  times=$(time_kcd "$WORK/kcd-$tasks-$rep.log" all_committed "$WORK/worker.properties" "$WORK/sink.json")
  curl -s -X POST "$ES/$index/_refresh" >/dev/null
  docs=$(curl -s "$ES/$index/_count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
  [ "$docs" = "$N" ] || { echo "kcd run wrote $docs documents for $N records" >&2; exit 1; }
  # the worker's default offset.flush.interval.ms (60 s): the sink asks for the commit itself once
  # the topic is quiet and every document acknowledged; the time runs until that commit
  echo "$times"
}

lims=() ones=() threes=()
for rep in 1 2 3; do
  lims+=("$(limit_run)")
  ones+=("$(kcd_run 1 "$rep")")
  threes+=("$(kcd_run 3 "$rep")")
done
lim=$(median "${lims[@]}")
read -r k1 c1 r1 <<<"$(median "${ones[@]}")"
read -r k3 c3 r3 <<<"$(median "${threes[@]}")"
echo "limit runs: ${lims[*]} s; kcd 1 task: $(printf '%s\n' "${ones[@]}" | awk '{printf "%s ", $1}')s; 3 tasks: $(printf '%s\n' "${threes[@]}" | awk '{printf "%s ", $1}')s" >&2
echo
echo "OpenSearch 2.19 _bulk: $N capture records ($(( $(wc -c <"$WORK/records.jsonl") / N )) bytes of JSON each), topic with 3 partitions, $(nproc) cores"
echo "command: BENCH_RECORDS=$N bench/elasticsearch_bulk.sh"
printf '%-56s %10s %12s %10s %12s\n' "" "wall s" "docs/s" "kcd cpu s" "kcd RSS MiB"
printf '%-56s %10.2f %12.0f %10s %12s\n' "limit: curl _bulk, 2000 actions, 5 in flight (median of 3)" "$lim" "$(echo "$N / $lim" | bc -l)" - -
printf '%-56s %10.2f %12.0f %10.2f %12.1f\n' "kcd elasticsearch sink, 1 task (median of 3)" "$k1" "$(echo "$N / $k1" | bc -l)" "$c1" "$(echo "$r1 / 1024" | bc -l)"
printf '%-56s %10.2f %12.0f %10.2f %12.1f\n' "kcd elasticsearch sink, 3 tasks (median of 3)" "$k3" "$(echo "$N / $k3" | bc -l)" "$c3" "$(echo "$r3 / 1024" | bc -l)"
printf 'ratio kcd/limit (throughput): %.2fx with 1 task, %.2fx with 3\n' "$(echo "$lim / $k1" | bc -l)" "$(echo "$lim / $k3" | bc -l)"
