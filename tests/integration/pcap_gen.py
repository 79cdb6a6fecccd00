#!/usr/bin/env python3
"""Writes a capture of N distinct radiotap ACK frames for the pcap source's tests: packet i
(from FIRST) is addressed to 02:00:00:xx:xx:xx with i in the last three bytes and stamped
1700000000 + i/1000 s, so every packet is recognisable in the records (wlan_ra).

  pcap_gen.py OUT FIRST N [--pcapng]"""
import struct
import subprocess
import sys

out, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
# flags (bit 1) at 8, channel (bit 3, aligned 2) at 10, dBm signal (bit 5) at 14: 15 bytes
radiotap = struct.pack("<BBHI", 0, 0, 15, 0x2A) + b"\x00" + b"\x00" + struct.pack("<HH", 2437, 0x00A0) + struct.pack("<b", -60)
path = out + ".tmp.pcap" if "--pcapng" in sys.argv else out
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 127))
    for i in range(first, first + n):
        frame = struct.pack("<HH", 0x00D4, 0) + b"\x02\x00\x00" + i.to_bytes(3, "big")
        pkt = radiotap + frame
        f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(pkt), len(pkt)) + pkt)
if "--pcapng" in sys.argv:
    subprocess.run(["editcap", "-F", "pcapng", path, out], check=True)
    import os
    os.remove(path)
