# Debian packages Intermodal needs, sourced by bin/up.sh and .ci/run so the two never drift.
# shellcheck shell=bash

# To build and run the engine: the OCI runtime, the container monitor, and a toolchain for
# the native addons (ours and better-sqlite3).
RUNTIME_PACKAGES=(runc conmon crun iproute2 nftables zstd isal ca-certificates python3 make g++ tar gzip e2fsprogs mount lxcfs)

# What the tests use as real peers and fixtures: busybox-static for test images, skopeo and
# umoci to check our archives, docker-registry (with htpasswd from apache2-utils and openssl
# for a token server's certificate) as the registry peer, and the real OpenStack clients
# for the acceptance tests.
TEST_PACKAGES=(busybox-static skopeo umoci docker-registry apache2-utils openssl python3-openstackclient python3-glanceclient python3-heatclient docker.io debootstrap curl openssh-client wrk)

# Installs whichever of the named packages are missing (apt-get update only when needed).
install_missing_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"
}
