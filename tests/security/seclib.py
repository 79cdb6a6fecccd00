"""Shared pieces of the security tests: a kcd under test, raw HTTP on sockets (so a test can
send what no well-behaved client sends), and checks that count and report. Standard library only.
Needs KCD_BUILD, KCD_SOURCE and, for tests that run connectors, the broker of tests/services/kafka."""
import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ["KCD_SOURCE"], "tests/support"))
from checks import BOOTSTRAP, BUILD, RUN, SOURCE, check, failures, summary  # noqa: E402,F401

PLUGINS = "%s/lib/kcd/plugins,%s/tests/plugins/flaky,%s/tests/plugins/idle" % (BUILD, BUILD, BUILD)


def finish(name):
    """Prints the closing line and exits non-zero on any failure."""
    sys.exit(summary(name))


def workdir(name):
    return tempfile.mkdtemp(prefix="kcd-sec-%s." % name)


class Kcd:
    """kcd standalone with a worker config made of `settings` (listeners on a free port)."""

    def __init__(self, work, settings, connectors=(), broker=True):
        self.work = work
        lines = ["listeners=http://127.0.0.1:0", "plugin.path=" + PLUGINS, "offset.flush.interval.ms=300",
                 "offset.storage.file.filename=%s/offsets.json" % work]
        if broker:
            lines.append("bootstrap.servers=" + BOOTSTRAP)
        with open(os.path.join(work, "worker.properties"), "w") as f:
            f.write("\n".join(lines + list(settings)) + "\n")
        self.log_path = os.path.join(work, "kcd.log")
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([os.path.join(BUILD, "bin/kcd"), "standalone",
                                      os.path.join(work, "worker.properties"), *connectors],
                                     stdout=self.log, stderr=self.log)
        self.port = None
        deadline = time.time() + 30
        while time.time() < deadline and self.port is None:
            if self.proc.poll() is not None:
                raise SystemExit("kcd exited: " + open(self.log_path).read()[-3000:])
            ports = re.findall(r"REST server listening on https?://[0-9.]+:(\d+)", open(self.log_path).read())
            if ports:
                self.port = int(ports[-1])
            time.sleep(0.05)
        if self.port is None:
            raise SystemExit("kcd did not report its REST port")
        self.answers = []  # every body received, for the leak scans

    def request(self, method, path, body=None, headers=None, timeout=30, src=None):
        """One HTTP/1.1 request on its own connection: (status, parsed JSON or text, headers)."""
        data = b""
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        head = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1", "Connection: close"]
        if body is not None:
            head += ["Content-Type: application/json", "Content-Length: %d" % len(data)]
        for k, v in (headers or {}).items():
            head.append("%s: %s" % (k, v))
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout,
                                     source_address=(src, 0) if src else None)
        try:
            s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + data)
            raw = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                raw += chunk
        finally:
            s.close()
        return parse_response(raw, self.answers)

    def call(self, method, path, body=None, **kw):
        return self.request(method, path, body, **kw)

    def rss_mib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        return 0.0

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def log_text(self):
        return open(self.log_path, errors="replace").read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def parse_response(raw, sink=None):
    if not raw:
        return 0, None, {}
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        out, rest = b"", body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            n = int(size_line.split(b";")[0] or b"0", 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        body = out
    text = body.decode("utf-8", errors="replace")
    if sink is not None:
        sink.append(text)
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return status, parsed, headers


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def is_error(resp, code, fragment=None):
    status, body, _ = resp
    ok = status == code and isinstance(body, dict) and body.get("error_code") == code
    return ok and (fragment is None or fragment in body.get("message", ""))


def wait_for(fn, timeout=30, step=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return None
