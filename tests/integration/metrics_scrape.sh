#!/usr/bin/env bash
# GET /metrics during a running pipeline (file source -> real Kafka -> file sink, plus a sink
# that skips every record it cannot convert): the counters move as records move, by exactly the
# records sent; the states, the consumer's lag and the process's metrics are there; and every
# scrape passes Prometheus's own `promtool check metrics` (built by tests/tools/promtool).
. "$(dirname "$0")/lib.sh"
need_kafka
PROMTOOL=$("$KCD_SOURCE/tests/tools/promtool" path) || fail "promtool could not be built"
TOPIC="it-metrics-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 2 || fail "cannot create topic"
seq -f 'line-%05g' 1 300 >"$WORK/in.txt"
write_worker "$WORK/worker.properties"
cat >"$WORK/source.json" <<J
{"name":"m-source","config":{"connector.class":"FileStreamSource","file":"$WORK/in.txt","topic":"$TOPIC"}}
J
# the consumer's statistics every second (10 s by default), so its lag shows up soon
cat >"$WORK/sink.json" <<J
{"name":"m-sink","config":{"connector.class":"FileStreamSink","topics":"$TOPIC","file":"$WORK/out.txt",
 "consumer.override.statistics.interval.ms":"1000"}}
J
# lines are not JSON: every record fails its value converter and is skipped (errors.tolerance=all)
cat >"$WORK/skipper.json" <<J
{"name":"m-skipper","config":{"connector.class":"FileStreamSink","topics":"$TOPIC","file":"$WORK/skipped.txt",
 "value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false",
 "errors.tolerance":"all","errors.log.enable":"true"}}
J
# /metrics on the REST listener, and on a listener of its own (metrics.listener)
echo "metrics.listener=http://127.0.0.1:0" >>"$WORK/worker.properties"
start_kcd "$WORK/worker.properties" "$WORK/source.json" "$WORK/sink.json" "$WORK/skipper.json"
URL=$(rest_url)
MURL=$(grep -o 'Metrics listening on http://127.0.0.1:[0-9]*' "$WORK/kcd.log" | tail -1 | sed 's/.* //')
[ -n "$MURL" ] || fail "the metrics listener was not logged"

scrape() { # scrape N: GET /metrics into $WORK/scrape-N.txt, checked by promtool
  local f=$WORK/scrape-$1.txt
  curl -sf -D "$WORK/headers-$1" "$URL/metrics" >"$f" || fail "GET /metrics failed"
  grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/headers-$1" || fail "scrape $1: content type $(grep -i content-type "$WORK/headers-$1")"
  "$PROMTOOL" check metrics <"$f" >"$WORK/promtool-$1.txt" 2>&1 ||
    fail "promtool check metrics refused scrape $1: $(head -20 "$WORK/promtool-$1.txt")"
}
# value FILE METRIC LABELS: the sample of METRIC whose labels are exactly {LABELS}
value() { awk -v want="$2{$3}" '$1 == want {print $2; found=1} END {if (!found) print "missing"}' "$1"; }
# metric_is N METRIC LABELS WANT: scrape N gives WANT
metric_is() {
  local got; got=$(value "$WORK/scrape-$1.txt" "$2" "$3")
  [ "$got" = "$4" ] || fail "scrape $1: $2{$3} is $got, expected $4"
}
# wait_metric METRIC LABELS WANT SECONDS: scrapes until METRIC{LABELS} is WANT (scrape "w")
wait_metric() {
  local deadline=$((SECONDS + $4)) got
  while :; do
    curl -sf "$URL/metrics" >"$WORK/scrape-w.txt" || true
    got=$(value "$WORK/scrape-w.txt" "$1" "$2")
    [ "$got" = "$3" ] && return 0
    [ $SECONDS -lt $deadline ] || fail "waited for $1{$2} to be $3, last $got"
    kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
    sleep 0.5
  done
}

SRC='connector="m-source",task="0"'
SINK='connector="m-sink",task="0"'
SKIP='connector="m-skipper",task="0"'
wait_lines "$WORK/out.txt" 300 120
wait_metric kafka_connect_sink_task_sink_record_read_total "$SKIP" 300 60
wait_metric kafka_connect_sink_task_offset_commit_seq_no "$SINK" 1 30 # what was put is committed
scrape 1
metric_is 1 kafka_connect_source_task_source_record_poll_total "$SRC" 300
metric_is 1 kafka_connect_source_task_source_record_write_total "$SRC" 300
metric_is 1 kafka_connect_source_task_source_record_active_count "$SRC" 0
metric_is 1 kafka_connect_sink_task_sink_record_read_total "$SINK" 300
metric_is 1 kafka_connect_sink_task_sink_record_send_total "$SINK" 300
metric_is 1 kafka_connect_sink_task_partition_count "$SINK" 2
metric_is 1 kafka_connect_task_error_total_records_skipped "$SKIP" 300
metric_is 1 kafka_connect_task_error_total_errors_logged "$SKIP" 300
metric_is 1 kafka_connect_sink_task_sink_record_send_total "$SKIP" 0
metric_is 1 kafka_connect_task_error_total_records_skipped "$SINK" 0
metric_is 1 kafka_connect_connector_task_status "$SINK,status=\"running\"" 1
metric_is 1 kafka_connect_connector_status 'connector="m-source",status="running"' 1
metric_is 1 kafka_connect_connector_connector_class 'connector="m-sink",connector_class="org.apache.kafka.connect.file.FileStreamSinkConnector"' 1
grep -qx 'kafka_connect_worker_connector_count 3' "$WORK/scrape-1.txt" || fail "connector count is not 3"
grep -qx 'kafka_connect_worker_task_count 3' "$WORK/scrape-1.txt" || fail "task count is not 3"
metric_is 1 kafka_connect_worker_connector_running_task_count 'connector="m-sink"' 1
for m in process_resident_memory_bytes process_cpu_seconds_total process_open_fds; do
  grep -q "^$m [0-9]" "$WORK/scrape-1.txt" || fail "no $m"
