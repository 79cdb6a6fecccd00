#!/usr/bin/env bash
# `kcd transform` on the pipeline's own seed configs (tests/data/seed-configs): the Postgres
# probe-stats chain drops PROBED_SSIDS and makes EARLIEST_PROBE/LATEST_PROBE Connect
# Timestamps; the Elasticsearch configs insert and rename fields as they say. A bad record is
# reported with its offset and exit code 1, the good ones still come out. No broker needed.
. "$(dirname "$0")/lib.sh"
DATA="$KCD_SOURCE/tests/data"
py() { python3 -c "$@"; }
py '
import json,sys
v=json.load(open(sys.argv[1]))
schema={"type":"struct","optional":False,"fields":[
  {"field":"SOURCE","type":"string","optional":False},{"field":"PCAP_PROBES","type":"int64","optional":True},
  {"field":"EARLIEST_PROBE","type":"int64","optional":True},{"field":"LATEST_PROBE","type":"int64","optional":True},
  {"field":"MIN_RADIO_SIGNAL_DBM","type":"double","optional":True},{"field":"MAX_RADIO_SIGNAL_DBM","type":"double","optional":True},
  {"field":"AVG_RADIO_SIGNAL_DBM","type":"double","optional":True},
  {"field":"PROBED_SSIDS","type":"array","optional":True,"items":{"type":"string","optional":True}},
  {"field":"UNIQUE_SSIDS_PROBED","type":"int64","optional":True},{"field":"UNIQUE_DESTINATION_ADDRESSES","type":"int64","optional":True}]}
base={"topic":"PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02","partition":0,"timestamp":1586862373000,"key":v["SOURCE"]}
print(json.dumps(dict(base,offset=1,value=v)))
print(json.dumps(dict(base,offset=2,value=v,value_schema=schema)))
print(json.dumps(dict(base,offset=9,value="not a map")))
' "$DATA/samples/probe-stats-record.json" >"$WORK/probe.jsonl"
rc=0
"$KCD" transform "$DATA/seed-configs/SINK_POSTGRES_PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02.json" --input "$WORK/probe.jsonl" \
  --plugin-path "$PLUGINS" >"$WORK/out.jsonl" 2>"$WORK/err.txt" || rc=$?
[ "$rc" = 1 ] || fail "exit code $rc, want 1 for the bad record ($(cat "$WORK/err.txt"))"
grep -q "offset 9.*Only Map objects supported" "$WORK/err.txt" || fail "bad record not reported with its offset: $(cat "$WORK/err.txt")"
grep -q "blacklist is deprecated" "$WORK/err.txt" || fail "no warning for the deprecated blacklist key"
py '
import json,sys
recs=[json.loads(l) for l in open(sys.argv[1])]
assert len(recs)==2, recs
plain,typed=recs
assert "PROBED_SSIDS" not in plain["value"] and "PROBED_SSIDS" not in typed["value"], "PROBED_SSIDS kept"
assert plain["value"]["EARLIEST_PROBE"]==1582930282000 and plain["value"]["SOURCE"]=="asgard03"
fields={f["field"]:f for f in typed["value_schema"]["fields"]}
assert "PROBED_SSIDS" not in fields, "PROBED_SSIDS still in the schema"
for f in ("EARLIEST_PROBE","LATEST_PROBE"):
    assert fields[f]["name"]=="org.apache.kafka.connect.data.Timestamp", fields[f]
    assert fields[f]["type"]=="int64"
assert typed["value"]["LATEST_PROBE"]==1586862373000
' "$WORK/out.jsonl" || fail "probe-stats chain output wrong: $(cat "$WORK/out.jsonl")"

# Elasticsearch enriched: InsertField$Value timestamp.field=PCAP_TS
py '
import json,sys
v=json.load(open(sys.argv[1]))
print(json.dumps({"topic":"pcap_probe_enriched_00","partition":0,"offset":5,"timestamp":1586862373123,"key":"k","value":v}))
' "$DATA/samples/probe-enriched-record.json" >"$WORK/enriched.jsonl"
"$KCD" transform "$DATA/seed-configs/SINK_ELASTIC_PCAP_ENRICHED_00.json" --input "$WORK/enriched.jsonl" \
  --plugin-path "$PLUGINS" >"$WORK/out2.jsonl" 2>"$WORK/err2.txt" || fail "enriched: $(cat "$WORK/err2.txt")"
