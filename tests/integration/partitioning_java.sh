#!/usr/bin/env bash
# Keyed records land in the partition Kafka's Java producer gives them (murmur2 of the key bytes,
# kafka-clients' own Utils.murmur2), so kcd's topics partition as Connect's do: a source's keyed
# records (the pcap source keyed by wlan_sa, 6 partitions) and the internal offsets topic's keys
# (exactly-once source offsets, 25 partitions), where a key in two partitions would let an old
# offset win.
. "$(dirname "$0")/lib.sh"
need_kafka
need_connect
javac -d "$WORK/classes" -cp "$libs/*" "$KCD_SOURCE/tests/support/JavaPartition.java" 2>"$WORK/javac.log" ||
  fail "javac: $(cat "$WORK/javac.log")"
T="keyed-$RUN_ID"
OFFSETS="offsets-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$T" 6 || fail "cannot create $T"
write_worker "$WORK/worker.properties" "exactly.once.source.support=enabled" "offset.storage.topic=$OFFSETS" \
  "value.converter=org.apache.kafka.connect.json.JsonConverter" "value.converter.schemas.enable=false"
cat >"$WORK/source.properties" <<P
name=keyed
connector.class=PcapSourceConnector
pcap.files=$KCD_SOURCE/tests/data/captures/kcd-scene_*.pcap
key.field=wlan.sa
topic=$T
P
want=$(for f in "$KCD_SOURCE"/tests/data/captures/kcd-scene_*.pcap; do "$KCD_BUILD/bin/kcd-pcap" "$f"; done | grep -c '"wlan_sa"')
start_kcd "$WORK/worker.properties" "$WORK/source.properties"
wait_count "$T" 1896 120 "the capture did not reach $T"
stop_kcd
"$TESTKIT" dump-timestamps "$BOOTSTRAP" "$T" | awk -F'\t' '$4 != ""' >"$WORK/records"
[ "$(wc -l <"$WORK/records")" = "$want" ] || fail "$(wc -l <"$WORK/records") keyed records, the captures have $want"
check() { # check FILE PARTITIONS WHAT: each line's key (4th field) in the partition (1st) Java gives it
  awk -F'\t' -v n="$2" '{print n "\t" $4}' "$1" | java -cp "$WORK/classes:$libs/*" JavaPartition >"$1.java"
  local bad
  bad=$(paste <(cut -f1,4 "$1") "$1.java" | awk -F'\t' '$1 != $3' | head -3)
  [ -z "$bad" ] || fail "$3: keys in another partition than Java's (kcd, key, Java): $bad"
}
check "$WORK/records" 6 "records of $T"
keys=$(cut -f4 "$WORK/records" | sort -u | wc -l)
pass "$want keyed records ($keys distinct keys) of the pcap source in Java's partitions"
"$TESTKIT" dump-timestamps "$BOOTSTRAP" "$OFFSETS" | awk -F'\t' '$4 != ""' >"$WORK/offsets"
[ -s "$WORK/offsets" ] || fail "no offset records on $OFFSETS"
parts=$(cut -f1 "$WORK/offsets" | sort -u | wc -l)
check "$WORK/offsets" 25 "offsets topic $OFFSETS"
pass "$(wc -l <"$WORK/offsets") offset records ($(cut -f4 "$WORK/offsets" | sort -u | wc -l) keys) of the offsets topic in Java's partitions"
