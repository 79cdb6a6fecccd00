#!/bin/sh
# The worker config from the environment, as Confluent's cp-kafka-connect image makes it:
# CONNECT_<NAME> becomes <name> with "_" -> ".", "__" -> "_" and "___" -> "-"
# (CONNECT_BOOTSTRAP_SERVERS -> bootstrap.servers, CONNECT_CONFIG_PROVIDERS -> config.providers).
# CONNECT_REST_PORT (8083) and CONNECT_REST_HOST_NAME (all interfaces) make the listener unless
# CONNECT_LISTENERS is given. Arguments are connector files passed to `kcd standalone`; a first
# argument that is a kcd command (apply, plugins, version, ...) runs that instead. KCD_MODE=distributed
# runs `kcd distributed` (a worker of the CONNECT_GROUP_ID cluster, on the CONNECT_*_STORAGE_TOPIC
# topics) instead of standalone.
set -eu
case "${1:-}" in
  apply|plugins|transform|version|help|--help|--version) exec kcd "$@" ;;
esac
config=${KCD_WORKER_CONFIG:-/var/lib/kcd/worker.properties}
env | LC_ALL=C sort | while IFS='=' read -r name value; do
  case "$name" in
    CONNECT_*) ;;
    *) continue ;;
  esac
  key=$(printf '%s' "${name#CONNECT_}" | tr 'A-Z' 'a-z' | sed 's/_/./g; s/\.\.\./-/g; s/\.\./_/g')
  case "$key" in rest.port|rest.host.name) continue ;; esac
  printf '%s=%s\n' "$key" "$value"
done >"$config.tmp"
grep -q '^listeners=' "$config.tmp" ||
  echo "listeners=http://${CONNECT_REST_HOST_NAME:-}:${CONNECT_REST_PORT:-8083}" >>"$config.tmp"
grep -q '^offset.storage.file.filename=' "$config.tmp" ||
  echo "offset.storage.file.filename=/var/lib/kcd/offsets" >>"$config.tmp"
# kcd's own plugins always, after a cp-kafka-connect style CONNECT_PLUGIN_PATH (whose Java folders
# simply hold nothing kcd loads)
if grep -q '^plugin.path=' "$config.tmp"; then
  sed -i 's|^plugin.path=.*|&,/opt/kcd/lib/kcd/plugins,/opt/kcd/plugins-extra|' "$config.tmp"
else
  echo "plugin.path=/opt/kcd/lib/kcd/plugins,/opt/kcd/plugins-extra" >>"$config.tmp"
fi
mv "$config.tmp" "$config"
if [ "${KCD_MODE:-standalone}" = distributed ]; then
  [ $# -eq 0 ] || { echo "kcd: a distributed worker takes its connectors through REST (kcd apply), not as arguments" >&2; exit 2; }
  exec kcd distributed "$config"
fi
if [ -n "${CONNECT_GROUP_ID:-}" ]; then
  # cp-kafka-connect's variables without KCD_MODE: kept standalone, so a stack made for one worker
  # does not change how it stores its connectors
  echo "kcd: CONNECT_GROUP_ID is set; running standalone (KCD_MODE=distributed joins the group)" >&2
fi
exec kcd standalone "$config" "$@"
