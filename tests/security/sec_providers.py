#!/usr/bin/env python3
"""Config providers under a hostile REST client (issue points 1 and 2): values behind ${...}
never leave the worker except to the plugin. Validate, create errors, task configs, task traces
and the whole log are scanned for every value a provider could give (a secrets file's values, an
allowed environment variable, $HOME, /etc/passwd's first line, a directory provider's file);
allowed.paths and allowlist.pattern refuse the rest with one message whatever exists."""
import os
import time

from seclib import Kcd, check, finish, is_error, wait_for, workdir, RUN

work = workdir("providers")
secrets = os.path.join(work, "secrets")
os.mkdir(secrets)
marker = "S%s" % RUN.replace("-", "")
pw, tasks_value = "PW-" + marker, "99TASKS" + marker
sink_path = "/nonexistent-SECRETPATH-%s/out.txt" % marker
src_file = os.path.join(work, "in-%s.txt" % marker)
with open(src_file, "w") as f:
    f.write("line\n")
with open(os.path.join(secrets, "db.properties"), "w") as f:
    f.write("password=%s\ntasks=%s\nsinkpath=%s\nsrcpath=%s\n" % (pw, tasks_value, sink_path, src_file))
dir_secret = "DIRSECRET-" + marker
with open(os.path.join(secrets, "token"), "w") as f:
    f.write(dir_secret)
os.environ["KCD_SEC_ALLOWED"] = "ENVSECRET-" + marker
os.environ["KCD_SEC_HIDDEN"] = "HIDDENENV-" + marker
passwd_first = open("/etc/passwd").readline().strip()
never_shown = [pw, tasks_value, sink_path, src_file, dir_secret, os.environ["KCD_SEC_ALLOWED"],
               os.environ["KCD_SEC_HIDDEN"], passwd_first, passwd_first.split(":", 1)[1], os.environ["HOME"] + ":"]

