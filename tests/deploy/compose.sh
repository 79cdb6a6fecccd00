#!/usr/bin/env bash
# The pipeline's compose stack (deploy/docker-compose.yml and docker-compose.live.yml) with
# podman-compose from PyPI, as shared/reference/containers.md says this machine allows (no
# registry: the servers' official images cannot be pulled, so they are not run here):
#  1. both files parse, and what they reference holds: services named by depends_on exist, a
#     service_healthy one has a healthcheck (kcd's from its image), a completed_successfully one
#     runs once, named volumes are declared, bind-mounted folders and the build's Dockerfile exist,
#     the connectors service's folders hold connector files;
#  2. every connector file of deploy/pipeline/connectors (the pipeline's, which the compose file
#     applies) is valid against the plugins' validate endpoint of a kcd, as written;
#  3. the compose file's kcd services (kcd, capture, connectors) run for real from the kcd image,
#     with an override that puts them on the host's network and points them at the test services
#     (the connector files with only their host:port changed; the topics made as the compose
#     file's `topics` service makes them, which runs Kafka's image): the capture worker replays the
#     shipped captures, and every packet reaches PostgreSQL, OpenSearch (for Elasticsearch) and
#     Neo4j (the probe requests' devices and SSIDs); the MongoDB source copies the router's
#     devices (FerretDB has no change streams, so its task then fails, which the connectors
#     service reports by name with exit code 4 while all the others run).
. "$KCD_SOURCE/tests/integration/lib.sh"
need_kafka
need_postgres
need_opensearch
need_neo4j
need_ferretdb
for tool in podman runc debootstrap; do command -v $tool >/dev/null || fail "$tool is needed (./dev deps installs it)"; done
. "$KCD_SOURCE/tests/deploy/podman.sh"
IMAGE=${KCD_TEST_IMAGE:?set KCD_TEST_IMAGE: the fixture kcd_image builds it}
podman image exists "$IMAGE" || fail "no image $IMAGE: tests/deploy/image_build.sh makes it"

# podman-compose from PyPI (Debian's 1.0.3 cannot run host-network services)
PC_VERSION=1.6.0
PC_VENV=${KCD_CACHE:-$HOME/.cache/kcd}/podman-compose-$PC_VERSION
if ! "$PC_VENV/bin/podman-compose" --version >/dev/null 2>&1; then
  python3 -m venv "$PC_VENV" && "$PC_VENV/bin/pip" install -q "podman-compose==$PC_VERSION" >&2 ||
    fail "cannot install podman-compose $PC_VERSION from PyPI"
fi
DEPLOY=$KCD_SOURCE/deploy
PROJECT=kcd-test-$RUN_ID
pc() { (cd "$DEPLOY" && "$PC_VENV/bin/podman-compose" -p "$PROJECT" "$@"); }

# 1. the files parse, their references hold
pc -f docker-compose.yml config >"$WORK/config.yml" 2>"$WORK/config.err" ||
  fail "docker-compose.yml does not parse: $(cat "$WORK/config.err")"
KCD_CAPTURE_INTERFACE=wlan0mon pc -f docker-compose.yml -f docker-compose.live.yml config >"$WORK/live.yml" 2>"$WORK/config.err" ||
  fail "docker-compose.yml with docker-compose.live.yml does not parse: $(cat "$WORK/config.err")"
