#!/usr/bin/env bash
# The sinks' data under hostile records and settings (issue points 7, 8, 10 and 12), against the
# real broker and PostgreSQL:
# - quote.sql.identifiers=never: a field named `a text); DROP TABLE victim; --` fails the task
#   naming the identifier, and victim is still there;
# - two topics sharing their first 63 bytes do not merge into one table (both refused, naming
#   PostgreSQL's limit), and a 70-byte field name is named as too long, not as "no column";
# - the file sink appends to a file that does not end with a newline and cuts nothing;
# - connector.allowed.paths and connector.allowed.interfaces refuse host files and interfaces
#   outside them, through ".." and symlinks too.
. "$KCD_SOURCE/tests/integration/lib.sh"
need_kafka
need_postgres
DB="kcd_sec_$(echo "$RUN_ID" | tr -c 'a-z0-9\n' '_')"
psql_q "CREATE DATABASE $DB" || fail "cannot create database $DB"
PG_DB=$DB
trap 'PG_DB=postgres psql_q "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; cleanup' EXIT
psql_q "CREATE TABLE victim (id INT); INSERT INTO victim VALUES (42)"

mkdir -p "$WORK/allowed/captures"
ln -s /etc "$WORK/allowed/etc-link"
write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false" "consumer.session.timeout.ms=6000" "offset.flush.interval.ms=200" \
  "connector.allowed.paths=$WORK/allowed" "connector.allowed.interfaces=lo"
start_kcd "$WORK/worker.properties"
URL=$(rest_url)
post() { curl -s -o "$WORK/answer.json" -w '%{http_code}' -H 'Content-Type: application/json' -X POST "$URL/connectors" -d "$1"; }

# 12: host files and interfaces
for f in /etc/cron.d/kcd "$WORK/allowed/../outside.txt" "$WORK/allowed/etc-link/passwd" relative.txt; do
  code=$(post '{"name":"fs-bad","config":{"connector.class":"FileStreamSink","topics":"x","file":"'"$f"'"}}')
  [ "$code" = 400 ] && grep -q 'connector.allowed.paths' "$WORK/answer.json" || fail "file=$f: HTTP $code $(cat "$WORK/answer.json")"
done
code=$(post '{"name":"pcap-files","config":{"connector.class":"PcapSourceConnector","pcap.files":"/etc/*.pcap"}}')
[ "$code" = 400 ] && grep -q 'connector.allowed.paths' "$WORK/answer.json" || fail "pcap.files=/etc/*.pcap: HTTP $code"
code=$(post '{"name":"pcap-eth","config":{"connector.class":"PcapSourceConnector","pcap.interface":"eth0"}}')
[ "$code" = 400 ] && grep -q 'connector.allowed.interfaces' "$WORK/answer.json" || fail "pcap.interface=eth0: HTTP $code"
code=$(post '{"name":"pcap-lo","initial_state":"STOPPED","config":{"connector.class":"PcapSourceConnector","pcap.interface":"lo"}}')
[ "$code" = 201 ] || fail "pcap.interface=lo (allowed): HTTP $code $(cat "$WORK/answer.json")"
code=$(post '{"name":"pcap-ok","initial_state":"STOPPED","config":{"connector.class":"PcapSourceConnector","pcap.files":"'"$WORK"'/allowed/captures/*.pcap"}}')
[ "$code" = 201 ] || fail "pcap.files inside the allowed folder: HTTP $code $(cat "$WORK/answer.json")"
pass "connector.allowed.paths and connector.allowed.interfaces refuse what lies outside"

# 8: the file sink appends to what is there and cuts nothing
T8="sec-file-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$T8" 1 || fail "cannot create $T8"
printf 'first line\nprecious' >"$WORK/allowed/kept.txt"
printf '"r1"\n"r2"\n"r3"\n' >"$WORK/records.txt"
"$TESTKIT" produce "$BOOTSTRAP" "$T8" "$WORK/records.txt" || fail "cannot produce"
code=$(post '{"name":"fs-append","config":{"connector.class":"FileStreamSink","topics":"'"$T8"'","file":"'"$WORK"'/allowed/kept.txt"}}')
[ "$code" = 201 ] || fail "file sink: HTTP $code"
wait_lines "$WORK/allowed/kept.txt" 5 60
[ "$(cat "$WORK/allowed/kept.txt")" = "$(printf 'first line\nprecious\nr1\nr2\nr3')" ] ||
  fail "the file sink changed what it did not write: [$(cat "$WORK/allowed/kept.txt")]"
grep -q 'does not end with a newline' "$WORK/kcd.log" || fail "no WARN about the unterminated last line"
pass "file sink: 'first line\\nprecious' kept, records appended on a new line"

