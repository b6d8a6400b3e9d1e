#!/usr/bin/env bash
# The part of scripts/bench that needs KVM (run natively or in the emulated host, with the
# same paths): vmm-bench measure, then the Linux boot against QEMU when the Linux guest is
# built. Writes OUT/measurement.json and OUT/peer.json (+ OUT/peer-logs/).
# usage: measure_in_kvm.sh BUILD OUT WHERE QUICK(0|1) PEER_BOOTS(0: no peer)
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 BUILD OUT WHERE QUICK PEER_BOOTS" >&2; exit 2; }
build=$1 out=$2 where=$3 quick=$4 peer_boots=$5
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out/scratch"
quick_flag=()
[ "$quick" = 1 ] && quick_flag=(--quick)
echo "bench: measuring vmm and the floor (${where})" >&2
"$build/bench/driver/vmm-bench" measure "${quick_flag[@]}" --vmm "$build/vmm/vmm" \
  --floor-dir "$build/bench/floor" --guest "$build/tests/guest/tiny-guest.bzImage" \
  --work-dir "$out/scratch" --where "$where" --out "$out/measurement.json"
if [ "$peer_boots" -gt 0 ]; then
  echo "bench: Debian's kernel to /init under vmm and QEMU, $peer_boots boots each" >&2
  TMPDIR=$out/scratch "$repo/bench/peer/linux_boot_peer.sh" --vmm "$build/vmm/vmm" \
    --guest-dir "$build/linux-guest" --boots "$peer_boots" --logs "$out/peer-logs" >"$out/peer.json"
fi