"$PC_VENV/bin/python" - "$DEPLOY" "$WORK/config.yml" "$WORK/live.yml" <<'PY' || fail "the compose files' references do not hold"
import os, re, sys, yaml
deploy, problems = sys.argv[1], []
dockerfile_health = "HEALTHCHECK" in open(os.path.join(deploy, "image/Dockerfile")).read()
for path in sys.argv[2:]:
    c = yaml.safe_load(open(path))
    services, volumes = c["services"], c.get("volumes") or {}
    for want in ("kafka", "kcd", "capture", "connectors", "topics", "postgres", "elasticsearch", "kibana", "neo4j",
                 "mongodb", "mongodb-init"):
        if want not in services: problems.append(f"{path}: no service {want}")
    for name, s in services.items():
        deps = s.get("depends_on") or {}
        for dep, how in (deps.items() if isinstance(deps, dict) else ((d, {}) for d in deps)):
            if dep not in services:
                problems.append(f"{name} depends on {dep}, which is no service"); continue
            cond, target = (how or {}).get("condition"), services[dep]
            kcd_image = str(target.get("image", "")).startswith("kcd:")
            if cond == "service_healthy" and not (target.get("healthcheck") or (kcd_image and dockerfile_health)):
                problems.append(f"{name} waits for {dep} to be healthy, which has no healthcheck")
            if cond == "service_completed_successfully" and target.get("restart") not in ("no", None):
                problems.append(f"{name} waits for {dep} to complete, which restarts")
        for v in s.get("volumes") or []:
            src = v.split(":")[0] if isinstance(v, str) else v.get("source")
            if src.startswith((".", "/")):
                if not os.path.isdir(os.path.join(deploy, src)): problems.append(f"{name} mounts {src}, which does not exist")
            elif src not in volumes: problems.append(f"{name} uses volume {src}, which is not declared")
        b = s.get("build")
        if b and not os.path.isfile(os.path.join(deploy, b["context"], b.get("dockerfile", "Dockerfile"))):
            problems.append(f"{name} builds from a Dockerfile that does not exist")
    conn = services["connectors"]
    mounts = dict((v.split(":")[1], v.split(":")[0]) for v in conn["volumes"])
    for folder in ("/connectors", conn["environment"]["CAPTURE_CONNECTORS"]):
        host = os.path.join(deploy, mounts["/connectors"], os.path.relpath(folder, "/connectors"))
        if not [f for f in os.listdir(host) if f.endswith(".json")] if os.path.isdir(host) else True:
            problems.append(f"{path}: the connectors service applies {folder}, which holds no connector file")
live = yaml.safe_load(open(sys.argv[3]))["services"]
if live["capture"].get("network_mode") != "host" or live["connectors"]["environment"]["CAPTURE_CONNECTORS"] != "/connectors/capture-live":
    problems.append("docker-compose.live.yml does not put the capture worker on the host's network with the live connector")
