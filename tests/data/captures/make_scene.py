#!/usr/bin/env python3
"""Writes kcd's own 802.11 capture of an evening in a flat: two hours on channel 6 as a monitor
interface hears it, in two hourly files named like tshark's ring buffer
(kcd-scene_00001_20261204190000.pcap, kcd-scene_00002_20261204200000.pcap). Radiotap with
channel and dBm signal. Three access points beacon and answer probes; six devices probe for the
networks they know, two of them behind randomised MACs that change (each keeps its set of
information elements, so the same device shows under several MACs: the pipeline's fingerprints);
a TV streams from the home network (RTS/CTS, QoS data, ACKs), a laptop dozes (null data).

Deterministic (a fixed seed): running it again gives the same bytes. The project's own data,
under the project's licence (Apache-2.0).

  make_scene.py [OUT_DIR] [--start EPOCH] [--hours N]   (default: this script's folder, the
  shipped evening: 2026-12-04 19:00 UTC, 2 hours; other starts and lengths make larger scenes
  of the same people, for the pipeline's tests, with the files named after their hours)"""
import os
import random
import struct
import sys
import time

args = sys.argv[1:]
opts = {}
while "--start" in args or "--hours" in args:
    i = args.index("--start") if "--start" in args else args.index("--hours")
    opts[args[i]] = int(args[i + 1])
    del args[i:i + 2]
START = opts.get("--start", 1796410800)  # 2026-12-04 19:00:00 UTC
HOURS = opts.get("--hours", 2)
CHANNEL_MHZ = 2437  # channel 6
rnd = random.Random(2026)


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def radiotap(signal_dbm):
    # present: flags (bit 1) at 8, channel (bit 3, aligned 2) at 10, dBm signal (bit 5) at 14
    return (struct.pack("<BBHI", 0, 0, 15, 0x2A) + b"\x00\x00" + struct.pack("<HH", CHANNEL_MHZ, 0x00A0)
            + struct.pack("<b", signal_dbm))


def ie(tag, body):
    return bytes([tag, len(body)]) + body


def vendor_ie(oui, kind, data=b""):
    return ie(221, mac(oui) + bytes([kind]) + data)


RATES = ie(1, bytes([0x82, 0x84, 0x8B, 0x96, 0x0C, 0x12, 0x18, 0x24]))
EXT_RATES = ie(50, bytes([0x30, 0x48, 0x60, 0x6C]))
DS = ie(3, bytes([6]))


def header(fc, flags, a1, a2, a3, seq):
    return struct.pack("<BBH", fc, flags, 0) + a1 + a2 + a3 + struct.pack("<H", (seq & 0xFFF) << 4)


class AP:
    def __init__(self, ssid, bssid, signal, extra):
        self.ssid, self.bssid, self.signal, self.extra, self.seq = ssid, mac(bssid), signal, extra, 0

    def body(self):
        # timestamp, beacon interval, capabilities (ESS, privacy), then the elements
        return (struct.pack("<QHH", 0, 100, 0x0411) + ie(0, self.ssid.encode()) + RATES + DS + EXT_RATES
                + ie(48, bytes.fromhex("0100000fac040100000fac040100000fac020000")) + self.extra)

    def beacon(self):
        self.seq += 1
        return radiotap(self.signal + rnd.randint(-2, 2)), header(0x80, 0, b"\xff" * 6, self.bssid, self.bssid, self.seq) + self.body()

    def probe_response(self, to):
        self.seq += 1
        return radiotap(self.signal + rnd.randint(-2, 2)), header(0x50, 0, to, self.bssid, self.bssid, self.seq) + self.body()


class Device:
    """A device that probes for its networks every `every` seconds (with jitter); `macs` is its
    address, or, with `rotate` seconds, a new locally administered one each period."""

    def __init__(self, name, address, ssids, elements, signal, every, rotate=0):
        self.name, self.address, self.ssids, self.elements = name, address, ssids, elements
        self.signal, self.every, self.rotate, self.seq, self.random_macs = signal, every, rotate, 0, {}

    def mac_at(self, t):
        if not self.rotate:
            return mac(self.address)
        period = int(t - START) // self.rotate
        if period not in self.random_macs:
            octets = [rnd.randrange(256) for _ in range(6)]
            octets[0] = (octets[0] & 0xFC) | 0x02  # locally administered, unicast
            self.random_macs[period] = bytes(octets)
        return self.random_macs[period]

    def probe(self, t, ssid):
        self.seq += 1
        body = ie(0, ssid.encode()) + RATES + EXT_RATES + self.elements
        return radiotap(self.signal + rnd.randint(-4, 4)), header(0x40, 0, b"\xff" * 6, self.mac_at(t), b"\xff" * 6, self.seq) + body


HT_CAPS_A = ie(45, bytes.fromhex("ef0917ffff0000000000000000000000000000000000000000"))
HT_CAPS_B = ie(45, bytes.fromhex("2d0117ff000000000000000000000000000000000000000000"))
EXT_CAPS_A = ie(127, bytes.fromhex("0400000000000040"))
EXT_CAPS_B = ie(127, bytes.fromhex("00000a0201004000"))

