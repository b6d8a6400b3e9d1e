# shellcheck shell=bash
# Shared by the guest-image scripts (through guest-image.sh) and scripts/kvm-host (the
# emulated KVM host): Debian's stock kernel package fetched and unpacked without installing
# it, the closure of modules a guest needs, and a busybox initramfs built without root.
# Source it. The caller defines two ways to fail: `unavailable WHY` when something cannot be
# had here (no network, not root, the package is gone), and `die WHY` for anything else.
#
# Globals it sets: KERNEL_PACKAGE KERNEL_VERSION KERNEL_DEB (kernel_fetch),
# KERNEL_ROOT KERNEL_MODDIR KERNEL_RELEASE (kernel_unpack), MODULE_ORDER (module_closure).

as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
apt_updated=0

# Installs whichever of the named Debian packages are missing, and nothing else.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if [ $apt_updated -eq 0 ]; then
    "${as_root[@]}" apt-get update -qq || unavailable "apt-get update failed (no network, or not root?)"
    apt_updated=1
  fi
  # ctest -j runs the image builds side by side: wait for another's dpkg lock, not fail.
  "${as_root[@]}" apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null ||
    unavailable "cannot install ${missing[*]} with apt-get (scripts/install-deps installs them as root)"
}

# Downloads the kernel package linux-image-amd64 depends on (or $KERNEL_PACKAGE) into
# CACHE_DIR, reusing a download already there.
kernel_fetch() {
  local cache=$1 file log
  mkdir -p "$cache"
  if ! apt-cache show linux-image-amd64 >/dev/null 2>&1 && [ $apt_updated -eq 0 ]; then
    "${as_root[@]}" apt-get update -qq || unavailable "apt-get update failed (no network, or not root?)"
    apt_updated=1
  fi
  KERNEL_PACKAGE=${KERNEL_PACKAGE:-}
  if [ -z "$KERNEL_PACKAGE" ]; then
    KERNEL_PACKAGE=$(apt-cache depends linux-image-amd64 2>/dev/null |
      awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    [ -n "$KERNEL_PACKAGE" ] ||
      unavailable "cannot resolve linux-image-amd64 to a versioned kernel package (apt-cache depends linux-image-amd64)"
  fi
  local info
  info=$(apt-cache show --no-all-versions "$KERNEL_PACKAGE" 2>/dev/null) || info=""
  KERNEL_VERSION=$(sed -n 's/^Version: //p' <<<"$info" | sed -n 1p)
  file=$(sed -n 's/^Filename: //p' <<<"$info" | sed -n 1p)
  if [ -z "$KERNEL_VERSION" ] || [ -z "$file" ]; then unavailable "package $KERNEL_PACKAGE not known to apt"; fi
  KERNEL_DEB=$cache/$(basename "$file")
  # ctest -j starts the emulated host and the guest image builds side by side, all fetching
  # into one cache: one downloads while the others wait on the lock, and the package appears
  # under its name only when it is whole (a rename), so no one unpacks half a download.
  local lock tmp old
  exec {lock}>"$cache/fetch.lock"
  flock "$lock"
  if [ ! -s "$KERNEL_DEB" ]; then
    echo "downloading $KERNEL_PACKAGE $KERNEL_VERSION" >&2
    tmp=$(mktemp -d "$cache/download.XXXXXX")
    log=$cache/download.log
    # apt-get download warns when run as root into a directory _apt cannot write; harmless.
    (cd "$tmp" && apt-get download -q "$KERNEL_PACKAGE=$KERNEL_VERSION") >"$log" 2>&1 || true
    if [ -s "$tmp/$(basename "$file")" ]; then
      for old in "$cache"/linux-image-*.deb; do [ -e "$old" ] && rm -f "$old"; done
      mv "$tmp/$(basename "$file")" "$KERNEL_DEB"
    fi
    rm -rf "$tmp"
  fi
  exec {lock}>&-
  [ -s "$KERNEL_DEB" ] || unavailable "apt-get download $KERNEL_PACKAGE=$KERNEL_VERSION failed: $(grep -m1 -E '^(E|W):' "$log")"
}

# Unpacks KERNEL_DEB into DEST (dpkg-deb -x: nothing is installed) and runs depmod there.
kernel_unpack() {
  local dest=$1
  dpkg-deb -x "$KERNEL_DEB" "$dest" || die "cannot unpack $KERNEL_DEB"
  KERNEL_ROOT=$dest
  KERNEL_MODDIR=lib/modules
  [ -d "$dest/$KERNEL_MODDIR" ] || KERNEL_MODDIR=usr/lib/modules
  KERNEL_RELEASE=$(ls "$dest/$KERNEL_MODDIR")
  [ "$(echo "$KERNEL_RELEASE" | wc -l)" -eq 1 ] || die "expected one kernel release in $KERNEL_DEB, found: $KERNEL_RELEASE"
  [ -f "$dest/boot/vmlinuz-$KERNEL_RELEASE" ] || die "no boot/vmlinuz-$KERNEL_RELEASE in $KERNEL_DEB"
  depmod -b "$dest" "$KERNEL_RELEASE"
}

# MODULE_ORDER := the modules (paths relative to the release's module directory) that the
# named modules need, dependencies first, each once; built-in ones are left out.
# `modprobe --show-depends` prints "insmod PATH" per module to load and "builtin NAME".
module_closure() {
  local top kind path rel
  local -A seen=()
  MODULE_ORDER=()
  for top in "$@"; do
    while read -r kind path _; do
      case $kind in
        insmod)
          rel=${path#"$KERNEL_ROOT/$KERNEL_MODDIR/$KERNEL_RELEASE/"}
          if [ -z "${seen[$rel]:-}" ]; then seen[$rel]=1; MODULE_ORDER+=("$rel"); fi ;;
        builtin) ;;
        *) die "unexpected modprobe output for $top: $kind $path" ;;
      esac
    done < <(modprobe -d "$KERNEL_ROOT" -S "$KERNEL_RELEASE" --show-depends "$top" 2>&1)
  done
}

