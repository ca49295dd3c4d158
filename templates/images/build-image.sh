#!/bin/sh
# Builds one Debian image for the templates with no internet beyond Debian's packages:
# bookworm minbase (made once by debootstrap and cached) with PACKAGES installed by apt,
# imported with the project's own CLI and saved as a docker-archive that
# `openstack image create --file OUT --container-format docker --disk-format raw NAME` takes.
# How and why: debian-image.sh.
#
#   build-image.sh OUT.tar PACKAGES CMD_JSON
#   build-image.sh redis.tar     redis-server                                   '["redis-server","--protected-mode","no"]'
#   build-image.sh mariadb.tar   mariadb-server,curl                            '["mariadbd","--user=mysql","--bind-address=0.0.0.0"]'
#   build-image.sh wordpress.tar apache2,libapache2-mod-php,php-mysql,wordpress,curl '["apache2ctl","-D","FOREGROUND"]'
#
# An existing OUT.tar is kept (delete it to rebuild). Needs root, debootstrap and a built tree (npm run build).
set -eu
out=$1 packages=$2 cmd=$3
[ -f "$out" ] && exit 0
. "$(cd "$(dirname "$0")" && pwd)/debian-image.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/template-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
debian_rootfs "$work/rootfs" "$packages"
debian_archive "$out" "$work/rootfs" "$(basename "$out" .tar)" -c "CMD $cmd"
