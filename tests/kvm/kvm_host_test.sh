#!/usr/bin/env bash
# Tests of scripts/kvm-host itself. Nothing is shared with the kvm_host fixture's host but
# the cached image; nothing is written outside the temp dir and the build tree.
#   kvm_host_test.sh KVM_HOST BUILD_DIR unavailable   a kernel package that does not exist:
#       exit 125 and one line saying so, no VM started
#   kvm_host_test.sh KVM_HOST BUILD_DIR hang          the emulated machine freezes (its QEMU
#       is sent SIGSTOP) while a command runs: reported as a hang (exit 75) within the --hang
#       limit, not as the command's failure, and QEMU is gone afterwards
# Exit 0 pass, 1 fail, 77 skip (the reason printed).
set -uo pipefail
kvm_host=$1 build=$2 case=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

case $case in
  unavailable)
    KERNEL_PACKAGE=linux-image-0.0.0-vmm-test-none VMM_DEB_CACHE=$work/debs \
      "$kvm_host" image --build "$build" --state "$work/state" >"$work/out" 2>"$work/err"
    rc=$?
    sed 's/^/  | /' "$work/out" "$work/err"  # indented: not a skip reason of this run
    [ $rc -eq 125 ] || fail "exit status $rc, want 125 (cannot be had)"
    [ "$(grep -c . "$work/err")" -eq 1 ] || fail "want exactly one line on stderr"
    grep -q 'package linux-image-0.0.0-vmm-test-none not known to apt' "$work/err" || fail "the line does not say what is missing"
    ! compgen -G "$work/state/cache/*/initramfs.cpio.gz" >/dev/null || fail "an image was built anyway"
    echo "PASS: a missing kernel package is one line and exit 125"
    ;;
  hang)
    command -v qemu-system-x86_64 >/dev/null || { echo "SKIPPED: qemu-system-x86_64 is not installed"; exit 77; }
    # `run` keeps its host in <state>/run.<its own pid>: wait there until the command runs.
    "$kvm_host" run --build "$build" --hang 10 -- sleep 600 >"$work/out" 2>"$work/err" &
    runner=$!
    d=$build/kvm-host/run.$runner
    qemu_pid=
    for _ in $(seq 600); do
      if [ "$(cat "$d/state" 2>/dev/null)" = ready ] && [ -s "$d/qemu.pid" ] && [ -e "$d/jobs.log" ]; then
        qemu_pid=$(cat "$d/qemu.pid")
        break
      fi
      kill -0 $runner 2>/dev/null || break
      sleep 0.5
    done
    if [ -z "$qemu_pid" ]; then
      wait $runner; rc=$?
      sed 's/^/  | /' "$work/err"
      [ $rc -eq 125 ] && { echo "SKIPPED: the emulated host cannot be had here"; exit 77; }
      fail "the emulated host never ran the command (exit $rc)"
    fi
    echo "emulated host up, QEMU pid $qemu_pid; freezing it"
    kill -STOP "$qemu_pid"
    start=$SECONDS
    wait $runner; rc=$?
    took=$((SECONDS - start))
    sed 's/^/  | /' "$work/err"
    [ $rc -eq 75 ] || fail "exit status $rc after the freeze, want 75 (hung)"
    grep -q 'the emulated KVM host hung while this ran: no heartbeat for' "$work/err" ||
      fail "stderr does not report the hang as such"
    grep -q 'not a result of: sleep 600' "$work/err" || fail "stderr does not say the command is not to blame"
    [ $took -le 40 ] || fail "the hang took ${took}s to be reported with --hang 10"
    ! kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU $qemu_pid is still there after the hang"
    echo "PASS: a frozen emulated host is reported as hung (exit 75) after ${took}s, and QEMU is gone"
    ;;
  *) echo "usage: $0 KVM_HOST BUILD_DIR unavailable|hang" >&2; exit 2 ;;
esac
