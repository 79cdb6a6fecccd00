"""What the Python tests share: where the build, the sources and the broker are, a run id, and
counting checks that end in one "N passed, M failed" line. Standard library only."""
import os
import sys
import time

BUILD = os.environ["KCD_BUILD"]
SOURCE = os.environ["KCD_SOURCE"]
BOOTSTRAP = "127.0.0.1:%s" % os.environ.get("KCD_KAFKA_PORT", "19092")
RUN = "%d-%d" % (time.time(), os.getpid())

failures = []
_passed = [0]


def check(cond, what):
    """Counts a check; a failed one is printed at once and remembered."""
    if cond:
        _passed[0] += 1
    else:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    return cond


def summary(name):
    """Prints the closing line; returns the exit code (1 when any check failed)."""
    print("%s: %d passed, %d failed" % (name, _passed[0], len(failures)))
    return 1 if failures else 0
