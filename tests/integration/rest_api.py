#!/usr/bin/env python3
"""The REST API against a real kcd and a real broker, endpoint by endpoint: success shapes
field by field and Connect's error codes. Needs KCD_BUILD, KCD_SOURCE and the broker of
tests/services/kafka; uses only the standard library."""
import atexit
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.environ["KCD_SOURCE"], "tests/support"))
from checks import BOOTSTRAP, BUILD, RUN, SOURCE, check, failures, summary  # noqa: E402

PLUGINS = "%s/lib/kcd/plugins,%s/tests/plugins/flaky" % (BUILD, BUILD)
STARTED = []  # every kcd started: killed at exit if still running (a check that raised left it up)
atexit.register(lambda: [kcd.proc.kill() for kcd in STARTED if kcd.proc.poll() is None])


class Kcd:
    def __init__(self, work, extra_args=()):
        self.work = work
        self.log = open(os.path.join(work, "kcd.log"), "a")
        start = self.log.tell()  # only this run's lines count
        self.proc = subprocess.Popen(
            [os.path.join(BUILD, "bin/kcd"), "standalone", os.path.join(work, "worker.properties"), *extra_args],
            stdout=self.log, stderr=self.log)
        STARTED.append(self)
        self.port = None
        deadline = time.time() + 30
        while time.time() < deadline and self.port is None:
            if self.proc.poll() is not None:
                raise SystemExit("kcd exited: see %s/kcd.log" % work)
            with open(os.path.join(work, "kcd.log")) as f:
                f.seek(start)
                ports = re.findall(r"REST server listening on http://[0-9.]+:(\d+)", f.read())
            if ports:
                self.port = int(ports[-1])
            time.sleep(0.05)
        if self.port is None:
            raise SystemExit("kcd did not report its REST port")

    def call(self, method, path, body=None, ctype="application/json", raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data, method=method)
        if data is not None and ctype:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text else None), dict(r.headers)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            return e.code, (json.loads(text) if text else None), dict(e.headers)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=60)
        check(rc == 0, "kcd exits 0 after SIGTERM (got %s)" % rc)


def is_error(resp, code, fragment=None):
    status, body, _ = resp
    ok = status == code and isinstance(body, dict) and body.get("error_code") == code and \
        isinstance(body.get("message"), str)
    if ok and fragment:
        ok = fragment in body["message"]
    return ok


