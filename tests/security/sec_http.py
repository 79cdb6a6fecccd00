#!/usr/bin/env python3
"""The REST listener under abuse (issue points 4, 5, 6 and 11): a normal GET is answered
within a second while 2,000 idle and half-sent connections are held and while kcd holds 5,000
descriptors; slow senders are cut at the head deadline however they trickle; one address gets
no more than its share; 256 unauthenticated 4 MiB POSTs leave RSS under 64 MB; basic
authentication takes the scheme in any case and a password whole (a NUL inside is refused).
Attackers connect from 127.0.0.2 and up, the normal client from 127.0.0.1, as on a network."""
import base64
import os
import resource
import socket
import threading
import time

from seclib import Kcd, basic, check, finish, is_error, workdir

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))

work = workdir("http")
with open(os.path.join(work, "credentials.properties"), "w") as f:
    f.write("admin=s3cret-pass\n")
AUTH = {"Authorization": basic("admin", "s3cret-pass")}


def timed_get(k, path="/connectors", headers=AUTH):
    t0 = time.time()
    try:
        status = k.call("GET", path, headers=headers, timeout=5)[0]
    except OSError:
        status = 0
    return status, time.time() - t0


def open_idle(port, n, first_ip, per_ip, partial):
    """n connections from 127.0.0.first_ip and up, per_ip each; partial: a started request head."""
    socks = []
    for i in range(n):
        src = "127.0.0.%d" % (first_ip + i // per_ip)
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(src, 0))
            if partial:
                s.sendall(b"GET /connectors HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            pass
    return socks


def ended(s):
    """The server ended the request: the stream's end, an answer, or a reset."""
    s.setblocking(False)
    try:
        s.recv(1024)
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def send_line(s, i):
    try:
        s.sendall(b"X-Slow: %d\r\n" % i)
        return True
    except OSError:
        return False


k = Kcd(work, ["rest.basic.auth.credentials.file=%s/credentials.properties" % work,
               "rest.request.header.timeout.ms=3000", "rest.max.connections.per.ip=128"])
try:
    # 11: basic authentication as RFC 7617 has it
    check(k.call("GET", "/connectors", headers=AUTH)[0] == 200, "right credentials: 200")
    for scheme in ["basic", "BASIC", "bAsIc"]:
        token = base64.b64encode(b"admin:s3cret-pass").decode()
        check(k.call("GET", "/connectors", headers={"Authorization": "%s %s" % (scheme, token)})[0] == 200,
              "scheme %r accepted" % scheme)
    nul = base64.b64encode(b"admin:s3cret-pass\x00junk").decode()
    check(k.call("GET", "/connectors", headers={"Authorization": "Basic " + nul})[0] == 401,
          "password followed by NUL and junk: 401")
    check(k.call("GET", "/connectors", headers={"Authorization": basic("admin", "s3cret-pas")})[0] == 401,
          "a prefix of the password: 401")
    check(k.call("GET", "/connectors", headers={"Authorization": "Bearer x"})[0] == 401, "another scheme: 401")
    resp = k.call("GET", "/connectors")
    check(is_error(resp, 401) and "basic" in resp[2].get("www-authenticate", "").lower(),
          "no credentials: 401 with a Basic challenge")

    # 6: 256 unauthenticated 4 MiB POSTs at once, from 4 addresses: refused from their heads
    body = b"x" * (4 * 1024 * 1024)
    statuses, peak = [], [k.rss_mib()]
    start = k.rss_mib()

    def post(i):
        src = "127.0.0.%d" % (2 + i // 64)
        try:
            s = socket.create_connection(("127.0.0.1", k.port), timeout=60, source_address=(src, 0))
            s.sendall(b"POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body))
            try:
                s.sendall(body)
            except OSError:
                pass
            raw = s.recv(4096)
            s.close()
            statuses.append(int(raw.split()[1]) if raw else 0)
        except OSError:
            statuses.append(0)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(256)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak.append(k.rss_mib())
        time.sleep(0.05)
    for t in threads:
        t.join()
    print("256 unauthenticated 4 MiB POSTs: RSS %.1f MiB before, %.1f MiB peak; answers %s" % (
        start, max(peak), {s: statuses.count(s) for s in set(statuses)}))
    check(max(peak) < 64, "RSS stays under 64 MB during 256 unauthenticated 4 MiB POSTs (peak %.1f MiB)" % max(peak))
    check(statuses.count(401) == 256, "each got its 401 (%s)" % {s: statuses.count(s) for s in set(statuses)})
    resp = k.call("POST", "/connectors", body=b"{}", headers={"Expect": "100-continue"})
    check(resp[0] == 401, "a client waiting for 100 Continue gets 401 instead")

    # 5 and 4: 2,000 idle and half-sent connections from 16 addresses
    idle = open_idle(k.port, 1000, 2, 125, False) + open_idle(k.port, 1000, 10, 125, True)
    check(len(idle) == 2000, "2,000 connections held (%d)" % len(idle))
    time.sleep(0.5)
    worst = max(timed_get(k)[1] for _ in range(5))
    status, _ = timed_get(k)
    check(status == 200 and worst < 1.0, "a normal GET is answered within a second beside 2,000 held connections "
                                         "(status %s, slowest of 5: %.3f s)" % (status, worst))
    print("GET beside 2,000 held connections: slowest of 5 %.3f s" % worst)
    for s in idle:
        s.close()

    # 5: a slow sender is cut at the head deadline (3 s here) however often it sends a line
    slow = open_idle(k.port, 20, 30, 20, True)
    t0 = time.time()
    cut_at = [None] * len(slow)
    while time.time() - t0 < 8 and None in cut_at:
        for i, s in enumerate(slow):
            if cut_at[i] is None and (ended(s) or not send_line(s, i)):
                cut_at[i] = time.time() - t0
        time.sleep(0.25)
    cut = [c for c in cut_at if c is not None]
    check(len(cut) == 20 and max(cut) < 6, "20 trickling slow senders all cut within 6 s (cut: %d, latest %.1f s)"
          % (len(cut), max(cut) if cut else -1))
    for s in slow:
        s.close()

    # 4: one address gets at most rest.max.connections.per.ip (128)
    many = open_idle(k.port, 200, 40, 200, False)
    time.sleep(0.5)
    alive = 0
    for s in many:
        try:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"Authorization: " + AUTH["Authorization"].encode() +
                      b"\r\nConnection: close\r\n\r\n")
            s.settimeout(3)
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                alive += 1
        except OSError:
            pass
        s.close()
    check(alive == 128, "one address got 128 of its 200 connections answered (%d)" % alive)

    # 4: kcd holding 5,000 descriptors (a fixture connector keeps them open)
    st = k.call("PUT", "/connectors/fd-hog/config", {"connector.class": "com.example.kcd.IdleSourceConnector",
                                                     "hold.descriptors": "5000"}, headers=AUTH)[0]
    check(st == 201, "fd-hog created (%s)" % st)
    check(k.fds() > 5000, "kcd holds %d descriptors" % k.fds())
    worst = max(timed_get(k)[1] for _ in range(5))
    status, _ = timed_get(k, "/connectors/fd-hog/status")
    check(status == 200 and worst < 1.0, "REST answers within a second while kcd holds 5,000 descriptors "
                                         "(status %s, slowest %.3f s)" % (status, worst))
    print("GET while kcd holds %d descriptors: slowest of 5 %.3f s" % (k.fds(), worst))
    check(k.call("DELETE", "/connectors/fd-hog", headers=AUTH)[0] == 204, "and the connector can be deleted")
finally:
    k.stop()
check("s3cret-pass" not in k.log_text(), "the REST password is not in the log")
finish("sec_http")
