#!/usr/bin/env bash
# The Wi-Fi pipeline end to end (deploy/pipeline/run-local): the project's captures through the
# pcap source split by frame subtype, the router's devices from MongoDB (FerretDB), into
# PostgreSQL, Elasticsearch (OpenSearch) and Neo4j; the answers checked against what tshark says
# of the same files, computed here independently:
#  1. packets per subtype, unique MACs per day, probe requests per source device with their first
#     and last time and the SSIDs probed, the router's name on a device it knows; the graph holds
#     one node per probing device and per SSID and one edge per (device, SSID); Elasticsearch
#     holds every packet once, and the Kibana dashboard's charts (kibana_objects.py) show the same;
#  2. a second replay (more captures) with kcd killed -9 in the middle and started again: the
#     answers are exact again, over all the captures (upserts on the packet's origin and MERGE
#     absorb what at-least-once delivery repeats).
. "$(dirname "$0")/lib.sh"
need_kafka
need_postgres
need_opensearch
need_neo4j
need_ferretdb
P=$WORK/pipeline
export KCD_PIPELINE_DIR=$P KCD_PIPELINE_KEEP=1
"$KCD_SOURCE/deploy/pipeline/run-local" "$KCD_SOURCE"/tests/data/captures/kcd-scene_*.pcap >"$WORK/run-local.out" 2>&1 ||
  fail "run-local failed: $(tail -20 "$WORK/run-local.out")"
KCD_PID=$(cat "$P/kcd.pid")
PG_DB=wifi

