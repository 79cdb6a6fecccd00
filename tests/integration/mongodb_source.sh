#!/usr/bin/env bash
# The MongoDB source against FerretDB (tests/services/ferretdb: MongoDB's wire protocol, no change
# streams) with the pipeline's SOURCE_MONGODB_UNIFI_01 config, unchanged but for the host: the
# copy of ace.device and ace.user (not ace.other) as Debezium op=r events on unifi.ace.device and
# unifi.ace.user, keys {"id": <_id as extended JSON>}, `after` the document as extended JSON,
# `source` naming the replica set, the last event marked snapshot=last. Then following changes
# fails the task with the server's reason (FerretDB has no $changeStream), and a restarted task
# does not copy again: the stored offsets say the copy finished. The change events themselves
# are tested on recorded change documents (tests/unit/test_dbz_event.c): no server here has
# change streams.
. "$(dirname "$0")/lib.sh"
need_kafka
need_ferretdb
mongo "
db = client.ace
for c in ('device', 'user', 'other'):
    db[c].delete_many({})
db.device.insert_many([
    {'_id': bson.ObjectId('5d1f0c8e2a4b3c0001a1b2c1'), 'mac': '78:8a:20:00:00:01', 'name': 'Office AP', 'model': 'U7PG2', 'type': 'uap', 'ip': '192.168.1.20'},
    {'_id': bson.ObjectId('5d1f0c8e2a4b3c0001a1b2c2'), 'mac': '78:8a:20:00:00:02', 'name': 'Core switch', 'model': 'US8P60', 'type': 'usw', 'adopted': True},
    {'_id': bson.ObjectId('5d1f0c8e2a4b3c0001a1b2c3'), 'mac': '78:8a:20:00:00:03', 'name': 'Gateway', 'model': 'UGW3', 'type': 'ugw', 'cfgversion': 12}])
db.user.insert_many([
    {'_id': bson.ObjectId('5d1f0c8e2a4b3c0001a1b2d1'), 'mac': '44:65:0d:e0:94:66', 'name': 'Robin\\'s Kindle', 'oui': 'AmazonTe', 'is_guest': False, 'first_seen': 1584802202},
    {'_id': 'guest-7', 'mac': 'aa:bb:cc:00:00:07', 'hostname': 'android-7', 'oui': 'Samsung', 'is_guest': True}])
db.other.insert_one({'x': 1})
" || fail "cannot write the test documents"
for t in unifi.ace.device unifi.ace.user unifi.ace.other; do "$TESTKIT" delete-topic "$BOOTSTRAP" "$t" || fail "cannot delete $t"; done
sed "s|rs0/mongodb:27017|rs0/127.0.0.1:${FERRETDB_URL##*:}|" "$KCD_SOURCE/tests/data/seed-configs/SOURCE_MONGODB_UNIFI_01.json" >"$WORK/unifi.json"
grep -q "127.0.0.1" "$WORK/unifi.json" || fail "seed config not pointed at the test server"
write_worker "$WORK/worker.properties" "key.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter=org.apache.kafka.connect.json.JsonConverter" "offset.flush.interval.ms=200"
start_kcd "$WORK/worker.properties" "$WORK/unifi.json"
url=$(rest_url)
wait_count unifi.ace.device 3 60 "the copy of ace.device did not reach unifi.ace.device"
wait_count unifi.ace.user 2 60 "the copy of ace.user did not reach unifi.ace.user"
wait_task_failed "$url" SOURCE_MONGODB_UNIFI_01
grep -q 'the server cannot follow changes: .*needs change streams' <<<"$TASK_STATUS" || fail "the trace lacks the reason: $TASK_STATUS"
"$TESTKIT" dump-timestamps "$BOOTSTRAP" unifi.ace.device >"$WORK/device.txt"
"$TESTKIT" dump-timestamps "$BOOTSTRAP" unifi.ace.user >"$WORK/user.txt"
[ "$("$TESTKIT" count "$BOOTSTRAP" unifi.ace.other 2>/dev/null || echo 0)" = 0 ] || fail "ace.other is not in collection.whitelist"
python3 - "$WORK/device.txt" "$WORK/user.txt" <<'PY' || fail "the events differ from Debezium's (see above)"
import json, sys
def events(path):  # partition, offset, timestamp, key, value
    rows = [line.rstrip("\n").split("\t", 4) for line in open(path) if line.strip()]
    return [dict(json.loads(r[4]), key=json.loads(r[3])) for r in rows]
dev, usr = events(sys.argv[1]), events(sys.argv[2])
assert len(dev) == 3 and len(usr) == 2, (len(dev), len(usr))
e = dev[0]
assert e["schema"]["name"] == "unifi.ace.device.Envelope", e["schema"]["name"]
fields = [f["field"] for f in e["schema"]["fields"]]
assert fields == ["before", "after", "updateDescription", "source", "op", "ts_ms"], fields
p = e["payload"]
assert p["op"] == "r" and p["before"] is None and p["updateDescription"] is None, p
after = json.loads(p["after"])
assert after == {"_id": {"$oid": "5d1f0c8e2a4b3c0001a1b2c1"}, "mac": "78:8a:20:00:00:01", "name": "Office AP",
                 "model": "U7PG2", "type": "uap", "ip": "192.168.1.20"}, after
s = p["source"]
assert (s["connector"], s["name"], s["rs"], s["db"], s["collection"], s["snapshot"]) == \
    ("mongodb", "unifi", "rs0", "ace", "device", "true"), s
assert json.loads(dev[2]["payload"]["after"])["cfgversion"] == 12
# one copy, one last event: whichever collection was copied last ends with it
snaps = [x["payload"]["source"]["snapshot"] for x in dev + usr]
assert snaps.count("last") == 1 and (dev[-1]["payload"]["source"]["snapshot"] == "last" or
                                     usr[-1]["payload"]["source"]["snapshot"] == "last"), snaps
# copied in _id order: the string id sorts before the ObjectIds (BSON's type order)
guest, robin = usr
assert json.loads(guest["payload"]["after"])["_id"] == "guest-7", guest
assert json.loads(robin["payload"]["after"])["name"] == "Robin's Kindle", robin
# keys: {"id": <_id as extended JSON>}, with the key schema unifi.ace.<collection>.Key
assert robin["key"]["schema"]["name"] == "unifi.ace.user.Key", robin["key"]
assert json.loads(robin["key"]["payload"]["id"]) == {"$oid": "5d1f0c8e2a4b3c0001a1b2d1"}, robin["key"]
assert guest["key"]["payload"]["id"] == '"guest-7"', guest["key"]
PY
# restarted, the task does not copy again: its offsets say the copy finished
curl -s -X POST "$url/connectors/SOURCE_MONGODB_UNIFI_01/restart?includeTasks=true" >/dev/null
deadline=$((SECONDS + 60))
until [ "$(grep -c "the server cannot follow changes" "$WORK/kcd.log")" -ge 2 ]; do # past its copy phase again
  [ $SECONDS -lt $deadline ] || fail "the restarted task did not reach the change stream"
  sleep 0.5
done
[ "$(grep -c "Copying 2 collections" "$WORK/kcd.log")" = 1 ] || fail "the restarted task copied the collections again"
[ "$("$TESTKIT" count "$BOOTSTRAP" unifi.ace.device)" = 3 ] || fail "the restarted task copied ace.device again"
kill -0 "$KCD_PID" || fail "kcd died"
stop_kcd
pass "seed MongoDB config on FerretDB: ace.device and ace.user copied as Debezium op=r events (ace.other left out), the missing change streams fail the task with the reason, a restart does not copy again"
