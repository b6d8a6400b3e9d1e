#!/usr/bin/env bash
# ctest `linux_guest_virgl_roundtrip` (label `linux`): boots Debian's stock kernel under
# `vmm --gpu --gpu-renderer virgl` with an initramfs holding Mesa's virgl driver and
# tests/linux/gl_blob_roundtrip (scripts/build-gl-guest), and passes only when the data
# round-trips through GL buffers the guest maps persistently — which Mesa backs with
# host-visible HOST3D blobs — and vmm's memslot trace shows those blobs mapped, each slot
# carrying the renderer's map_info and the MemCacheType that follows from it, and hashes
# their memory at removal to exactly what the guest wrote (source) and read back (dest).
# See tests/linux/README.md.
#
# usage: run_gl_guest.sh VMM_BINARY [GUEST_DIR]
#   GUEST_DIR holds bzImage and initramfs.img from scripts/build-gl-guest
#   (default: gl-guest beside the vmm binary's build tree).
# exit: 0 pass, 1 fail, 77 skipped (the reason is printed).
# env:  VMM_GL_TIMEOUT     seconds before vmm is killed (default 600)
#       VMM_GL_MEM         guest RAM (default 2G: the initramfs unpacks ~220 MB)
#       VMM_GL_EXTRA_ARGS  extra vmm arguments, word-split (e.g. "--gpu-hostmem 256M")
#       VMM_GL_BLOB_CACHE  --gpu-blob-cache MODE for this run (wc, cached, uncached; default:
#                          vmm's auto, the renderer's answer)
#       VMM_GL_CMDLINE     extra kernel parameters (e.g. "vmmguest.gl_debug=1")
#       VMM_LINUX_FORCE=1  run even on PVM (expect the timeout; for measurements only)
#       VMM_GL_LOG         where to keep the guest console (default ./gl-guest-console.log)
# shellcheck disable=SC2317  # the check functions are called via check()
set -uo pipefail

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ $# -ge 1 ] || { echo "usage: $0 VMM_BINARY [GUEST_DIR]" >&2; exit 2; }
vmm=$1
guest_dir=${2:-$(dirname "$(dirname "$vmm")")/gl-guest}
[ -x "$vmm" ] || fail "vmm binary '$vmm' is missing or not executable (build it first)"

# --- reasons to skip (as run_linux_guest.sh) ---------------------------------------------------
[ -e /dev/kvm ] || skip "/dev/kvm does not exist on this host"
[ -c /dev/kvm ] || skip "/dev/kvm is not a character device"
if ! err=$( { exec 3<>/dev/kvm; } 2>&1 ); then
  skip "/dev/kvm cannot be opened read-write: ${err##*: }"
fi
exec 3>&-
if "$vmm" --probe-host --json 2>/dev/null | grep -c '"kvm_flavour": "pvm"' >/dev/null && [ "${VMM_LINUX_FORCE:-0}" != 1 ]; then
  skip "/dev/kvm is PVM (kvm_pvm): guest ring 0 runs emulated at ~1 us per" \
       "instruction, and Debian's stock kernel was measured to stay in its decompressor for" \
       "over 12 minutes there. Run the linux tests on hardware VMX/SVM or in the emulated KVM" \
       "host (scripts/kvm-host); VMM_LINUX_FORCE=1 runs it anyway."
fi
help=$("$vmm" --help 2>&1)
if ! grep -q -- '--gpu-renderer' <<<"$help" || ! grep -qw virgl <<<"$help"; then
  skip "this vmm has no --gpu-renderer virgl (built without libvirglrenderer-dev?)"
fi
kernel=$guest_dir/bzImage
initrd=$guest_dir/initramfs.img
if [ ! -f "$kernel" ] || [ ! -f "$initrd" ]; then
  skip "GL guest not built: $kernel or $initrd is missing; run scripts/build-gl-guest $guest_dir"
fi

