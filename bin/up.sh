#!/usr/bin/env bash
# `npm run up`: makes this machine ready and starts Intermodal. Installs missing Debian
# packages and npm dependencies, builds, then checks the host and reports.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "npm run up must run as root: the engine mounts overlayfs and runs runc." >&2
  exit 1
fi

. bin/system-packages.sh
install_missing_packages "${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
modprobe overlay 2>/dev/null || true

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-fund --no-audit
fi
npm run build --silent

DATA_DIR=${INTERMODAL_DATA_DIR:-/var/lib/intermodal}
LISTEN=${INTERMODAL_LISTEN:-127.0.0.1:8080}
node dist/intermodal.mjs --data-dir "$DATA_DIR" info

# Start the API server in the background unless one is already running on this data dir.
if [ -f "$DATA_DIR/serve.pid" ] && kill -0 "$(cat "$DATA_DIR/serve.pid")" 2>/dev/null; then
  echo "intermodal serve is already running (pid $(cat "$DATA_DIR/serve.pid"))"
else
  mkdir -p "$DATA_DIR"
  setsid nohup node dist/intermodal.mjs --data-dir "$DATA_DIR" serve --listen "$LISTEN" --log-file "$DATA_DIR/api.log" \
    > "$DATA_DIR/serve.out" 2>&1 < /dev/null &
  for _ in $(seq 1 100); do
    grep -q 'listening on' "$DATA_DIR/serve.out" 2>/dev/null && break
    sleep 0.1
  done
  cat "$DATA_DIR/serve.out"
fi
echo
echo "OpenStack API: http://$LISTEN  (admin credentials in $DATA_DIR/clouds.yaml and $DATA_DIR/openrc)"
echo "  OS_CLIENT_CONFIG_FILE=$DATA_DIR/clouds.yaml openstack --os-cloud intermodal server list"