done
rss=$(awk '$1 == "process_resident_memory_bytes" {print $2}' "$WORK/scrape-1.txt")
[ "${rss%.*}" -gt 1000000 ] || fail "resident memory $rss bytes is implausible"
curl -sf "$MURL/metrics" >"$WORK/scrape-own.txt" || fail "GET /metrics on the metrics listener failed"
"$PROMTOOL" check metrics <"$WORK/scrape-own.txt" >/dev/null 2>&1 || fail "promtool refused the metrics listener's scrape"
[ "$(value "$WORK/scrape-own.txt" kafka_connect_sink_task_sink_record_send_total "$SINK")" = 300 ] ||
  fail "the metrics listener does not give the sink's 300 records"
code=$(curl -s -o "$WORK/own-404.txt" -w '%{http_code}' "$MURL/connectors")
[ "$code" = 404 ] || fail "the metrics listener answered GET /connectors with $code, not 404"
grep -q 'serves GET /metrics only' "$WORK/own-404.txt" || fail "the metrics listener's 404 does not say why: $(cat "$WORK/own-404.txt")"
pass "scrape 1: 300 records polled, written, read, put and skipped as sent; states and process metrics; the same on metrics.listener, which serves nothing else; promtool passes"

# more records: the counters move by exactly those
seq -f 'line-%05g' 301 500 >>"$WORK/in.txt"
wait_lines "$WORK/out.txt" 500 120
wait_metric kafka_connect_task_error_total_records_skipped "$SKIP" 500 60
# the consumer's statistics (every second here) report its lag per partition: 0 once caught up
wait_metric kafka_consumer_fetch_manager_records_lag_max 'clientid="connector-consumer-m-sink-0"' 0 30
scrape 2
metric_is 2 kafka_connect_source_task_source_record_poll_total "$SRC" 500
metric_is 2 kafka_connect_source_task_source_record_write_total "$SRC" 500
metric_is 2 kafka_connect_sink_task_sink_record_read_total "$SINK" 500
metric_is 2 kafka_connect_sink_task_sink_record_send_total "$SINK" 500
metric_is 2 kafka_connect_task_error_total_records_skipped "$SKIP" 500
rate=$(value "$WORK/scrape-2.txt" kafka_connect_source_task_source_record_write_rate "$SRC")
awk -v r="$rate" 'BEGIN {exit !(r > 0)}' || fail "source write rate is $rate after 500 records"
pass "scrape 2: counters moved by the 200 records appended; lag 0 once caught up; promtool passes"

# paused: the state and the worker's per-connector counts follow
curl -sf -X PUT "$URL/connectors/m-sink/pause" >/dev/null || fail "pause failed"
wait_metric kafka_connect_connector_task_status "$SINK,status=\"paused\"" 1 30
scrape 3
metric_is 3 kafka_connect_worker_connector_paused_task_count 'connector="m-sink"' 1
metric_is 3 kafka_connect_connector_status 'connector="m-sink",status="paused"' 1
stop_kcd
pass "pause shows in the task and connector states and the worker's counts"

# families this pipeline does not produce (rebalances, transactions, producer statistics, plugin
# counters): the unit test's render of every family passes promtool too
KCD_METRICS_SAMPLE=$WORK/sample.txt "$KCD_BUILD/bin/test_metrics" >/dev/null || fail "test_metrics failed"
grep -q kafka_connect_worker_rebalance_epoch "$WORK/sample.txt" || fail "the sample lacks the rebalance metrics"
"$PROMTOOL" check metrics <"$WORK/sample.txt" >"$WORK/promtool-sample.txt" 2>&1 ||
  fail "promtool check metrics refused the sample of every family: $(head -20 "$WORK/promtool-sample.txt")"
pass "every family kcd renders passes promtool"

# the dashboard in deploy/monitoring queries only metrics kcd gives; the scrape config is valid
python3 - "$KCD_SOURCE/deploy/monitoring/grafana-dashboard.json" "$WORK/scrape-2.txt" "$WORK/sample.txt" <<'PY' ||
import json, re, sys
dash = json.load(open(sys.argv[1]))
exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
given = set()
for f in sys.argv[2:]:
    for line in open(f):
        if line.startswith("# TYPE "):
            given.add(line.split()[2])
used = {m for e in exprs for m in re.findall(r"\b((?:kafka|kcd|process)_[a-z_]+)\b", e)}
missing = sorted(used - given)
if missing or not used:
    sys.exit("the dashboard queries metrics kcd does not give: %s" % missing)
print("dashboard: %d queries over %d metrics, all given" % (len(exprs), len(used)))
PY
  fail "the Grafana dashboard does not fit the metrics"
"$PROMTOOL" check config "$KCD_SOURCE/deploy/monitoring/prometheus.yml" >"$WORK/promtool-config.txt" 2>&1 ||
  fail "promtool check config: $(cat "$WORK/promtool-config.txt")"
pass "the Grafana dashboard queries only metrics kcd gives; the example scrape config passes promtool"
