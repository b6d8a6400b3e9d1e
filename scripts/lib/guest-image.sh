# shellcheck shell=bash disable=SC2034  # its globals are read by the sourcing script
# The parts every guest-image script shares (scripts/build-linux-guest, build-gl-guest,
# build-venus-guest): how it reports and fails, its output directory, the virtio-gpu module
# closure, the initramfs tree with its program and libraries, and the pieces of the guests'
# /init that are the same in all three (each guest writes only what it alone does).
# Source it first thing; it sources debian-kernel.sh, whose kernel_fetch/kernel_unpack/
# module_closure/initramfs_tree/initramfs_pack it builds on.
#
# Globals it sets: repo_root (the checkout), tool (the script's name, for its messages),
# GUEST_LIB_FILES, outdir (guest_outdir); those of debian-kernel.sh.

guest_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$guest_lib/../.." && pwd)
tool=$(basename "$0")
# shellcheck source=scripts/lib/debian-kernel.sh
. "$guest_lib/debian-kernel.sh"

log() { echo "$tool: $*"; }
die() { echo "$tool: error: $*" >&2; exit 1; }
# Exit 125 (the *_guest_build ctest fixtures skip on it): something cannot be had here.
unavailable() { echo "$tool: unavailable here: $*" >&2; exit 125; }

# outdir := DIR made absolute, created if missing.
guest_outdir() {
  mkdir -p "$1"
  outdir=$(cd "$1" && pwd)
}

# The files a guest image's contents follow from besides the caller's own: these libraries.
# Hashed into each manifest's inputs= so that a change to them rebuilds the image.
GUEST_LIB_FILES=("$guest_lib/debian-kernel.sh" "$guest_lib/guest-image.sh")

# MODULE_ORDER := what virtio_pci and virtio_gpu need, in load order. Fails when the list is
# empty (the guest's /init would insmod a blank name) or virtio_gpu is in neither the
# modules nor the kernel.
gpu_module_closure() {
  module_closure virtio_pci virtio_gpu
  [ ${#MODULE_ORDER[@]} -gt 0 ] || die "no modules found for virtio_gpu (all built in?)"
  case " ${MODULE_ORDER[*]} " in
    *virtio-gpu.ko*|*virtio_gpu.ko*) ;;
    *) grep -q 'virtio[-_]gpu' "$KERNEL_ROOT/$KERNEL_MODDIR/$KERNEL_RELEASE/modules.builtin" ||
         die "virtio_gpu is neither a module nor built in" ;;
  esac
}

# The initramfs tree in ROOT (busybox, the modules of MODULE_ORDER listed in
# etc/vmm-guest/modules, the kernel release the /init checks against), with each PROGRAM
# installed stripped into /bin under its own name.
guest_tree() {
  local root=$1 prog
  shift
  initramfs_tree "$root" etc/vmm-guest/modules
  echo "$KERNEL_RELEASE" >"$root/etc/vmm-guest/kernel-release"
  for prog in "$@"; do
    install -m 755 "$prog" "$root/bin/$(basename "$prog")"
    strip "$root/bin/$(basename "$prog")"
  done
}

# Copies the shared object FILE into the guest ROOT as NAME: under /lib/<multiarch> (where
# Debian's ld.so searches without an ld.so.cache), or at /lib64 under its own name when NAME
# is ld.so (the dynamic loader the programs' PT_INTERP names).
guest_install_lib() {
  local root=$1 name=$2 file=$3
  if [ "$name" = ld.so ]; then
    mkdir -p "$root/lib64"
    cp -L "$file" "$root/lib64/$(basename "$file")"
  else
    mkdir -p "$root/lib/x86_64-linux-gnu"
    cp -L "$file" "$root/lib/x86_64-linux-gnu/$(basename "$name")"
  fi
}

# --- /init, in pieces: each prints shell text for the guest's busybox sh ---------------------

# From the shebang to has_param: mounts, the console, the INIT uptime line (bench/peer
# measures boots by it). COMMENT is the guest's own description, printed as its header;
# `userland` as second argument adds what dynamically linked Mesa programs need (their
# libraries' path, a HOME, a writable /tmp for caches, no shader cache).
init_prologue() {
  printf '#!/bin/sh\n%s\n' "$1"
  echo 'PATH=/bin:/sbin:/usr/bin:/usr/sbin'
  if [ "${2:-}" = userland ]; then
    cat <<'EOF'
LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
HOME=/root
XDG_CACHE_HOME=/tmp
MESA_SHADER_CACHE_DISABLE=true
export PATH LD_LIBRARY_PATH HOME XDG_CACHE_HOME MESA_SHADER_CACHE_DISABLE
EOF
  else
    echo 'export PATH'
  fi
  cat <<'EOF'
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
EOF
  [ "${2:-}" = userland ] && echo 'mount -t tmpfs tmpfs /tmp'
  cat <<'EOF'
exec </dev/console >/dev/console 2>&1
read -r uptime _ </proc/uptime
echo "VMM-LINUX-GUEST INIT uptime=$uptime"
cmdline=" $(cat /proc/cmdline) "
has_param() { case $cmdline in *" $1 "*) return 0 ;; esac; return 1; }
EOF
}