# --- boot --------------------------------------------------------------------------------------
timeout_s=${VMM_GL_TIMEOUT:-600}
console=${VMM_GL_LOG:-$PWD/gl-guest-console.log}
vmm_err=$console.stderr
trace=$console.trace.jsonl
report=$console.report.json
rm -f "$trace" "$report"
# vmmguest.gl_require_persistent=1: the program fails rather than fall back to
# glBufferData + glMapBufferRange when the driver offers no buffer storage.
cmdline="console=ttyS0 reboot=k panic=-1 rdinit=/init vmmguest.gl_require_persistent=1${VMM_GL_CMDLINE:+ $VMM_GL_CMDLINE}"
# shellcheck disable=SC2206  # word splitting of the extra arguments is intended
extra=(${VMM_GL_EXTRA_ARGS:-})
[ -n "${VMM_GL_BLOB_CACHE:-}" ] && extra+=(--gpu-blob-cache "$VMM_GL_BLOB_CACHE")
cmd=("$vmm" --kernel "$kernel" --initrd "$initrd" --mem "${VMM_GL_MEM:-2G}"
     --cmdline "$cmdline" --gpu --gpu-renderer virgl
     --memslot-trace "$trace" --report "$report" "${extra[@]}")
manifest() { grep -s "^$1=" "$guest_dir/manifest.txt" | cut -d= -f2-; }
echo "gl guest: $(manifest kernel_package) $(manifest kernel_version), Mesa $(manifest mesa_version)," \
     "initramfs $(manifest initramfs_bytes) bytes ($(manifest initramfs_compression))"
echo "running (timeout ${timeout_s}s):$(printf ' %q' "${cmd[@]}")"
echo "----- guest console -----"
start=$(date +%s)
timeout --kill-after=10 "$timeout_s" "${cmd[@]}" </dev/null 2>"$vmm_err" | tee "$console"
rc=${PIPESTATUS[0]}
elapsed=$(( $(date +%s) - start ))
echo "----- vmm stderr (last 60 lines) -----"
tail -n 60 "$vmm_err"
echo "----- end; vmm exit status $rc after ${elapsed}s -----"

# --- checks ------------------------------------------------------------------------------------
text=$(tr -d '\r' <"$console")
failed=0
check() {  # name, then a command that succeeds when the check passes
  local name=$1; shift
  if "$@"; then echo "CHECK $name PASS"; else echo "CHECK $name FAIL"; failed=1; fi
}
has() { grep -qE -- "$1" <<<"$text"; }
features_ok() {
  grep -E '\[drm\] features:' <<<"$text" | grep -F -- '+virgl' | grep -F -- '+resource_blob' |
    grep -qF -- '+host_visible'
}
params_ok() {
  grep -E '^GL-ROUNDTRIP PARAM ' <<<"$text" | grep -F 'RESOURCE_BLOB=0x1' | grep -qF 'HOST_VISIBLE=0x1'
}
no_fail() { ! grep -qE '^GL-ROUNDTRIP FAIL' <<<"$text"; }

if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "vmm was killed after ${timeout_s}s (VMM_GL_TIMEOUT)"
fi
check vmm_exit_0 test "$rc" -eq 0
check guest_started has '^VMM-LINUX-GUEST START '
check features_virgl_blob_host_visible features_ok
check host_memory_window has 'Host memory window: 0x[0-9a-f]+ \+0x[0-9a-f]+'
check params_resource_blob_host_visible params_ok
check renderer_is_virgl has '^GL-ROUNDTRIP RENDERER virgl'
check buffer_storage_persistent_coherent has '^GL-ROUNDTRIP MODE persistent-coherent '
check roundtrip_ok has '^GL-ROUNDTRIP OK bytes=[0-9]+ fnv1a=0x[0-9a-f]{8} src_fnv1a=0x[0-9a-f]{8} mode=persistent-coherent$'
check roundtrip_no_fail no_fail
check guest_done_0 has '^VMM-LINUX-GUEST DONE 0$'

