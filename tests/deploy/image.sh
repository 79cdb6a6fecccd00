#!/usr/bin/env bash
# The kcd image (deploy/image/Dockerfile, built by image_build.sh) run with podman as
# shared/reference/containers.md says this machine allows: a Debian 12 base made with debootstrap
# (no registry here), runc, host networking. The container runs as non-root, is configured by
# CONNECT_* variables as cp-kafka-connect is, answers its healthcheck, takes connectors from
# `kcd apply`, carries capture packets through the pcap source, Kafka and the file sink, and
# stops on `podman stop` within docker's 10 s grace period. Prints the image's size.
. "$KCD_SOURCE/tests/integration/lib.sh"
need_kafka
for tool in podman runc debootstrap; do command -v $tool >/dev/null || fail "$tool is needed (./dev deps installs it)"; done
. "$KCD_SOURCE/tests/deploy/podman.sh"
IMAGE=${KCD_TEST_IMAGE:?set KCD_TEST_IMAGE: the fixture kcd_image builds it}
podman image exists "$IMAGE" || fail "no image $IMAGE: tests/deploy/image_build.sh makes it"
NAME=kcd-test-$RUN_ID
trap 'podman rm -f "$NAME" "$NAME-dist" >/dev/null 2>&1 || true; cleanup' EXIT
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
base_size=$(podman image inspect --format '{{.Size}}' "$BASE")
echo "image $IMAGE: $((size / 1000000)) MB, of which the base $((base_size / 1000000)) MB (a debootstrap minbase;" \
     "debian:bookworm-slim is about 75 MB): kcd's layers $(((size - base_size) / 1000000)) MB"

PORT=$(free_port)
T="img-$RUN_ID"
"$TESTKIT" create-topic "$BOOTSTRAP" "$T" 1 || fail "cannot create $T"
mkdir -p "$WORK/data"
chmod 777 "$WORK/data"
podman run -d --name "$NAME" --network host \
  -v "$WORK/data:/data" -v "$KCD_SOURCE/tests/data/captures:/captures:ro" \
  -e CONNECT_BOOTSTRAP_SERVERS="$BOOTSTRAP" -e CONNECT_REST_PORT="$PORT" -e CONNECT_REST_HOST_NAME=127.0.0.1 \
  -e CONNECT_GROUP_ID=kcd-image-test -e CONNECT_CONFIG_STORAGE_TOPIC=kcd-configs \
  -e CONNECT_KEY_CONVERTER=org.apache.kafka.connect.storage.StringConverter \
  -e CONNECT_VALUE_CONVERTER=org.apache.kafka.connect.json.JsonConverter \
  -e CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE=false -e CONNECT_OFFSET_FLUSH_INTERVAL_MS=500 \
  -e CONNECT_PLUGIN_PATH=/usr/share/java "$IMAGE" >/dev/null || fail "podman run failed"
URL="http://127.0.0.1:$PORT"
deadline=$((SECONDS + 60))
until curl -sf "$URL/health" >/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "the container never answered /health: $(podman logs "$NAME" 2>&1 | tail -20)"
  sleep 0.5
done
podman healthcheck run "$NAME" >/dev/null || fail "the image's HEALTHCHECK fails"
[ "$(podman exec "$NAME" id -u)" != 0 ] || fail "kcd runs as root in the image"
podman exec "$NAME" cat /var/lib/kcd/worker.properties >"$WORK/worker.seen"
grep -qx 'value.converter.schemas.enable=false' "$WORK/worker.seen" && grep -qx "bootstrap.servers=$BOOTSTRAP" "$WORK/worker.seen" ||
  fail "CONNECT_* not mangled as cp-kafka-connect does: $(cat "$WORK/worker.seen")"
pass "image: starts as $(podman exec "$NAME" id -un), healthy, CONNECT_* mangled"

capture=aircrack-ng_test1_radiotap.pcap
want=$("$KCD_BUILD/bin/kcd-pcap" "$KCD_SOURCE/tests/data/captures/$capture" | wc -l)
mkdir -p "$WORK/connectors"
cat >"$WORK/connectors/capture.json" <<J
{"name": "capture", "config": {"connector.class": "io.kcd.connect.pcap.PcapSourceConnector", "topic": "$T", "pcap.files": "/captures/$capture"}}
J
cat >"$WORK/connectors/out.json" <<J
{"name": "out", "config": {"connector.class": "FileStreamSink", "topics": "$T", "file": "/data/packets.jsonl"}}
J
"$KCD_BUILD/bin/kcd" apply "$WORK/connectors" --url "$URL" --wait=60 >"$WORK/apply.out" 2>&1 ||
  fail "kcd apply into the container: $(cat "$WORK/apply.out")"
deadline=$((SECONDS + 120))
while [ "$(lines "$WORK/data/packets.jsonl")" -lt "$want" ]; do
  [ $SECONDS -lt $deadline ] || fail "$(lines "$WORK/data/packets.jsonl") of $want packets reached the file sink"
  sleep 0.5
