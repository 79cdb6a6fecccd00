#!/usr/bin/env bash
# Removes the image image_build.sh made (ctest's fixture kcd_image cleanup).
. "$KCD_SOURCE/tests/integration/lib.sh"
: "${KCD_TEST_IMAGE:?set KCD_TEST_IMAGE to the tag to remove}"
. "$KCD_SOURCE/tests/deploy/podman.sh"
podman rmi -f "$KCD_TEST_IMAGE" >/dev/null 2>&1 || true
podman image prune -f >/dev/null 2>&1 || true
! podman image exists "$KCD_TEST_IMAGE" || fail "$KCD_TEST_IMAGE is still there"
pass "removed $KCD_TEST_IMAGE"
