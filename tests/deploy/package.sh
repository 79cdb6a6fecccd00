#!/usr/bin/env bash
# The Debian packages: `cpack -G DEB` in a tree configured for /usr makes kcd_VERSION_amd64.deb and
# kcd-dev_VERSION_amd64.deb; the systemd unit passes `systemd-analyze verify`; kcd installs with
# `apt-get install ./kcd_*.deb` into a fresh Debian 12 root (a podman container from the
# debootstrap base, as image.sh makes it), where it made its user, state folder and config, and
# where `kcd version`, `kcd plugins` and a file pipeline on the test broker work as the kcd user.
. "$KCD_SOURCE/tests/integration/lib.sh"
need_kafka
for tool in podman runc debootstrap cpack dpkg-deb systemd-analyze; do
  command -v $tool >/dev/null || fail "$tool is needed (./dev deps installs it)"
done
cmake -S "$KCD_SOURCE" -B "$WORK/build" -G Ninja -DKC_PACKAGE=ON -DKC_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX=/usr >"$WORK/cmake.log" 2>&1 || fail "cmake: $(tail -5 "$WORK/cmake.log")"
ninja -C "$WORK/build" >"$WORK/ninja.log" 2>&1 || fail "build: $(tail -20 "$WORK/ninja.log")"
(cd "$WORK/build" && cpack -G DEB >"$WORK/cpack.log" 2>&1) || fail "cpack: $(tail -10 "$WORK/cpack.log")"
version=$(sed -n 's/^project(kcd VERSION \([0-9.]*\).*/\1/p' "$KCD_SOURCE/CMakeLists.txt")
deb="$WORK/build/kcd_${version}_amd64.deb"
dev="$WORK/build/kcd-dev_${version}_amd64.deb"
[ -f "$deb" ] && [ -f "$dev" ] || fail "no $deb or $dev: $(ls "$WORK/build"/*.deb 2>&1)"
echo "packages: $(basename "$deb") $(stat -c %s "$deb") bytes, $(basename "$dev") $(stat -c %s "$dev") bytes"
dpkg-deb -c "$dev" >"$WORK/dev.contents"
dpkg-deb -c "$deb" >"$WORK/deb.contents"
dpkg-deb -I "$deb" conffiles >"$WORK/conffiles"
grep -q 'usr/include/kc/kc_plugin.h' "$WORK/dev.contents" && grep -q 'pkgconfig/kcd-plugin.pc' "$WORK/dev.contents" ||
  fail "kcd-dev lacks the headers or kcd-plugin.pc"
grep -q 'usr/lib/kcd/plugins/kcd-pcap-source.so' "$WORK/deb.contents" || fail "kcd lacks the pcap source"
grep -qx /etc/kcd/worker.properties "$WORK/conffiles" || fail "worker.properties is not a conffile"

# the unit, checked with its commands pointed at the packaged binaries (systemd-analyze wants
# each ExecStart binary to exist; this host has no /usr/bin/kcd)
dpkg-deb -x "$deb" "$WORK/root"
mkdir -p "$WORK/units"
sed "s|/usr/bin/kcd|$WORK/root/usr/bin/kcd|g" "$WORK/root/lib/systemd/system/kcd.service" >"$WORK/units/kcd.service"
systemd-analyze verify "$WORK/units/kcd.service" >"$WORK/verify.log" 2>&1 ||
  fail "systemd-analyze verify: $(cat "$WORK/verify.log")"
for setting in NoNewPrivileges=yes ProtectSystem=strict ReadWritePaths=/var/lib/kcd User=kcd; do
  grep -qx "$setting" "$WORK/root/lib/systemd/system/kcd.service" || fail "the unit lacks $setting"
done
pass "kcd and kcd-dev built; the unit verifies and is hardened"

. "$KCD_SOURCE/tests/deploy/podman.sh"
T="deb-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$T" 1 || fail "cannot create $T"
mkdir -p "$WORK/pkg"
cp "$deb" "$WORK/pkg/"
cat >"$WORK/pkg/inside.sh" <<S
set -e
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /pkg/$(basename "$deb") >/dev/null
kcd version
kcd plugins | grep -E '^(pcap-source|postgres-sink|file-sink) '
id kcd
stat -c '%U %a' /var/lib/kcd
test -f /etc/kcd/worker.properties && test -d /etc/kcd/connectors
seq 1 500 | sed 's/^/deb-line-/' >/var/lib/kcd/in.txt
chown kcd:kcd /var/lib/kcd/in.txt
cat >/var/lib/kcd/worker.properties <<W
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=/var/lib/kcd/offsets
listeners=http://127.0.0.1:0
W
printf 'name=src\nconnector.class=FileStreamSource\ntopic=$T\nfile=/var/lib/kcd/in.txt\n' >/var/lib/kcd/src.properties
printf 'name=snk\nconnector.class=FileStreamSink\ntopics=$T\nfile=/var/lib/kcd/out.txt\n' >/var/lib/kcd/snk.properties
su kcd -s /bin/sh -c 'kcd standalone /var/lib/kcd/worker.properties /var/lib/kcd/src.properties /var/lib/kcd/snk.properties >/var/lib/kcd/kcd.log 2>&1 &'
for i in \$(seq 1 120); do
  [ "\$(cat /var/lib/kcd/out.txt 2>/dev/null | wc -l)" -ge 500 ] && break
  sleep 0.5
done
echo "pipeline lines: \$(wc -l </var/lib/kcd/out.txt)"
S
podman run --rm --network host -v "$WORK/pkg:/pkg:ro" "$BASE" sh /pkg/inside.sh >"$WORK/inside.log" 2>&1 ||
  fail "install in a fresh Debian 12: $(tail -20 "$WORK/inside.log")"
grep -q "^kcd $version" "$WORK/inside.log" || fail "kcd version: $(cat "$WORK/inside.log")"
grep -q '^pcap-source ' "$WORK/inside.log" && grep -q '^postgres-sink ' "$WORK/inside.log" ||
  fail "kcd plugins in the installed package: $(cat "$WORK/inside.log")"
grep -q 'uid=.*(kcd)' "$WORK/inside.log" && grep -qx 'kcd 750' "$WORK/inside.log" ||
  fail "no kcd user or state folder: $(cat "$WORK/inside.log")"
grep -qx 'pipeline lines: 500' "$WORK/inside.log" || fail "the packaged kcd's file pipeline: $(cat "$WORK/inside.log")"
pass "the .deb installs into a fresh Debian 12; kcd version, kcd plugins and a file pipeline work as user kcd"