# 7: SQL from field names, quote.sql.identifiers=never
T7="sec_pg_never_$RUN_ID"
T7=$(echo "$T7" | tr -c 'a-z0-9_\n' '_')
"$TESTKIT" create-topic "$BOOTSTRAP" "$T7" 1 || fail "cannot create $T7"
printf '{"id":1,"name":"plain"}\n' >"$WORK/plain.jsonl"
printf '{"id":2,"a text); DROP TABLE victim; --":"x"}\n' >"$WORK/evil.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$T7" "$WORK/plain.jsonl" || fail "cannot produce"
pg_url="jdbc:postgresql://127.0.0.1:$PG_PORT/$DB?user=postgres&password=postgres"
code=$(post '{"name":"pg-never","config":{"connector.class":"io.confluent.connect.jdbc.JdbcSinkConnector","topics":"'"$T7"'","connection.url":"'"$pg_url"'","auto.create":"true","auto.evolve":"true","quote.sql.identifiers":"never"}}')
[ "$code" = 201 ] || fail "pg-never: HTTP $code $(cat "$WORK/answer.json")"
wait_sql plain "SELECT name FROM $T7" 90
"$TESTKIT" produce "$BOOTSTRAP" "$T7" "$WORK/evil.jsonl" || fail "cannot produce"
wait_task_failed "$URL" pg-never 90
grep -q 'not a plain SQL identifier' <<<"$TASK_STATUS" || fail "the trace does not name the identifier: $TASK_STATUS"
grep -q 'offset' <<<"$TASK_STATUS" || fail "the trace does not name the record: $TASK_STATUS"
[ "$(psql_q "SELECT id FROM victim")" = 42 ] || fail "victim was changed or dropped"
[ "$(psql_q "SELECT count(*) FROM $T7")" = 1 ] || fail "the table holds more than the plain record"
pass "quote.sql.identifiers=never: a hostile field name fails the task naming it; victim intact"

# 10: identifiers over 63 bytes
prefix="sec_long_$(echo "$RUN_ID" | tr -c 'a-z0-9\n' '_')_"
while [ ${#prefix} -lt 66 ]; do prefix="${prefix}x"; done
TA="${prefix}a"
TB="${prefix}b"
for t in "$TA" "$TB"; do
  "$TESTKIT" create-topic "$BOOTSTRAP" "$t" 1 || fail "cannot create $t"
  printf '{"id":1,"v":"%s"}\n' "$t" >"$WORK/long.jsonl"
  "$TESTKIT" produce "$BOOTSTRAP" "$t" "$WORK/long.jsonl" || fail "cannot produce"
done
code=$(post '{"name":"pg-long","config":{"connector.class":"io.confluent.connect.jdbc.JdbcSinkConnector","topics":"'"$TA,$TB"'","connection.url":"'"$pg_url"'","auto.create":"true"}}')
[ "$code" = 201 ] || fail "pg-long: HTTP $code"
wait_task_failed "$URL" pg-long 90
grep -q "bytes long; PostgreSQL keeps 63 bytes" <<<"$TASK_STATUS" || fail "no clear error for a 67-byte table name: $TASK_STATUS"
[ "$(psql_q "SELECT count(*) FROM pg_tables WHERE tablename LIKE '${prefix:0:40}%'")" = 0 ] ||
  fail "a table was made from a cut name"
TF="sec_longfield_$(echo "$RUN_ID" | tr -c 'a-z0-9\n' '_')"
field=$(printf 'f%.0s' $(seq 1 70))
"$TESTKIT" create-topic "$BOOTSTRAP" "$TF" 1 || fail "cannot create $TF"
printf '{"id":1,"%s":"x"}\n' "$field" >"$WORK/field.jsonl"
"$TESTKIT" produce "$BOOTSTRAP" "$TF" "$WORK/field.jsonl" || fail "cannot produce"
code=$(post '{"name":"pg-field","config":{"connector.class":"io.confluent.connect.jdbc.JdbcSinkConnector","topics":"'"$TF"'","connection.url":"'"$pg_url"'","auto.create":"true"}}')
[ "$code" = 201 ] || fail "pg-field: HTTP $code"
wait_task_failed "$URL" pg-field 90
grep -q "column identifier \\\\\"$field\\\\\" is 70 bytes long" <<<"$TASK_STATUS" ||
  grep -q "column identifier .*is 70 bytes long" <<<"$TASK_STATUS" || fail "no clear error for a 70-byte column: $TASK_STATUS"
! grep -qi 'no column' <<<"$TASK_STATUS" || fail "the misleading 'no column' error is back: $TASK_STATUS"
pass "63-byte identifiers: no merged tables, long names named as too long"
stop_kcd
pass "sinks' data: every point held"
