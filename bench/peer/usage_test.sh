#!/usr/bin/env bash
# ctest bench_peer_usage: linux_boot_peer.sh answers bad input with one line on stderr and
# exit 2 (usage) or 1 (a missing file), before it needs KVM; --help exits 0.
# usage: usage_test.sh PATH/linux_boot_peer.sh
set -uo pipefail
script=$1
failed=0
expect() {  # status, a word the one line must contain, then the arguments
  local want=$1 word=$2; shift 2
  local err rc
  err=$(bash "$script" "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -ne "$want" ] || [ "$(grep -c . <<<"$err")" -ne 1 ] || ! grep -q -- "$word" <<<"$err"; then
    echo "FAIL: $* -> status $rc (want $want), stderr: $err"; failed=1
  else
    echo "ok: $* -> $rc: $err"
  fi
}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
expect 2 "--vmm PATH is required" --guest-dir "$dir"
expect 2 "--guest-dir DIR is required" --vmm /bin/true
expect 2 "not a positive integer" --vmm /bin/true --guest-dir "$dir" --boots 0
expect 2 "not a positive integer" --vmm /bin/true --guest-dir "$dir" --boots x
expect 2 "unknown machine 'qemu-pc'" --vmm /bin/true --guest-dir "$dir" --machines vmm,qemu-pc
expect 2 "not a size" --vmm /bin/true --guest-dir "$dir" --mem 1T
expect 2 "unknown argument '--fast'" --fast
expect 2 "--boots needs a value" --boots
expect 1 "has no bzImage" --vmm /bin/true --guest-dir "$dir/missing"
bash "$script" --help >/dev/null 2>&1 || { echo "FAIL: --help did not exit 0"; failed=1; }
exit $failed
