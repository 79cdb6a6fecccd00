#!/usr/bin/env python3
"""fake_mongod.py - a hand-written FAKE MongoDB server: enough of the wire protocol (OP_QUERY and
OP_MSG; hello, ping, aggregate with $changeStream, getMore, killCursors, endSessions) to serve a
replica set's change stream from a fixed list of change events. It exists because no real
server here has change streams (no mongod can be installed; FerretDB has none): the tests that
use it say "fake" in their names. It is not MongoDB, and checks nothing of what a server checks.

    fake_mongod.py PORT EVENTS LOG

EVENTS: how many change events to serve on ace.device, numbered 0..EVENTS-1: event i inserts
(i < EVENTS/2) or updates document {_id: i % 1000}, and every 50th event deletes it instead; each
carries seq=i in its full document, resume token _data = "%016x" % i and clusterTime
Timestamp(1700000000 + i // 10, i % 10 + 1). A $changeStream with resumeAfter starts after its
token, with startAtOperationTime at that time, else at the first event. LOG gets one line per
aggregate, saying where the stream started."""
import socket
import socketserver
import struct
import sys
import threading
import time

import bson
from bson import Timestamp
from bson.son import SON

PORT, EVENTS, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
HOST = "127.0.0.1:%d" % PORT
KEYS = 1000


