#!/usr/bin/env bash
# Generated requests against the OpenAPI document (schemathesis from PyPI): at least 2,000
# requests, every answer's status code, content type and body as rest/openapi.yaml documents
# them (so no undocumented 5xx), no crash, and the worker still answers afterwards.
. "$(dirname "$0")/lib.sh"
need_kafka
VENV=${KCD_CACHE:-$HOME/.cache/kcd}/venv
ST_VERSION=4.32.5
if ! "$VENV/bin/st" --version 2>/dev/null | matches "$ST_VERSION"; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "schemathesis==$ST_VERSION" || fail "cannot install schemathesis"
fi
write_worker "$WORK/worker.properties"
seq 1 100 >"$WORK/in.txt"
printf 'name=existing\nconnector.class=FileStreamSource\nfile=%s\ntopic=it-st-%s\n' "$WORK/in.txt" "$RUN_ID" >"$WORK/c.properties"
start_kcd "$WORK/worker.properties" "$WORK/c.properties"
port=""
for _ in $(seq 1 100); do
  port=$(grep -o 'REST server listening on http://127.0.0.1:[0-9]*' "$WORK/kcd.log" | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "kcd did not report its REST port"
rc=0
"$VENV/bin/st" run "http://127.0.0.1:$port/openapi.yaml" \
  -c status_code_conformance,content_type_conformance,response_schema_conformance \
  -n "${KCD_ST_EXAMPLES:-60}" --request-timeout 30 >"$WORK/st.log" 2>&1 || rc=$?
tail -25 "$WORK/st.log"
[ "$rc" = 0 ] || fail "schemathesis found failures (exit $rc)"
generated=$(grep -oE '[0-9]+ generated' "$WORK/st.log" | tail -1 | grep -oE '[0-9]+')
[ "${generated:-0}" -ge 2000 ] || fail "only ${generated:-0} requests generated, want at least 2000"
kill -0 "$KCD_PID" || fail "kcd died"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/connectors/existing/status")
[ "$code" = 200 ] || fail "kcd no longer answers after the run (HTTP $code)"
stop_kcd
pass "$generated generated requests, all answered as documented; kcd still answering"