def wait_for(fn, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    return None


def main():
    work = tempfile.mkdtemp(prefix="kcd-rest.")
    topic = "it-rest-" + RUN
    subprocess.check_call([os.path.join(BUILD, "bin/testkit"), "create-topic", BOOTSTRAP, topic, "1"])
    infile = os.path.join(work, "in.txt")
    with open(infile, "w") as f:
        f.writelines("rest-%05d\n" % i for i in range(1000))
    with open(os.path.join(work, "worker.properties"), "w") as f:
        f.write("bootstrap.servers=%s\nkey.converter=org.apache.kafka.connect.storage.StringConverter\n"
                "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
                "offset.storage.file.filename=%s/offsets.json\noffset.flush.interval.ms=300\n"
                "plugin.path=%s\nlisteners=http://127.0.0.1:0\nconsumer.session.timeout.ms=6000\n"
                % (BOOTSTRAP, work, PLUGINS))
    k = Kcd(work)

    # --- worker ---
    s, b, _ = k.call("GET", "/")
    check(s == 200 and set(b) == {"version", "commit", "kafka_cluster_id"}, "GET / shape")
    check(isinstance(b["kafka_cluster_id"], str) and len(b["kafka_cluster_id"]) >= 20,
          "GET / names the real cluster: %s" % b.get("kafka_cluster_id"))
    head = subprocess.run(["git", "-C", SOURCE, "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:  # built from a git checkout: the commit it was built from, HEAD or before it
        ours = subprocess.run(["git", "-C", SOURCE, "merge-base", "--is-ancestor", b["commit"], "HEAD"],
                              capture_output=True)
        check(re.fullmatch(r"[0-9a-f]{16}", b["commit"] or "") is not None and ours.returncode == 0,
              "GET / commit %s is a commit of this tree's history" % b["commit"])
    else:
        check(b["commit"] == "unknown", "GET / commit outside git: %s" % b["commit"])
    s, b, _ = k.call("GET", "/health")
    check(s == 200 and b["status"] == "healthy" and "message" in b, "GET /health")
    check(k.call("GET", "/connectors")[:2] == (200, []), "GET /connectors empty")
    with urllib.request.urlopen("http://127.0.0.1:%d/openapi.yaml" % k.port) as r:
        doc = r.read().decode()
    with open(os.path.join(SOURCE, "rest/openapi.yaml")) as f:
        check(doc == f.read() and r.headers["Content-Type"] == "application/yaml", "GET /openapi.yaml serves the spec")

    # --- create ---
    src = {"connector.class": "FileStreamSource", "file": infile, "topic": topic, "tasks.max": "1"}
    s, b, h = k.call("POST", "/connectors", {"name": "src", "config": src})
    check(s == 201, "POST /connectors -> 201 (got %s %s)" % (s, b))
    check(h.get("Location", "").endswith("/connectors/src"), "POST sets Location")
    check(b == {"name": "src", "config": dict(src, name="src"), "tasks": [{"connector": "src", "task": 0}],
                "type": "source"}, "ConnectorInfo shape: %s" % b)
    r = k.call("POST", "/connectors", {"name": "src", "config": src})
    check(is_error(r, 409, "already exists"), "duplicate -> 409: %s %s" % r[:2])
    s, b, _ = k.call("POST", "/connectors", {"name": "bad", "config": {"connector.class": "FileStreamSource",
                                                                        "batch.size": "0"}})
    check(is_error((s, b, None), 400, "Connector configuration is invalid and contains the following 2 error(s):"),
          "invalid config -> 400 with count: %s" % b)
    check("Missing required configuration \"topic\"" in b["message"] and "batch.size" in b["message"] and
          "/connector-plugins/FileStreamSource/config/validate" in b["message"], "400 lists each error")
    check(is_error(k.call("POST", "/connectors", {"name": "x", "config": {"connector.class": "com.example.Nope"}}),
                   400, "com.example.Nope"), "unknown class -> 400 (Connect 4.1)")
    check(is_error(k.call("POST", "/connectors", {"config": src}), 400), "no name -> 400")
    check(is_error(k.call("POST", "/connectors", {"name": "n", "config": {"topic": "t"}}), 400, "no connector type"),
          "no connector.class -> 400")
    check(is_error(k.call("POST", "/connectors", raw=b"{not json"), 400, "Invalid JSON"), "malformed JSON -> 400")
    check(is_error(k.call("POST", "/connectors", {"name": "n", "config": src}, ctype="text/plain"), 415),
          "wrong content type -> 415")
    check(is_error(k.call("POST", "/connectors", {"name": "n", "config": dict(src, name="other")}), 400,
                   "doesn't match"), "name mismatch -> 400")
    check(is_error(k.call("POST", "/connectors", {"name": "n", "config": dict(src, topic=None)}), 400),
          "null config value -> 400")

    # --- read ---
    check(k.call("GET", "/connectors/src")[1]["type"] == "source", "GET /connectors/{c}")
    check(is_error(k.call("GET", "/connectors/nope"), 404, "nope"), "unknown connector -> 404")
    check(k.call("GET", "/connectors/src/config")[1] == dict(src, name="src"), "GET config")
    status = wait_for(lambda: (lambda st: st if st["tasks"] and st["tasks"][0]["state"] == "RUNNING" else None)(
        k.call("GET", "/connectors/src/status")[1]))
    check(status is not None, "task reaches RUNNING")
    if status:
        check(status["name"] == "src" and status["type"] == "source" and status["connector"]["state"] == "RUNNING"
              and re.match(r"^[0-9.]+:\d+$", status["connector"]["worker_id"]) and
              set(status["tasks"][0]) == {"id", "state", "worker_id", "version"} and status["tasks"][0]["id"] == 0
              and status["connector"]["version"] == status["tasks"][0]["version"] == "1.0.0",
              "ConnectorStateInfo shape, the plugin's version on the connector and each task (KIP-891): %s" % status)
    s, b, _ = k.call("GET", "/connectors/src/tasks")
    # the task's config as Connect shows it: what the connector gave, task.class added, no defaults filled in
    check(s == 200 and b[0]["id"] == {"connector": "src", "task": 0} and
          b[0]["config"] == dict(src, name="src", **{"task.class": "org.apache.kafka.connect.file.FileStreamSourceTask"}),
          "GET tasks: %s" % b)
    s, b, _ = k.call("GET", "/connectors/src/tasks/0/status")
    check(s == 200 and b["id"] == 0 and b["state"] == "RUNNING" and b["version"] == "1.0.0", "GET task status")
    check(is_error(k.call("GET", "/connectors/src/tasks/7/status"), 404), "unknown task -> 404")
    check(is_error(k.call("GET", "/connectors/nope/status"), 404), "status of unknown -> 404")

    # --- expand ---
    s, b, _ = k.call("GET", "/connectors?expand=status&expand=info")
    check(s == 200 and set(b["src"]) == {"status", "info"} and b["src"]["info"]["name"] == "src", "expand=status,info")
    check(set(k.call("GET", "/connectors?expand=info&expand=bogus")[1]["src"]) == {"info"}, "unknown expand ignored")
    check(k.call("GET", "/connectors?expand=bogus")[1].get("src") == {}, "expand=bogus alone: the object form, empty")
    check(k.call("GET", "/connectors?expand=status")[1]["src"]["status"]["connector"]["version"] == "1.0.0",
          "expand=status: versions too")

    # --- PUT / PATCH config ---
    out = os.path.join(work, "out.txt")
    sink_cls = "com.example.kcd.FlakySinkConnector"
    flaky = {"connector.class": sink_cls, "topics": topic, "file": out, "fail.every": "1000000"}
    s, b, h = k.call("PUT", "/connectors/snk/config", flaky)
    check(s == 201 and h.get("Location", "").endswith("/connectors/snk"), "PUT config creates -> 201")
    s, b, _ = k.call("PUT", "/connectors/snk/config", flaky)
    check(s == 200 and b["name"] == "snk" and b["type"] == "sink", "PUT config again -> 200")
    check(wait_for(lambda: os.path.exists(out) and sum(1 for _ in open(out)) >= 1000, timeout=120),
          "records reach the sink")
    s, b, _ = k.call("PATCH", "/connectors/snk/config", {"fail.every": "999999", "tasks.max": None})
    check(s == 200 and b["config"]["fail.every"] == "999999" and "tasks.max" not in b["config"], "PATCH merges and removes")
    check(is_error(k.call("PATCH", "/connectors/nope/config", {"a": "b"}), 404), "PATCH unknown -> 404")
    check(is_error(k.call("PUT", "/connectors/snk/config", dict(flaky, **{"fail.every": "x"})), 400, "fail.every"),
          "PUT invalid -> 400")
    # kcd's convenience: the {"name","config"} body of a connector file, when the names match
    s, b, _ = k.call("PUT", "/connectors/snk/config", {"name": "snk", "config": dict(flaky, **{"fail.every": "999998"})})
    check(s == 200 and b["config"]["fail.every"] == "999998", "PUT {name, config} -> 200, config applied")
    s, b, _ = k.call("PUT", "/connectors/snk/config", {"config": dict(flaky, **{"fail.every": "999999"})})
    check(s == 200 and b["config"]["fail.every"] == "999999", "PUT {config} without a name -> 200")
    check(is_error(k.call("PUT", "/connectors/snk/config", {"name": "other", "config": flaky}), 400, "URL names snk"),
          "PUT {name, config} with another name -> 400 naming both")
    check(is_error(k.call("PUT", "/connectors/snk/config", {"name": "snk", "config": flaky, "tasks.max": "1"}), 400,
                   "cannot also have"), "PUT {name, config} with more keys -> 400")

    # --- topics ---
    t = wait_for(lambda: k.call("GET", "/connectors/src/topics")[1]["src"]["topics"])
    check(t == [topic], "GET topics: %s" % t)
    check(k.call("PUT", "/connectors/src/topics/reset")[0] == 202, "PUT topics/reset -> 202")
    check(k.call("GET", "/connectors/src/topics")[1] == {"src": {"topics": []}}, "topics emptied")

    # --- restart ---
    check(k.call("POST", "/connectors/src/restart")[0] == 204, "restart connector -> 204")
    s, b, _ = k.call("POST", "/connectors/src/restart?includeTasks=true")
    check(s == 202 and b["connector"]["state"] == "RESTARTING" and b["tasks"][0]["state"] == "RESTARTING",
          "restart includeTasks -> 202 RESTARTING: %s" % b)
    s, b, _ = k.call("POST", "/connectors/src/restart?includeTasks=true&onlyFailed=true")
    check(s == 202 and b["tasks"][0]["state"] != "RESTARTING", "onlyFailed leaves running tasks alone")
    check(k.call("POST", "/connectors/src/tasks/0/restart")[0] == 204, "task restart -> 204")
    check(is_error(k.call("POST", "/connectors/src/tasks/5/restart"), 404), "restart unknown task -> 404")
    check(is_error(k.call("POST", "/connectors/nope/restart"), 404), "restart unknown -> 404")

    # --- a FAILED task: its trace in the status, the others unaffected, a REST restart recovers it ---
    missing = os.path.join(work, "not-yet")
    s, b, _ = k.call("POST", "/connectors", {"name": "fails", "config": {
        "connector.class": "FileStreamSink", "topics": topic, "file": os.path.join(missing, "out.txt")}})
    check(s == 201, "create a sink whose file cannot be opened -> 201: %s %s" % (s, b))
    check(wait_for(lambda: k.call("GET", "/connectors/fails/status")[1]["tasks"][0]["state"] == "FAILED"),
          "task FAILED when its file cannot be opened")
    b = k.call("GET", "/connectors/fails/status")[1]
    check(missing in b["tasks"][0].get("trace", ""), "FAILED task's trace names the file: %s" % b)
    check(k.call("GET", "/connectors/src/status")[1]["tasks"][0]["state"] == "RUNNING",
          "another connector's task keeps RUNNING beside the failed one")
    s, b, _ = k.call("GET", "/connectors/fails/tasks/0/status")
    check(s == 200 and b["state"] == "FAILED" and b["id"] == 0 and "trace" in b, "GET task status FAILED: %s" % b)
    os.mkdir(missing)
    s, b, _ = k.call("POST", "/connectors/fails/restart?includeTasks=true&onlyFailed=true")
    check(s == 202 and b["tasks"][0]["state"] == "RESTARTING", "onlyFailed restarts the FAILED task: %s" % b)
    check(wait_for(lambda: k.call("GET", "/connectors/fails/status")[1]["tasks"][0]["state"] == "RUNNING"),
          "restarted task RUNNING once its file can be opened")
    check("trace" not in k.call("GET", "/connectors/fails/status")[1]["tasks"][0], "a running task has no trace")
    check(k.call("DELETE", "/connectors/fails")[0] == 204, "delete the recovered connector")

    # --- pause / resume ---
    check(k.call("PUT", "/connectors/snk/pause")[0] == 202, "pause -> 202")
    check(wait_for(lambda: k.call("GET", "/connectors/snk/status")[1]["tasks"][0]["state"] == "PAUSED"),
          "task PAUSED")
    check(k.call("GET", "/connectors/snk/status")[1]["connector"]["state"] == "PAUSED", "connector PAUSED")
    check(k.call("PUT", "/connectors/snk/resume")[0] == 202, "resume -> 202")
    check(wait_for(lambda: k.call("GET", "/connectors/snk/status")[1]["tasks"][0]["state"] == "RUNNING"),
          "task RUNNING again")

    # --- offsets ---
    want = {"offsets": [{"partition": {"filename": infile}, "offset": {"position": 11000}}]}
    b = wait_for(lambda: (lambda r: r[1] if r[1] == want else None)(k.call("GET", "/connectors/src/offsets")))
    check(b == want, "GET offsets: %s" % k.call("GET", "/connectors/src/offsets")[1])
    check(is_error(k.call("PATCH", "/connectors/src/offsets", {"offsets": [{"partition": {"filename": infile},
                                                                            "offset": {"position": 0}}]}), 400,
                   "STOPPED"), "PATCH offsets while running -> 400")
    check(is_error(k.call("DELETE", "/connectors/src/offsets"), 400, "STOPPED"), "DELETE offsets while running -> 400")
    check(k.call("PUT", "/connectors/src/stop")[0] == 204, "stop -> 204")
    s, b, _ = k.call("GET", "/connectors/src/status")
    check(b["connector"]["state"] == "STOPPED" and b["tasks"] == [], "STOPPED has no tasks: %s" % b)
    check(k.call("GET", "/connectors/src")[1]["tasks"] == [], "stopped connector lists no tasks")
    check(is_error(k.call("PATCH", "/connectors/src/offsets", {"offsets": []}), 400), "empty offsets -> 400")
    s, b, _ = k.call("PATCH", "/connectors/src/offsets", {"offsets": [{"partition": {"filename": infile},
                                                                       "offset": {"position": 5500}}]})
    check(s == 200 and "altered successfully" in b["message"], "PATCH offsets -> 200")
    check(k.call("GET", "/connectors/src/offsets")[1]["offsets"][0]["offset"] == {"position": 5500}, "offset altered")
    s, b, _ = k.call("DELETE", "/connectors/src/offsets")
    check(s == 200 and "reset successfully" in b["message"], "DELETE offsets -> 200")
    check(k.call("GET", "/connectors/src/offsets")[1] == {"offsets": []}, "offsets reset")

    # --- a sink's offsets: its consumer group's on the broker (KIP-875). A connector of this run's
    # own (its group connect-NAME new), stopped once it holds its partition and committed ---
    osink = "osink-" + RUN
    k.call("POST", "/connectors", {"name": osink, "config": {"connector.class": "FileStreamSink", "topics": topic,
                                                              "file": os.path.join(k.work, "osink.txt")}})

    def sink_offsets():
        r = k.call("GET", "/connectors/%s/offsets" % osink)
        return [o for o in r[1]["offsets"] if o["partition"]["kafka_topic"] == topic] if r[0] == 200 else None

    def committed():  # metrics: the task holds its partition and has committed
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % k.port) as r:
            text = r.read().decode()
        return re.search(r'^kafka_connect_sink_task_partition_count\{connector="%s",task="0"\} 1$' % osink, text, re.M) \
            and re.search(r'^kafka_connect_sink_task_offset_commit_completion_total\{connector="%s",task="0"\} [1-9]' % osink,
                          text, re.M)
    check(wait_for(committed, timeout=60), "the sink %s holds its partition and committed" % osink)
    check(k.call("PUT", "/connectors/%s/stop" % osink)[0] == 204, "stop the sink -> 204")
    b = wait_for(sink_offsets)
    part = {"kafka_topic": topic, "kafka_partition": 0}
    check(b is not None and len(b) == 1 and b[0]["partition"] == part and b[0]["offset"]["kafka_offset"] > 1,
          "GET a stopped sink's committed offsets: %s" % b)
    s, b, _ = k.call("PATCH", "/connectors/%s/offsets" % osink,
                     {"offsets": [{"partition": part, "offset": {"kafka_offset": 1}}]})
    check(s == 200 and "altered successfully" in b["message"], "PATCH a sink's offsets -> 200: %s" % b)
    check(sink_offsets() == [{"partition": part, "offset": {"kafka_offset": 1}}], "the sink's offset altered in its group")
    check(is_error(k.call("PATCH", "/connectors/%s/offsets" % osink,
                          {"offsets": [{"partition": {"kafka_topic": topic}, "offset": {"kafka_offset": 1}}]}),
                   400, "kafka_partition"), "a sink partition without kafka_partition -> 400")
    s, b, _ = k.call("PATCH", "/connectors/%s/offsets" % osink, {"offsets": [{"partition": part, "offset": None}]})
    check(s == 200 and sink_offsets() == [], "a null offset deletes the partition's: %s" % (b,))
    s, b, _ = k.call("DELETE", "/connectors/%s/offsets" % osink)
    check(s == 200 and "reset successfully" in b["message"] and sink_offsets() == [],
          "DELETE a sink's offsets -> 200, none left: %s" % (b,))
    check(k.call("DELETE", "/connectors/" + osink)[0] == 204, "delete " + osink)

    # --- plugins and validate ---
    s, b, _ = k.call("GET", "/connector-plugins")
    classes = {p["class"]: p for p in b}
    check(s == 200 and classes["org.apache.kafka.connect.file.FileStreamSourceConnector"] ==
          {"class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "type": "source", "version": "1.0.0"}
          and all(p["type"] in ("source", "sink") for p in b), "GET connector-plugins")
    b = k.call("GET", "/connector-plugins?connectorsOnly=false")[1]
    check(any(p["type"] == "converter" for p in b), "connectorsOnly=false lists converters")
    check({"org.apache.kafka.connect.transforms.Cast$Key", "org.apache.kafka.connect.transforms.Cast$Value"} <=
          {p["class"] for p in b if p["type"] == "transformation"}, "a transformation's $Key and $Value listed apart")
    s, b, _ = k.call("GET", "/connector-plugins/FileStreamSource/config")
    names = [d["name"] for d in b]
    # as Connect 4.1: the settings every connector (every source) has, then the plugin's own
    check(s == 200 and names[:3] == ["name", "connector.class", "connector.plugin.version"] and
          names[-3:] == ["file", "topic", "batch.size"] and "errors.tolerance" in names and "exactly.once.support" in names
          and "topics" not in names, "plugin config keys: %s" % names)
    bs = b[-1]
    check(bs["type"] == "INT" and bs["required"] is False and bs["default_value"] == "2000" and
          bs["importance"] == "LOW" and set(bs) >= {"documentation", "group", "order", "width", "display_name",
                                                    "dependents"}, "ConfigKeyInfo shape: %s" % bs)
    # a plugin's key declared without a group shows as Connect shows such a ConfigDef key
    check(bs["group"] is None and bs["order"] == -1 and bs["display_name"] == "batch.size" and bs["width"] == "NONE",
          "an ungrouped plugin key as Connect shows it: %s" % bs)
    tm = next(d for d in b if d["name"] == "tasks.max")
    check(tm["display_name"] == "Tasks max" and tm["width"] == "SHORT" and tm["order"] == 4 and tm["group"] == "Common",
          "a common key with Connect's display name, width and order: %s" % tm)
    check(next(d for d in b if d["name"] == "connector.plugin.version")["default_value"] == "1.0.0",
          "connector.plugin.version defaults to the plugin's version")
    s, b, _ = k.call("PUT", "/connector-plugins/FileStreamSink/config/validate",
                     {"connector.class": "FileStreamSink", "name": "v", "connector.plugin.version": "9.9"})
    errs = {c["value"]["name"]: c["value"]["errors"] for c in b["configs"] if c["value"]["errors"]}
    check(s == 200 and b["error_count"] == 3 and set(errs) == {"topics", "topics.regex", "connector.plugin.version"}
          and "1.0.0" in errs["connector.plugin.version"][0],
          "validate: neither topics nor topics.regex flags both; another plugin version names the installed one: %s" % errs)
    s, b, _ = k.call("PUT", "/connector-plugins/PcapSourceConnector/config/validate",
                     {"connector.class": "PcapSourceConnector", "name": "v", "pcap.interface": "lo",
                      "pcap.files": "/tmp/*.pcap"})
    errs = {c["value"]["name"]: c["value"]["errors"] for c in b["configs"] if c["value"]["errors"]}
    check(s == 200 and b["error_count"] == 1 and "exactly one of" in " ".join(errs.get("pcap.interface", [])),
          "validate: the plugin's own cross-key rule on the key it names: %s" % errs)
    s, b, _ = k.call("PUT", "/connector-plugins/FileStreamSink/config/validate",
                     {"connector.class": "FileStreamSink", "name": "v", "topics": "t"})
    conv = {c["definition"]["name"]: c for c in b["configs"]}["value.converter"]
    check(conv["definition"]["default_value"] == conv["value"]["value"] == "org.apache.kafka.connect.storage.StringConverter"
          and "org.apache.kafka.connect.converters.IntegerConverter" in conv["value"]["recommended_values"],
          "validate: a converter's default is the worker's, every converter recommended: %s" % conv)
    check(is_error(k.call("GET", "/connector-plugins/Nope/config"), 404), "unknown plugin config -> 404")
    s, b, _ = k.call("PUT", "/connector-plugins/FileStreamSourceConnector/config/validate",
                     {"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "name": "v",
                      "batch.size": "0", "tasks.max": "x"})
    check(s == 200 and b["name"] == "org.apache.kafka.connect.file.FileStreamSourceConnector" and
          b["error_count"] == 3 and "Common" in b["groups"], "validate counts errors: %s" %
          (b.get("error_count"), ))
    by_name = {c["definition"]["name"]: c for c in b["configs"]}
    check(by_name["topic"]["value"]["errors"] == ['Missing required configuration "topic" which has no default value.'],
          "validate: error on topic")
    check(len(by_name["batch.size"]["value"]["errors"]) == 1 and len(by_name["tasks.max"]["value"]["errors"]) == 1,
          "validate: errors on batch.size and tasks.max")
    v = by_name["batch.size"]["value"]
    check(set(v) == {"name", "value", "recommended_values", "errors", "visible"} and v["value"] == "0",
          "ConfigValueInfo shape")
    s, b, _ = k.call("PUT", "/connector-plugins/FlakySinkConnector/config/validate",
                     {"connector.class": sink_cls, "name": "v", "topics": "t", "file": "/tmp/x", "secret": "hunter2"})
    by_name = {c["definition"]["name"]: c for c in b["configs"]}
    check(s == 200 and b["error_count"] == 0 and by_name["secret"]["value"]["value"] == "[hidden]" and
          by_name["secret"]["definition"]["type"] == "PASSWORD", "validate hides passwords: %s" %
          json.dumps([c["value"] for c in b["configs"] if c["value"]["errors"]] + [by_name.get("secret")]))
    s, b, _ = k.call("PUT", "/connector-plugins/FileStreamSink/config/validate",
                     {"connector.class": "FileStreamSink", "name": "v", "topics": "a", "topics.regex": "b.*",
                      "transforms": "t1", "transforms.t1.type": "com.example.Missing"})
    check(s == 200 and b["error_count"] == 2 and any(g.startswith("Transforms") for g in b["groups"]),
          "validate: topics vs regex and a missing transform class: %s" %
          json.dumps([c["value"] for c in b["configs"] if c["value"]["errors"]]))
    check(is_error(k.call("PUT", "/connector-plugins/FileStreamSink/config/validate",
                          {"connector.class": "FileStreamSource"}), 400), "validate class mismatch -> 400")

    # --- loggers ---
    s, b, _ = k.call("GET", "/admin/loggers")
    check(s == 200 and b["root"]["level"] in ("INFO", "WARN", "DEBUG", "ERROR", "TRACE"), "GET loggers")
    s, b, _ = k.call("PUT", "/admin/loggers/WorkerSinkTask", {"level": "DEBUG"})
    check(s == 200 and b == ["WorkerSinkTask"], "PUT logger -> 200 list")
    s, b, _ = k.call("GET", "/admin/loggers/WorkerSinkTask")
    check(s == 200 and b["level"] == "DEBUG" and isinstance(b["last_modified"], int), "GET logger")
    check(is_error(k.call("PUT", "/admin/loggers/x", {"level": "LOUD"}), 404), "invalid level -> 404")
    check(is_error(k.call("PUT", "/admin/loggers/x", {}), 400), "missing level -> 400")
    check(is_error(k.call("GET", "/admin/loggers/never.set"), 404), "unknown logger -> 404")
    check(k.call("PUT", "/admin/loggers/WorkerSinkTask?scope=cluster", {"level": "INFO"})[0] == 204,
          "scope=cluster -> 204")

    # --- initial_state PAUSED: as Connect, no task until the first resume ---
    paused = {"connector.class": "FileStreamSink", "topics": topic, "file": os.path.join(k.work, "paused-out.txt")}
    s, b, _ = k.call("POST", "/connectors", {"name": "born-paused", "config": paused, "initial_state": "PAUSED"})
    check(s == 201 and b["tasks"] == [], "POST initial_state PAUSED -> 201, no tasks: %s" % b)
    b = wait_for(lambda: (lambda st: st if st["connector"]["state"] == "PAUSED" else None)(
        k.call("GET", "/connectors/born-paused/status")[1]))
    check(b is not None and b["tasks"] == [], "created PAUSED: the connector PAUSED, no task: %s" % b)
    check(k.call("PUT", "/connectors/born-paused/resume")[0] == 202, "resume -> 202")
    check(wait_for(lambda: [t["state"] for t in k.call("GET", "/connectors/born-paused/status")[1]["tasks"]] == ["RUNNING"]),
          "the first resume starts the tasks: %s" % k.call("GET", "/connectors/born-paused/status")[1])
    check(k.call("DELETE", "/connectors/born-paused")[0] == 204, "delete born-paused")

    # --- routes ---
    check(is_error(k.call("GET", "/nope"), 404), "unknown route -> 404")
    check(is_error(k.call("DELETE", "/connectors"), 405), "unsupported method -> 405")
    check(is_error(k.call("POST", "/connectors", raw=b"x" * (5 * 1024 * 1024)), 413), "oversized body -> 413")

    # --- the pipeline's seed configs, verbatim: created; their hosts ("postgres", "elasticsearch",
    # "neo4j", "mongodb") do not resolve here, so each task FAILS with a trace naming the server,
    # and the API answers ---
    def post_seed(seed, kind):
        with open(os.path.join(SOURCE, "tests/data/seed-configs/%s.json" % seed)) as f:
            body = json.load(f)
        s, b, _ = k.call("POST", "/connectors", body)
        check(s == 201 and b["name"] == seed and b["type"] == kind, "POST seed %s -> 201: %s %s" % (seed, s, b))

    def seed_fails(seed, *fragments):
        ok = wait_for(lambda: k.call("GET", "/connectors/%s/status" % seed)[1]["tasks"][0]["state"] == "FAILED",
                      timeout=90)
        b = k.call("GET", "/connectors/%s/status" % seed)[1]
        trace = b["tasks"][0].get("trace", "")
        check(ok and all(f in trace for f in fragments), "seed %s FAILED naming the server: %s" % (seed, b))
        check(k.call("DELETE", "/connectors/" + seed)[0] == 204, "delete seed " + seed)

    jdbc_seeds = ("SINK_POSTGRES_PCAP_STATS_00", "SINK_POSTGRES_PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02")
    for seed in jdbc_seeds:
        post_seed(seed, "sink")
    for seed in jdbc_seeds:
        seed_fails(seed, "cannot connect to PostgreSQL", "postgres")
    # the pipeline's own command for its Elasticsearch sink, verbatim (curl -i -X PUT -H
    # "Content-Type:application/json" .../connectors/sink-elastic-pcap-00/config -d '{...}'):
    # 201 the first time, 200 the second; then the other two Elasticsearch seeds with POST
    with open(os.path.join(SOURCE, "tests/data/seed-configs/sink-elastic-pcap-00.json")) as f:
        pcap_cfg = json.load(f)["config"]
    curl = ["curl", "-s", "-i", "-X", "PUT", "-H", "Content-Type:application/json",
            "http://127.0.0.1:%d/connectors/sink-elastic-pcap-00/config" % k.port, "-d", json.dumps(pcap_cfg)]
    for want in (201, 200):
        out = subprocess.run(curl, capture_output=True, text=True, timeout=30).stdout
        check(out.startswith("HTTP/1.1 %d" % want) and '"name":"sink-elastic-pcap-00"' in out.replace(" ", ""),
              "the pipeline's curl PUT of sink-elastic-pcap-00 -> %d: %s" % (want, out[:300]))
    es_seeds = ("SINK_ELASTIC_PCAP_ENRICHED_00", "SINK_ELASTIC_PCAP_PROBE_STATS_BY_SOURCE_DEVICE_02")
    for seed in es_seeds:
        post_seed(seed, "sink")
    for seed in ("sink-elastic-pcap-00",) + es_seeds:
        seed_fails(seed, "cannot reach http://elasticsearch:9200")
    post_seed("SINK_NEO4J_PROBES_01", "sink")
    seed_fails("SINK_NEO4J_PROBES_01", "cannot resolve Neo4j host neo4j")
    # (the MongoDB driver looks for a server for mongodb.server.selection.timeout.ms, 30 s)
    post_seed("SOURCE_MONGODB_UNIFI_01", "source")
    check(k.call("GET", "/connectors/SOURCE_MONGODB_UNIFI_01/status")[0] == 200, "the API answers meanwhile")
    seed_fails("SOURCE_MONGODB_UNIFI_01", "cannot reach MongoDB at rs0/mongodb:27017")
    check(k.call("GET", "/")[0] == 200, "the API answers after the seed connectors failed")

    # --- kept across a restart: the stopped connector stays stopped ---
    k.stop()
    k = Kcd(work)
    check(sorted(k.call("GET", "/connectors")[1]) == ["snk", "src"], "connectors kept across restart")
    s, b, _ = k.call("GET", "/connectors/src/status")
    check(b["connector"]["state"] == "STOPPED", "stopped connector still STOPPED after restart: %s" % b)
    check(k.call("GET", "/connectors/snk/config")[1]["fail.every"] == "999999", "changed config kept")
    check(k.call("PUT", "/connectors/src/resume")[0] == 202, "resume from STOPPED -> 202")
    check(wait_for(lambda: k.call("GET", "/connectors/src/status")[1]["connector"]["state"] == "RUNNING"),
          "resumed from STOPPED")

    # --- delete ---
    check(k.call("DELETE", "/connectors/src")[0] == 204, "DELETE -> 204")
    check(is_error(k.call("DELETE", "/connectors/src"), 404), "DELETE again -> 404")
    check(k.call("GET", "/connectors")[1] == ["snk"], "deleted connector gone")
    k.stop()

    rc = summary("rest")
    if not failures:
        subprocess.call(["rm", "-rf", work])
    else:
        print("work folder kept:", work)
    return rc


if __name__ == "__main__":
    sys.exit(main())
