# Shell functions (sourced, POSIX sh) that make Debian bookworm images from Debian's
# packages only, for build-image.sh and any other image script under templates/images/.
#
#   . templates/images/debian-image.sh
#   debian_rootfs DIR PACKAGES     # DIR gets the shared minbase with PACKAGES (comma list) installed
#   debian_archive OUT DIR NAME [-c INSTRUCTION]...   # DIR as a one-layer docker-archive OUT
#
# Where the time goes, and why it is built this way: `debootstrap --include=P` unpacks and
# configures the whole minbase again for every image (about a minute each on a 2-core
# machine), while installing P with apt into a copy of an already configured minbase takes
# seconds. So one minbase is made once (debootstrap --variant=minbase), kept as a tar in
# the cache, and every image starts from a copy of it. dpkg runs with force-unsafe-io (no
# fsync per file: a half-built image is thrown away anyway) and skips docs, man pages and
# translations (path-exclude, as Debian's slim container images do). Downloaded .debs stay
# in the cache (debootstrap --cache-dir, apt's archives), so a rebuild downloads nothing.
#
# The cache is $INTERMODAL_DEBIAN_CACHE (default /var/cache/intermodal/debian); delete it to
# start afresh. Needs root, debootstrap, unshare and flock (util-linux). Every mount (proc
# and device nodes for package scripts, the .deb cache) is made in a private mount
# namespace, so none outlives the build, even a failed one.

debian_cache=${INTERMODAL_DEBIAN_CACHE:-/var/cache/intermodal/debian}
debian_suite=bookworm

