# shellcheck shell=bash disable=SC2034  # failed, rc, elapsed, ...: read by the sourcing test
# Shared by the Linux guest tests (run_linux_guest.sh, run_gl_guest.sh): their reasons to
# skip, the boot under a timeout, the CHECK lines, and reading vmm's JSON (the memslot trace,
# one object a line, and --report) with jq, the one JSON reader of these tests. A field a
# check computes with is read by json_num, which fails loudly when it is missing or not a
# number: an empty field must never become a 0 that passes a comparison.
# Source it; exit 0 pass, 1 fail, 77 skipped (the reason printed) are the tests' answers.

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

# vmm, guest_dir := VMM_BINARY and GUEST_DIR from the arguments (GUEST_DIR defaulting to
# DEFAULT_NAME beside the vmm binary's build tree). Usage: guest_test_args DEFAULT_NAME "$@".
guest_test_args() {
  local default_name=$1
  shift
  [ $# -ge 1 ] || { echo "usage: $0 VMM_BINARY [GUEST_DIR]" >&2; exit 2; }
  vmm=$1
  guest_dir=${2:-$(dirname "$(dirname "$vmm")")/$default_name}
  [ -x "$vmm" ] || fail "vmm binary '$vmm' is missing or not executable (build it first)"
}

# jq reads every JSON these tests check; scripts/install-deps installs it, so its absence is
# a broken set-up, not a reason to skip.
require_jq() {
  command -v jq >/dev/null || fail "jq is not installed (scripts/install-deps installs it)"
}

# Skips unless /dev/kvm can run Debian's stock kernel. ctest runs the tests through
# scripts/kvm-host auto, so /dev/kvm is native or the emulated host's.
skip_unless_kvm_boots_linux() {
  local vmm=$1 err flavour
  # A character device first: opening a missing /dev/kvm for writing would create a file.
  [ -e /dev/kvm ] || skip "/dev/kvm does not exist on this host"
  [ -c /dev/kvm ] || skip "/dev/kvm is not a character device"
  if ! err=$( { exec 3<>/dev/kvm; } 2>&1 ); then
    skip "/dev/kvm cannot be opened read-write: ${err##*: }"
  fi
  exec 3>&-
  # vmm itself says which KVM serves /dev/kvm (its host environment rule), so the tests do
  # not keep a copy of that rule.
  flavour=$("$vmm" --probe-host --json 2>/dev/null | jq -r '[.. | .kvm_flavour? // empty] | first // ""')
  if [ "$flavour" = pvm ] && [ "${VMM_LINUX_FORCE:-0}" != 1 ]; then
    skip "/dev/kvm is PVM (kvm_pvm): guest ring 0 runs emulated at ~1 us per" \
         "instruction, and Debian's stock kernel was measured to stay in its decompressor for" \
         "over 12 minutes there. Run the linux tests on hardware VMX/SVM or in the emulated KVM" \
         "host (scripts/kvm-host); VMM_LINUX_FORCE=1 runs it anyway."
  fi
}

# The GL guest's preconditions: a vmm with the virgl renderer (its refusal of an unknown
# --gpu-renderer kind names the kinds; --help no longer does) and the guest image built in
# GUEST_DIR. Sets kernel and initrd. usage: require_gl_guest VMM GUEST_DIR
require_gl_guest() {
  grep -qw virgl <<<"$("$1" --gpu-renderer '?' 2>&1)" ||
    skip "this vmm has no --gpu-renderer virgl (built without libvirglrenderer-dev?)"
  kernel=$2/bzImage initrd=$2/initramfs.img
  if [ ! -f "$kernel" ] || [ ! -f "$initrd" ]; then
    skip "GL guest not built: $kernel or $initrd is missing; run scripts/build-gl-guest $2"
  fi
}

# console, trace, report := the run's files: CONSOLE (the guest console), and beside it vmm's
# memslot trace and report, the last two removed so that a stale one is never read.
# usage: guest_run_files CONSOLE
guest_run_files() {
  console=$1 trace=$1.trace.jsonl report=$1.report.json
  rm -f "$trace" "$report"
}

# Runs CMD... under TIMEOUT seconds with its stdout (the guest console) shown and kept in
# CONSOLE, its stderr in CONSOLE.stderr (the last TAIL lines shown after). Sets rc (vmm's
# exit status) and elapsed (seconds).
boot_guest() {
  local timeout_s=$1 console=$2 tail_lines=$3 start
  shift 3
  echo "running (timeout ${timeout_s}s):$(printf ' %q' "$@")"
  echo "----- guest console -----"
  start=$(date +%s)
  timeout --kill-after=10 "$timeout_s" "$@" </dev/null 2>"$console.stderr" | tee "$console"
  rc=${PIPESTATUS[0]}
  elapsed=$(( $(date +%s) - start ))
  echo "----- vmm stderr (last $tail_lines lines) -----"
  tail -n "$tail_lines" "$console.stderr"
  echo "----- end; vmm exit status $rc after ${elapsed}s -----"
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "vmm was killed after ${timeout_s}s"
  fi
}

# --- checks ---------------------------------------------------------------------------------
failed=0
check() {  # name, then a command that succeeds when the check passes
  local name=$1; shift
  if "$@"; then echo "CHECK $name PASS"; else echo "CHECK $name FAIL"; failed=1; fi
}
# `text` is the guest console without carriage returns (the caller sets it after the boot).
# shellcheck disable=SC2154
has() { grep -qE -- "$1" <<<"$text"; }

# NAME=VALUE from the guest's manifest.txt.
manifest() { grep -s "^$1=" "$guest_dir/manifest.txt" | cut -d= -f2-; }

# --- JSON -----------------------------------------------------------------------------------

# The trace's gpu-blob events of kind EVENT (add, remove, ...), one compact object a line; none
# when the trace does not exist. A trace jq cannot read fails (check trace_is_json says why).
trace_blob_events() {
  local event=$1 trace=$2
  [ -f "$trace" ] || return 0
  jq -c --arg e "$event" \
    'select(.event == $e and ((.owner // "") | startswith("gpu-blob ")))' "$trace"
}
# Every line of TRACE is a JSON object (vmm killed mid-line would leave one that is not).
trace_is_json() { [ -f "$1" ] && jq -e -s 'all(type == "object")' "$1" >/dev/null; }

# The string FIELD of the JSON object on stdin; empty when absent (optional fields).
json_str() { jq -r --arg f "$1" '.[$f] // empty | tostring'; }

# For each JSON object on stdin (one a line), its FIELDs on one line separated by the unit
# separator \x1f (absent ones empty): one jq for a whole list, read back with
#   while IFS=$'\x1f' read -r a b ...; do ...; done <<<"$(json_rows a b ...)"
# (\x1f, not a tab: read would merge the tabs around an empty field.)
json_rows() {
  jq -r '. as $o | [$ARGS.positional[] as $f | $o[$f] | if . == null then "" else tostring end] |
         join("\u001f")' --args "$@"
}

# The number FIELD of the JSON object on stdin, in decimal: vmm writes addresses and sizes
# as "0x..." strings, counts as numbers. Missing, empty or not a number: says so on stderr
# and fails, so that the check using it fails.
json_num() {
  local field=$1 obj v
  obj=$(cat)
  v=$(jq -r --arg f "$field" '.[$f] // empty | tostring' <<<"$obj")
  num "$field" "$v" "$obj"
}
# VALUE (decimal or 0x-hex) in decimal, or a complaint naming NAME (and WHERE) and failure.
num() {
  local name=$1 value=$2 where=${3:-}
  if [[ $value =~ ^0x[0-9a-fA-F]+$ ]]; then
    echo $(( value ))
  elif [[ $value =~ ^[0-9]+$ ]]; then
    echo $(( 10#$value ))
  else
    echo "  $name is missing or not a number ('$value')${where:+ in $where}" >&2
    return 1
  fi
}

# The Venus guests' run (run_venus_guest.sh, run_mixed_guest.sh, images from
# scripts/build-venus-guest): skips where vmm has no --gpu-renderer RENDERER or the image in
# $guest_dir is not built (BUILD_HINT: the command that builds it), boots it under
# `--gpu --gpu-renderer RENDERER` with MEM of RAM and the trace and report, and skips where
# vmm rendered in-process: the system's 0.10.4 speaks Venus wire format 0, which trixie's
# Mesa refuses. Sets console, trace, report, rc, elapsed, stderr_text and text.
boot_venus_capable_guest() {
  local renderer=$1 mem=$2 timeout_s=$3 log=$4 build_hint=$5 extra=${6:-} kernel initrd
  require_jq
  skip_unless_kvm_boots_linux "$vmm"
  grep -qw "$renderer" <<<"$("$vmm" --gpu-renderer '?' 2>&1)" ||
    skip "this vmm has no --gpu-renderer $renderer (built without libvirglrenderer-dev?)"
  kernel=$guest_dir/bzImage initrd=$guest_dir/initramfs.img
  [ -f "$kernel" ] && [ -f "$initrd" ] ||
    skip "guest not built: $kernel or $initrd is missing; run $build_hint $guest_dir"
  guest_run_files "$log"
  local cmdline="console=ttyS0 reboot=k panic=-1 rdinit=/init${extra:+ $extra}"
  echo "$(basename "$guest_dir"): $(manifest kernel_package) $(manifest kernel_version)," \
       "$(manifest suite) Mesa $(manifest mesa_version), initramfs $(manifest initramfs_bytes) bytes"
  boot_guest "$timeout_s" "$console" 40 "$vmm" --kernel "$kernel" --initrd "$initrd" --mem "$mem" \
    --cmdline "$cmdline" --gpu --gpu-renderer "$renderer" --memslot-trace "$trace" --report "$report"
  stderr_text=$(cat "$console.stderr" 2>/dev/null)
  if grep -qE "gpu renderer: virglrenderer [0-9.]+ in-process" <<<"$stderr_text"; then
    skip "vmm rendered in-process: $(grep -oE 'in-process, the system.s \(.*\)' <<<"$stderr_text" | head -n1)"
  fi
  text=$(tr -d '\r' <"$console")
}
