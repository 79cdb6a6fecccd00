#!/usr/bin/env bash
# cmake --install puts bin/kcd and lib/kcd/plugins/*.so under the prefix; the tree still
# finds its plugins after it is moved, because plugin.path defaults to ../lib/kcd/plugins.
. "$(dirname "$0")/lib.sh"
cmake --install "$KCD_BUILD" --prefix "$WORK/prefix" >/dev/null || fail "cmake --install failed"
[ -x "$WORK/prefix/bin/kcd" ] || fail "no bin/kcd"
[ -f "$WORK/prefix/lib/kcd/plugins/kcd-file-source.so" ] || fail "no plugins under lib/kcd/plugins"
[ -f "$WORK/prefix/include/kc/kc_plugin.h" ] || fail "no plugin headers"
[ -f "$WORK/prefix/lib/pkgconfig/kcd-plugin.pc" ] || fail "no kcd-plugin.pc"
mv "$WORK/prefix" "$WORK/moved"
"$WORK/moved/bin/kcd" plugins >"$WORK/plugins.txt" 2>&1 || fail "kcd plugins failed: $(cat "$WORK/plugins.txt")"
grep -Eq '^file-source +source +1\.0\.0 +org\.apache\.kafka\.connect\.file\.FileStreamSourceConnector' "$WORK/plugins.txt" ||
  fail "file-source not listed: $(cat "$WORK/plugins.txt")"
grep -Eq '^file-sink +sink' "$WORK/plugins.txt" || fail "file-sink not listed"
grep -Eq '^json +converter' "$WORK/plugins.txt" || fail "json converter not listed"
pass "installed tree moved and still finds its plugins"
