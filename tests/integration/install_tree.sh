#!/usr/bin/env bash
# cmake --install puts bin/kcd and lib/kcd/plugins/*.so under the prefix; the tree still
# finds its plugins after it is moved, because plugin.path defaults to ../lib/kcd/plugins.
. "$(dirname "$0")/lib.sh"
cmake --install "$KCD_BUILD" --prefix "$WORK/prefix" >/dev/null || fail "cmake --install failed"
[ -x "$WORK/prefix/bin/kcd" ] || fail "no bin/kcd"
[ -f "$WORK/prefix/lib/kcd/plugins/kcd-file-source.so" ] || fail "no plugins under lib/kcd/plugins"
# every plugin the build ships is installed (kc_add_plugin installs them; the pcap source once was not)
missing=$(comm -23 <(cd "$KCD_BUILD/lib/kcd/plugins" && ls *.so | sort) <(cd "$WORK/prefix/lib/kcd/plugins" && ls *.so | sort))
[ -z "$missing" ] || fail "built but not installed: $missing"
[ "$(ls "$KCD_BUILD/lib/kcd/plugins"/*.so | wc -l)" -ge 25 ] || fail "fewer plugins built than expected"
[ -x "$WORK/prefix/bin/kcd-pcap" ] || fail "no bin/kcd-pcap"
[ -f "$WORK/prefix/include/kc/kc_plugin.h" ] || fail "no plugin headers"
[ -f "$WORK/prefix/lib/pkgconfig/kcd-plugin.pc" ] || fail "no kcd-plugin.pc"
mv "$WORK/prefix" "$WORK/moved"
"$WORK/moved/bin/kcd" plugins >"$WORK/plugins.txt" 2>&1 || fail "kcd plugins failed: $(cat "$WORK/plugins.txt")"
grep -Eq '^file-source +source +1\.0\.0 +org\.apache\.kafka\.connect\.file\.FileStreamSourceConnector' "$WORK/plugins.txt" ||
  fail "file-source not listed: $(cat "$WORK/plugins.txt")"
grep -Eq '^file-sink +sink' "$WORK/plugins.txt" || fail "file-sink not listed"
grep -Eq '^json +converter' "$WORK/plugins.txt" || fail "json converter not listed"
for p in pcap-source mongodb-source postgres-sink elasticsearch-sink neo4j-sink; do
  grep -Eq "^$p +(source|sink)" "$WORK/plugins.txt" || fail "$p not listed by the installed kcd"
done
echo "installed tree moved and still finds its plugins"

# An out-of-tree transform built against the installed headers only (deploy/examples).
command -v pkg-config >/dev/null || fail "pkg-config is needed"
cp -r "$KCD_SOURCE/deploy/examples/uppercase-topic" "$WORK/example"
PKG_CONFIG_PATH="$WORK/moved/lib/pkgconfig" make -s -C "$WORK/example" >"$WORK/make.log" 2>&1 ||
  fail "example did not build: $(cat "$WORK/make.log")"
PKG_CONFIG_PATH="$WORK/moved/lib/pkgconfig" make -s -C "$WORK/example" install >>"$WORK/make.log" 2>&1 ||
  fail "example did not install: $(cat "$WORK/make.log")"
printf 'transforms=up\ntransforms.up.type=com.example.kcd.UppercaseTopic\ntransforms.up.prefix=x.\n' >"$WORK/up.properties"
out=$(echo '{"topic":"pcap","value":1}' | "$WORK/moved/bin/kcd" transform "$WORK/up.properties")
[ "$out" = '{"topic":"x.PCAP","key":null,"value":1}' ] || fail "example transform gave: $out"
pass "the out-of-tree example builds with pkg-config kcd-plugin and runs"
