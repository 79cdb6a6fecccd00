#!/usr/bin/env bash
# An https:// listener with a PEM keystore and HTTP basic authentication from a credentials
# file: no credentials or wrong ones get 401 with Connect's error body, the right ones get in,
# plain HTTP gets nowhere, and a connector's password never reaches the log.
. "$(dirname "$0")/lib.sh"
need_kafka
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -keyout "$WORK/key.pem" \
  -out "$WORK/cert.pem" >/dev/null 2>&1 || fail "openssl could not make a certificate"
cat "$WORK/key.pem" "$WORK/cert.pem" >"$WORK/keystore.pem"
printf 'admin=s3cret-pass\nreader=other\n' >"$WORK/credentials.properties"
write_worker "$WORK/worker.properties" "listeners.https.ssl.keystore.location=$WORK/keystore.pem" \
  "rest.basic.auth.credentials.file=$WORK/credentials.properties"
sed -i "s|^listeners=.*|listeners=https://127.0.0.1:0|; s|^plugin.path=.*|plugin.path=$PLUGINS,$KCD_BUILD/tests/plugins/flaky|" \
  "$WORK/worker.properties"
start_kcd "$WORK/worker.properties"
port=""
for _ in $(seq 1 100); do
  port=$(grep -o 'REST server listening on https://127.0.0.1:[0-9]*' "$WORK/kcd.log" | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "kcd did not report an https listener"
URL="https://127.0.0.1:$port"
code=$(curl -sk -o "$WORK/noauth.json" -w '%{http_code}' "$URL/connectors")
[ "$code" = 401 ] || fail "no credentials: HTTP $code, want 401"
grep -q '"error_code":401' "$WORK/noauth.json" || fail "401 without Connect's error body"
code=$(curl -sk -o /dev/null -w '%{http_code}' -u admin:wrong "$URL/connectors")
[ "$code" = 401 ] || fail "wrong password: HTTP $code, want 401"
code=$(curl -sk -o /dev/null -w '%{http_code}' -u nobody:s3cret-pass "$URL/connectors")
[ "$code" = 401 ] || fail "unknown user: HTTP $code, want 401"
code=$(curl -sk -o "$WORK/ok.json" -w '%{http_code}' -u admin:s3cret-pass "$URL/connectors")
[ "$code" = 200 ] && [ "$(cat "$WORK/ok.json")" = "[]" ] || fail "right credentials: HTTP $code $(cat "$WORK/ok.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/connectors" || true)
[ "$code" != 200 ] || fail "plain HTTP answered 200 on the https port"
# a connector's password: accepted, shown as given to its owner over REST, never logged
body='{"name":"sec","config":{"connector.class":"com.example.kcd.FlakySinkConnector","topics":"t-'$RUN_ID'","file":"'$WORK'/o.txt","secret":"pw-NEVER-LOGGED"}}'
code=$(curl -sk -o /dev/null -w '%{http_code}' -u admin:s3cret-pass -H 'Content-Type: application/json' -d "$body" "$URL/connectors")
[ "$code" = 201 ] || fail "create over https: HTTP $code"
code=$(curl -sk -o "$WORK/val.json" -w '%{http_code}' -u admin:s3cret-pass -X PUT -H 'Content-Type: application/json' \
  -d '{"connector.class":"com.example.kcd.FlakySinkConnector","name":"v","topics":"t","file":"/tmp/x","secret":"pw-NEVER-LOGGED","fail.every":"no"}' \
  "$URL/connector-plugins/FlakySinkConnector/config/validate")
[ "$code" = 200 ] || fail "validate: HTTP $code"
grep -q '"\[hidden\]"' "$WORK/val.json" || fail "validate does not hide the password"
! grep -q "pw-NEVER-LOGGED" "$WORK/val.json" || fail "validate shows the password"
stop_kcd
! grep -q "pw-NEVER-LOGGED" "$WORK/kcd.log" || fail "the password reached the log"
! grep -q "s3cret-pass" "$WORK/kcd.log" || fail "a REST credential reached the log"
pass "https + basic auth: 401 without or with wrong credentials, 200 with them; secrets not logged"
