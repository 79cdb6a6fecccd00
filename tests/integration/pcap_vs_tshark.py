#!/usr/bin/env python3
"""kcd-pcap against Debian 12's tshark 4.0 on every capture in tests/data/captures, for the
fields the decoder produces so far (issue 6, work in progress): for every packet, each such
field must be present in both with equal values, or absent in both. Needs tshark on PATH."""
import json
import os
import subprocess
import sys

BUILD = os.environ["KCD_BUILD"]
SOURCE = os.environ["KCD_SOURCE"]
FIELDS = ["wlan.fc.type", "wlan.fc.type_subtype", "wlan_radio.channel", "wlan_radio.signal_dbm", "wlan.ra",
          "wlan.da", "wlan.ta", "wlan.sa", "wlan.staa", "wlan.tag.vendor.oui.type", "wlan.tag.oui", "wlan.ssid",
          "wlan.country_info.code", "wps.device_name"]
capdir = os.path.join(SOURCE, "tests/data/captures")
failures, compared = [], 0
for name in sorted(f for f in os.listdir(capdir) if f.endswith(".pcap")):
    path = os.path.join(capdir, name)
    args = ["tshark", "-r", path, "-T", "ek", "-l"]
    for f in FIELDS:
        args += ["-e", f]
    ek = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    want = []
    for line in ek.splitlines():
        doc = json.loads(line)
        if "timestamp" in doc:  # the pipeline's reshaping: {timestamp} + .layers
            want.append(dict({"timestamp": doc["timestamp"]}, **doc.get("layers", {})))
    out = subprocess.run([os.path.join(BUILD, "bin/kcd-pcap"), "--format", "tshark-4.0", "--fields", ",".join(FIELDS),
                          path], capture_output=True, text=True, check=True).stdout
    got = [json.loads(line) for line in out.splitlines()]
    if len(got) != len(want):
        failures.append("%s: %d packets, tshark %d" % (name, len(got), len(want)))
        continue
    for i, (g, w) in enumerate(zip(got, want)):
        for k in ["timestamp"] + [f.replace(".", "_") for f in FIELDS]:
            compared += 1
            if g.get(k) != w.get(k):
                failures.append("%s packet %d %s: kcd %s, tshark %s" % (name, i + 1, k, g.get(k), w.get(k)))
# bad input: a file that is not a capture gets one error naming it; a capture cut inside a
# packet gives every whole packet before the cut, then an error naming file and packet
import tempfile
kcd_pcap = os.path.join(BUILD, "bin/kcd-pcap")
with tempfile.TemporaryDirectory() as tmp:
    junk = os.path.join(tmp, "notes.txt")
    with open(junk, "w") as f:
        f.write("this is not a capture\n")
    r = subprocess.run([kcd_pcap, junk], capture_output=True, text=True)
    if r.returncode != 1 or r.stdout or r.stderr.count("\n") != 1 or junk not in r.stderr:
        failures.append("not-a-capture: rc %d, stderr %r" % (r.returncode, r.stderr))
    whole = open(os.path.join(capdir, "aircrack-ng_test1_radiotap.pcap"), "rb").read()
    cut = os.path.join(tmp, "cut.pcap")
    with open(cut, "wb") as f:
        f.write(whole[:len(whole) // 2])
    r = subprocess.run([kcd_pcap, cut], capture_output=True, text=True)
    full = subprocess.run([kcd_pcap, os.path.join(capdir, "aircrack-ng_test1_radiotap.pcap")],
                          capture_output=True, text=True).stdout.splitlines()
    got = r.stdout.splitlines()
    if r.returncode != 1 or not got or got != full[:len(got)] or cut not in r.stderr or "packet %d" % (len(got) + 1) not in r.stderr:
        failures.append("truncated: rc %d, %d packets, stderr %r" % (r.returncode, len(got), r.stderr))
for f in failures[:40]:
    print("FAIL:", f, file=sys.stderr)
if failures:
    print("FAIL: %d of %d field comparisons differ" % (len(failures), compared), file=sys.stderr)
    sys.exit(1)
print("PASS: kcd-pcap equals tshark 4.0 on %d field comparisons over %d captures" % (compared, len(os.listdir(capdir)) - 1))