done
# vendor names from Wireshark's manuf table, which the image carries, as the host's kcd-pcap gives them
"$KCD_BUILD/bin/kcd-pcap" "$KCD_SOURCE/tests/data/captures/$capture" | grep -o '"wlan_sa_resolved":\["[^"]*"' | sort >"$WORK/names.host"
grep -o '"wlan_sa_resolved":\["[^"]*"' "$WORK/data/packets.jsonl" | sort >"$WORK/names.image"
grep -q '"wlan_sa_resolved":\["[A-Za-z]' "$WORK/names.image" && cmp -s "$WORK/names.host" "$WORK/names.image" ||
  fail "the image resolves vendor names otherwise than the host: $(diff "$WORK/names.host" "$WORK/names.image" | head -5)"
pass "kcd apply -> pcap source in the image -> Kafka -> file sink: $want packets, vendor names resolved"

t0=$(date +%s.%N)
podman stop -t 10 "$NAME" >/dev/null || fail "podman stop failed"
took=$(echo "$(date +%s.%N) - $t0" | bc -l)
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME")
[ "$code" = 0 ] || fail "kcd exited $code on SIGTERM: $(podman logs "$NAME" 2>&1 | tail -10)"
[ "$(echo "$took < 10" | bc -l)" = 1 ] || fail "podman stop took $took s (docker kills at 10 s)"
printf 'PASS: podman stop: kcd exited 0 in %.1f s\n' "$took"

# KCD_MODE=distributed: the same image as a worker of a Connect cluster (cp-kafka-connect's
# variables), keeping its connectors in Kafka
DPORT=$(free_port)
G="img-dist-$RUN_ID"
podman run -d --name "$NAME-dist" --network host -v "$WORK/data:/data" -e KCD_MODE=distributed \
  -e CONNECT_BOOTSTRAP_SERVERS="$BOOTSTRAP" -e CONNECT_REST_PORT="$DPORT" -e CONNECT_REST_HOST_NAME=127.0.0.1 \
  -e CONNECT_REST_ADVERTISED_HOST_NAME=127.0.0.1 -e CONNECT_GROUP_ID="$G" \
  -e CONNECT_CONFIG_STORAGE_TOPIC="$G-configs" -e CONNECT_OFFSET_STORAGE_TOPIC="$G-offsets" \
  -e CONNECT_STATUS_STORAGE_TOPIC="$G-status" -e CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1 \
  -e CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1 -e CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1 \
  -e CONNECT_KEY_CONVERTER=org.apache.kafka.connect.storage.StringConverter \
  -e CONNECT_VALUE_CONVERTER=org.apache.kafka.connect.storage.StringConverter "$IMAGE" >/dev/null ||
  fail "podman run (distributed) failed"
DURL="http://127.0.0.1:$DPORT"
deadline=$((SECONDS + 60))
until curl -sf "$DURL/health" >/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "the distributed container never answered /health: $(podman logs "$NAME-dist" 2>&1 | tail -20)"
  sleep 0.5
done
code=$(curl -s -o "$WORK/dist-put.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' "$DURL/connectors/out-dist/config" \
  -d "{\"connector.class\":\"FileStreamSink\",\"topics\":\"$T\",\"file\":\"/data/dist.jsonl\"}")
[ "$code" = 201 ] || fail "PUT into the distributed container: $code $(cat "$WORK/dist-put.json")"
deadline=$((SECONDS + 120))
while [ "$(lines "$WORK/data/dist.jsonl")" -lt "$want" ]; do
  [ $SECONDS -lt $deadline ] || fail "$(lines "$WORK/data/dist.jsonl") of $want packets reached the distributed worker's sink: $(podman logs "$NAME-dist" 2>&1 | tail -10)"
  sleep 0.5
done
# into files first: grep -q leaves at its first match, and a writer with more to say then dies of
# SIGPIPE, which pipefail reports as this check failing
podman logs "$NAME-dist" >"$WORK/dist.log" 2>&1 || fail "podman logs (distributed) failed"
grep -q "distributed worker starting" "$WORK/dist.log" || fail "KCD_MODE=distributed did not start kcd distributed"
"$TESTKIT" dump "$BOOTSTRAP" "$G-configs" >"$WORK/dist-configs.tsv" || fail "cannot read the config topic $G-configs"
grep -q 'out-dist' "$WORK/dist-configs.tsv" || fail "the connector is not in the config topic $G-configs"
podman stop -t 10 "$NAME-dist" >/dev/null || fail "podman stop (distributed) failed"
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME-dist")
[ "$code" = 0 ] || fail "kcd distributed exited $code on SIGTERM: $(podman logs "$NAME-dist" 2>&1 | tail -10)"
pass "KCD_MODE=distributed: the image joins group $G, keeps its connector in $G-configs, delivers $want packets, stops cleanly"