# The blobs as vmm saw them. Trace lines are JSON objects; these read one field of one line.
str_field() { sed -n "s/.*\"$1\" *: *\"\([^\"]*\)\".*/\1/p"; }
blob_adds=$(grep -E '"event" *: *"add"' "$trace" 2>/dev/null | grep -E '"owner" *: *"gpu-blob ' || true)
blob_removes=$(grep -E '"event" *: *"remove"' "$trace" 2>/dev/null | grep -E '"owner" *: *"gpu-blob ' || true)
echo "memslot trace: $(grep -c . "$trace" 2>/dev/null || echo 0) events," \
     "$(grep -c . <<<"$blob_adds") gpu-blob slots added:"
while IFS= read -r line; do [ -n "$line" ] && echo "TRACE $line"; done <<<"$blob_adds"
echo "$(grep -c . <<<"$blob_removes") gpu-blob slots removed:"
while IFS= read -r line; do [ -n "$line" ] && echo "TRACE $line"; done <<<"$blob_removes"

# A blob slot that vmm typed from virglrenderer's own map_info.
renderer_typed=$(grep -E '"map_info" *: *"(WC|CACHED|UNCACHED|NONE)"' <<<"$blob_adds" |
                 grep -E '"map_info_from" *: *"virglrenderer"' || true)
blob_slot_mapped() { [ -n "$blob_adds" ]; }
map_info_from_renderer() { [ -n "$renderer_typed" ]; }
# With VMM_GL_BLOB_CACHE the guest is given that map_info instead, and the trace says who
# decided it (--gpu-blob-cache) beside what the renderer itself said.
overridden=$(grep -E '"map_info" *: *"'"$(tr '[:lower:]' '[:upper:]' <<<"${VMM_GL_BLOB_CACHE:-}")"'"' <<<"$blob_adds" |
             grep -E '"map_info_from" *: *"--gpu-blob-cache"' | grep -E '"renderer_map_info" *: *"[A-Z]+"' || true)
map_info_from_override() { [ -n "$overridden" ]; }
# Every blob slot with a map_info asks for the type that map_info implies (CACHED:
# CacheCoherent; WC, UNCACHED, NONE: CacheNonCoherent), unless an override decided it.
cache_type_follows_map_info() {
  local line map want got decided ok=0 n=0
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    map=$(str_field map_info <<<"$line")
    [ -n "$map" ] || continue
    n=$((n + 1))
    decided=$(str_field cache_decided_by <<<"$line")
    got=$(str_field requested <<<"$line")
    if [ -n "$decided" ] && [ "$decided" != map_info ]; then
      echo "  $(str_field owner <<<"$line"): map_info $map, requested $got, decided by $decided (override)"
      continue
    fi
    if [ "$map" = CACHED ]; then want=CacheCoherent; else want=CacheNonCoherent; fi
    echo "  $(str_field owner <<<"$line"): map_info $map (from $(str_field map_info_from <<<"$line")," \
         "renderer said $(str_field renderer_map_info <<<"$line")) -> requested $got, want $want"
    [ "$got" = "$want" ] || ok=1
  done <<<"$blob_adds"
  [ "$n" -gt 0 ] && [ "$ok" -eq 0 ]
}
# The program's two buffers (3 MiB each, src and dst) are mapped blobs of their own: at least
# two blob slots of that size or more (Mesa's own upload buffers are 1 MiB).
bytes=$(grep -oE '^GL-ROUNDTRIP OK bytes=[0-9]+' <<<"$text" | grep -oE '[0-9]+$' | head -n1)
big_slots=0
while IFS= read -r line; do
  [ -n "$line" ] || continue
  size=$(str_field size <<<"$line")
  [ -n "$size" ] && [ -n "$bytes" ] && (( size >= bytes )) && big_slots=$((big_slots + 1))
