#!/usr/bin/env bash
# Distributed mode over TLS and SASL, against the real broker's SASL_PLAINTEXT (+2) and SASL_SSL
# (+3) listeners of tests/services/kafka (user kcd / kcd-secret, its test CA):
#  - kcd's own group client (the one module speaking JoinGroup and friends) joins a group with
#    SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, and over TLS with the CA checked; a wrong
#    password is refused with the broker's SASL_AUTHENTICATION_FAILED, a broker certificate no
#    CA vouches for with the TLS verification error, never a join;
#  - two kcd workers on SASL_SSL with a PLAIN jaas line (Connect's worker keys, producer.* and
#    consumer.* for the tasks, as Connect's own) run a file source and a file sink: every line
#    arrives. (SCRAM for the librdkafka clients needs librdkafka >= 2.6.1 on Kafka 4.x: Debian 12
#    has 2.0.2, whose SCRAM Kafka 4 refuses, librdkafka#4895; kcd warns about that at start.)
#  - what the group client cannot speak is refused at start, naming the key.
. "$(dirname "$0")/lib.sh"
need_kafka
BASE=${KCD_KAFKA_PORT:-19092}
SASL="127.0.0.1:$((BASE + 2))"
SASL_SSL="127.0.0.1:$((BASE + 3))"
CA="${KCD_SERVICES_DIR:-/tmp/kcd-services}/kafka-$BASE/tls/ca.pem"
[ -f "$CA" ] || fail "no test CA at $CA (tests/services/kafka start makes it)"
GM="$KCD_BUILD/bin/kcd-test-group-member"
G="dsec-$RUN_ID"

joins() { # joins NAME BOOTSTRAP [SECONDS]: the member joined within SECONDS (20; env: GM_*)
  local wait_s=${3:-20}
  timeout "$wait_s" "$GM" "$2" "$G-$1" http://w:1/ a:1 >"$WORK/gm-$1.out" 2>&1 &
  local pid=$! deadline=$((SECONDS + wait_s))
  until grep -q '^joined' "$WORK/gm-$1.out"; do
    kill -0 $pid 2>/dev/null || break
    [ $SECONDS -lt $deadline ] || break
    sleep 0.2
  done
  kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null
  grep -q '^joined' "$WORK/gm-$1.out"
}
export GM_SASL_USERNAME=kcd GM_SASL_PASSWORD=kcd-secret
for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512; do
  GM_SASL_MECHANISM=$m joins "plain-$m" "$SASL" || fail "the group client did not join with $m: $(tail -3 "$WORK/gm-plain-$m.out")"
done
GM_TLS=1 GM_CA="$CA" GM_SASL_MECHANISM=SCRAM-SHA-512 joins tls "$SASL_SSL" ||
  fail "the group client did not join over TLS with SCRAM-SHA-512: $(tail -3 "$WORK/gm-tls.out")"
echo "group client joined with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and over TLS"
GM_SASL_MECHANISM=SCRAM-SHA-256 GM_SASL_PASSWORD=wrong joins badpw "$SASL" 6 && fail "joined with a wrong password"
grep -q 'SASL authentication as kcd with SCRAM-SHA-256 failed at .*SASL_AUTHENTICATION_FAILED' "$WORK/gm-badpw.out" ||
  fail "a wrong password is not named: $(tail -2 "$WORK/gm-badpw.out")"
GM_TLS=1 GM_SASL_MECHANISM=PLAIN joins noca "$SASL_SSL" 6 && fail "joined although no CA vouches for the broker"
grep -q 'TLS handshake with 127.0.0.1 failed: self-signed certificate in certificate chain' "$WORK/gm-noca.out" ||
  fail "an unverified broker certificate is not named: $(tail -2 "$WORK/gm-noca.out")"

