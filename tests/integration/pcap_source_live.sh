#!/usr/bin/env bash
# The pcap source capturing live on the loopback interface (needs root or CAP_NET_RAW, as any
# capture does): datagrams sent while it runs become records in a real Kafka topic, with the
# Ethernet and frame fields tshark gives for lo, the BPF filter applied, the key taken from
# key.field; and the raw packets land in a rotating pcapng ring (pcap.write.*) that tshark
# reads and that holds exactly the newest packets. A second capture of the same packets keys
# each by its origin (key.origin: <interface>@<capture start>:<packet number>).
. "$(dirname "$0")/lib.sh"
need_kafka
TOPIC="it-pcap-live-$RUN_ID"
TOPIC2="it-pcap-live-origin-$RUN_ID"
PORT=$((20000 + RANDOM % 20000))
N=1500
for t in "$TOPIC" "$TOPIC2"; do "$TESTKIT" create-topic "$BOOTSTRAP" "$t" 1 || fail "cannot create topic"; done
mkdir -p "$WORK/ring"
write_worker "$WORK/worker.properties" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=false"
cat >"$WORK/source.properties" <<P
name=pcap-live
connector.class=io.kcd.connect.pcap.PcapSourceConnector
pcap.interface=lo
pcap.filter=udp and dst port $PORT
topic=$TOPIC
fields=frame.len,frame.time_epoch,eth.src,eth.dst,eth.type,eth.src_resolved
key.field=frame.len
format=tshark-4.0
pcap.write.dir=$WORK/ring
pcap.write.duration.s=1
pcap.write.files=3
P
printf 'name=pcap-live-origin\nconnector.class=PcapSourceConnector\npcap.interface=lo\npcap.filter=udp and dst port %s\ntopic=%s\nfields=frame.len\nkey.origin=true\n' \
  "$PORT" "$TOPIC2" >"$WORK/origin.properties"
t_start=$(date +%s)
start_kcd "$WORK/worker.properties" "$WORK/source.properties" "$WORK/origin.properties"
deadline=$((SECONDS + 60))
until [ "$(grep -c "pcap: capturing on lo" "$WORK/kcd.log")" = 2 ]; do
  [ $SECONDS -lt $deadline ] || fail "the capture did not start"
  kill -0 "$KCD_PID" 2>/dev/null || fail "kcd died"
  sleep 0.1
done
# N datagrams of 1..100 payload bytes over about 4.5 s (the ring rotates each second), plus
# some to another port that the filter keeps out
python3 - "$PORT" "$N" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"x" * (1 + i % 100), ("127.0.0.1", port))
    s.sendto(b"other", ("127.0.0.1", port + 1))
    time.sleep(4.5 / n)
PY
deadline=$((SECONDS + 60))
for t in "$TOPIC" "$TOPIC2"; do
  while [ "$("$TESTKIT" count "$BOOTSTRAP" "$t")" -lt "$N" ]; do
    [ $SECONDS -lt $deadline ] || fail "only $("$TESTKIT" count "$BOOTSTRAP" "$t") of $N packets became records of $t"
    sleep 0.5
  done
done
sleep 1
stop_kcd
"$TESTKIT" dump-timestamps "$BOOTSTRAP" "$TOPIC" >"$WORK/topic.tsv" || fail "cannot read topic"
[ "$(wc -l <"$WORK/topic.tsv")" = "$N" ] || fail "$(wc -l <"$WORK/topic.tsv") records for $N packets (the filter lets only port $PORT through)"
python3 - "$WORK/topic.tsv" "$N" <<'PY' || fail "records do not match the datagrams sent"
import json, sys
rows = [l.rstrip("\n").split("\t", 4) for l in open(sys.argv[1])]
n = int(sys.argv[2])
# Ethernet on lo: zero addresses (resolved through manuf's 00:00:00 entry when present), IPv4,
# frame length = 14 + 20 + 8 + payload
want_lengths = sorted(str(42 + 1 + i % 100) for i in range(n))
got_lengths = sorted(json.loads(r[4])["frame_len"][0] for r in rows)
if got_lengths != want_lengths:
    sys.exit("frame lengths differ from the datagrams sent")
