#!/usr/bin/env bash
# postgres_upsert.sh - upserted rows per second from a real topic of N records (10 columns,
# N/10 distinct keys, keyed so each key's records keep their order) into PostgreSQL by kcd's
# postgres sink, beside the limit measured in the same run: psql \copy of the same rows into a
# staging table plus one INSERT ... ON CONFLICT from it (DISTINCT ON the key: last value wins).
# kcd runs three times: with Connect's default put() size (max.poll.records=500), with 5000, and
# with 5000 holding rows across put() calls (buffer.max.ms, BENCH_BUFFER_MS; default 5000).
#
#   bench/postgres_upsert.sh      (N=1000000; BENCH_RECORDS=... to change)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KCD_BUILD:-$ROOT/build}
N=${BENCH_RECORDS:-1000000}
KEYS=$((N / 10))
BUFFER_MS=${BENCH_BUFFER_MS:-5000}
BOOTSTRAP=127.0.0.1:${KCD_KAFKA_PORT:-19092}
WORK=$(mktemp -d /tmp/kcd-bench.XXXXXX)
. "$ROOT/bench/lib.sh"
pg_bench_setup

# the same rows twice: keyed JSON records for the topic, tab-separated text for \copy
awk -v n="$N" -v k="$KEYS" 'BEGIN {
  for (i = 0; i < n; i++) {
    id = i % k
    printf "%d\t{\"ID\": %d, \"SEQ\": %d, \"DEVICE\": \"dev-%05d\", \"SSID\": \"net-%d\", \"PACKETS\": %d, \"BYTES\": %d, \"SIGNAL_DBM\": %.1f, \"CHANNEL\": %d, \"SEEN\": \"2020-02-29T%02d:%02d:%02d\", \"ACTIVE\": %s}\n",
      id, id, i, id, i % 97, i, i * 31, -30 - (i % 60) / 1.0, 1 + i % 13, (i / 3600) % 24, (i / 60) % 60, i % 60, (i % 2 ? "true" : "false") >"/dev/stdout"
    printf "%d\t%d\tdev-%05d\tnet-%d\t%d\t%d\t%.1f\t%d\t2020-02-29T%02d:%02d:%02d\t%s\n",
      id, i, id, i % 97, i, i * 31, -30 - (i % 60) / 1.0, 1 + i % 13, (i / 3600) % 24, (i / 60) % 60, i % 60, (i % 2 ? "t" : "f") >"/dev/stderr"
  } }' >"$WORK/records.tsv" 2>"$WORK/rows.tsv"
TOPIC="bench-pg-$RUN"
bench_topic "$TOPIC" 3
"$BUILD/bin/testkit" produce-keyed "$BOOTSTRAP" "$TOPIC" "$WORK/records.tsv"

COLS='"ID" BIGINT NOT NULL, "SEQ" BIGINT, "DEVICE" TEXT, "SSID" TEXT, "PACKETS" BIGINT, "BYTES" BIGINT, "SIGNAL_DBM" DOUBLE PRECISION, "CHANNEL" BIGINT, "SEEN" TEXT, "ACTIVE" BOOLEAN'
NAMES='"ID","SEQ","DEVICE","SSID","PACKETS","BYTES","SIGNAL_DBM","CHANNEL","SEEN","ACTIVE"'
SETS=$(echo "$NAMES" | tr ',' '\n' | grep -v '"ID"' | sed 's/.*/&=EXCLUDED.&/' | paste -sd, -)


# PostgreSQL alone writing the rows as kcd does: 5000-row transactions of \copy into a staging
# table plus INSERT ... ON CONFLICT (no key repeats inside one batch here): the floor of
# streaming upserts, with no collapsing across batches
floor_run() {
  split -l 5000 "$WORK/rows.tsv" "$WORK/chunk."
  {
    echo "DROP TABLE IF EXISTS flo; CREATE TABLE flo ($COLS, PRIMARY KEY (\"ID\"));"
    echo "CREATE TEMP TABLE flo_stage ($COLS) ON COMMIT DELETE ROWS;"
  } >"$WORK/floor-setup.sql"
  for c in "$WORK"/chunk.*; do
    echo "BEGIN;"
    echo "\\copy flo_stage ($NAMES) FROM '$c'"
    echo "INSERT INTO flo ($NAMES) SELECT $NAMES FROM flo_stage ON CONFLICT (\"ID\") DO UPDATE SET $SETS;"
    echo "COMMIT;"
  done >"$WORK/floor.sql"
  local t0 t1
  t0=$(date +%s.%N)
  cat "$WORK/floor-setup.sql" "$WORK/floor.sql" | psqlx -d "$DB" -f - >/dev/null
  t1=$(date +%s.%N)
  rm -f "$WORK"/chunk.*
  echo "$t1 - $t0" | bc -l
}

