#!/usr/bin/env python3
"""records.py N FILE [ROWS] - N records as Connect's JsonConverter (schemas.enable=true) writes a
struct of 10 columns, one per line: the schema'd records of bench/json_convert.sh and
bench/postgres_schema.sh (about 760 bytes each; bench/postgres_upsert.sh's rows with the schema
every record carries). With ROWS, each line is "KEY<TAB>RECORD" (for testkit produce-keyed) and
ROWS gets the same rows as tab-separated text (for psql's \\copy)."""
import json, sys

n, path = int(sys.argv[1]), sys.argv[2]
rows = open(sys.argv[3], "w") if len(sys.argv) > 3 else None
fields = [("ID", "int64", False), ("SEQ", "int64", True), ("DEVICE", "string", True), ("SSID", "string", True),
          ("PACKETS", "int64", True), ("BYTES", "int64", True), ("SIGNAL_DBM", "double", True),
          ("CHANNEL", "int32", True), ("SEEN", "string", True), ("ACTIVE", "boolean", True)]
schema = {"type": "struct", "fields": [{"type": t, "optional": o, "field": f} for f, t, o in fields],
          "optional": False, "name": "wifi.device.Value"}
with open(path, "w") as out:
    keys = max(n // 10, 1)
    for i in range(n):
        k = i % keys
        payload = {"ID": k, "SEQ": i, "DEVICE": "dev-%05d" % k, "SSID": "net-%d" % (i % 97), "PACKETS": i,
                   "BYTES": i * 31, "SIGNAL_DBM": -30 - (i % 60) / 1.0, "CHANNEL": 1 + i % 13,
                   "SEEN": "2020-02-29T%02d:%02d:%02d" % ((i // 3600) % 24, (i // 60) % 60, i % 60),
                   "ACTIVE": i % 2 == 1}
        record = json.dumps({"schema": schema, "payload": payload}, separators=(",", ":"))
        if rows:
            out.write("%d\t%s\n" % (k, record))
            rows.write("\t".join("t" if v is True else "f" if v is False else str(v) for v in payload.values()) + "\n")
        else:
            out.write(record + "\n")
