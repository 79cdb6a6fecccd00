#!/usr/bin/env python3
"""kibana_objects.py ES_URL EXPECT_JSON - deploy/pipeline/elasticsearch/kibana-objects.ndjson,
checked without a Kibana (none installs here) as far as the index can check it:

1. the file is what kibana-objects.py writes;
2. it is Kibana's export format: one object a line, ids unique, every reference names an object
   of the file of the type it says, every chart on the dashboard and every panel referenced;
3. every field a chart aggregates exists in the index `pcap` with a type the aggregation takes
   (dates for date histograms, numbers for averages), the index pattern's time field a date;
4. every chart's aggregations, run on the index as Kibana would send them, answer what tshark
   says of the captures (EXPECT_JSON, from pipeline_local.sh): packets per subtype, probe requests
   per source MAC with first and last time, the SSIDs probed, the days seen."""
import collections
import datetime
import json
import os
import subprocess
import sys
import urllib.request

es, expect = sys.argv[1], json.load(open(sys.argv[2]))
here = os.path.join(os.environ["KCD_SOURCE"], "deploy/pipeline/elasticsearch")
failures = []


def fail(msg):
    failures.append(msg)
    print("kibana_objects: " + msg, file=sys.stderr)


def es_get(path, body=None):
    req = urllib.request.Request(es + path, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


# 1. the file is the generator's
text = open(os.path.join(here, "kibana-objects.ndjson")).read()
made = subprocess.run([sys.executable, os.path.join(here, "kibana-objects.py")], capture_output=True, text=True,
                      check=True).stdout
if text != made:
    fail("kibana-objects.ndjson is not what kibana-objects.py writes: run it again")

# 2. the export format
objs = [json.loads(line) for line in text.splitlines() if line.strip()]
by_id = {}
for o in objs:
    missing = [k for k in ("id", "type", "attributes", "references") if k not in o]
    if missing:
        sys.exit("kibana_objects: object %s lacks %s" % (o.get("id"), missing))
    if o["id"] in by_id:
        fail("id %s twice" % o["id"])
    by_id[o["id"]] = o
for o in objs:
    for r in o["references"]:
        if r["id"] not in by_id:
            fail("%s references %s, not in the file" % (o["id"], r["id"]))
        elif by_id[r["id"]]["type"] != r["type"]:
            fail("%s references %s as a %s, it is a %s" % (o["id"], r["id"], r["type"], by_id[r["id"]]["type"]))
patterns = [o for o in objs if o["type"] == "index-pattern"]
charts = [o for o in objs if o["type"] == "visualization"]
boards = [o for o in objs if o["type"] == "dashboard"]
if len(patterns) != 1 or patterns[0]["attributes"]["title"] != "pcap":
    fail("want one index pattern titled pcap, have %s" % [p["attributes"]["title"] for p in patterns])
if len(boards) != 1:
    sys.exit("kibana_objects: want one dashboard, have %d" % len(boards))
board = boards[0]
refs = {r["name"]: r for r in board["references"]}
for p in json.loads(board["attributes"]["panelsJSON"]):
    if p["panelRefName"] not in refs:
        fail("dashboard panel %s: no reference %s" % (p["panelIndex"], p["panelRefName"]))
if {r["id"] for r in board["references"]} != {c["id"] for c in charts}:
    fail("the dashboard shows %s, the file has the charts %s" % (sorted(r["id"] for r in board["references"]),
                                                               sorted(c["id"] for c in charts)))
for c in charts:
    src = json.loads(c["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    if src.get("indexRefName") not in {r["name"] for r in c["references"]}:
        fail("%s: its search source names no reference of the chart" % c["id"])

# 3. the fields
props = es_get("/pcap/_mapping")["pcap"]["mappings"]["properties"]
ftype = {name: p.get("type") for name, p in props.items()}
NUMBER = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float"}
TAKES = {"date_histogram": {"date"}, "avg": NUMBER, "min": NUMBER | {"date"}, "max": NUMBER | {"date"},
         "terms": NUMBER | {"keyword"}, "cardinality": NUMBER | {"keyword"}}
if ftype.get(patterns[0]["attributes"]["timeFieldName"]) != "date":
    fail("the index pattern's time field %s is a %s in the index" % (patterns[0]["attributes"]["timeFieldName"],
                                                                    ftype.get(patterns[0]["attributes"]["timeFieldName"])))

# 4. the aggregations, as Kibana nests them: bucket aggregations in order, metrics innermost
def run(chart):
    vis = json.loads(chart["attributes"]["visState"])
    query = json.loads(chart["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]["query"]
    buckets, metrics = [], {}
    for a in vis["aggs"]:
        t, p = a["type"], a["params"]
        if t != "count":
            if p["field"] not in ftype:
                fail("%s: field %s is not in the index" % (chart["id"], p["field"]))
                return None
            if ftype[p["field"]] not in TAKES[t]:
                fail("%s: %s on %s, a %s field" % (chart["id"], t, p["field"], ftype[p["field"]]))
                return None
        if t == "terms":  # the chart's size widened to see every bucket
            buckets.append((a["id"], {"terms": {"field": p["field"], "size": 10000}}))
        elif t == "date_histogram":
            buckets.append((a["id"], {"date_histogram": {"field": p["field"], "min_doc_count": 1,
                                                         "calendar_interval": "1d" if p["interval"] == "d" else "1h"}}))
        elif t != "count":
            metrics[a["id"]] = {t: {"field": p["field"]}}
    aggs = metrics
    for id_, b in reversed(buckets):
        aggs = {id_: dict(b, aggs=aggs) if aggs else b}
    body = {"size": 0, "aggs": aggs}
    if query:  # the charts' only query form: field : "value"
        field, value = (s.strip() for s in query.split(":", 1))
        body["query"] = {"term": {field: json.loads(value)}}
    return es_get("/pcap/_search", body)["aggregations"]


def day(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).date().isoformat()


answers = {c["id"]: run(c) for c in charts}
probes = expect["probes"]
a = answers.get("kcd-pcap-subtype-share")
if a is not None:
    got = {b["key"]: b["doc_count"] for b in a["2"]["buckets"]}
    if got != expect["subtypes"]:
        fail("share of each subtype: index %s, tshark %s" % (got, expect["subtypes"]))
a = answers.get("kcd-pcap-subtypes-per-day")
if a is not None:
    total = collections.Counter()
    for d in a["2"]["buckets"]:
        for b in d["3"]["buckets"]:
            total[b["key"]] += b["doc_count"]
    if dict(total) != expect["subtypes"]:
        fail("packets per day and subtype add up to %s, tshark %s" % (dict(total), expect["subtypes"]))
    if {day(d["key"]) for d in a["2"]["buckets"]} != set(expect["macs"]):
        fail("packets per day: days %s, tshark %s" % (sorted(day(d["key"]) for d in a["2"]["buckets"]), sorted(expect["macs"])))
a = answers.get("kcd-pcap-probes-over-time")
if a is not None and sum(b["doc_count"] for b in a["2"]["buckets"]) != sum(p["n"] for p in probes.values()):
    fail("probe requests over time: %d, tshark %d" % (sum(b["doc_count"] for b in a["2"]["buckets"]),
                                                      sum(p["n"] for p in probes.values())))
a = answers.get("kcd-pcap-probes-by-device")
if a is not None:
    got = {b["key"]: {"n": b["doc_count"], "first": int(b["3"]["value"]), "last": int(b["4"]["value"])}
           for b in a["2"]["buckets"]}
    want = {m: {k: p[k] for k in ("n", "first", "last")} for m, p in probes.items()}
    if got != want:
        diff = sorted(m for m in set(got) | set(want) if got.get(m) != want.get(m))
        fail("probe requests per source device differ for %s: index %s, tshark %s" % (
            diff[:5], [got.get(m) for m in diff[:5]], [want.get(m) for m in diff[:5]]))
    if any(b["7"]["value"] is None for b in a["2"]["buckets"]):
        fail("probe requests per source device: a device without an average signal")
a = answers.get("kcd-pcap-ssids")
if a is not None:
    got = {b["key"] for b in a["2"]["buckets"]} - {""}
    want = {s for p in probes.values() for s in p["ssids"]}
    if got != want:
        fail("SSIDs probed for: only in the index %s, only in tshark's %s" % (sorted(got - want), sorted(want - got)))
a = answers.get("kcd-pcap-unique-macs-per-day")
if a is not None and {day(d["key"]) for d in a["2"]["buckets"]} != set(expect["macs"]):
    fail("unique MACs per day: days differ from tshark's %s" % sorted(expect["macs"]))

if failures:
    sys.exit(1)
print("kibana_objects: %d charts on the dashboard, every aggregation answers what tshark says" % len(charts))
