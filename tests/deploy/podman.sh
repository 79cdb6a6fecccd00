# podman.sh - podman as this machine kind allows it (shared reference: containers.md), sourced by
# the deploy tests after tests/integration/lib.sh: runc and cgroupfs with ulimits under the hard
# limits (CONTAINERS_CONF), and a Debian 12 base image made with debootstrap, since no registry
# is reachable. Sets BASE to that image.
cat >"$WORK/containers.conf" <<'C'
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
C
export CONTAINERS_CONF="$WORK/containers.conf"
BASE=localhost/debian-base:bookworm
if ! podman image exists "$BASE"; then
  debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
    fail "debootstrap failed: $(tail -5 "$WORK/debootstrap.log")"
  tar -C "$WORK/rootfs" -c . | podman import - "$BASE" >/dev/null || fail "cannot import the base image"
  rm -rf "$WORK/rootfs"
fi
