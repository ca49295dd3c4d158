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

node dist/intermodal.mjs info