aps = [
    AP("HomeNet", "3c:84:6a:01:02:03", -42, vendor_ie("00:50:f2", 2, bytes.fromhex("0101000003a4000027a4000042435e0062322f00"))),
    AP("CoffeeShop", "00:1d:7e:44:55:66", -71, vendor_ie("00:10:18", 2, bytes.fromhex("0000100000"))),
    AP("Vodafone-AB12", "cc:ce:1e:9a:8b:7c", -80, b""),
]
home = aps[0]
devices = [
    # a phone behind a MAC that changes every 30 minutes; wildcard probes only
    Device("phone, randomised", None, [""], HT_CAPS_A + EXT_CAPS_A + vendor_ie("00:17:f2", 10, b"\x00\x01\x04\x00\x00\x00\x00"),
           -55, 120, rotate=1800),
    Device("Samsung phone", "8c:f5:a3:12:34:56", ["", "HomeNet", "Vodafone-AB12"],
           HT_CAPS_B + EXT_CAPS_B + vendor_ie("00:10:18", 2, b"\x00\x00\x1c\x00\x00") + vendor_ie("00:50:f2", 8, b"\x00\x00\x00"),
           -60, 180),
    # an Android tablet, new MAC every 10 minutes, asking for its networks by name
    Device("tablet, randomised", None, ["CoffeeShop", "eduroam"],
           HT_CAPS_B + EXT_CAPS_A + vendor_ie("00:90:4c", 4, b"\x08\xbf\x0c\xb2\x79\x91\x33\xfa\xff\x0c\x03\xfa\xff\x0c\x03"),
           -66, 240, rotate=600),
    Device("Intel laptop", "a4:c3:f0:aa:bb:cc", ["HomeNet", "WLAN-Office"], HT_CAPS_A + EXT_CAPS_B, -50, 300),
    Device("LG TV", "64:bc:0c:50:13:a9", [""], HT_CAPS_B, -47, 1800),
]
passer_by = Device("passer-by", None, ["Starbucks", "", "Telekom_FON"], HT_CAPS_A + EXT_CAPS_A, -83, 0, rotate=100000)

events = []  # (time in seconds, radiotap, frame)


def add(t, pkt):
    events.append((t, pkt[0], pkt[1]))


def ack(t, to, signal):
    add(t, (radiotap(signal), struct.pack("<BBH", 0xD4, 0, 0) + to))


END = START + HOURS * 3600
for ap in aps:
    t = START + rnd.uniform(0, 60)
    while t < END:
        add(t, ap.beacon())
        t += 60
for d in devices:
    t = START + rnd.uniform(0, d.every)
    while t < END:
        for ssid in d.ssids:
            t += rnd.uniform(0.01, 0.05)
            add(t, d.probe(t, ssid))
            for ap in aps:
                if ssid in ("", ap.ssid) and (ssid or rnd.random() < 0.6):
                    t += rnd.uniform(0.002, 0.01)
                    add(t, ap.probe_response(d.mac_at(t)))
                    ack(t + 0.0001, ap.bssid, d.signal)
        t += d.every + rnd.uniform(-d.every / 5, d.every / 5)
t = START + 42 * 60 + 7.5
for ssid in passer_by.ssids:
    add(t, passer_by.probe(t, ssid))
    t += 0.03
# the TV streams from HomeNet each minute: RTS, CTS, QoS data (protected), ACK
tv, laptop = mac("64:bc:0c:50:13:a9"), mac("a4:c3:f0:aa:bb:cc")
t = START + 5
while t < END:
    home.seq += 1
    add(t, (radiotap(-42), struct.pack("<BBH", 0xB4, 0, 300) + tv + home.bssid))
    add(t + 0.0001, (radiotap(-47), struct.pack("<BBH", 0xC4, 0, 250) + home.bssid))
    payload = bytes(rnd.randrange(256) for _ in range(64))
    ccmp = struct.pack("<BBBBBBBB", home.seq & 0xFF, 0, 0, 0x20, 0, 0, 0, 0)
    data = header(0x88, 0x42, tv, home.bssid, home.bssid, home.seq) + b"\x00\x00" + ccmp + payload
    add(t + 0.0002, (radiotap(-42), data))
    ack(t + 0.0003, home.bssid, -47)
    t += 60
# the laptop tells the access point it dozes, every two minutes: null data, ACK
t = START + 30
seq = 0
while t < END:
    seq += 1
    add(t, (radiotap(-50), header(0x48, 0x11, home.bssid, laptop, home.bssid, seq)))
    ack(t + 0.0001, laptop, -42)
    t += 120

events.sort(key=lambda e: e[0])
out = args[0] if args else os.path.dirname(os.path.abspath(__file__))
for hour in range(HOURS):
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(START + hour * 3600))
    # numbered as a ring buffer started with the shipped evening: later scenes sort after it
    index = (START - 1796410800) // 3600 + hour + 1
    with open(os.path.join(out, f"kcd-scene_{index:05d}_{stamp}.pcap"), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 127))
        for t, rt, frame in events:
            if START + hour * 3600 <= t < START + (hour + 1) * 3600:
                pkt = rt + frame
                us = int(round(t * 1e6))
                f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(pkt), len(pkt)) + pkt)
print(f"{len(events)} packets in {HOURS} files", file=sys.stderr)