for p, off, ts, key, value in rows:
    v = json.loads(value)
    if v["eth_type"] != ["0x0800"] or v["eth_src"] != ["00:00:00:00:00:00"] or v["eth_dst"] != ["00:00:00:00:00:00"]:
        sys.exit("Ethernet fields wrong: %s" % value)
    if key != v["frame_len"][0]:
        sys.exit("key %r is not key.field frame.len %r" % (key, v["frame_len"][0]))
    epoch = v["frame_time_epoch"][0]
    if int(ts) != int(epoch.split(".")[0]) * 1000 + int(epoch.split(".")[1][:3]) or v["timestamp"] != ts:
        sys.exit("timestamps disagree: Kafka %s, record %s, frame %s" % (ts, v["timestamp"], epoch))
PY
# key.origin: lo@<the capture's start, microseconds>:<packet number>, numbered 1..N in order
"$TESTKIT" dump-timestamps "$BOOTSTRAP" "$TOPIC2" >"$WORK/origin.tsv" || fail "cannot read $TOPIC2"
python3 - "$WORK/origin.tsv" "$N" "$t_start" <<'PY' || fail "key.origin keys of the live capture are wrong"
import re, sys, time
keys = [l.split("\t", 4)[3] for l in open(sys.argv[1])]
n, t_start = int(sys.argv[2]), int(sys.argv[3])
m = [re.fullmatch(r"lo@(\d{16}):(\d+)", k) for k in keys]
if not all(m):
    sys.exit("not lo@<start>:<n>: %s" % [k for k, x in zip(keys, m) if not x][:3])
if len({x.group(1) for x in m}) != 1 or not t_start <= int(m[0].group(1)) // 1000000 <= time.time():
    sys.exit("capture starts %s, not one time after %d" % (sorted({x.group(1) for x in m})[:3], t_start))
if [int(x.group(2)) for x in m] != list(range(1, n + 1)):
    sys.exit("packet numbers are not 1..%d in order" % n)
PY
# the ring: at most 3 files named as tshark names them, readable by tshark, holding the newest
# packets (every one of them among the records, the last record's packet included)
ls "$WORK/ring" >"$WORK/ring.txt"
nfiles=$(wc -l <"$WORK/ring.txt")
[ "$nfiles" -ge 2 ] && [ "$nfiles" -le 3 ] || fail "ring holds $nfiles files (want 2-3 after 4.5 s of 1 s files, 3 kept): $(cat "$WORK/ring.txt")"
grep -qvE '^lo_[0-9]{5}_[0-9]{14}\.pcapng$' "$WORK/ring.txt" && fail "ring file names: $(cat "$WORK/ring.txt")"
for f in "$WORK"/ring/*; do
  tshark -r "$f" -T fields -e frame.time_epoch >>"$WORK/ring-epochs.txt" 2>"$WORK/tshark.err" || fail "tshark cannot read $f: $(cat "$WORK/tshark.err")"
done
python3 - "$WORK/topic.tsv" "$WORK/ring-epochs.txt" <<'PY' || fail "the ring does not hold the newest packets"
import json, sys
records = [json.loads(l.rstrip("\n").split("\t", 4)[4])["frame_time_epoch"][0] for l in open(sys.argv[1])]
ring = [l.strip() for l in open(sys.argv[2]) if l.strip()]
missing = set(ring) - set(records)
if missing:
    sys.exit("%d ring packets are not among the records (e.g. %s)" % (len(missing), sorted(missing)[:2]))
if max(records) not in ring:
    sys.exit("the newest packet is not in the ring")
if len(ring) >= len(records):
    sys.exit("the ring kept every packet: it did not rotate")
PY
pass "live capture on lo: $N datagrams -> $N records (filter applied, Ethernet fields, key, packet-time timestamps; keyed by origin in a second capture); ring of $nfiles pcapng files readable by tshark holds the newest $(wc -l <"$WORK/ring-epochs.txt")"