def event(i):
    key = i % KEYS
    e = SON([("_id", {"_data": "%016x" % i}),
             ("operationType", "delete" if i % 50 == 49 else "insert" if i < EVENTS // 2 else "update"),
             ("clusterTime", Timestamp(1700000000 + i // 10, i % 10 + 1)),
             ("ns", {"db": "ace", "coll": "device"}),
             ("documentKey", {"_id": key})])
    if e["operationType"] != "delete":
        e["fullDocument"] = SON([("_id", key), ("seq", i), ("mac", "78:8a:20:%02x:%02x:00" % (key >> 8, key & 255))])
    if e["operationType"] == "update":
        e["updateDescription"] = {"updatedFields": {"seq": i}, "removedFields": [], "truncatedArrays": []}
    return e


cursors = {}  # cursor id -> next event index
lock = threading.Lock()
next_cursor = [1000]


def hello_reply():
    return SON([("helloOk", True), ("ismaster", True), ("isWritablePrimary", True), ("secondary", False),
                ("setName", "rs0"), ("setVersion", 1), ("hosts", [HOST]), ("primary", HOST), ("me", HOST),
                ("electionId", bson.ObjectId("7fffffff0000000000000001")),
                ("topologyVersion", {"processId": bson.ObjectId("5f0000000000000000000001"), "counter": 0}),
                ("maxBsonObjectSize", 16777216), ("maxMessageSizeBytes", 48000000), ("maxWriteBatchSize", 100000),
                ("localTime", time.time()), ("logicalSessionTimeoutMinutes", 30), ("connectionId", 1),
                ("minWireVersion", 0), ("maxWireVersion", 17), ("readOnly", False), ("ok", 1.0)])


def start_index(opts):
    if "resumeAfter" in opts or "startAfter" in opts:
        token = (opts.get("resumeAfter") or opts.get("startAfter"))["_data"]
        return int(token, 16) + 1, "resumeAfter %s" % token
    if "startAtOperationTime" in opts:
        ts = opts["startAtOperationTime"]
        i = 0
        while i < EVENTS and event(i)["clusterTime"] < ts:
            i += 1
        return i, "startAtOperationTime %d.%d" % (ts.time, ts.inc)
    return 0, "the beginning"


def batch_from(cid, size, wait_ms):
    with lock:
        i = cursors.get(cid, EVENTS)
    if i >= EVENTS and wait_ms:
        time.sleep(min(wait_ms, 200) / 1000.0)  # maxAwaitTimeMS: nothing new comes here
    out = [event(j) for j in range(i, min(i + size, EVENTS))]
    with lock:
        cursors[cid] = i + len(out)
    last = i + len(out) - 1
    token = {"_data": "%016x" % last} if last >= 0 else {"_data": "%016x" % 0}
    return out, token


def command(doc):
    name = next(iter(doc)).lower()
    if name in ("hello", "ismaster"):
        return hello_reply()
    if name in ("ping", "endsessions", "buildinfo", "getparameter"):
        return {"ok": 1.0, "version": "6.0.0"} if name == "buildinfo" else {"ok": 1.0}
    if name == "aggregate":
        stage = doc["pipeline"][0].get("$changeStream")
        if stage is None:
            return {"ok": 0.0, "errmsg": "the fake serves change streams only", "code": 115}
        start, how = start_index(stage)
        with lock:
            cid = next_cursor[0]
            next_cursor[0] += 1
            cursors[cid] = start
        with open(LOG, "a") as f:
            f.write("aggregate from %s (event %d) fullDocument=%s\n" % (how, start, stage.get("fullDocument")))
        first, token = batch_from(cid, 0, 0)
        return {"cursor": {"id": bson.Int64(cid), "ns": "admin.$cmd.aggregate", "firstBatch": first,
                           "postBatchResumeToken": token}, "ok": 1.0}
    if name == "getmore":
        cid = int(doc["getMore"])
        size = int(doc.get("batchSize", 100)) or 100
        # 50 events per reply, 10 ms apart: a stream of some seconds, so a test can stop kcd inside it
        time.sleep(0.01)
        nxt, token = batch_from(cid, min(size, 50), int(doc.get("maxTimeMS", 0)))
        return {"cursor": {"id": bson.Int64(cid), "ns": "admin.$cmd.aggregate", "nextBatch": nxt,
                           "postBatchResumeToken": token}, "ok": 1.0}
    if name == "killcursors":
        return {"cursorsKilled": doc.get("cursors", []), "ok": 1.0}
    return {"ok": 0.0, "errmsg": "no such command: '%s' (fake_mongod)" % name, "code": 59}


class Handler(socketserver.BaseRequestHandler):
    def read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def handle(self):
        try:
            while True:
                length, req_id, _, opcode = struct.unpack("<iiii", self.read(16))
                body = self.read(length - 16)
                if opcode == 2004:  # OP_QUERY: the legacy handshake
                    flags = struct.unpack("<i", body[:4])[0]
                    end = body.index(b"\0", 4)
                    query = bson.decode(body[end + 9:end + 9 + struct.unpack("<i", body[end + 9:end + 13])[0]],
                                        codec_options=bson.CodecOptions(document_class=SON))
                    if "$query" in query:
                        query = query["$query"]
                    reply = bson.encode(command(query))
                    payload = struct.pack("<iqii", 8, 0, 0, 1) + reply
                    self.request.sendall(struct.pack("<iiii", 16 + len(payload), 0, req_id, 1) + payload)
                    del flags
                elif opcode == 2013:  # OP_MSG
                    flag_bits = struct.unpack("<I", body[:4])[0]
                    pos, doc = 4, None
                    end = len(body) - (4 if flag_bits & 1 else 0)
                    while pos < end:
                        kind = body[pos]
                        size = struct.unpack("<i", body[pos + 1:pos + 5])[0]
                        if kind == 0:
                            doc = bson.decode(body[pos + 1:pos + 1 + size], codec_options=bson.CodecOptions(document_class=SON))
                        pos += 1 + size
                    reply = bson.encode(command(doc))
                    payload = struct.pack("<I", 0) + b"\0" + reply
                    self.request.sendall(struct.pack("<iiii", 16 + len(payload), 0, req_id, 2013) + payload)
                else:
                    return
        except (EOFError, ConnectionError):
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


with Server(("127.0.0.1", PORT), Handler) as server:
    print("fake_mongod: ready on", HOST, flush=True)
    server.serve_forever()
