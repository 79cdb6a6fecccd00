#!/usr/bin/env bash
# The pcap source on capture files -> a real Kafka topic -> the file sink.
#  1. Two files (pcap, pcapng), a clean run and a graceful stop: every packet arrives exactly
#     once, in the pipeline's record shape, with the packet time as the Kafka timestamp.
#  2. More files; kcd is killed (-9) at a random moment; meanwhile the last file grows, first
#     to the middle of a packet; after the restart it grows to its end and a new file appears
#     (as tshark's ring buffer does): every packet arrives, none of the first two files' is
#     produced again, and repeats are only packets after the offsets stored before the kill.
#  3. A file that is not a capture among them is named in one error and skipped.
#  4. Alone, too: a text file as the only match is named and skipped (not waited for as a capture
#     being written); a glob matching nothing is named in a warning, said again while it lasts
#     (every pcap.files.warn.ms). Both show in the task's status, RUNNING with the latest as its
#     trace; the glob's goes once a capture matches it.
. "$(dirname "$0")/lib.sh"
need_kafka
GEN="python3 $KCD_SOURCE/tests/integration/pcap_gen.py"
TOPIC="it-pcap-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$TOPIC" 3 || fail "cannot create topic"
mkdir -p "$WORK/caps"
$GEN "$WORK/caps/cap_1.pcap" 0 40000
$GEN "$WORK/caps/cap_2.pcapng" 40000 40000 --pcapng
write_worker "$WORK/worker.properties" "offset.flush.interval.ms=200" "consumer.session.timeout.ms=6000" \
  "value.converter=org.apache.kafka.connect.json.JsonConverter" "value.converter.schemas.enable=false"
