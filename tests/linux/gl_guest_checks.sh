# shellcheck shell=bash
# The checks of the virgl guest test (run_gl_guest.sh), apart from its boot so that they can
# be run against saved or doctored output too (gl_guest_checks_test.sh). Source it after
# lib.sh; gl_guest_checks reads:
#   text     the guest console, without carriage returns
#   trace    vmm's --memslot-trace file
#   report   vmm's --report file
#   rc       vmm's exit status
#   VMM_GL_BLOB_CACHE  the --gpu-blob-cache mode of the run, if any
#   prog_tag the guest program's line tag (default GL-ROUNDTRIP; the Venus guest's checks,
#            venus_guest_checks.sh, share the blob checks with VK-ROUNDTRIP)
# and prints one CHECK line per check, setting failed=1 when one fails. Every number a check
# computes with is read by json_num/num, so a missing field fails the check that needs it.
# shellcheck disable=SC2317  # the check functions are called via check()
# shellcheck disable=SC2154  # text, trace, report, rc: set by the caller (see above)
prog_tag=${prog_tag:-GL-ROUNDTRIP}

features_ok() {
  grep -E '\[drm\] features:' <<<"$text" | grep -F -- '+virgl' | grep -F -- '+resource_blob' |
    grep -qF -- '+host_visible'
}
params_ok() {
  grep -E '^GL-ROUNDTRIP PARAM ' <<<"$text" | grep -F 'RESOURCE_BLOB=0x1' | grep -qF 'HOST_VISIBLE=0x1'
}
no_fail() { ! grep -qE '^GL-ROUNDTRIP FAIL' <<<"$text"; }