py '
import json,sys
r=json.loads(open(sys.argv[1]).read())
assert r["value"]["PCAP_TS"]==1586862373123, r["value"].get("PCAP_TS")
' "$WORK/out2.jsonl" || fail "InsertField did not add PCAP_TS: $(cat "$WORK/out2.jsonl")"

# Elasticsearch probe stats: ReplaceField$Value renames
py '
import json,sys
v=json.load(open(sys.argv[1]))
print(json.dumps({"topic":"PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02","offset":3,"timestamp":1,"key":"asgard03","value":v}))
' "$DATA/samples/probe-stats-record.json" >"$WORK/stats.jsonl"
"$KCD" transform "$DATA/seed-configs/SINK_ELASTIC_PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02.json" --input "$WORK/stats.jsonl" \
  --plugin-path "$PLUGINS" >"$WORK/out3.jsonl" 2>"$WORK/err3.txt" || fail "es stats: $(cat "$WORK/err3.txt")"
py '
import json,sys
v=json.loads(open(sys.argv[1]).read())["value"]
assert v["EARLIEST_PROBE_TS"]==1582930282000 and v["LATEST_PROBE_TS"]==1586862373000, v
assert "EARLIEST_PROBE" not in v and "LATEST_PROBE" not in v and v["PCAP_PROBES"]==3110, v
' "$WORK/out3.jsonl" || fail "renames not applied: $(cat "$WORK/out3.jsonl")"

# a dropped record prints nothing; malformed lines are reported
printf 'transforms=f\ntransforms.f.type=Filter\n' >"$WORK/drop.properties"
printf '{"topic":"t","value":1}\nnot json\n' >"$WORK/drop.jsonl"
rc=0
"$KCD" transform "$WORK/drop.properties" --input "$WORK/drop.jsonl" --plugin-path "$PLUGINS" >"$WORK/out4.jsonl" 2>"$WORK/err4.txt" || rc=$?
[ "$rc" = 1 ] && [ ! -s "$WORK/out4.jsonl" ] && grep -q "line 2" "$WORK/err4.txt" || fail "drop/malformed: rc $rc, $(cat "$WORK/err4.txt")"
# a bad transform config: exit 2 naming the key
printf 'transforms=c\ntransforms.c.type=TimestampConverter$Value\ntransforms.c.target.type=epoch\n' >"$WORK/bad.properties"
rc=0
"$KCD" transform "$WORK/bad.properties" --input /dev/null --plugin-path "$PLUGINS" 2>"$WORK/err5.txt" || rc=$?
[ "$rc" = 2 ] && grep -q "transforms.c.target.type" "$WORK/err5.txt" || fail "bad config: rc $rc, $(cat "$WORK/err5.txt")"
pass "kcd transform runs the seed configs' chains as Connect would"

# the Wi-Fi pipeline's split (deploy/pipeline): the shipped captures' records, routed by subtype
# with kcd's FieldRouter, land in the article's topics, each packet once
for f in "$DATA"/captures/kcd-scene_*.pcap; do "$KCD_BUILD/bin/kcd-pcap" "$f"; done |
  py 'import json,sys
for i, l in enumerate(sys.stdin): print(json.dumps({"topic": "pcap", "partition": 0, "offset": i, "key": None, "value": json.loads(l)}))' \
  >"$WORK/packets.jsonl"
"$KCD" transform "$KCD_SOURCE/deploy/pipeline/connectors/capture/SOURCE_PCAP_FILES_00.json" --input "$WORK/packets.jsonl" \
  --plugin-path "$PLUGINS" >"$WORK/split.jsonl" 2>"$WORK/err6.txt" || fail "the pipeline's split failed: $(cat "$WORK/err6.txt")"
py 'import collections, json, sys
names = {"4": "PROBE", "8": "BEACON", "27": "RTS", "28": "CTS", "29": "ACK", "36": "NULL"}
want = collections.Counter("PCAP_" + names.get(json.loads(l)["value"]["wlan_fc_type_subtype"][0], "OTHER") for l in open(sys.argv[1]))
got = collections.Counter(json.loads(l)["topic"] for l in open(sys.argv[2]))
assert got == want, (got, want)
assert len(want) == 7, want
print("split:", dict(sorted(got.items())))' "$WORK/packets.jsonl" "$WORK/split.jsonl" || fail "the split's topics are not the subtypes'"
pass "kcd transform splits the captures into the article's topics by subtype (FieldRouter)"
