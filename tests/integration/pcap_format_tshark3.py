#!/usr/bin/env python3
"""format=tshark-3 (the connector's default) pinned to the pipeline's conventions.

1. A made packet carrying what tests/data/samples/pcap-record.json shows (a BlockAck on
   channel 1 at -73 dBm, 32 us on air, the 2020 manuf's short names) gives that record exactly:
   same keys in the same order, same values.
2. On every real capture, tshark-3 differs from tshark-4.0 (pinned to tshark itself by
   pcap_vs_tshark.py) only as connectors.md 2.2 says the 2020 data did: decimal type_subtype,
   SSID as text ("" for a wildcard probe), vendor data as colon-separated hex bytes."""
import json
import os
import struct
import subprocess
import sys
import tempfile

BUILD = os.environ["KCD_BUILD"]
SOURCE = os.environ["KCD_SOURCE"]
KCD_PCAP = os.path.join(BUILD, "bin/kcd-pcap")
failures = []

sample_text = open(os.path.join(SOURCE, "tests/data/samples/pcap-record.json")).read()
sample = json.loads(sample_text)
with tempfile.TemporaryDirectory() as tmp:
    # the 2020 manuf's 8-character short names for the two OUIs of the sample
    manuf = os.path.join(tmp, "manuf")
    with open(manuf, "w") as f:
        f.write("A4:FC:77\tMegaWell\tMega Well Limited\n48:D3:43\tArrisGro\tARRIS Group, Inc.\n")
    # radiotap: flags (FCS at the end), rate 24 Mb/s, channel 2412 MHz 2 GHz OFDM, -73 dBm
    rt_body = bytes([0x10, 48]) + struct.pack("<HH", 2412, 0x00C0) + struct.pack("<b", -73)
    radiotap = struct.pack("<BBHI", 0, 0, 8 + len(rt_body), 0x2E) + rt_body
    ra = bytes.fromhex("a4fc776c550d")
    ta = bytes.fromhex("48d34343cdd1")
    # BlockAck (type 1, subtype 9): fc, duration, RA, TA, BA control, SSC, bitmap, FCS
    frame = struct.pack("<HH", 0x0094, 0) + ra + ta + b"\x05\x00" + b"\x00\x00" + b"\x00" * 8 + b"\x00" * 4
    pkt = radiotap + frame
    cap = os.path.join(tmp, "sample.pcap")
    with open(cap, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 127))
        f.write(struct.pack("<IIII", 1584802202, 655000, len(pkt), len(pkt)) + pkt)
    out = subprocess.run([KCD_PCAP, "--manuf", manuf, "--wka", "/dev/null", cap], capture_output=True, text=True)
    if out.returncode != 0:
        failures.append("kcd-pcap failed: %s" % out.stderr)
    else:
        got = json.loads(out.stdout)
        if got != sample or list(got) != list(sample):
            failures.append("sample record differs:\n  kcd    %s\n  sample %s" % (json.dumps(got), json.dumps(sample)))

capdir = os.path.join(SOURCE, "tests/data/captures")
compared = 0
seen = {"decimal subtype": 0, "text SSID": 0, "empty SSID": 0, "colon vendor data": 0}
for name in sorted(n for n in os.listdir(capdir) if n.endswith(".pcap")):
    path = os.path.join(capdir, name)
    runs = {}
    for fmt in ("tshark-3", "tshark-4.0"):
        r = subprocess.run([KCD_PCAP, "--format", fmt, path], capture_output=True, text=True, check=True)
        runs[fmt] = [json.loads(line) for line in r.stdout.splitlines()]
    for i, (old, new) in enumerate(zip(runs["tshark-3"], runs["tshark-4.0"])):
        want = dict(new)
        if "wlan_fc_type_subtype" in want:
            want["wlan_fc_type_subtype"] = [str(int(v, 16)) for v in want["wlan_fc_type_subtype"]]
        if "wlan_ssid" in want:
            want["wlan_ssid"] = ["" if v == "<MISSING>" else bytes.fromhex(v).decode("utf-8", "backslashreplace")
                                 .replace("\\x", "\\\\x") for v in want["wlan_ssid"]]
        if "wlan_tag_vendor_data" in want:
            want["wlan_tag_vendor_data"] = [":".join(v[k:k + 2] for k in range(0, len(v), 2))
                                            for v in want["wlan_tag_vendor_data"]]
        compared += 1
        seen["decimal subtype"] += "wlan_fc_type_subtype" in old and not old["wlan_fc_type_subtype"][0].startswith("0x")
        seen["text SSID"] += any(v not in ("", "<MISSING>") for v in old.get("wlan_ssid", []))
        seen["empty SSID"] += "" in old.get("wlan_ssid", [])
        seen["colon vendor data"] += any(":" in v for v in old.get("wlan_tag_vendor_data", []))
        if old != want or list(old) != list(want):
            failures.append("%s packet %d: tshark-3 %s, expected %s" % (name, i + 1, json.dumps(old), json.dumps(want)))
    if len(runs["tshark-3"]) != len(runs["tshark-4.0"]):
        failures.append("%s: packet counts differ between formats" % name)
# the conventions are really exercised by the captures
failures += ["no packet shows a %s" % k for k, n in seen.items() if not n]
for f in failures[:20]:
    print("FAIL:", f, file=sys.stderr)
if failures:
    print("FAIL: %d problems" % len(failures), file=sys.stderr)
    sys.exit(1)
print("PASS: the sample record reproduced exactly; tshark-3 follows the 2020 conventions on %d packets (%s)"
      % (compared, ", ".join("%s %d" % kv for kv in seen.items())))
