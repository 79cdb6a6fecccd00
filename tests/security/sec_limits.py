#!/usr/bin/env python3
"""What one request may ask for (issue points 3 and 9): tasks.max beyond the worker's
max.tasks.per.connector, connectors beyond max.connectors, names a URL cannot carry back, and
URLs too long or padded with slashes are refused with a clear 400/404/414, and the worker stays
small and keeps what it had."""
import urllib.parse

from seclib import Kcd, check, finish, is_error, workdir, RUN

work = workdir("limits")
k = Kcd(work, ["max.connectors=5"], broker=False)
IDLE = "com.example.kcd.IdleSourceConnector"
try:
    rss_before = k.rss_mib()
    # 3: one request asking for two billion tasks
    resp = k.call("POST", "/connectors", {"name": "huge", "config": {
        "connector.class": "FileStreamSink", "topics": "t-" + RUN, "file": work + "/o.txt", "tasks.max": "2147483647"}})
    check(is_error(resp, 400, "max.tasks.per.connector"), "tasks.max=2147483647: 400 naming the limit: %s" % (resp[:2],))
    check(k.proc.poll() is None and k.rss_mib() < rss_before + 32,
          "the worker is alive and small after it (%.1f MiB, was %.1f)" % (k.rss_mib(), rss_before))
    check(is_error(k.call("PUT", "/connectors/huge/config", {"connector.class": IDLE, "tasks.max": "257"}), 400,
                   "no more than 256"), "tasks.max=257 refused by the default limit of 256")
    check(k.call("PUT", "/connectors/c-0/config", {"connector.class": IDLE, "tasks.max": "256"})[0] == 201,
          "tasks.max=256 accepted")
    # max.connectors=5
    for i in range(1, 5):
        check(k.call("PUT", "/connectors/c-%d/config" % i, {"connector.class": IDLE})[0] == 201, "connector %d" % i)
    check(is_error(k.call("PUT", "/connectors/c-5/config", {"connector.class": IDLE}), 400, "max.connectors"),
          "a sixth connector is refused, naming max.connectors")
    check(k.call("PUT", "/connectors/c-4/config", {"connector.class": IDLE, "level": "2"})[0] == 200,
          "reconfiguring one of the five still works")
    for i in range(5):
        k.call("DELETE", "/connectors/c-%d" % i)
    # names: what a URL cannot carry back is refused
    for name, why in [("a/b", "contain '/'"), (".", "contain '/'"), ("..", "contain '/'"),
                      ("x" * 1025, "at most 1024 bytes")]:
        resp = k.call("POST", "/connectors", {"name": name, "config": {"connector.class": IDLE}})
        check(is_error(resp, 400, why), "name %r refused: %s" % (name[:20], resp[:2]))
    long_name = "n" * 1024
    check(k.call("POST", "/connectors", {"name": long_name, "config": {"connector.class": IDLE}})[0] == 201,
          "a 1024-byte name is created")
    check(k.call("GET", "/connectors/%s/status" % long_name)[0] == 200, "and addressed")
    check(k.call("DELETE", "/connectors/" + long_name)[0] == 204, "and deleted")
    odd = "wifi probes?#%&+"
    check(k.call("POST", "/connectors", {"name": odd, "config": {"connector.class": IDLE}})[0] == 201,
          "a name with URL specials is created")
    check(k.call("GET", "/connectors/%s/status" % urllib.parse.quote(odd, safe=""))[0] == 200,
          "and addressed percent-encoded")
    # 9: padded and cut URLs never reach another route
    check(k.call("PUT", "/connectors/victim/config", {"connector.class": IDLE})[0] == 201, "victim created")
    resp = k.call("DELETE", "/connectors/victim/" + "/" * 2100 + "tasks")
    check(resp[0] == 404, "DELETE /connectors/victim/ + 2,100 slashes + tasks: 404 (got %s)" % resp[0])
    resp = k.call("DELETE", "/connectors/victim//")
    check(resp[0] == 404, "DELETE /connectors/victim// is no route (got %s)" % resp[0])
    check(k.call("GET", "/connectors/victim")[0] == 200, "victim is still there")
    resp = k.call("GET", "/connectors/victim/" + "a" * 9000)
    check(is_error(resp, 414), "a 9,000-byte path: 414 (got %s)" % resp[0])
    resp = k.call("DELETE", "/connectors/victim" + "/" * 9000)
    check(resp[0] == 414, "a padded 9,000-byte DELETE: 414, never cut (got %s)" % resp[0])
    check(k.call("GET", "/connectors/victim")[0] == 200, "victim is still there after the long URLs")
    check(k.call("GET", "/connectors/victim/")[0] == 200, "one trailing slash is still the route")
finally:
    k.stop()
finish("sec_limits")