# two workers on SASL_SSL
declare -A PORT PID
for n in 1 2; do PORT[$n]=$(free_port); done
JAAS='org.apache.kafka.common.security.plain.PlainLoginModule required username="kcd" password="kcd-secret";'
worker_props() { # worker_props FILE PORT EXTRA...
  local f=$1 port=$2; shift 2
  {
    echo "bootstrap.servers=$SASL_SSL"
    for p in "" producer. consumer.; do
      echo "${p}security.protocol=SASL_SSL"
      echo "${p}sasl.mechanism=PLAIN"
      echo "${p}sasl.jaas.config=$JAAS"
      echo "${p}ssl.ca.location=$CA"
    done
    echo "group.id=$G"
    echo "config.storage.topic=$G-configs"
    echo "offset.storage.topic=$G-offsets"
    echo "status.storage.topic=$G-status"
    echo "config.storage.replication.factor=1"
    echo "offset.storage.replication.factor=1"
    echo "status.storage.replication.factor=1"
    echo "offset.storage.partitions=3"
    echo "status.storage.partitions=2"
    echo "session.timeout.ms=6000"
    echo "heartbeat.interval.ms=1000"
    echo "listeners=http://127.0.0.1:$port"
    for e in "$@"; do echo "$e"; done
  } >"$f"
}
for n in 1 2; do
  worker_props "$WORK/w$n.properties" "${PORT[$n]}"
  "$KCD" distributed "$WORK/w$n.properties" >>"$WORK/w$n.log" 2>&1 &
  PID[$n]=$!
done
for n in 1 2; do
  deadline=$((SECONDS + 90))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$(url $n)/health")" = 200 ]; do
    [ $SECONDS -lt $deadline ] || fail "worker $n did not join over SASL_SSL"
    kill -0 "${PID[$n]}" 2>/dev/null || fail "worker $n exited"
    sleep 0.3
  done
done
N=20000
seq -f 'sec-%06g' 1 $N >"$WORK/in.txt"
U=$(url 2)
curl -fsS -X PUT -H 'Content-Type: application/json' "$U/connectors/sec-src/config" \
  -d "{\"connector.class\":\"FileStreamSource\",\"file\":\"$WORK/in.txt\",\"topic\":\"$G-data\"}" >/dev/null ||
  fail "cannot create the source"
curl -fsS -X PUT -H 'Content-Type: application/json' "$U/connectors/sec-sink/config" \
  -d "{\"connector.class\":\"FileStreamSink\",\"file\":\"$WORK/out.txt\",\"topics\":\"$G-data\"}" >/dev/null ||
  fail "cannot create the sink"
deadline=$((SECONDS + 120))
until [ "$(lines "$WORK/out.txt")" -ge $N ]; do
  [ $SECONDS -lt $deadline ] || fail "the sink wrote $(lines "$WORK/out.txt") of $N lines in 120 s"
  for n in 1 2; do kill -0 "${PID[$n]}" 2>/dev/null || fail "worker $n exited"; done
  sleep 0.3
done
sort "$WORK/out.txt" | cmp -s - "$WORK/in.txt" || fail "the sink's lines are not the source's"
"$TESTKIT" dump "$BOOTSTRAP" "$G-configs" >"$WORK/configs.tsv" || fail "cannot read the config topic"
grep -q 'FileStreamSource' "$WORK/configs.tsv" || fail "the config topic read on the plaintext listener lacks the source"
for n in 1 2; do
  kill -TERM "${PID[$n]}"
  wait_exit "${PID[$n]}" 120 "worker $n" || fail "worker $n exited $? on SIGTERM"
  unset "PID[$n]"
done
echo "two workers on SASL_SSL (PLAIN): $N lines from the file source through the broker to the file sink"

# refused at start, each naming its key
refused() { # refused KEY EXTRA...
  local key=$1; shift
  worker_props "$WORK/bad.properties" "$(free_port)" "$@"
  set +e
  timeout 20 "$KCD" distributed "$WORK/bad.properties" >"$WORK/bad.log" 2>&1
  local rc=$?
  set -e
  [ $rc = 2 ] || fail "$* : exit $rc, not 2: $(tail -3 "$WORK/bad.log")"
  grep -q "$key" "$WORK/bad.log" || fail "$* : the message does not name $key: $(tail -3 "$WORK/bad.log")"
}
refused "sasl.mechanism" "sasl.mechanism=GSSAPI"
refused "security.protocol" "security.protocol=SASL_KERBEROS"
refused "ssl.truststore.location" "ssl.truststore.location=/etc/kafka/truststore.jks"
refused "sasl.jaas.config" "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required;"
pass "distributed mode over SASL and TLS: the group client with PLAIN, SCRAM-SHA-256/512 and TLS; two workers on SASL_SSL; unsupported settings refused"