# expect: tshark's view of every capture in $P/captures, as JSON
expect() {
  for f in "$P"/captures/*; do
    tshark -r "$f" -T fields -E separator=/t -E occurrence=f -e frame.time_epoch -e wlan.fc.type_subtype \
      -e wlan.sa -e wlan.ta -e wlan.ssid 2>/dev/null
  done | python3 -c '
import collections, json, sys, datetime
sub = collections.Counter(); macs = collections.defaultdict(set)
probes = {}
for line in sys.stdin:
    t, st, sa, ta, ssid = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
    ms = int(t.split(".")[0]) * 1000 + int((t.split(".") + ["0"])[1][:3].ljust(3, "0"))
    st = str(int(st, 16)) if st else "?"
    sub[st] += 1
    day = datetime.datetime.utcfromtimestamp(ms // 1000).date().isoformat()
    for m in (sa, ta):
        if m: macs[day].add(m.lower())
    if st == "4" and sa:
        p = probes.setdefault(sa.lower(), {"n": 0, "first": ms, "last": ms, "ssids": set()})
        p["n"] += 1; p["first"] = min(p["first"], ms); p["last"] = max(p["last"], ms)
        p["ssids"].add(bytes.fromhex(ssid).decode("utf-8", "replace") if ssid and ssid != "<MISSING>" else "")
pairs = {(m, s) for m, v in probes.items() for s in v["ssids"]}
print(json.dumps({"subtypes": sub, "macs": {d: len(m) for d, m in macs.items()},
                  "probes": {k: dict(v, ssids=sorted(s for s in v["ssids"] if s)) for k, v in probes.items()},
                  "packets": sum(sub.values()),
                  "graph": "%d\t%d\t%d" % (len(probes), len({s for _, s in pairs}), len(pairs))}))'
}

# got: the same from the sinks, as JSON
got() {
  python3 - "$(psql_q "SELECT json_object_agg(subtype, n) FROM (SELECT subtype, count(*) n FROM packets GROUP BY subtype) s")" \
    "$(psql_q "SELECT json_object_agg(day, unique_macs) FROM unique_macs_per_day")" \
    "$(psql_q "SELECT json_object_agg(source, json_build_object('n', probes, 'first', (extract(epoch FROM first_probe) * 1000)::bigint,
               'last', (extract(epoch FROM last_probe) * 1000)::bigint, 'ssids', probed_ssids)) FROM probe_stats_by_source_device")" \
    "$(psql_q "SELECT count(*) FROM pcap")" <<'PY'
import json, sys
sub, macs, probes = (json.loads(a or "{}") for a in sys.argv[1:4])
print(json.dumps({"subtypes": sub, "macs": macs, "probes": probes, "packets": int(sys.argv[4])}))
PY
}

check_answers() { # check_answers WHAT
  expect >"$WORK/expect.json"
  got >"$WORK/got.json"
  python3 - "$WORK/expect.json" "$WORK/got.json" "$1" <<'PY' || fail "$1: the sinks' answers differ from tshark's (above)"
import json, sys
e, g, what = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
bad = []
if e["packets"] != g["packets"]: bad.append("packets: tshark %d, PostgreSQL %d" % (e["packets"], g["packets"]))
if e["subtypes"] != g["subtypes"]: bad.append("per subtype: tshark %s, PostgreSQL %s" % (e["subtypes"], g["subtypes"]))
if e["macs"] != g["macs"]: bad.append("unique MACs per day: tshark %s, PostgreSQL %s" % (e["macs"], g["macs"]))
if set(e["probes"]) != set(g["probes"]): bad.append("probing devices differ: %s" % sorted(set(e["probes"]) ^ set(g["probes"])))
for mac in sorted(set(e["probes"]) & set(g["probes"])):
    a, b = e["probes"][mac], g["probes"][mac]
    for k in ("n", "first", "last", "ssids"):
        if a[k] != b[k]: bad.append("%s %s: tshark %s, PostgreSQL %s" % (mac, k, a[k], b[k]))
for b in bad[:20]: print(what + ": " + b, file=sys.stderr)
print("%s: %d packets, %d subtypes, %d probing devices, %d days agree with tshark" % (
    what, e["packets"], len(e["subtypes"]), len(e["probes"]), len(e["macs"])))
sys.exit(1 if bad else 0)
PY
  # the graph: a node per probing device and per SSID (the wildcard one, "", too), an edge per pair
  local graph want_graph
  want_graph=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["graph"])' "$WORK/expect.json")
  graph=$(cypher "MATCH (s:source) WITH count(s) AS src MATCH (n:ssid) WITH src, count(n) AS ssid
                  MATCH (:source)-[e:LOOKED_FOR_SSID]->(:ssid) RETURN src, ssid, count(e)")
  [ "$graph" = "$want_graph" ] ||
    fail "$1: the graph has (sources, ssids, edges) = ($graph), tshark's captures give ($want_graph)"
  # the graph's own query (neo4j/queries.cypher): SSIDs by how many devices look for them
  local ssid_query want_ssids
  ssid_query=$(awk '/^\/\/ SSIDs by how many devices/ {on = 1; next} on {print} on && /;$/ {exit}' \
    "$KCD_SOURCE/deploy/pipeline/neo4j/queries.cypher" | tr '\n' ' ' | sed 's/; *$//')
  [ -n "$ssid_query" ] || fail "no 'SSIDs by how many devices' statement in neo4j/queries.cypher"
  want_ssids=$(python3 -c '
import collections, json, sys
c = collections.Counter(s for p in json.load(open(sys.argv[1]))["probes"].values() for s in p["ssids"])
for s, n in sorted(c.items(), key=lambda x: (-x[1], x[0])): print("%s\t%d" % (s, n))' "$WORK/expect.json")
  [ "$(cypher "$ssid_query")" = "$want_ssids" ] ||
    fail "$1: queries.cypher's SSIDs by devices: $(cypher "$ssid_query" | tr '\n' ' '); tshark: $(echo "$want_ssids" | tr '\n' ' ')"
  # Elasticsearch: every packet once (the document id is the packet's origin)
  wait_es "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "$WORK/expect.json")" \
    /pcap/_count 'r["count"]' 120
  # Kibana's saved objects: every chart's aggregations on the index give tshark's answers
  python3 "$KCD_SOURCE/tests/integration/kibana_objects.py" "$ES_URL" "$WORK/expect.json" ||
    fail "$1: the Kibana charts' aggregations disagree with tshark (above)"
  # the router's name on a device it knows, and not on one it does not
  [ "$(psql_q "SELECT device_name FROM probe_stats_by_source_device WHERE source = '8c:f5:a3:12:34:56'")" = "Robin's phone" ] ||
    fail "$1: the router's name is not on 8c:f5:a3:12:34:56"
  [ "$(psql_q "SELECT is_known_device FROM probe_stats_by_source_device WHERE source = '3e:ab:4e:9d:f1:7b'")" = f ] ||
    fail "$1: an unknown device is marked known"
  wait_cypher "Robin's phone	True" "MATCH (s:source {mac: '8c:f5:a3:12:34:56'}) RETURN s.device_name, s.is_known" 60
  [ "$(cypher "MATCH (s:source {mac: '3e:ab:4e:9d:f1:7b'}) RETURN s.is_known")" = False ] ||
    fail "$1: an unknown device is marked known in the graph"
  [ "$(psql_q "SELECT count(*) FROM probe_fingerprints WHERE source_macs > 1")" -gt 0 ] ||
    fail "$1: no fingerprint seen from several MACs (the scene has two devices behind randomised MACs)"
}

check_answers "the shipped captures"
pass "the shipped captures: PostgreSQL's answers are tshark's; the graph and Elasticsearch hold each device, SSID, pair and packet once; the router's names joined"

# 2. a second replay, killed -9 in the middle: the six hours after the shipped evening, made by its
# generator (in the past: Kafka 4 refuses record timestamps over an hour ahead of its clock)
mkdir -p "$WORK/more"
python3 "$KCD_SOURCE/tests/data/captures/make_scene.py" "$WORK/more" --start 1796418000 --hours 6 2>/dev/null ||
  fail "the scene generator failed"
before=$(psql_q "SELECT count(*) FROM pcap")
cp "$WORK"/more/*.pcap "$P/captures/"
deadline=$((SECONDS + 120))
until [ "$(psql_q "SELECT count(*) FROM pcap")" -gt $((before + 200)) ]; do
  [ $SECONDS -lt $deadline ] || fail "the second replay did not start"
  sleep 0.2
done
kill -9 "$KCD_PID"
wait "$KCD_PID" 2>/dev/null || true
killed_at=$(psql_q "SELECT count(*) FROM pcap")
"$KCD" standalone "$P/worker.properties" >>"$P/kcd.log" 2>&1 &
KCD_PID=$!
want=$(for f in "$P"/captures/*; do "$KCD_BUILD/bin/kcd-pcap" "$f"; done | wc -l)
wait_sql "$want" "SELECT count(*) FROM pcap" 300
sleep 2 # what a sink delivers again after the restart lands now, and must change nothing
check_answers "after kill -9 in the second replay"
pass "a second replay of $((want - before)) packets, killed -9 at $killed_at rows and restarted: the answers over all $want packets are exact again"
kill -TERM "$KCD_PID"
wait_exit "$KCD_PID" 120 kcd || true
KCD_PID=""