done <<<"$blob_adds"
buffers_mapped() { [ "$big_slots" -ge 2 ]; }
window=$(grep -oE 'Host memory window: 0x[0-9a-f]+ \+0x[0-9a-f]+' <<<"$text" | head -n1)
win_base=$(awk '{ print $4 }' <<<"$window") win_size=$(awk '{ print $5 }' <<<"$window" | tr -d +)
slots_in_window() {
  local line addr size
  [ -n "$win_base" ] && [ -n "$blob_adds" ] || return 1
  while IFS= read -r line; do
    addr=$(str_field guest_addr <<<"$line") size=$(str_field size <<<"$line")
    (( addr >= win_base && addr + size <= win_base + win_size )) || return 1
  done <<<"$blob_adds"
}
# vmm hashes a blob's memory when its slot goes (the program's exit frees both buffers): the
# destination's must be what the guest read back, the source's what the guest wrote last.
dst_fnv=$(grep -oE '^GL-ROUNDTRIP OK .* fnv1a=0x[0-9a-f]{8}' <<<"$text" | grep -oE ' fnv1a=0x[0-9a-f]{8}' | cut -d= -f2)
src_fnv=$(grep -oE '^GL-ROUNDTRIP OK .* src_fnv1a=0x[0-9a-f]{8}' <<<"$text" | grep -oE '0x[0-9a-f]{8}$')
removed_with_fnv() {  # fnv: some gpu-blob slot was removed with that checksum
  [ -n "$1" ] && grep -E '"fnv1a" *: *"'"$1"'"' <<<"$blob_removes" >/dev/null
}
# The guest mapped each of the program's blobs with the cache mode its map_info asks for: the
# program prints the guest's PAT reservation of every range in the window while they live.
pat_follows_map_info() {
  local line addr size map mode want n=0 ok=0
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    addr=$(str_field guest_addr <<<"$line") size=$(str_field size <<<"$line")
    map=$(str_field map_info <<<"$line")
    if [ -z "$bytes" ] || (( size < bytes )); then continue; fi
    case $map in
      CACHED) mode=write-back ;; WC) mode=write-combining ;; UNCACHED) mode=uncached-minus ;;
      *) continue ;;
    esac
    n=$((n + 1))
    want=$(printf '[mem 0x%016x-0x%016x] %s' "$addr" $(( addr + size )) "$mode")
    if grep -E '^GL-ROUNDTRIP PAT: ' <<<"$text" | grep -qF -- "$want"; then
      echo "  $(str_field owner <<<"$line"): map_info $map, guest PAT $want"
    else
      echo "  $(str_field owner <<<"$line"): map_info $map, no guest PAT line '$want'"
      ok=1
    fi
  done <<<"$blob_adds"
  [ "$n" -gt 0 ] && [ "$ok" -eq 0 ]
}
# The derived memory type against an oracle vmm does not write: the guest kernel's own record
# of how it mapped each blob (pat_memtype_list, printed by the program as GL-ROUNDTRIP PAT).
# For each of the program's blob slots, vmm's derivation at the slot's first touch must have
# found a user-space mapping of it (the program's, in its own page tables) whose guest type is
# the kernel's record; and the effective type must follow the combination rules of the KVM
# this ran on, worked out here from the machine itself (not from vmm): AMD NPT with KVM's
# host WB leaves the guest type, with UC- over WB becoming UC (SDM Table 11-7).
kvm_paging() {
  if grep -qw svm /proc/cpuinfo && [ -d /sys/module/kvm_amd ] &&
     grep -qE '^(1|Y)$' /sys/module/kvm_amd/parameters/npt 2>/dev/null; then echo npt
  elif grep -qw vmx /proc/cpuinfo && [ -d /sys/module/kvm_intel ] &&
     grep -qE '^(1|Y)$' /sys/module/kvm_intel/parameters/ept 2>/dev/null; then echo ept
  else echo other; fi
}
paging=$(kvm_paging)
linux_name() {  # vmm's type name -> pat_memtype_list's
  case $1 in WB) echo write-back ;; WC) echo write-combining ;; UC-) echo uncached-minus ;;
             UC) echo uncached ;; WT) echo write-through ;; WP) echo write-protect ;; *) echo "?" ;; esac
}
npt_effective() {  # guest type over NPT host WB (and host MTRR WB)
  case $1 in UC-) echo UC ;; *) echo "$1" ;; esac
}
derived_matches_guest_kernel() {
  local n=0 bad=0 owner addr size line guest effective source want_mode want_eff
  command -v jq >/dev/null || { echo "  jq is missing (scripts/install-deps installs it)"; return 1; }
  [ -f "$report" ] || { echo "  no report"; return 1; }
  # One tab-separated line per user-space mapping a first-touch derivation found; addresses
  # in decimal. (No process substitution: the emulated host's chroot has no /dev/fd.)
  local rows
  rows=$(jq -r '.derived_memtypes.derivations[] | select(.moment == "first touch") |
                . as $d | .mappings[] | select(.user) |
                [$d.owner, $d.guest_addr, $d.size, .guest_pat_type, (.effective // "unknown"),
                 $d.second_level.source, (.user | tostring)] | @tsv' "$report" 2>/dev/null)
  while IFS=$'\t' read -r owner addr size guest effective source user; do
    [ -n "$owner" ] || continue
    addr=$((addr)) size=$((size))
    if [ -z "$bytes" ] || (( size < bytes )); then continue; fi
    n=$((n + 1))
    want_mode=$(grep -E '^GL-ROUNDTRIP PAT: ' <<<"$text" |
                grep -F -- "$(printf '[mem 0x%016x-0x%016x]' "$addr" $(( addr + size )))" | awk '{ print $NF }' | head -n1)
    line="  $owner: derived guest type $guest ($(linux_name "$guest")), effective $effective (KVM side from $source);"
    line+=" guest kernel: ${want_mode:-no record}"
    if [ "$user" != true ] || [ -z "$want_mode" ] || [ "$(linux_name "$guest")" != "$want_mode" ]; then
      echo "$line: MISMATCH"; bad=1; continue
    fi
    if [ "$paging" = npt ]; then
      want_eff=$(npt_effective "$guest")
      if [ "$effective" != "$want_eff" ]; then echo "$line; NPT gives $want_eff: MISMATCH"; bad=1; continue; fi
      line+="; NPT gives $want_eff"
    fi
    echo "$line: ok"
  done <<<"$rows"
  echo "  ($n blob mappings compared; KVM here: $paging)"
  [ "$n" -ge 2 ] && [ "$bad" -eq 0 ]
}
check trace_blob_slot_mapped blob_slot_mapped
if [ -n "${VMM_GL_BLOB_CACHE:-}" ]; then
  check trace_blob_map_info_from_gpu_blob_cache map_info_from_override
else
  check trace_blob_map_info_from_virglrenderer map_info_from_renderer
fi
check trace_blob_cache_type_follows_map_info cache_type_follows_map_info
check trace_roundtrip_buffers_mapped buffers_mapped
check trace_blob_slots_inside_window slots_in_window
check guest_pat_follows_map_info pat_follows_map_info
check derived_type_is_the_guest_kernels_and_follows_kvm derived_matches_guest_kernel
check trace_dst_blob_fnv_at_removal_equals_readback removed_with_fnv "$dst_fnv"
check trace_src_blob_fnv_at_removal_equals_written removed_with_fnv "$src_fnv"

init_at=$(grep -oE '^VMM-LINUX-GUEST INIT uptime=[0-9.]+' <<<"$text" | cut -d= -f2 | head -n1)
echo "gl guest boot: /init started at ${init_at:-?} s of guest uptime; vmm ran ${elapsed} s in all" \
     "($(grep -c . <<<"$blob_adds") blob slots, $big_slots of >= ${bytes:-?} bytes," \
     "window ${win_base:-?}+${win_size:-?}; dst fnv ${dst_fnv:-?}, src fnv ${src_fnv:-?})"
if [ $failed -ne 0 ]; then
  echo "FAIL: virgl guest checks failed (console kept in $console, vmm stderr in $vmm_err," \
       "trace in $trace, report in $report)"
  exit 1
fi
echo "PASS: Mesa's virgl driver on Linux $(manifest kernel_release) copied a pattern between" \
     "persistently mapped GL buffers through the host renderer and read it back; the blobs" \
     "backing them were mapped into the host-visible window with virglrenderer's map_info," \
     "and their memory at removal hashed to what the guest read and wrote"
exit 0