blob_slot_mapped() { [ -n "$blob_adds" ]; }
# A blob slot that vmm typed from virglrenderer's own map_info.
map_info_from_renderer() {
  jq -e -s 'any(.[]; (.map_info | IN("WC", "CACHED", "UNCACHED", "NONE")) and
                     .map_info_from == "virglrenderer")' <<<"$blob_adds" >/dev/null
}
# With VMM_GL_BLOB_CACHE the guest is given that map_info instead, and the trace says who
# decided it (--gpu-blob-cache) beside what the renderer itself said.
map_info_from_override() {
  jq -e -s --arg m "$(tr '[:lower:]' '[:upper:]' <<<"${VMM_GL_BLOB_CACHE:-}")" \
    'any(.[]; .map_info == $m and .map_info_from == "--gpu-blob-cache" and
              ((.renderer_map_info // "") | test("^[A-Z]+$")))' <<<"$blob_adds" >/dev/null
}
# Every blob slot with a map_info asks for the type that map_info implies (CACHED:
# CacheCoherent; WC, UNCACHED, NONE: CacheNonCoherent), unless an override decided it. Only
# the slots compared count: a run whose every slot was overridden compared nothing and fails.
cache_type_follows_map_info() {
  local owner map decided got from said want ok=0 n=0
  while IFS=$'\x1f' read -r owner map decided got from said; do
    if [ -z "$owner" ] || [ -z "$map" ]; then continue; fi
    if [ -n "$decided" ] && [ "$decided" != map_info ]; then
      echo "  $owner: map_info $map, requested $got, decided by $decided (override, not compared)"
      continue
    fi
    n=$((n + 1))
    if [ "$map" = CACHED ]; then want=CacheCoherent; else want=CacheNonCoherent; fi
    echo "  $owner: map_info $map (from $from, renderer said $said) -> requested $got, want $want"
    [ "$got" = "$want" ] || ok=1
  done <<<"$(json_rows owner map_info cache_decided_by requested map_info_from renderer_map_info <<<"$blob_adds")"
  echo "  ($n blob slots compared)"
  [ "$n" -gt 0 ] && [ "$ok" -eq 0 ]
}
# The program's two buffers (3 MiB each, src and dst) are mapped blobs of their own: at least
# two blob slots of that size or more (Mesa's own upload buffers are 1 MiB).
buffers_mapped() {
  local owner size want big=0
  want=$(num "$prog_tag OK bytes" "$bytes") || return 1
  while IFS=$'\x1f' read -r owner size; do
    [ -n "$owner" ] || continue
    size=$(num size "$size" "$owner") || return 1
    (( size >= want )) && big=$((big + 1))
  done <<<"$(json_rows owner size <<<"$blob_adds")"
  echo "  ($big blob slots of >= $want bytes)"
  [ "$big" -ge 2 ]
}
slots_in_window() {
  local owner addr size base wsize
  [ -n "$blob_adds" ] || return 1
  base=$(num "window base" "$win_base") && wsize=$(num "window size" "$win_size") || return 1
  while IFS=$'\x1f' read -r owner addr size; do
    addr=$(num guest_addr "$addr" "$owner") && size=$(num size "$size" "$owner") || return 1
    (( addr >= base && addr + size <= base + wsize )) || return 1
  done <<<"$(json_rows owner guest_addr size <<<"$blob_adds")"
}
# vmm hashes a blob's memory when its slot goes (the program's exit frees both buffers): the
# destination's must be what the guest read back, the source's what the guest wrote last.
removed_with_fnv() {  # fnv: some gpu-blob slot was removed with that checksum
  [ -n "$1" ] && jq -e -s --arg f "$1" 'any(.[]; .fnv1a == $f)' <<<"$blob_removes" >/dev/null
}
# The guest mapped each of the program's blobs with the cache mode its map_info asks for: the
# program prints the guest's PAT reservation of every range in the window while they live.
pat_follows_map_info() {
  local owner addr size map mode want min n=0 ok=0
  min=$(num "$prog_tag OK bytes" "$bytes") || return 1
  while IFS=$'\x1f' read -r owner addr size map; do
    [ -n "$owner" ] || continue
    addr=$(num guest_addr "$addr" "$owner") && size=$(num size "$size" "$owner") || return 1
    (( size < min )) && continue
    case $map in
      CACHED) mode=write-back ;; WC) mode=write-combining ;; UNCACHED) mode=uncached-minus ;;
      *) continue ;;
    esac
    n=$((n + 1))
    want=$(printf '[mem 0x%016x-0x%016x] %s' "$addr" $(( addr + size )) "$mode")
    if grep -E "^$prog_tag PAT: " <<<"$text" | grep -qF -- "$want"; then
      echo "  $owner: map_info $map, guest PAT $want"
    else
      echo "  $owner: map_info $map, no guest PAT line '$want'"
      ok=1
    fi
  done <<<"$(json_rows owner guest_addr size map_info <<<"$blob_adds")"
  [ "$n" -gt 0 ] && [ "$ok" -eq 0 ]
}
# The derived memory type against an oracle vmm does not write: the guest kernel's own record
# of how it mapped each blob (pat_memtype_list, printed by the program as "$prog_tag PAT").
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
linux_name() {  # vmm's type name -> pat_memtype_list's
  case $1 in WB) echo write-back ;; WC) echo write-combining ;; UC-) echo uncached-minus ;;
             UC) echo uncached ;; WT) echo write-through ;; WP) echo write-protect ;; *) echo "?" ;; esac
}
npt_effective() {  # guest type over NPT host WB (and host MTRR WB)
  case $1 in UC-) echo UC ;; *) echo "$1" ;; esac
}
derived_matches_guest_kernel() {
  local n=0 bad=0 owner addr size guest effective source user line want_mode want_eff min paging
  [ -f "$report" ] || { echo "  no report"; return 1; }
  min=$(num "$prog_tag OK bytes" "$bytes") || return 1
  paging=$(kvm_paging)
  # One object per user-space mapping a first-touch derivation found. (No process
  # substitution: the emulated host's chroot has no /dev/fd.)
  local rows
  rows=$(jq -c '.derived_memtypes.derivations[] | select(.moment == "first touch") |
                . as $d | .mappings[] | select(.user) |
                {owner: $d.owner, guest_addr: $d.guest_addr, size: $d.size,
                 guest: .guest_pat_type, effective: (.effective // "unknown"),
                 source: $d.second_level.source, user: .user}' "$report") || return 1
  while IFS=$'\x1f' read -r owner addr size guest effective source user; do
    [ -n "$owner" ] || continue
    addr=$(num guest_addr "$addr" "$owner") && size=$(num size "$size" "$owner") || return 1
    (( size < min )) && continue
    n=$((n + 1))
    want_mode=$(grep -E "^$prog_tag PAT: " <<<"$text" |
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
  done <<<"$(json_rows owner guest_addr size guest effective source user <<<"$rows")"
  echo "  ($n blob mappings compared; KVM here: $paging)"
  [ "$n" -ge 2 ] && [ "$bad" -eq 0 ]
}

# What the blob checks read from the console (lines tagged $prog_tag) and the trace.
read_blob_run() {
  blob_adds=$(trace_blob_events add "$trace")
  blob_removes=$(trace_blob_events remove "$trace")
  bytes=$(grep -oE "^$prog_tag OK bytes=[0-9]+" <<<"$text" | grep -oE '[0-9]+$' | head -n1)
  local window
  window=$(grep -oE 'Host memory window: 0x[0-9a-f]+ \+0x[0-9a-f]+' <<<"$text" | head -n1)
  win_base=$(awk '{ print $4 }' <<<"$window") win_size=$(awk '{ print $5 }' <<<"$window" | tr -d +)
  dst_fnv=$(grep -oE "^$prog_tag OK .* fnv1a=0x[0-9a-f]{8}" <<<"$text" | grep -oE ' fnv1a=0x[0-9a-f]{8}' | cut -d= -f2)
  src_fnv=$(grep -oE "^$prog_tag OK .* src_fnv1a=0x[0-9a-f]{8}" <<<"$text" | grep -oE '0x[0-9a-f]{8}$')
}

# The checks of the program's blob slots, whichever API made them: the trace shows them
# mapped with the renderer's map_info (or the override's) and the type that follows, inside
# the window; the guest kernel mapped them as map_info says; vmm's derived type is the guest
# kernel's; and their memory at removal hashed to what the program wrote and read.
blob_slot_checks() {
  echo "memslot trace: $(grep -c . "$trace" 2>/dev/null || echo 0) events," \
       "$(grep -c . <<<"$blob_adds") gpu-blob slots added:"
  while IFS= read -r line; do [ -n "$line" ] && echo "TRACE $line"; done <<<"$blob_adds"
  echo "$(grep -c . <<<"$blob_removes") gpu-blob slots removed:"
  while IFS= read -r line; do [ -n "$line" ] && echo "TRACE $line"; done <<<"$blob_removes"

  check trace_is_json trace_is_json "$trace"
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
}

gl_guest_checks() {
  prog_tag=GL-ROUNDTRIP
  read_blob_run
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
  blob_slot_checks
}
