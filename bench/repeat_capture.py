#!/usr/bin/env python3
"""repeat_capture.py OUT N START_US STEP_US CAPTURE... - one pcap of N packets made by repeating
the packets of the CAPTURE files (classic pcap, all of one link type) in turn; packet i gets the
time START_US + i * STEP_US (microseconds since the epoch), so every copy follows the last."""
import struct
import sys

out, n, start, step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
packets, linktype = [], None
for name in sys.argv[5:]:
    b = open(name, "rb").read()
    magic, _, _, _, _, _, lt = struct.unpack("<IHHiIII", b[:24])
    if magic != 0xA1B2C3D4:
        sys.exit(f"{name}: not a little-endian microsecond pcap (magic {magic:#x})")
    if linktype not in (None, lt):
        sys.exit(f"{name}: link type {lt}, the others {linktype}")
    linktype, off = lt, 24
    while off + 16 <= len(b):
        _, _, caplen, wirelen = struct.unpack("<IIII", b[off:off + 16])
        packets.append((b[off + 16:off + 16 + caplen], wirelen))
        off += 16 + caplen
if not packets:
    sys.exit("no packets in " + " ".join(sys.argv[5:]))
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
    for i in range(n):
        data, wirelen = packets[i % len(packets)]
        t = start + i * step
        f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(data), wirelen) + data)