# The Debian mirror apt on this machine uses.
debian_mirror() {
  _m=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
  [ -n "$_m" ] || _m=$(sed -n 's/^deb[[:space:]]\{1,\}\([^[:space:]]*\/debian\)[[:space:]]\{1,\}bookworm.*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)
  [ -n "$_m" ] || { echo "no Debian mirror in apt sources" >&2; return 1; }
  echo "$_m"
}

# Removes from DIR what no image needs: the .deb caches, docs but their copyright files,
# man and info pages, translations, device nodes (the runtime makes /dev), and the package
# lists unless told `keep-lists`.
debian_slim() {
  [ "${2:-}" = keep-lists ] || rm -rf "$1/var/lib/apt/lists"/*
  rm -rf "$1/var/cache/apt/archives"/*.deb "$1/var/cache/apt"/*.bin "$1/dev"/* \
    "$1/usr/share/man"/* "$1/usr/share/info"/* "$1/usr/share/lintian"
  find "$1/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
  find "$1/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  find "$1/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
}

# Prints the path of the cached minbase tar, making it first if it is missing. Several
# builds at once make it once (flock); a failed attempt leaves nothing behind.
debian_base() {
  mkdir -p "$debian_cache/debs"
  _base="$debian_cache/$debian_suite-minbase.tar"
  (
    flock 9
    [ -f "$_base" ] && exit 0
    _mirror=$(debian_mirror) || exit 1
    _work=$(mktemp -d "${TMPDIR:-/tmp}/debian-base.XXXXXX")
    trap 'rm -rf "$_work"' EXIT
    _root="$_work/rootfs"
    # First stage only downloads and extracts; dpkg is set up before the second stage runs it.
    debootstrap --foreign --variant=minbase --cache-dir="$debian_cache/debs" "$debian_suite" "$_root" "$_mirror" >"$_work/log" 2>&1 \
      || { tail -n 30 "$_work/log" >&2; exit 1; }
    mkdir -p "$_root/etc/dpkg/dpkg.cfg.d" || exit 1
    printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' 'path-exclude=/usr/share/man/*' \
      'path-exclude=/usr/share/info/*' 'path-exclude=/usr/share/locale/*' 'path-include=/usr/share/locale/locale.alias' \
      'path-exclude=/usr/share/lintian/*' >"$_root/etc/dpkg/dpkg.cfg.d/01-slim-image"
    echo force-unsafe-io >"$_root/etc/dpkg/dpkg.cfg.d/02-build-unsafe-io" || exit 1
    unshare --mount --propagation private chroot "$_root" /debootstrap/debootstrap --second-stage >>"$_work/log" 2>&1 \
      || { tail -n 30 "$_work/log" >&2; exit 1; }
    # The package lists stay, so images install from the base without downloading them again.
    debian_slim "$_root" keep-lists
    tar -C "$_root" -cf "$_base.tmp" . && mv "$_base.tmp" "$_base" || { rm -f "$_base.tmp"; exit 1; }
  ) 9>"$debian_cache/.lock" || return 1
  echo "$_base"
}

# Makes DIR (which must not exist) a copy of the minbase with PACKAGES (comma-separated)
# installed by apt, without recommended packages and without starting any service.
debian_rootfs() {
  _dir=$1 _packages=$2
  _base=$(debian_base) || return 1
  mkdir "$_dir" && tar -C "$_dir" -xf "$_base" || return 1
  [ -n "$_packages" ] || { rm -f "$_dir/etc/dpkg/dpkg.cfg.d/02-build-unsafe-io"; return 0; }
  cp /etc/resolv.conf "$_dir/etc/resolv.conf" || return 1
  printf '#!/bin/sh\n# No service starts while the image is built.\nexit 101\n' >"$_dir/usr/sbin/policy-rc.d" && chmod 755 "$_dir/usr/sbin/policy-rc.d"
  mkdir -p "$debian_cache/debs/partial"
  _list=$(echo "$_packages" | tr ',' ' ')
  # Lists older than the mirror name .debs it no longer has: then update them and try again.
  unshare --mount --propagation private sh -c '
    set -e
    mount -t proc proc "$1/proc"
    # The base has an empty /dev: package scripts (and apt, as _apt) need the usual device nodes.
    mount -t tmpfs -o mode=755 dev "$1/dev"
    for node in null zero full random urandom tty; do : >"$1/dev/$node" && mount --bind "/dev/$node" "$1/dev/$node"; done
    mount --bind "$2" "$1/var/cache/apt/archives"
    install() { DEBIAN_FRONTEND=noninteractive chroot "$1" apt-get -q -o Dpkg::Use-Pty=0 install -y --no-install-recommends $3; }
    install "$@" || { chroot "$1" apt-get -q update && install "$@"; }
  ' sh "$_dir" "$debian_cache/debs" "$_list" >"$_dir.log" 2>&1 || { tail -n 30 "$_dir.log" >&2; rm -f "$_dir.log"; return 1; }
  rm -f "$_dir.log" "$_dir/usr/sbin/policy-rc.d" "$_dir/etc/resolv.conf" "$_dir/etc/dpkg/dpkg.cfg.d/02-build-unsafe-io"
  debian_slim "$_dir"
}

# Writes DIR as the docker-archive OUT, tagged templates/NAME:latest, with the image config
# instructions given (`-c 'CMD [...]'`, ...), using the project's own CLI: $intermodal_cli,
# or dist/intermodal.mjs found from $0 when the calling script is in templates/images/.
debian_archive() {
  _out=$1 _dir=$2 _name=$3
  shift 3
  _cli=${intermodal_cli:-$(cd "$(dirname "$0")" && pwd)/../../dist/intermodal.mjs}
  _store=$(mktemp -d "${TMPDIR:-/tmp}/image-store.XXXXXX")
  tar -C "$_dir" -cf "$_store/rootfs.tar" . \
    && node "$_cli" --data-dir "$_store/data" import "$@" -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$_store/rootfs.tar" "templates/$_name:latest" >/dev/null \
    && node "$_cli" --data-dir "$_store/data" save -o "$_out.$$.tmp" "templates/$_name:latest" \
    && mv "$_out.$$.tmp" "$_out"
  _rc=$?
  # Each build writes its own temporary name: two building the same OUT each end with a whole archive.
  rm -rf "$_store" "$_out.$$.tmp"
  return $_rc
}