# A busybox-static root in ROOT: the applets as links, the usual mount points, and the
# modules of MODULE_ORDER with modules.dep and their load order in etc/MODULE_LIST.
initramfs_tree() {
  local root=$1 list=$2 applet f rel
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,mnt,root,run}
  cp /bin/busybox "$root/bin/busybox"
  if ldd "$root/bin/busybox" >/dev/null 2>&1; then
    die "/bin/busybox is dynamically linked; the guest needs busybox-static"
  fi
  while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
  done < <("$root/bin/busybox" --list-full)
  local kmods=$root/lib/modules/$KERNEL_RELEASE
  mkdir -p "$kmods"
  for f in modules.builtin modules.builtin.modinfo modules.order; do
    [ -f "$KERNEL_ROOT/$KERNEL_MODDIR/$KERNEL_RELEASE/$f" ] && cp "$KERNEL_ROOT/$KERNEL_MODDIR/$KERNEL_RELEASE/$f" "$kmods/"
  done
  for rel in "${MODULE_ORDER[@]}"; do
    mkdir -p "$kmods/$(dirname "$rel")"
    cp "$KERNEL_ROOT/$KERNEL_MODDIR/$KERNEL_RELEASE/$rel" "$kmods/$rel"
  done
  depmod -b "$root" "$KERNEL_RELEASE"
  mkdir -p "$root/$(dirname "$list")"
  printf '%s\n' "${MODULE_ORDER[@]}" >"$root/$list"
}

# Packs ROOT into a newc archive OUT, every file owned by root, /dev/console added by hand
# so that no mknod (and no root) is needed, piped through COMPRESSOR (a command and its
# arguments; default gzip -9n, `cat` for none). Same inputs, same archive.
initramfs_pack() {
  local root=$1 out=$2
  shift 2
  local compressor=("$@")
  [ ${#compressor[@]} -gt 0 ] || compressor=(gzip -9n)
  newc_entry() {  # name mode rdevmajor rdevminor (no data)
    local name=$1 mode=$2 rmaj=$3 rmin=$4 namesize hdr pad
    namesize=$(( ${#name} + 1 ))
    hdr=$(printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
          0 "$mode" 0 0 1 0 0 0 0 "$rmaj" "$rmin" "$namesize" 0)
    printf '%s%s\0' "$hdr" "$name"
    pad=$(( (4 - (110 + namesize) % 4) % 4 ))
    head -c "$pad" /dev/zero
  }
  find "$root" -exec touch -h -d @0 {} +
  {
    (cd "$root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
       cpio -o -H newc -R 0:0 --reproducible --quiet)
    newc_entry dev/console $(( 0020000 | 0600 )) 5 1
    newc_entry TRAILER!!! 0 0 0
  } | "${compressor[@]}" >"$out.tmp" || die "cannot write $out"
  mv "$out.tmp" "$out"
}
