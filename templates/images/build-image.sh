#!/bin/sh
# Builds one Debian image for the templates with no internet beyond Debian's packages:
# `debootstrap --variant=minbase --include=PACKAGES bookworm` from the mirror apt already
# uses, imported with the project's own CLI and saved as a docker-archive that
# `openstack image create --file OUT --container-format docker --disk-format raw NAME` takes.
#
#   build-image.sh OUT.tar PACKAGES CMD_JSON
#   build-image.sh redis.tar     redis-server                                   '["redis-server","--protected-mode","no"]'
#   build-image.sh mariadb.tar   mariadb-server                                 '["mariadbd","--user=mysql","--bind-address=0.0.0.0"]'
#   build-image.sh wordpress.tar apache2,libapache2-mod-php,php-mysql,wordpress '["apache2ctl","-D","FOREGROUND"]'
#
# An existing OUT.tar is kept (delete it to rebuild). Needs root, debootstrap and a built tree (npm run build).
set -eu
out=$1 packages=$2 cmd=$3
[ -f "$out" ] && exit 0
here=$(cd "$(dirname "$0")" && pwd)
cli="$here/../../dist/intermodal.mjs"
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\([^[:space:]]*\/debian\)[[:space:]]\{1,\}bookworm.*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)
[ -n "$mirror" ] || { echo "no Debian mirror in apt sources" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/template-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
debootstrap --variant=minbase --include="$packages" bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
# No package cache, no device nodes (the runtime makes /dev) in the image.
rm -rf "$work/rootfs/var/cache/apt/archives"/*.deb "$work/rootfs/var/lib/apt/lists"/* "$work/rootfs/dev"/*
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
name="templates/$(basename "$out" .tar):latest"
node "$cli" --data-dir "$work/store" import -c "CMD $cmd" -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$work/rootfs.tar" "$name" >/dev/null
node "$cli" --data-dir "$work/store" save -o "$out.tmp" "$name"
mv "$out.tmp" "$out"
