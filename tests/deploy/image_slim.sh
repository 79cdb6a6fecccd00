#!/usr/bin/env bash
# The capture-side image: deploy/image/Dockerfile with --build-arg KCD_PLUGINS_OFF=mongodb, which
# leaves out the MongoDB plugin and mongo-c-driver with the ICU it brings (KC_PLUGIN_MONGODB=OFF).
# It lists every other plugin and no MongoDB source, has no libmongoc, runs the pcap source to a
# file, and prints its size beside the full image's.
. "$KCD_SOURCE/tests/integration/lib.sh"
for tool in podman runc debootstrap; do command -v $tool >/dev/null || fail "$tool is needed (./dev deps installs it)"; done
. "$KCD_SOURCE/tests/deploy/podman.sh"
FULL=${KCD_TEST_IMAGE:?set KCD_TEST_IMAGE: the fixture kcd_image builds it}
IMAGE=localhost/kcd:slim-$RUN_ID
trap 'podman rmi -f "$IMAGE" >/dev/null 2>&1 || true; podman image prune -f >/dev/null 2>&1 || true; cleanup' EXIT
podman build --format docker --network host --ulimit nofile=16384:16384 --ulimit nproc=32768:32768 \
  --build-arg BASE="$BASE" --build-arg KCD_PLUGINS_OFF=mongodb -f "$KCD_SOURCE/deploy/image/Dockerfile" \
  -t "$IMAGE" "$KCD_SOURCE" >"$WORK/build.log" 2>&1 || fail "podman build failed: $(tail -20 "$WORK/build.log")"
podman run --rm --network host "$IMAGE" plugins >"$WORK/plugins" 2>&1 || fail "kcd plugins in the image: $(cat "$WORK/plugins")"
# the MongoDB source is gone; Debezium's ExtractNewDocumentState (a transform needing no driver) stays
! grep -q MongoDbConnector "$WORK/plugins" || fail "the slim image has the MongoDB plugin: $(grep -i mongo "$WORK/plugins")"
grep -q ExtractNewDocumentState "$WORK/plugins" || fail "the slim image lacks the ExtractNewDocumentState transform"
for p in PcapSourceConnector ElasticsearchSinkConnector Neo4jSinkConnector JdbcSinkConnector FileStreamSink; do
  grep -q "$p" "$WORK/plugins" || fail "the slim image lacks $p: $(cat "$WORK/plugins")"
done
podman run --rm --network host --entrypoint /bin/ls "$IMAGE" /usr/lib/x86_64-linux-gnu/ >"$WORK/libs" ||
  fail "cannot list the image's libraries"
grep -q '^librdkafka' "$WORK/libs" || fail "no librdkafka in the listing: $(head -5 "$WORK/libs")"
! grep -E '^lib(mongoc|icu)' "$WORK/libs" || fail "the slim image still carries libmongoc or ICU"
mkdir -p "$WORK/data" && chmod 777 "$WORK/data"
capture=aircrack-ng_test1_radiotap.pcap
want=$("$KCD_BUILD/bin/kcd-pcap" "$KCD_SOURCE/tests/data/captures/$capture" | wc -l)
cat >"$WORK/data/worker.properties" <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=/data/offsets
plugin.path=/opt/kcd/lib/kcd/plugins
listeners=http://127.0.0.1:0
P
printf 'name=capture\nconnector.class=PcapSourceConnector\npcap.files=/captures/%s\ntopic=pcap\n' "$capture" >"$WORK/data/source.properties"
printf 'name=out\nconnector.class=FileStreamSink\ntopics=pcap\nfile=/data/packets.jsonl\n' >"$WORK/data/sink.properties"
# the embedded broker: the image alone, nothing else needed
podman run -d --name "slim-$RUN_ID" --network host -v "$WORK/data:/data" -v "$KCD_SOURCE/tests/data/captures:/captures:ro" \
  --entrypoint kcd "$IMAGE" standalone /data/worker.properties /data/source.properties /data/sink.properties >/dev/null ||
  fail "podman run failed"
trap 'podman rm -f "slim-$RUN_ID" >/dev/null 2>&1 || true; podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
      podman image prune -f >/dev/null 2>&1 || true; cleanup' EXIT
deadline=$((SECONDS + 60))
while [ "$(lines "$WORK/data/packets.jsonl")" -lt "$want" ]; do
  [ $SECONDS -lt $deadline ] || fail "$(lines "$WORK/data/packets.jsonl") of $want packets: $(podman logs "slim-$RUN_ID" 2>&1 | tail -10)"
  sleep 0.5
done
podman stop -t 10 "slim-$RUN_ID" >/dev/null
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
full=$(podman image inspect --format '{{.Size}}' "$FULL")
base=$(podman image inspect --format '{{.Size}}' "$BASE")
pass "capture-side image (KCD_PLUGINS_OFF=mongodb): every other plugin, no libmongoc or ICU, $want packets through the pcap source; kcd's layers $(((size - base) / 1000000)) MB (full image's $(((full - base) / 1000000)) MB), about $((75 + (size - base) / 1000000)) MB on debian:bookworm-slim"
