#!/usr/bin/env python3
"""kcd-pcap --format tshark-4.0 against Debian 12's tshark 4.0 on every capture in
tests/data/captures and on made captures, for the pipeline's 22 fields plus frame.* and eth.*:
for every packet, each field must be present in both with equal values, or absent in both.
Needs tshark on PATH."""
import json
import os
import subprocess
import sys

BUILD = os.environ["KCD_BUILD"]
SOURCE = os.environ["KCD_SOURCE"]
FIELDS = ["wlan.fc.type", "wlan.fc.type_subtype", "wlan_radio.channel", "wlan_radio.signal_dbm",
          "wlan_radio.duration", "wlan.ra", "wlan.ra_resolved", "wlan.da", "wlan.da_resolved", "wlan.ta",
          "wlan.ta_resolved", "wlan.sa", "wlan.sa_resolved", "wlan.staa", "wlan.staa_resolved", "wlan.tagged.all",
          "wlan.tag.vendor.data", "wlan.tag.vendor.oui.type", "wlan.tag.oui", "wlan.ssid", "wlan.country_info.code",
          "wps.device_name", "wlan.bssid", "wlan.bssid_resolved", "frame.number", "frame.len", "frame.cap_len",
          "frame.time_epoch", "eth.dst", "eth.src", "eth.type", "eth.dst_resolved", "eth.src_resolved"]
# both use Debian's name tables (/usr/share/wireshark/manuf and wka, from wireshark-common)
import struct
import tempfile

capdir = os.path.join(SOURCE, "tests/data/captures")
failures, compared = [], 0
# plus a made capture of ACK frames to addresses that exercise every kind of name: /24, /28 and
# /36 manufacturers, masked and whole well-known addresses, zero bytes after a prefix, no match
probe_dir = os.environ.get("PCAP_TEST_DIR") or tempfile.mkdtemp()
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

# A made radiotap capture that walks the duration rules the real captures do not reach: every
# legacy rate under every channel-flag PHY, preamble flags present or not, HT (bandwidth, guard
# interval, greenfield, STBC, Ness, unequal-modulation MCSs), VHT (bandwidths, streams, users),
# A-MPDUs (runs of frames with one TSF), and vendor elements of OUIs with and without a
# dissector in tshark. Seeded, so a failure reproduces.
import random
rng = random.Random(int(os.environ.get("PCAP_TEST_SEED", "20261127")))
radio = os.path.join(probe_dir, "radio.pcap")


def radiotap(tsf=None, flags=None, rate=None, chan=None, signal=None, mcs=None, vht=None):
    present, body = 0, b""
    def field(bit, align, data):
        nonlocal present, body
        present |= 1 << bit
        while (8 + len(body)) % align:
            body += b"\0"
        body += data
    if tsf is not None: field(0, 8, struct.pack("<Q", tsf))
    if flags is not None: field(1, 1, bytes([flags]))
    if rate is not None: field(2, 1, bytes([rate]))
    if chan is not None: field(3, 2, struct.pack("<HH", *chan))
    if signal is not None: field(5, 1, struct.pack("<b", signal))
    if mcs is not None: field(19, 1, bytes(mcs))
    if vht is not None: field(21, 2, struct.pack("<HBB4BBBH", *vht))
    return struct.pack("<BBHI", 0, 0, 8 + len(body), present) + body


def frame(n_extra, fcs):
    # a probe request from a random station, with an SSID and a vendor element, padded to size
    # (random bodies only for OUIs tshark shows as data: one it decodes further, when malformed,
    # ends tshark's element list there, which kcd does not imitate; the real captures cover those)
    oui = rng.choice([0x001018, 0x0017f2, 0x000393, 0x000c43, 0x00e04c, 0x8cfdf0])
    vend = bytes([oui >> 16, (oui >> 8) & 255, oui & 255]) + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 6)))
    mac = bytes([2] + [rng.randrange(256) for _ in range(5)])
    f = struct.pack("<HH", 0x0040, 0) + b"\xff" * 6 + mac + b"\xff" * 6 + b"\0\0" + b"\0\x03abc" + bytes([221, len(vend)]) + vend
    f += bytes([221, 4 + n_extra, 0x00, 0x10, 0x18, 2]) + bytes(n_extra)
    return f + (b"\0\0\0\0" if fcs else b"")