k = Kcd(work, [
    "config.providers=file,env,directory",
    "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider",
    "config.providers.file.param.allowed.paths=" + secrets,
    "config.providers.directory.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider",
    "config.providers.directory.param.allowed.paths=" + secrets,
    "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
    "config.providers.env.param.allowlist.pattern=KCD_SEC_ALLOWED.*",
])
db = os.path.join(secrets, "db.properties")
try:
    # validate: values from providers shown as written, their errors name the key only
    st, body, _ = k.call("PUT", "/connector-plugins/IdleSourceConnector/config/validate", {
        "connector.class": "com.example.kcd.IdleSourceConnector", "name": "v",
        "level": "${file:%s:tasks}" % db, "secret": "${file:%s:password}" % db,
        "mode": "${directory:%s:token}" % secrets, "path": "${env:KCD_SEC_ALLOWED}"})
    check(st == 200, "validate answers 200 (got %s)" % st)
    values = {c["value"]["name"]: c["value"] for c in body["configs"]}
    check(values["level"]["value"] == "${file:%s:tasks}" % db, "validate shows level as written")
    check(any("[hidden]" in e and "level" in e for e in values["level"]["errors"]),
          "validate's error on level names the key and hides the value: %s" % values["level"]["errors"])
    check(values["mode"]["value"] == "${directory:%s:token}" % secrets, "validate shows mode as written")
    check(values["secret"]["value"] == "[hidden]", "validate hides the password")
    # refused references: outside allowed.paths, or a variable the allowlist does not match
    refused = {"/etc/passwd (exists)": "${file:/etc/passwd:root}",
               "/etc/nonexistent (missing)": "${file:/etc/nonexistent-%s:root}" % marker,
               "directory /etc": "${directory:/etc:passwd}",
               "dotdot": "${file:%s/../../../etc/passwd:root}" % secrets,
               "env HOME": "${env:HOME}", "env not allowed": "${env:KCD_SEC_HIDDEN}"}
    messages = {}
    for what, ref in refused.items():
        resp = k.call("POST", "/connectors", {"name": "p-%d" % len(messages), "config": {
            "connector.class": "com.example.kcd.IdleSourceConnector", "path": ref}})
        check(is_error(resp, 400, "cannot resolve"), "%s refused with 400: %s" % (what, resp[:2]))
        messages[what] = resp[1]["message"].replace(ref, "REF") if isinstance(resp[1], dict) else ""
    check(messages["/etc/passwd (exists)"] == messages["/etc/nonexistent (missing)"],
          "an existing and a missing file give the same error: %s / %s" % (
              messages["/etc/passwd (exists)"], messages["/etc/nonexistent (missing)"]))
    check(messages["env HOME"] == messages["env not allowed"], "unset and refused variables give the same error")
    # create errors: an invalid value from a provider is named by its key
    resp = k.call("POST", "/connectors", {"name": "bad-tasks", "config": {
        "connector.class": "com.example.kcd.IdleSourceConnector", "tasks.max": "${file:%s:tasks}" % db}})
    check(is_error(resp, 400, "tasks.max"), "tasks.max from a provider, invalid: 400 naming the key: %s" % (resp[:2],))
    # a running sink whose file (from a provider) cannot be made: the trace must not show it
    topic = "sec-prov-" + RUN
    st, _, _ = k.call("POST", "/connectors", {"name": "leaky-sink", "config": {
        "connector.class": "FileStreamSink", "topics": topic, "file": "${file:%s:sinkpath}" % db,
        "custom.token": "${file:%s:password}" % db}})
    check(st == 201, "sink with provider values created (got %s)" % st)
    failed = wait_for(lambda: (lambda s: s[0] == 200 and s[1]["tasks"] and s[1]["tasks"][0]["state"] == "FAILED" and s)(
        k.call("GET", "/connectors/leaky-sink/status")), 60)
    check(bool(failed), "the sink's task fails on its unmakeable file")
    if failed:
        trace = failed[1]["tasks"][0].get("trace", "")
        check("[hidden]" in trace and "Couldn't find or create file" in trace,
              "the trace says what failed with the path hidden: %s" % trace)
    st, tasks, _ = k.call("GET", "/connectors/leaky-sink/tasks")
    check(st == 200 and tasks, "GET tasks answers (got %s)" % st)
    if tasks:
        cfg = tasks[0]["config"]
        check(cfg.get("file") == "${file:%s:sinkpath}" % db, "task config shows file as written: %s" % cfg.get("file"))
        check(cfg.get("custom.token") == "${file:%s:password}" % db, "task config shows the token as written")
    st, _, _ = k.call("POST", "/connectors", {"name": "src", "config": {
        "connector.class": "FileStreamSource", "topic": topic, "file": "${file:%s:srcpath}" % db}})
    check(st == 201, "source with its file from a provider created (got %s)" % st)
    st, tasks, _ = k.call("GET", "/connectors/src/tasks")
    check(st == 200 and tasks and tasks[0]["config"]["file"] == "${file:%s:srcpath}" % db,
          "source task config shows file as written")
    st, offsets, _ = k.call("GET", "/connectors/src/offsets")
    # the source read the file the provider named: its offset moves (the value reached the plugin)
    moved = wait_for(lambda: (lambda r: r[0] == 200 and r[1]["offsets"] and r)(k.call("GET", "/connectors/src/offsets")),
                     30)
    check(bool(moved), "the source read the file its provider named")
    for path in ["/connectors", "/connectors?expand=status&expand=info", "/connectors/leaky-sink",
                 "/connectors/leaky-sink/config", "/connectors/src/status", "/connectors/src/offsets"]:
        k.call("GET", path)
    time.sleep(0.5)
finally:
    k.stop()

log = k.log_text()
for value in never_shown:
    for i, answer in enumerate(k.answers):
        check(value not in answer, "REST answer %d shows %r: %s" % (i, value, answer[:300]))
    check(value not in log, "the log shows %r" % value)
check(sum(len(a) for a in k.answers) > 2000, "the scan read the answers (%d bytes)" % sum(len(a) for a in k.answers))
finish("sec_providers")
