#!/usr/bin/env bash
# ctest `linux_guest_virgl_control` (labels linux, kvm): the virgl guest of run_gl_guest.sh
# booted ONCE with `vmm --control SOCK`, driven through the socket while Linux runs
# (issue 21 points 4 and 6; gl_control_driver.py):
#   - `vmm ctl SOCK slots` shows a blob slot of the GL program with its derived effective type,
#     taken while the VM is paused (pause -> slots -> status -> resume while Linux runs);
#   - `vmm ctl SOCK events --json`, subscribed before the guest maps a blob, streams the
#     memslot add/derive/install/remove of the blobs as objects equal to --memslot-trace's
#     lines of the same run;
#   - and the run is still the virgl round trip that run_gl_guest.sh checks (gl_guest_checks:
#     the control socket changes nothing the guest sees).
# The terminal run the driver captures is kept (VMM_GL_LOG.ctl.txt) for docs/control.md.
# usage: run_gl_guest_control.sh VMM_BINARY [GUEST_DIR]; exit 0 pass, 1 fail, 77 skipped.
set -uo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
linux=$here/../linux
# shellcheck source=tests/linux/lib.sh
. "$linux/lib.sh"
# shellcheck source=tests/linux/gl_guest_checks.sh
. "$linux/gl_guest_checks.sh"
guest_test_args gl-guest "$@"

require_jq
command -v python3 >/dev/null || fail "python3 is missing (the control clients are Python)"
skip_unless_kvm_boots_linux "$vmm"
grep -q -- '--control' <<<"$("$vmm" --help 2>&1)" || fail "this vmm has no --control"
require_gl_guest "$vmm" "$guest_dir"

timeout_s=${VMM_GL_TIMEOUT:-600}
console=${VMM_GL_LOG:-$PWD/gl-guest-control.log}
trace=$console.trace.jsonl
report=$console.report.json
events=$console.events.jsonl
transcript=$console.ctl.txt
rm -f "$trace" "$report" "$events" "$transcript"
# A Unix socket path has 107 bytes at most and the build tree may be a 9p share: a temp dir.
sockdir=$(mktemp -d "${TMPDIR:-/tmp}/vmm-glctl.XXXXXX") || fail "mktemp -d failed"
trap 'rm -rf "$sockdir"' EXIT
sock=$sockdir/vmm.sock
cmdline="console=ttyS0 reboot=k panic=-1 rdinit=/init vmmguest.gl_require_persistent=1"
cmd=("$vmm" --kernel "$kernel" --initrd "$initrd" --mem "${VMM_GL_MEM:-2G}"
     --cmdline "$cmdline" --gpu --gpu-renderer virgl --control "$sock"
     --memslot-trace "$trace" --report "$report")

# The driver waits for the socket, so it starts first; it ends when the VM has stopped.
python3 "$here/gl_control_driver.py" drive "$vmm" "$sock" "$events" "$transcript" \
  >"$console.driver" 2>&1 &
driver=$!
boot_guest "$timeout_s" "$console" 60 "${cmd[@]}"
wait "$driver"
driver_rc=$?
echo "----- control driver (exit $driver_rc) -----"
cat "$console.driver"
echo "----- the terminal run it captured -----"
cat "$transcript" 2>/dev/null
echo "-----"

text=$(tr -d '\r' <"$console")
gl_guest_checks
check control_driver test "$driver_rc" -eq 0
check events_equal_trace python3 "$here/gl_control_driver.py" compare "$events" "$trace"
check control_socket_removed test ! -e "$sock"
if [ $failed -ne 0 ]; then
  echo "FAIL: (console $console, stderr $console.stderr, trace $trace, events $events)"
  exit 1
fi
echo "PASS: while Linux ran the GL round trip, vmm ctl paused it, showed the blob slot with its" \
     "derived effective type, resumed it, and streamed the blobs' memslot events as the trace's objects"
exit 0