legacy = [2, 4, 11, 22, 12, 18, 24, 36, 48, 72, 96, 108, 44, 66]
chans = [(2412, 0x00a0), (2437, 0x00c0), (2462, 0x0480), (5180, 0x0140), (2412, 0x0080), (5200, 0x0150),
         (2412, 0x0090 | 0x40), (2412, 0x0880), (2412, 0)]
packets = []
for i in range(1500):
    kind = rng.randrange(4)
    fcs = rng.randrange(2)
    flags = rng.choice([None, 0x00, 0x02]) if not fcs else rng.choice([0x10, 0x12])
    f = frame(rng.randrange(0, 250), fcs)
    if kind == 0:  # legacy
        hdr = radiotap(flags=flags, rate=rng.choice(legacy + [0x85]), chan=rng.choice(chans + [None]), signal=-40 - i % 50)
        packets.append(hdr + f)
    elif kind == 1:  # HT, sometimes an A-MPDU of 1-4 subframes with one TSF
        known = rng.choice([0x07, 0x1f, 0x7f, 0xff, 0x03, 0x27, 0x47, 0x06, 0x05, 0x00, 0x0b])
        mflags = rng.randrange(256)
        idx = rng.choice(list(range(0, 33)) + [33, 36, 39, 46, 53, 65, 70, 75, 76])
        tsf = rng.choice([None, rng.randrange(1 << 40)])
        for _ in range(rng.choice([1, 1, 2, 4])):
            packets.append(radiotap(tsf=tsf, flags=flags, chan=(2437, 0x0480), mcs=(known, mflags, idx)) +
                           frame(rng.randrange(0, 250), fcs))
    elif kind == 2:  # VHT
        known = rng.choice([0x0044, 0x0045, 0x0004, 0x0040, 0x01ff])
        users = [(rng.randrange(10) << 4) | rng.randrange(0, 5) for _ in range(4)]
        if rng.randrange(2):
            users[1:] = [0, 0, 0]
        tsf = rng.choice([None, rng.randrange(1 << 40)])
        for _ in range(rng.choice([1, 1, 3])):
            vht = (known, rng.randrange(256), rng.choice([0, 1, 2, 4, 5, 11, 12, 26]), *users, 0, 0, 0)
            packets.append(radiotap(tsf=tsf, flags=flags, chan=(5180, 0x0140), vht=vht) + frame(rng.randrange(0, 250), fcs))
    else:  # no channel: the rate alone names the PHY
        packets.append(radiotap(flags=flags, rate=rng.choice(legacy)) + f)
with open(radio, "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 127))
    for n, p in enumerate(packets):
        out.write(struct.pack("<IIII", 1700000000 + n, n * 997 % 1000000, len(p), len(p)) + p)

captures = [(n, os.path.join(capdir, n)) for n in sorted(os.listdir(capdir)) if n.endswith(".pcap")]
for name, path in captures + [("names.pcap (made)", probe), ("radio.pcap (made)", radio)]:
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
    # output that cannot be written (a full disk): one message and exit code 1, even when what
    # fails is the last flush of the output buffer
    with open("/dev/full", "w") as devfull:
        r = subprocess.run([kcd_pcap, os.path.join(capdir, "aircrack-ng_test1_radiotap.pcap")], stdout=devfull,
                           stderr=subprocess.PIPE, text=True)
    if r.returncode != 1 or r.stderr.count("\n") != 1 or "No space left" not in r.stderr:
        failures.append("output to a full disk: rc %d, stderr %r" % (r.returncode, r.stderr))
for f in failures[:40]:
    print("FAIL:", f, file=sys.stderr)
if failures:
    print("FAIL: %d of %d field comparisons differ" % (len(failures), compared), file=sys.stderr)
    sys.exit(1)
print("PASS: kcd-pcap equals tshark 4.0 on %d field comparisons over %d captures" % (compared, len(captures) + 2))
