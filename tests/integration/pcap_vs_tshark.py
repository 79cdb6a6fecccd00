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
          "wlan.ra_resolved", "wlan.da", "wlan.da_resolved", "wlan.ta", "wlan.ta_resolved", "wlan.sa",
          "wlan.sa_resolved", "wlan.staa", "wlan.staa_resolved", "wlan.tagged.all", "wlan.tag.vendor.oui.type", "wlan.tag.oui",
          "wlan.ssid", "wlan.country_info.code", "wps.device_name"]
# both use Debian's name tables (/usr/share/wireshark/manuf and wka, from wireshark-common)
import struct
import tempfile

capdir = os.path.join(SOURCE, "tests/data/captures")
failures, compared = [], 0
# plus a made capture of ACK frames to addresses that exercise every kind of name: /24, /28 and
# /36 manufacturers, masked and whole well-known addresses, zero bytes after a prefix, no match
probe_dir = tempfile.mkdtemp()
probe = os.path.join(probe_dir, "names.pcap")
with open(probe, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 105))
    for a in ["00:09:5b:00:00:01", "00:09:5b:00:12:34", "01:00:5e:7f:00:01", "01:00:5e:00:00:00",
              "33:33:00:00:00:00", "33:33:00:00:00:01", "33:33:00:01:00:02", "ff:ff:ff:ff:ff:ff",
              "00:1b:c5:00:00:05", "00:1b:c5:00:10:07", "00:55:da:00:00:01", "02:00:00:00:00:01",
              "01:80:c2:00:00:00", "01:80:c2:00:00:0e", "00:00:0c:07:ac:05", "00:00:00:00:00:01",
              "00:00:5e:00:01:01"]:
        frame = struct.pack("<HH", 0x00d4, 0) + bytes(int(x, 16) for x in a.split(":"))
        f.write(struct.pack("<IIII", 1, 0, len(frame), len(frame)) + frame)
captures = [(n, os.path.join(capdir, n)) for n in sorted(os.listdir(capdir)) if n.endswith(".pcap")]
for name, path in captures + [("names.pcap (made)", probe)]:
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
print("PASS: kcd-pcap equals tshark 4.0 on %d field comparisons over %d captures" % (compared, len(captures) + 1))
