#!/bin/sh
# Builds a Debian bookworm image that boots like a small machine (systemd as pid 1, sshd
# started by it) for servers in system-container mode, with `debootstrap --variant=minbase`
# from the mirror apt already uses, the way build-image.sh makes the template images.
#
#   build-system-image.sh OUT.tar [GLANCE_NAME]
#
# OUT.tar is a docker-archive; an existing one is kept (delete it to rebuild), so a CI job
# builds it once. With GLANCE_NAME it is also uploaded with the `openstack` client of the
# caller's environment (OS_CLOUD or OS_* variables), with the image property
# `intermodal_init=system` that makes servers boot its /sbin/init instead of its CMD.
# Needs root, debootstrap and a built tree (npm run build).
set -eu
out=$1 name=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
cli="$here/../../dist/intermodal.mjs"
if [ ! -f "$out" ]; then
  mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
  [ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\([^[:space:]]*\/debian\)[[:space:]]\{1,\}bookworm.*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)
  [ -n "$mirror" ] || { echo "no Debian mirror in apt sources" >&2; exit 1; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/system-image.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  root="$work/rootfs"
  # systemd-sysv gives /sbin/init; procps gives free; sudo for cloud-config users with sudo rules.
  debootstrap --variant=minbase --include=systemd-sysv,openssh-server,procps,sudo bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
  # Each server makes its own SSH host keys and machine id at first boot, not one shared set.
  rm -f "$root"/etc/ssh/ssh_host_*
  mkdir -p "$root/etc/systemd/system/ssh.service.d"
  printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' >"$root/etc/systemd/system/ssh.service.d/host-keys.conf"
  : >"$root/etc/machine-id"
  # Not the build host's name: each server gets its own from the runtime.
  echo localhost >"$root/etc/hostname"
  # Units that manage a machine's hardware or kernel, which a container has no say over.
  for unit in systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service sys-kernel-config.mount \
    sys-kernel-debug.mount sys-kernel-tracing.mount systemd-remount-fs.service getty@tty1.service console-getty.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done
  # No package cache, no device nodes (the runtime makes /dev), no documentation in the image.
  rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/* "$root/dev"/* \
    "$root/usr/share/doc"/* "$root/usr/share/man"/* "$root/usr/share/info"/* "$root/usr/share/locale"/*
  tar -C "$root" -cf "$work/rootfs.tar" .
  ref="templates/$(basename "$out" .tar):latest"
  # SIGRTMIN+3 (37) is systemd's "halt": a graceful power-off. As a number: runc does not know its name.
  node "$cli" --data-dir "$work/store" import -c 'CMD ["/sbin/init"]' -c 'STOPSIGNAL 37' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$work/rootfs.tar" "$ref" >/dev/null
  # A name of its own: two jobs building at once each finish with a whole archive.
  node "$cli" --data-dir "$work/store" save -o "$out.$$.tmp" "$ref"
  mv "$out.$$.tmp" "$out"
fi
[ -z "$name" ] || openstack image create --file "$out" --container-format docker --disk-format raw --property intermodal_init=system "$name" >/dev/null
