#!/usr/bin/env bash
# kcd's Connect group protocol bytes against Apache Kafka Connect 4.1.1's own classes
# (ConnectProtocol, IncrementalCooperativeConnectProtocol from connect-runtime, Maven Central):
# member metadata (eager, sessioned with an allocation) and assignments (eager with an error,
# compatible with revocations and a delay) encoded by kcd are byte for byte what Connect encodes,
# Connect decodes kcd's bytes to what kcd meant, and kcd decodes Connect's to what Connect meant;
# KIP-507 request signatures kcd makes pass Connect's InternalRequestSignature check and the
# other way round, and a tampered body fails both.
. "$(dirname "$0")/lib.sh"
need_connect
javac -d "$WORK/classes" -cp "$libs/*" "$KCD_SOURCE/tests/support/ConnectProtocolCheck.java" 2>"$WORK/javac.log" ||
  fail "javac: $(cat "$WORK/javac.log")"
CODEC="$KCD_BUILD/bin/kcd-test-connect-codec"
java_check() { java -cp "$WORK/classes:$libs/*" ConnectProtocolCheck "$@" 2>/dev/null; }
for c in M0 M2 A0 A1; do
  case $c in M*) kind=metadata ;; *) kind=assignment ;; esac
  kcd_hex=$("$CODEC" encode $c) || fail "kcd cannot encode $c"
  java_hex=$(java_check encode $c) || fail "Connect cannot encode $c"
  [ "$kcd_hex" = "$java_hex" ] || fail "$c: kcd writes $kcd_hex, Connect $java_hex"
  meant=$("$CODEC" decode-$kind "$kcd_hex") || fail "kcd cannot decode its own $c"
  by_java=$(java_check decode-$kind "$kcd_hex") || fail "Connect cannot decode kcd's $c ($kcd_hex)"
  [ "$by_java" = "$meant" ] || fail "$c: Connect reads kcd's bytes as [$by_java], kcd meant [$meant]"
  java_meant=$(java_check decode-$kind "$java_hex")
  by_kcd=$("$CODEC" decode-$kind "$java_hex") || fail "kcd cannot decode Connect's $c ($java_hex)"
  [ "$by_kcd" = "$java_meant" ] || fail "$c: kcd reads Connect's bytes as [$by_kcd], Connect meant [$java_meant]"
  echo "  $c: $meant"
done
pass "Connect $CONNECT_VERSION and kcd write the same bytes for metadata v0/v2 and assignments v0/v1, and read each other's"

key=$(head -c 32 /dev/urandom | base64 -w0)
body='[{"connector.class":"FileStreamSink","topics":"t","task.class":"org.apache.kafka.connect.file.FileStreamSinkTask"}]'
kcd_sig=$("$CODEC" sign "$key" "$body") || fail "kcd cannot sign"
java_sig=$(java_check sign "$key" "$body") || fail "Connect cannot sign"
[ "$kcd_sig" = "$java_sig" ] || fail "kcd signs $kcd_sig, Connect $java_sig"
[ "$(java_check verify "$key" "$body" "$kcd_sig")" = valid ] || fail "Connect refuses kcd's signature"
[ "$("$CODEC" verify "$key" "$body" "$java_sig")" = valid ] || fail "kcd refuses Connect's signature"
[ "$(java_check verify "$key" "${body}x" "$kcd_sig")" = invalid ] && [ "$("$CODEC" verify "$key" "${body}x" "$java_sig")" = invalid ] ||
  fail "a tampered body passes"
pass "KIP-507: Connect's InternalRequestSignature accepts kcd's signatures and kcd Connect's; a tampered body fails both"
