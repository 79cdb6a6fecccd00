#!/usr/bin/env bash
# Builds the kcd image (deploy/image/Dockerfile) as KCD_TEST_IMAGE once for the deploy tests that
# run it (image.sh, compose.sh): ctest's fixture kcd_image, removed by image_remove.sh.
. "$KCD_SOURCE/tests/integration/lib.sh"
: "${KCD_TEST_IMAGE:?set KCD_TEST_IMAGE to the tag to build}"
for tool in podman runc debootstrap; do command -v $tool >/dev/null || fail "$tool is needed (./dev deps installs it)"; done
. "$KCD_SOURCE/tests/deploy/podman.sh"
t0=$SECONDS
podman build --format docker --network host --ulimit nofile=16384:16384 --ulimit nproc=32768:32768 \
  --build-arg BASE="$BASE" -f "$KCD_SOURCE/deploy/image/Dockerfile" -t "$KCD_TEST_IMAGE" "$KCD_SOURCE" >"$WORK/build.log" 2>&1 ||
  fail "podman build failed: $(tail -20 "$WORK/build.log")"
# the build stage it leaves behind (about 1 GB) is not needed by the tests
podman image prune -f >/dev/null 2>&1 || true
pass "built $KCD_TEST_IMAGE in $((SECONDS - t0)) s"