cat >"$WORK/source.properties" <<P
name=pcap-files
connector.class=PcapSourceConnector
pcap.files=$WORK/caps/cap_*
pcap.files.poll.ms=100
topic=$TOPIC
fields=wlan.fc.type_subtype,wlan.ra,wlan_radio.channel
P
cat >"$WORK/sink.properties" <<P
name=pcap-sink-$RUN_ID
connector.class=FileStreamSinkConnector
topics=$TOPIC
file=$WORK/out.txt
value.converter=org.apache.kafka.connect.storage.StringConverter
P
ra_of() { grep -o '"wlan_ra":\["[0-9a-f:]*"\]' "$1" | cut -d'"' -f4; }
expect_ras() { python3 -c "import sys
for i in range(int(sys.argv[1]), int(sys.argv[2])): print('02:00:00:%02x:%02x:%02x' % (i >> 16, (i >> 8) & 255, i & 255))" "$1" "$2"; }

# ---- 1: clean run, exactly once
start_kcd "$WORK/worker.properties" "$WORK/source.properties" "$WORK/sink.properties"
wait_lines "$WORK/out.txt" 80000 300
sleep 1
stop_kcd
[ "$(lines "$WORK/out.txt")" = 80000 ] || fail "clean run: $(lines "$WORK/out.txt") records for 80000 packets"
cmp -s <(ra_of "$WORK/out.txt" | sort) <(expect_ras 0 80000 | sort) || fail "clean run: records are not the packets, once each"
grep -q '^{"timestamp":"1700000000000","wlan_fc_type_subtype":\["29"\],"wlan_ra":\["02:00:00:00:00:00"\],"wlan_radio_channel":\["6"\]}$' \
  "$WORK/out.txt" || fail "the first packet's record is not in the pipeline's shape"
"$TESTKIT" dump-timestamps "$BOOTSTRAP" "$TOPIC" >"$WORK/topic1.tsv" || fail "cannot read topic"
bad_ts=$(awk -F'\t' '{ if (match($5, /"timestamp":"[0-9]+"/)) { t = substr($5, RSTART + 13, RLENGTH - 14); if (t != $3) print } }' \
  "$WORK/topic1.tsv" | head -3)
[ -z "$bad_ts" ] || fail "Kafka timestamp is not the packet time: $bad_ts"
pass "clean run: 80000 packets from a pcap and a pcapng file, once each, Kafka timestamp = packet time"

# ---- 2: kill -9, a growing last file, a new file
$GEN "$WORK/caps/cap_3.pcap" 80000 40000
$GEN "$WORK/cap_4.full" 120000 40000 --pcapng
size4=$(stat -c %s "$WORK/cap_4.full")
head -c $((size4 / 2)) "$WORK/cap_4.full" >"$WORK/caps/cap_4.pcapng" # ends inside a packet
printf 'not a capture\n' >"$WORK/caps/cap_3a.txt"                      # named and skipped
TARGET=$((80000 + (RANDOM * 32768 + RANDOM) % 55000 + 2000))
start_kcd "$WORK/worker.properties" "$WORK/source.properties" "$WORK/sink.properties"
deadline=$((SECONDS + 300))
while [ "$(lines "$WORK/out.txt")" -lt "$TARGET" ]; do
  [ $SECONDS -lt $deadline ] || fail "timed out before the kill point ($(lines "$WORK/out.txt") of $TARGET)"
  sleep 0.005
done
kill -9 "$KCD_PID"
wait "$KCD_PID" 2>/dev/null || true
KCD_PID=""
killed_at=$(lines "$WORK/out.txt")
cp "$WORK/offsets.json" "$WORK/offsets.at-kill.json" 2>/dev/null || true
head -c $((size4 * 4 / 5)) "$WORK/cap_4.full" >"$WORK/caps/cap_4.pcapng" # grows, still mid-packet
start_kcd "$WORK/worker.properties" "$WORK/source.properties" "$WORK/sink.properties"
# everything whole so far arrives (cap_4 up to its last whole packet), then the rest appears
have4=$(python3 -c "
import subprocess,sys
out=subprocess.run(['$KCD_BUILD/bin/kcd-pcap','--fields','wlan.ra','$WORK/caps/cap_4.pcapng'],capture_output=True,text=True).stdout
print(len(out.splitlines()))")
wait_unique "$WORK/out.txt" $((120000 + have4)) 300
tail -c +$((size4 * 4 / 5 + 1)) "$WORK/cap_4.full" >>"$WORK/caps/cap_4.pcapng"
$GEN "$WORK/caps/cap_5.pcap" 160000 20000
wait_unique "$WORK/out.txt" 180000 300
sleep 1
stop_kcd
cmp -s <(ra_of "$WORK/out.txt" | sort -u) <(expect_ras 0 180000 | sort) || fail "packets lost: the records lack some"
# the source's repeats (in the topic; the sink, killed too, redelivers on its own account):
# none of the files finished before the kill, and per file only packets past the stored offset
"$TESTKIT" dump "$BOOTSTRAP" "$TOPIC" >"$WORK/topic.tsv" || fail "cannot read topic"
python3 - "$WORK/offsets.at-kill.json" "$WORK/topic.tsv" "$WORK/caps" <<'PY' || fail "the source repeated packets it had stored offsets for"
import json, sys, collections
stored = {}
try:
    for e in json.load(open(sys.argv[1]))["offsets"]:
        stored[json.loads(e["key"])[1]["file"]] = json.loads(e["value"])["packets"]
except FileNotFoundError:
    pass
files = [("cap_1.pcap", 0, 40000), ("cap_2.pcapng", 40000, 40000), ("cap_3.pcap", 80000, 40000),
         ("cap_4.pcapng", 120000, 40000), ("cap_5.pcap", 160000, 20000)]
counts = collections.Counter(json.loads(l.split("\t", 2)[2])["wlan_ra"][0] for l in open(sys.argv[2]))
for ra, c in counts.items():
    n = int(ra.replace(":", "")[6:], 16)
    if c < 2: continue
    for name, start, count in files:
        if start <= n < start + count and n - start < stored.get(sys.argv[3] + "/" + name, 0):
            sys.exit("packet %d of %s is %d times in the topic though offset %d was stored"
                     % (n - start + 1, name, c, stored[sys.argv[3] + "/" + name]))
PY
grep -q "cap_3a.txt is not a capture file" "$WORK/kcd.log" || fail "the file that is not a capture was not named"
[ "$(grep -c 'cap_3a.txt is not a capture file' "$WORK/kcd.log")" -le 2 ] || fail "the bad file was reported more than once per run"
mkdir -p "$WORK/alone"
printf 'this is no capture, just text\n' >"$WORK/alone/notes.pcap"
cat >"$WORK/alone.properties" <<P
name=pcap-alone
connector.class=PcapSource
pcap.files=$WORK/alone/*.pcap,$WORK/nowhere/mon0_*.pcapng
pcap.files.warn.ms=1000
topic=$TOPIC-alone
P
: >"$WORK/kcd.log"
start_kcd "$WORK/worker.properties" "$WORK/alone.properties"
URL=$(rest_url)
deadline=$((SECONDS + 30))
until grep -q "pcap.files: $WORK/alone/notes.pcap is not a capture file libpcap can read" "$WORK/kcd.log" &&
  grep -qF "pcap.files: $WORK/nowhere/mon0_*.pcapng matches no file; waiting for one" "$WORK/kcd.log"; do
  [ $SECONDS -lt $deadline ] || fail "the lone text file or the empty glob was not named: $(grep -i pcap "$WORK/kcd.log" | tail -5)"
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
  sleep 0.5
done
# task_status FIELD: the task's state, or its trace ("" when none)
task_status() { curl -s "$URL/connectors/pcap-alone/tasks/0/status" | python3 -c "import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ''))" "$1"; }
wait_output "pcap.files: $WORK/nowhere/mon0_*.pcapng matches no file; waiting for one" 20 "the empty glob in the task's trace" task_status trace
[ "$(task_status state)" = RUNNING ] || fail "the task is $(task_status state), not RUNNING with its trace"
sleep 3.5
said=$(grep -cF "pcap.files: $WORK/nowhere/mon0_*.pcapng matches no file; waiting for one" "$WORK/kcd.log")
[ "$said" -ge 3 ] || fail "the empty glob was said $said times in 3.5 s at pcap.files.warn.ms=1000"
mkdir -p "$WORK/nowhere"
$GEN "$WORK/nowhere/mon0_1.pcapng.tmp" 0 10 --pcapng && mv "$WORK/nowhere/mon0_1.pcapng.tmp" "$WORK/nowhere/mon0_1.pcapng"
wait_output "" 20 "the task's trace to clear once the glob matches a capture" task_status trace
wait_count "$TOPIC-alone" 10 30 "the capture that came for the glob was not read"
printf 'this is no capture either, only text\n' >"$WORK/nowhere/mon0_2.pcapng" # after the capture being followed: looked at next
deadline=$((SECONDS + 20))
until task_status trace | matches "^pcap.files: $WORK/nowhere/mon0_2.pcapng is not a capture file libpcap can read (.*): skipped$"; do
  [ $SECONDS -lt $deadline ] || fail "the second non-capture file is not the task's trace: $(task_status trace)"
  sleep 0.5
done
stop_kcd
topic_repeats=$(( $(wc -l <"$WORK/topic.tsv") - 180000 ))
sink_repeats=$(( $(lines "$WORK/out.txt") - 180000 ))
pass "kill -9 at $killed_at sink records, a growing pcapng cut mid-packet, a new file: all 180000 packets arrived; topic repeats $topic_repeats (all past stored offsets), sink repeats $sink_repeats; the non-capture file named and skipped; the empty glob said every pcap.files.warn.ms, both in the task's status"