# The START line (TAG, e.g. " guest=gl", after the kernel release), the check that the
# running kernel is the one the modules were built for, and their insmod in load order.
init_load_modules() {
  # shellcheck disable=SC2016  # guest shell text, expanded by the guest
  printf '\nstatus=0\nkrel=$(uname -r)\necho "VMM-LINUX-GUEST START kernel=$krel%s"\n' "${1:-}"
  cat <<'EOF'
if [ "$krel" != "$(cat /etc/vmm-guest/kernel-release)" ]; then
  echo "VMM-LINUX-GUEST FAIL running kernel $krel, modules are for $(cat /etc/vmm-guest/kernel-release)"
  status=1
fi
while read -r m; do
  insmod "/lib/modules/$krel/$m" || { echo "VMM-LINUX-GUEST FAIL insmod $m"; status=1; }
done </etc/vmm-guest/modules
EOF
}

# Waits up to 10 s for virtio_gpu to bind a device, and says to which.
init_wait_bound() {
  cat <<'EOF'
bound=0
for i in 1 2 3 4 5 6 7 8 9 10; do
  if ls /sys/bus/virtio/drivers/virtio_gpu 2>/dev/null | grep -q '^virtio'; then bound=1; break; fi
  sleep 1
done
if [ $bound -eq 1 ]; then
  echo "VMM-LINUX-GUEST virtio_gpu bound to $(ls /sys/bus/virtio/drivers/virtio_gpu | grep '^virtio' | tr '\n' ' ')"
else
  echo "VMM-LINUX-GUEST FAIL virtio_gpu bound to no device"
  status=1
fi
EOF
}

# Waits up to 10 s for the render node (devtmpfs makes it once the driver has probed).
init_wait_render_node() {
  cat <<'EOF'
for i in 1 2 3 4 5 6 7 8 9 10; do
  ls /dev/dri/renderD* >/dev/null 2>&1 && break
  sleep 1
done
echo "VMM-LINUX-GUEST dri nodes: $(ls /dev/dri 2>/dev/null | tr '\n' ' ')"
EOF
}

# What the driver reported at probe time.
init_dmesg() {
  cat <<'EOF'
echo "VMM-LINUX-GUEST dmesg (virtio|drm|Host memory window|PAT):"
dmesg | grep -E 'virtio|drm|Host memory window|PAT'
EOF
}

# Runs /bin/PROGRAM with the guest's $args; with kernel parameter DEBUG_PARAM=1 under
# DEBUG_ENV from the start, otherwise once more under it after a failure (its lines prefixed
# PREFIX); the kernel log since it started and the PAT reservations follow. A failure sets
# $status.
init_run_program() {
  local prog=$1 param=$2 debug_env=$3 prefix=$4
  cat <<EOF
debug_env="$debug_env"
dmesg_lines=\$(dmesg | wc -l)
if has_param $param=1; then
  # shellcheck disable=SC2086
  env \$debug_env /bin/$prog \$args
else
  /bin/$prog \$args
fi
rc=\$?
if [ \$rc -ne 0 ]; then
  echo "VMM-LINUX-GUEST $prog exited \$rc; kernel log since it started:"
  dmesg | tail -n +"\$((dmesg_lines + 1))"
  if ! has_param $param=1; then
    echo "VMM-LINUX-GUEST running it again with \$debug_env:"
    # shellcheck disable=SC2086
    env \$debug_env /bin/$prog \$args 2>&1 | sed 's/^/$prefix /'
  fi
  [ \$status -eq 0 ] && status=\$rc
fi
EOF
  init_after_programs
}

# Runs /bin/PROGRAM... at the same time (each in the background, its output to a file of its
# own so that their lines do not interleave), waits for all, then prints each one's output
# and exit status in turn, the kernel log since they started and the PAT reservations. A
# failure sets $status. Used where one guest must hold several renderer contexts at once.
init_run_together() {
  local prog
  echo 'dmesg_lines=$(dmesg | wc -l)'
  for prog in "$@"; do
    echo "/bin/$prog >/tmp/$prog.out 2>&1 &"
    echo "pid_$prog=\$!"
  done
  for prog in "$@"; do
    cat <<EOF
wait \$pid_$prog
rc=\$?
cat /tmp/$prog.out
echo "VMM-LINUX-GUEST $prog exited \$rc"
[ \$rc -ne 0 ] && [ \$status -eq 0 ] && status=\$rc
EOF
  done
  init_after_programs
}

# What follows a program run: the driver's kernel log since $dmesg_lines and the PAT
# reservations that are not write-back.
init_after_programs() {
  cat <<'EOF'
echo "VMM-LINUX-GUEST dmesg after the program (virtio|drm):"
dmesg | tail -n +"$((dmesg_lines + 1))" | grep -E 'virtio|drm' || true
echo "VMM-LINUX-GUEST PAT reservations:"
grep -v 'write-back' /sys/kernel/debug/x86/pat_memtype_list 2>/dev/null || true
EOF
}

# The DONE line the tests read, a shell on vmmguest.shell=1, then the reset (reboot=k: an
# i8042 reset, so vmm exits 0; sysrq if busybox's reboot did not get there).
init_epilogue() {
  cat <<'EOF'
echo "VMM-LINUX-GUEST DONE $status"
has_param vmmguest.shell=1 && setsid cttyhack sh
reboot -f
sleep 5
echo b >/proc/sysrq-trigger
EOF
}
