#!/usr/bin/env bash
# `./dev demo` as a new user runs it: in a fresh Debian 12 (a podman container from the
# debootstrap base, as root so that it may apt-get), from a copy of the source tree without build
# folders. It installs only what building and running need (no JDK, valgrind, tshark or servers),
# replays the project's captures through kcd and prints the records, the packets per subtype and
# the probing devices. Prints how long it took, the figure the README quotes.
. "$KCD_SOURCE/tests/integration/lib.sh"
for tool in podman runc debootstrap; do command -v $tool >/dev/null || fail "$tool is needed (./dev deps installs it)"; done
. "$KCD_SOURCE/tests/deploy/podman.sh"
NAME=kcd-demo-$RUN_ID
trap 'podman rm -f "$NAME" >/dev/null 2>&1 || true; cleanup' EXIT
t0=$SECONDS
rc=0
podman run --name "$NAME" --network host -v "$KCD_SOURCE:/src:ro" -e KCD_DEMO_DIR=/tmp/demo "$BASE" bash -c '
  set -e
  mkdir /kcd && tar -C /src --exclude="./build" --exclude="./build-*" -cf - . | tar -C /kcd -xf -
  cd /kcd && ./dev demo
  echo "installed for the demo: $(dpkg-query -W -f="\${Status} \${Package}\n" default-jdk-headless valgrind tshark postgresql wrk 2>/dev/null |
    sed -n "s/^install ok installed //p" | tr "\n" " ")"
' >"$WORK/demo.log" 2>&1 || rc=$?
took=$((SECONDS - t0))
[ "$rc" = 0 ] || fail "./dev demo in a fresh Debian 12 exited $rc: $(tail -30 "$WORK/demo.log")"
grep -q "==> installing Debian packages: build-essential" "$WORK/demo.log" || fail "the demo installed nothing: not a fresh machine?"
grep -q '==> installing Debian packages: build-essential' "$WORK/demo.log" || fail "the demo installed nothing: not a fresh machine?"
grep -q 'pcap.jsonl (1896 of 1896 packets' "$WORK/demo.log" || fail "the demo did not carry every packet: $(tail -5 "$WORK/demo.log")"
grep -qE '^ +294 +4  Probe Request$' "$WORK/demo.log" && grep -q '^20 devices sending probe requests' "$WORK/demo.log" &&
  grep -qE '^ +117  8c:f5:a3:12:34:56  SamsungE_12:34:56 +\(any\), HomeNet, Vodafone-AB12$' "$WORK/demo.log" ||
  fail "the demo's summary is not the captures': $(sed -n '/packets per subtype/,$p' "$WORK/demo.log" | head -20)"
grep -q '^{"timestamp":"179641' "$WORK/demo.log" || fail "the demo shows no record"
grep -qx 'installed for the demo: ' "$WORK/demo.log" ||
  fail "the demo installed more than building needs: $(grep 'installed for the demo' "$WORK/demo.log")"
pass "./dev demo on a fresh Debian 12: $took s (packages, build, replay), every packet, the summary right, no test tools installed"
