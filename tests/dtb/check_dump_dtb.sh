#!/usr/bin/env bash
# --dump-dtb writes the exact blob handed to the guest, and dtc decompiles it without a
# single warning. Boots the tiny guest with RAM above 4 GiB, 2 vCPUs, an initrd and --gpu,
# so every node kind is present. Exit 77 (skip) without a usable /dev/kvm; ctest runs it
# through scripts/kvm-host auto, which provides one. dtc is part of the set-up
# (scripts/install-deps), so its absence is a failure, not a skip.
set -euo pipefail
vmm=$1 guest=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A character device first: opening a missing /dev/kvm for writing would create a file.
if [ ! -c /dev/kvm ]; then echo "SKIPPED: /dev/kvm is not a character device here"; exit 77; fi
if ! { exec 3<>/dev/kvm; } 2>/dev/null; then echo "SKIPPED: /dev/kvm cannot be opened read-write"; exit 77; fi
exec 3>&-
if ! command -v dtc >/dev/null; then echo "FAIL: dtc is not installed (scripts/install-deps installs device-tree-compiler)"; exit 1; fi

head -c 4096 /dev/urandom >"$work/initrd"
"$vmm" --kernel "$guest" --mem 4G --cpus 2 --gpu --gpu-hostmem 16M --initrd "$work/initrd" \
  --dump-dtb "$work/vmm.dtb" --log-level warn --cmdline "console=ttyS0" >"$work/console" 2>"$work/stderr" && status=0 || status=$?
# vmm must end on its own: 0, or 1 when the guest's own checks (which expect the values of
# vmmtest.* arguments this command does not pass) say so. A signal (128+N), vmm's own
# errors (2, 3) or a hang (the watchdog's kill) fail, even with a DTB written.
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
  echo "FAIL: vmm exited with status $status"; cat "$work/stderr"; exit 1
fi
[ -s "$work/vmm.dtb" ] || { echo "FAIL: no DTB written"; cat "$work/stderr"; exit 1; }

dtc -I dtb -O dts -o "$work/vmm.dts" "$work/vmm.dtb" 2>"$work/dtc.log"
if [ -s "$work/dtc.log" ]; then echo "FAIL: dtc warned:"; cat "$work/dtc.log"; exit 1; fi
for node in 'memory@0 {' 'memory@100000000 {' 'cpu@1 {' 'gpu@1,0 {' 'linux,initrd-start' 'vmm,host-visible-window' 'memslot@100000000 {'; do
  grep -qF "$node" "$work/vmm.dts" || { echo "FAIL: '$node' missing from the decompiled tree"; exit 1; }
done
echo "PASS: $(stat -c %s "$work/vmm.dtb")-byte DTB decompiles without warnings"