for p in problems: print("compose:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
pass "docker-compose.yml and docker-compose.live.yml parse (podman-compose $PC_VERSION) and their references hold"

# 2. every connector file valid as written, through the validate endpoint
CONNECTORS=$DEPLOY/pipeline/connectors
mapfile -t FILES < <(cd "$CONNECTORS" && ls ./*.json ./*/*.json | sed 's|^\./||')
[ "${#FILES[@]}" -ge 8 ] || fail "deploy/pipeline/connectors holds ${#FILES[@]} connector files"
write_worker "$WORK/worker.properties" "config.providers=env" \
  "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider"
KCD_CAPTURE_INTERFACE=lo start_kcd "$WORK/worker.properties"
URL=$(rest_url)
for f in "${FILES[@]}"; do
  python3 - "$CONNECTORS/$f" "$URL" <<'PY' || fail "deploy/pipeline/connectors/$f is not valid"
import json, sys, urllib.request
body = json.load(open(sys.argv[1]))
conf = dict(body["config"], name=body["name"])  # validate wants the name, as Connect does
req = urllib.request.Request(f"{sys.argv[2]}/connector-plugins/{conf['connector.class']}/config/validate",
                             json.dumps(conf).encode(), {"Content-Type": "application/json"}, method="PUT")
reply = json.load(urllib.request.urlopen(req))
errors = [(c["value"]["name"], c["value"]["errors"]) for c in reply["configs"] if c["value"]["errors"]]
if reply["error_count"] or errors:
    print(sys.argv[1], reply["error_count"], errors, file=sys.stderr)
    sys.exit(1)
PY
done
stop_kcd
pass "the ${#FILES[@]} connector files of deploy/pipeline/connectors are valid (validate endpoint): ${FILES[*]}"

# 3. the kcd services for real, pointed at the test services
KCD_PORT=$(free_port)
CAPTURE_PORT=$(free_port)
DB=compose_$(tr -dc 'a-z0-9' <<<"$RUN_ID")
psql_q "CREATE DATABASE $DB" || fail "cannot create database $DB"
mkdir -p "$WORK/connectors"
cp -r "$CONNECTORS/." "$WORK/connectors/"
for f in "$WORK"/connectors/*.json "$WORK"/connectors/*/*.json; do
  sed -i "s|jdbc:postgresql://postgres:5432/|jdbc:postgresql://127.0.0.1:$PG_PORT/$DB|; s|http://elasticsearch:9200|$ES_URL|;
          s|bolt://neo4j:7687|$NEO4J_URL|; s|rs0/mongodb:27017|rs0/127.0.0.1:${FERRETDB_URL##*:}|" "$f"
done
! grep -rqE 'postgres:5432|elasticsearch:9200|neo4j:7687|mongodb:27017' "$WORK/connectors" ||
  fail "a connector file still names a compose host: $(grep -rlE 'postgres:5432|elasticsearch:9200|neo4j:7687|mongodb:27017' "$WORK/connectors")"
cat >"$WORK/override.yml" <<Y
services:
  kcd:
    image: $IMAGE
    network_mode: host
    environment:
      CONNECT_BOOTSTRAP_SERVERS: "$BOOTSTRAP"
      CONNECT_REST_HOST_NAME: 127.0.0.1
      CONNECT_REST_PORT: "$KCD_PORT"
  capture:
    image: $IMAGE
    network_mode: host
    environment:
      CONNECT_BOOTSTRAP_SERVERS: "$BOOTSTRAP"
      CONNECT_REST_HOST_NAME: 127.0.0.1
      CONNECT_REST_PORT: "$CAPTURE_PORT"
  connectors:
    image: $IMAGE
    network_mode: host
    environment:
      KCD_URL: http://127.0.0.1:$KCD_PORT
      CAPTURE_URL: http://127.0.0.1:$CAPTURE_PORT
    volumes: ["$WORK/connectors:/connectors:ro"]
Y
trap 'pc -f docker-compose.yml -f "$WORK/override.yml" down -v -t 10 >/dev/null 2>&1 || true
      psql_q "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true; cleanup' EXIT

# the data's expected end: the captures' packets, the probe requests' devices and SSIDs
shopt -s nullglob
captures=("$KCD_SOURCE"/tests/data/captures/*.pcap "$KCD_SOURCE"/tests/data/captures/*.pcapng)
for c in "${captures[@]}"; do "$KCD_BUILD/bin/kcd-pcap" "$c"; done >"$WORK/packets.jsonl"
PACKETS=$(wc -l <"$WORK/packets.jsonl")
read -r DEVICES SSIDS < <(python3 - "$WORK/packets.jsonl" <<'PY'
import json, sys
probes = [r for r in map(json.loads, open(sys.argv[1])) if r.get("wlan_fc_type_subtype") == ["4"] and "wlan_sa" in r]
print(len({r["wlan_sa"][0] for r in probes}), len({(r.get("wlan_ssid") or [""])[0] for r in probes}))
PY
)
[ "$PACKETS" -gt 100 ] && [ "$DEVICES" -gt 3 ] || fail "the shipped captures give $PACKETS packets, $DEVICES probing devices"
# the topics anew, as the compose file's one-shot `topics` service makes them (its image, Kafka's,
# cannot be pulled here), and the connectors' consumer groups with them
mapfile -t TOPICS < <("$PC_VENV/bin/python" -c '
import re, sys, yaml
cmd = " ".join(yaml.safe_load(open(sys.argv[1]))["services"]["topics"]["command"])
print("\n".join(re.search(r"for t in (.*?); do", cmd).group(1).split()))' "$WORK/config.yml")
[ "${#TOPICS[@]}" -ge 9 ] || fail "the compose file's topics service makes ${#TOPICS[@]} topics: ${TOPICS[*]}"
for f in "$WORK"/connectors/*.json; do
  "$TESTKIT" delete-group "$BOOTSTRAP" "connect-$(basename "$f" .json)" >/dev/null 2>&1 || true # none yet
done
for t in "${TOPICS[@]}"; do
  "$TESTKIT" delete-topic "$BOOTSTRAP" "$t" || fail "cannot delete topic $t"
  "$TESTKIT" create-topic "$BOOTSTRAP" "$t" 1 || fail "cannot create topic $t"
done
es DELETE /pcap >/dev/null 2>&1 || true
cypher "MATCH (n) WHERE n:source OR n:ssid OR n:device DETACH DELETE n" >/dev/null || fail "cannot clear Neo4j"
mongo "
db = client.ace
db.device.delete_many({})
db.device.insert_one({'_id': 'compose-ap', 'mac': '78:8a:20:00:00:09', 'name': 'Garden AP', 'type': 'uap'})
" || fail "cannot write the router's device"

pc -f docker-compose.yml -f "$WORK/override.yml" up -d --no-deps kcd capture >"$WORK/up.log" 2>&1 ||
  fail "podman-compose up kcd capture: $(tail -20 "$WORK/up.log")"
for port in "$KCD_PORT" "$CAPTURE_PORT"; do
  deadline=$((SECONDS + 90))
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "a compose kcd service never answered /health on $port: $(pc logs 2>&1 | tail -30)"
    sleep 0.5
  done
done
for s in kcd capture; do
  podman healthcheck run "${PROJECT}_${s}_1" >/dev/null || fail "the $s service's healthcheck fails"
done
pass "the compose file's kcd and capture services run from $IMAGE, healthy"

rc=0
pc -f docker-compose.yml -f "$WORK/override.yml" run --rm --no-deps connectors >"$WORK/apply.log" 2>&1 || rc=$?
grep -q '^created SOURCE_PCAP_FILES_00' "$WORK/apply.log" || fail "the connectors service did not create the capture: $(tail -30 "$WORK/apply.log")"
for f in "$WORK"/connectors/*.json; do
  name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$f")
  grep -q "^created $name" "$WORK/apply.log" || fail "the connectors service did not create $name: $(tail -30 "$WORK/apply.log")"
done
# FerretDB has no change streams: the MongoDB source fails once its copy is done, and only it
not_running=$(grep -o 'not running after [0-9]* s: [A-Za-z0-9_-]*' "$WORK/apply.log" | awk '{print $NF}' | sort -u | tr '\n' ' ')
[ "$rc" = 4 ] && [ "$not_running" = "SOURCE_MONGODB_UNIFI_01 " ] ||
  fail "the connectors service: exit $rc, not running: [$not_running] (expected 4 and only the MongoDB source): $(tail -30 "$WORK/apply.log")"
grep -q 'SOURCE_MONGODB_UNIFI_01: task 0 FAILED: .*[Cc]hange[Ss]tream' "$WORK/apply.log" ||
  fail "the MongoDB source's failure does not give FerretDB's reason: $(grep SOURCE_MONGODB "$WORK/apply.log")"
pass "the connectors service applied deploy/pipeline/connectors to both workers: $(grep -c '^created' "$WORK/apply.log") created, the others RUNNING"

# until CMD prints WANT (the containers run the connectors; no kcd process of the test's own)
until_output() {
  local want=$1 deadline=$((SECONDS + $2)) what=$3 got=""
  shift 3
  until got=$("$@" 2>/dev/null) && [ "$got" = "$want" ]; do
    [ $SECONDS -lt $deadline ] || fail "waited for $what to give [$want], last [$got]: $(pc logs kcd 2>&1 | tail -20)"
    sleep 1
  done
}
pgq() { PG_DB=$DB psql_q "$@"; }
until_output "$PACKETS" 120 "PostgreSQL table pcap" pgq "SELECT count(*) FROM pcap"
until_output "$PACKETS" 120 "OpenSearch index pcap" es_fresh_json /pcap/_count 'r["count"]'
until_output "$DEVICES	$SSIDS" 120 "Neo4j's devices and SSIDs" cypher \
  "MATCH (d:source) WITH count(d) AS d MATCH (s:ssid) RETURN d, count(s)"
until_output True 60 "Neo4j's LOOKED_FOR_SSID edges" cypher \
  "MATCH (:source)-[r:LOOKED_FOR_SSID]->(:ssid) RETURN count(r) > 0"
[ "$(pgq "SELECT count(DISTINCT timestamp) > 100 FROM pcap")" = t ] || fail "PostgreSQL's pcap rows lack their timestamps"
until_output 1 60 "topic unifi.ace.device" "$TESTKIT" count "$BOOTSTRAP" unifi.ace.device
pass "through the compose services: $PACKETS packets in PostgreSQL and OpenSearch, $DEVICES probing devices and $SSIDS SSIDs in Neo4j, the router's device on unifi.ace.device"

for s in kcd capture; do
  pc logs "$s" >"$WORK/$s.log" 2>&1 || true
  ! grep -q "isn't a known config" "$WORK/$s.log" || fail "the $s service warns of keys it does not know: $(grep "isn't a known" "$WORK/$s.log")"
done
pc -f docker-compose.yml -f "$WORK/override.yml" down -v -t 10 >"$WORK/down.log" 2>&1 || fail "podman-compose down: $(tail "$WORK/down.log")"
pass "podman-compose down"