# kcd_run POLL [BUFFER_MS [RUN [PREFETCH_KB]]]: the sink from the topic's start until every key holds
# its last value; PREFETCH_KB sets the consumer's queued.max.messages.kbytes (and 1,000,000
# queued.min.messages)
kcd_run() {
  local poll=$1 buffer=${2:-0} rep=${3:-1} prefetch=${4:-} table="kcd_$1_${2:-0}_${3:-1}_${4:-0}" extra=
  [ -z "$prefetch" ] || extra=", \"consumer.override.queued.max.messages.kbytes\": \"$prefetch\", \"consumer.override.queued.min.messages\": \"1000000\""
  cat >"$WORK/worker.properties" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=$WORK/offsets-$poll-$buffer-$rep-${prefetch:-0}
plugin.path=$BUILD/lib/kcd/plugins
listeners=http://127.0.0.1:0
P
  cat >"$WORK/sink.json" <<J
{"name": "bench-pg-$poll-$buffer-$rep-${prefetch:-0}-$RUN", "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
 "connection.url": "jdbc:postgresql://127.0.0.1:$PG_PORT/$DB", "connection.user": "postgres", "connection.password": "postgres",
 "topics": "$TOPIC", "table.name.format": "$table", "auto.create": "true", "insert.mode": "upsert",
 "pk.mode": "record_value", "pk.fields": "ID", "consumer.override.max.poll.records": "$poll", "buffer.max.ms": "$buffer"$extra}}
J
  pg_time_sink "$table" "$WORK/kcd-$poll-$buffer.log" "$BUILD/bin/kcd" standalone "$WORK/worker.properties" "$WORK/sink.json"
}

# the limit and the fastest kcd mode, three times each, interleaved: medians (the machine is noisy)
# (and once more with a prefetch queue of 128 MB outside the worker's tasks.buffer.max.bytes,
# against the task's share of it)
lims=() bufs=() bigs=()
for rep in 1 2 3; do
  lims+=("$(pg_limit_run)")
  bufs+=("$(kcd_run 5000 "$BUFFER_MS" "$rep")")
  bigs+=("$(kcd_run 5000 "$BUFFER_MS" "$rep" 131072)")
done
lim=$(median "${lims[@]}")
read -r kbuf cbuf rbuf <<<"$(median "${bufs[@]}")"
read -r kbig cbig rbig <<<"$(median "${bigs[@]}")"
echo "limit runs: ${lims[*]} s; kcd buffer.max.ms=$BUFFER_MS runs: $(printf '%s\n' "${bufs[@]}" | awk '{printf "%s ", $1}')s; with 128 MB prefetch: $(printf '%s\n' "${bigs[@]}" | awk '{printf "%s ", $1}')s" >&2
flo=$(floor_run)
read -r k500 c500 r500 <<<"$(kcd_run 500)"
read -r k5000 c5000 r5000 <<<"$(kcd_run 5000)"
echo
echo "PostgreSQL 15 upserts: $N records, 10 columns, $KEYS keys, topic with 3 partitions, $(nproc) cores"
echo "command: BENCH_RECORDS=$N bench/postgres_upsert.sh"
printf '%-52s %10s %12s %10s %10s\n' "" "wall s" "records/s" "kcd cpu s" "kcd RSS MiB"
printf '%-52s %10.2f %12.0f %10s %10s\n' "limit: psql \\copy + INSERT ... ON CONFLICT (median of 3)" "$lim" "$(echo "$N / $lim" | bc -l)" - -
printf '%-52s %10.2f %12.0f %10s %10s\n' "PostgreSQL alone, in kcd's 5000-row transactions" "$flo" "$(echo "$N / $flo" | bc -l)" - -
printf '%-52s %10.2f %12.0f %10.2f %10.1f\n' "kcd postgres sink, max.poll.records=500 (default)" "$k500" "$(echo "$N / $k500" | bc -l)" "$c500" "$(echo "$r500 / 1024" | bc -l)"
printf '%-52s %10.2f %12.0f %10.2f %10.1f\n' "kcd postgres sink, max.poll.records=5000" "$k5000" "$(echo "$N / $k5000" | bc -l)" "$c5000" "$(echo "$r5000 / 1024" | bc -l)"
printf '%-52s %10.2f %12.0f %10.2f %10.1f\n' "kcd, 5000, buffer.max.ms=$BUFFER_MS (median of 3)" "$kbuf" "$(echo "$N / $kbuf" | bc -l)" "$cbuf" "$(echo "$rbuf / 1024" | bc -l)"
printf '%-52s %10.2f %12.0f %10.2f %10.1f\n' "kcd, 5000, buffer.max.ms=$BUFFER_MS, 128 MB prefetch (median)" "$kbig" "$(echo "$N / $kbig" | bc -l)" "$cbig" "$(echo "$rbig / 1024" | bc -l)"
printf 'ratio kcd/limit (throughput): %.2fx at 500, %.2fx at 5000, %.2fx with buffer.max.ms=%s, %.2fx with it and 128 MB prefetch (goal: at least 0.50x)\n' \
  "$(echo "$lim / $k500" | bc -l)" "$(echo "$lim / $k5000" | bc -l)" "$(echo "$lim / $kbuf" | bc -l)" "$BUFFER_MS" "$(echo "$lim / $kbig" | bc -l)"
printf 'ratio PostgreSQL-alone-in-batches/limit: %.2fx; kcd at 5000 / PostgreSQL alone in batches: %.2fx\n' \
  "$(echo "$lim / $flo" | bc -l)" "$(echo "$flo / $k5000" | bc -l)"
