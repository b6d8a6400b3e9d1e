#!/usr/bin/env bash
# check_self_test.sh no-kvm|boot VMM: runs `VMM --self-test` and checks its screen.
#   no-kvm  where /dev/kvm cannot be used (natively, here): exit 1, KVM "none" with what is
#           missing and how to get it, no guest booted. Skips (77) where /dev/kvm works.
#   boot    where KVM is (natively or in the emulated KVM host): exit 0, the tiny guest
#           booted, ran to its end and every check passed, the memory types described.
set -uo pipefail
mode=$1 vmm=$2
out=$("$vmm" --self-test 2>&1)
status=$?
printf '%s\n' "$out"
echo "--- exit status $status"
fail() { echo "FAILED: $*"; exit 1; }
has() { grep -qE -- "$1" <<<"$out" || fail "no line matching: $1"; }
case $mode in
  no-kvm)
    if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
      echo "skip: /dev/kvm works here; the path without KVM is unit-tested (selftest_unit_tests)"
      exit 77
    fi
    [ "$status" -eq 1 ] || fail "exit status $status, expected 1"
    has '^KVM +none: '
    has '^  to get it +'
    has 'scripts/kvm-host run -- vmm --self-test'
    has '^guest +not booted: no KVM'
    has '^result +FAILED: no usable KVM'
    ;;
  boot)
    [ "$status" -eq 0 ] || fail "exit status $status, expected 0"
    has '^KVM +(native|pvm)'
    has '^memory types +'
    has '^  GPU blobs +'
    has '^  booted +yes, ran to its end'
    has '^  checks +[1-9][0-9]* passed, 0 failed'
    has '^result +OK: '
    ;;
  *) fail "unknown mode $mode" ;;
esac
echo "ok: --self-test ($mode)"
