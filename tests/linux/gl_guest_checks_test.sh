#!/usr/bin/env bash
# ctest `linux_gl_guest_checks` (no KVM, no vmm): the virgl guest test's checks
# (gl_guest_checks.sh) against a saved-style run made up here, first as a run that passes
# every check, then doctored the ways issue 20 named, each of which must fail the check it
# concerns:
#   every blob slot's cache type decided by an override  -> nothing compared: FAIL
#   a blob slot without its size                          -> the size checks: FAIL
#   a derivation without its guest_addr                   -> the derived-type check: FAIL
#   the console without the round trip's byte count       -> the checks sized by it: FAIL
# A check that passed such a run would be computing with an empty field as if it were 0.
set -uo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=tests/linux/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/linux/gl_guest_checks.sh
. "$here/gl_guest_checks.sh"
require_jq

work=$(mktemp -d "${TMPDIR:-/tmp}/gl-guest-checks.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- a run that passes: two 3 MiB buffers (CACHED, as llvmpipe answers) and Mesa's 1 MiB
# upload buffer, all inside the window, hashed at removal to what the guest printed.
cat >"$work/console" <<'EOF'
VMM-LINUX-GUEST START kernel=6.1.0-57-amd64 guest=gl
[    1.000000] [drm] features: +virgl +edid +resource_blob +host_visible
[    1.000001] [drm] Host memory window: 0x800000000 +0x10000000
GL-ROUNDTRIP PARAM RESOURCE_BLOB=0x1 HOST_VISIBLE=0x1
GL-ROUNDTRIP RENDERER virgl
GL-ROUNDTRIP MODE persistent-coherent size=3145728
GL-ROUNDTRIP PAT: [mem 0x0000000800000000-0x0000000800300000] write-back
GL-ROUNDTRIP PAT: [mem 0x0000000800300000-0x0000000800600000] write-back
GL-ROUNDTRIP OK bytes=3145728 fnv1a=0x11111111 src_fnv1a=0x22222222 mode=persistent-coherent
VMM-LINUX-GUEST DONE 0
EOF
slot() {  # n addr size
  jq -nc --arg o "gpu-blob $1" --arg a "$2" --arg s "$3" \
    '{event: "add", slot: 1, owner: $o, guest_addr: $a, size: $s, requested: "CacheCoherent",
      map_info: "CACHED", map_info_from: "virglrenderer", renderer_map_info: "CACHED",
      cache_decided_by: "map_info"}'
}
{
  slot 1 0x800000000 0x300000
  slot 2 0x800300000 0x300000
  slot 3 0x800600000 0x100000
  jq -nc '{event: "remove", owner: "gpu-blob 1", guest_addr: "0x800000000", size: "0x300000", fnv1a: "0x22222222"}'
  jq -nc '{event: "remove", owner: "gpu-blob 2", guest_addr: "0x800300000", size: "0x300000", fnv1a: "0x11111111"}'
} >"$work/trace"
derivation() {  # owner addr size
  jq -nc --arg o "$1" --arg a "$2" --arg s "$3" \
    '{owner: $o, guest_addr: $a, size: $s, moment: "first touch", second_level: {source: "spte"},
      mappings: [{user: true, guest_pat_type: "WB", effective: "WB"}]}'
}
{
  derivation "gpu-blob 1" 0x800000000 0x300000
  derivation "gpu-blob 2" 0x800300000 0x300000
} | jq -s '{derived_memtypes: {derivations: .}}' >"$work/report"

# Runs the checks on console/trace/report files; prints their output to OUT.
run_checks() {  # console trace report out
  (
    text=$(tr -d '\r' <"$1") trace=$2 report=$3 rc=0 failed=0
    unset VMM_GL_BLOB_CACHE
    gl_guest_checks
    exit "$failed"
  ) >"$4" 2>&1
}

bad=0
expect() {  # out check PASS|FAIL
  if grep -qx "CHECK $2 $3" "$1"; then
    echo "ok: $(basename "$1"): $2 $3"
  else
    echo "WRONG: $(basename "$1"): $2 is not $3:"; grep -E "^CHECK $2 |missing" "$1"; bad=1
  fi
}

run_checks "$work/console" "$work/trace" "$work/report" "$work/good"
good_rc=$?
if [ $good_rc -ne 0 ] || grep -q ' FAIL$' "$work/good"; then
  echo "WRONG: the undoctored run fails:"; cat "$work/good"; bad=1
else
  echo "ok: good: all $(grep -c '^CHECK .* PASS$' "$work/good") checks pass"
fi

# Every slot overridden (--gpu-memslot-cache): the cache-type check compares nothing.
jq -c 'if .event == "add" then .cache_decided_by = "--gpu-memslot-cache" else . end' \
  "$work/trace" >"$work/trace.overridden"
run_checks "$work/console" "$work/trace.overridden" "$work/report" "$work/overridden"
expect "$work/overridden" trace_blob_cache_type_follows_map_info FAIL

# One buffer's slot without its size: it was never to be read as 0 (which sits inside the
# window and below the buffer size, so the old checks skipped or passed it).
jq -c 'if .event == "add" and .owner == "gpu-blob 1" then del(.size) else . end' \
  "$work/trace" >"$work/trace.nosize"
run_checks "$work/console" "$work/trace.nosize" "$work/report" "$work/nosize"
expect "$work/nosize" trace_blob_slots_inside_window FAIL
expect "$work/nosize" guest_pat_follows_map_info FAIL
expect "$work/nosize" trace_roundtrip_buffers_mapped FAIL
grep -q 'size is missing' "$work/nosize" || { echo "WRONG: nosize: no word of the missing size"; bad=1; }
# The same field empty rather than absent.
jq -c 'if .event == "add" and .owner == "gpu-blob 2" then .size = "" else . end' \
  "$work/trace" >"$work/trace.emptysize"
run_checks "$work/console" "$work/trace.emptysize" "$work/report" "$work/emptysize"
expect "$work/emptysize" trace_blob_slots_inside_window FAIL
expect "$work/emptysize" guest_pat_follows_map_info FAIL

# A derivation without its address: the derived-type check cannot place it.
jq '.derived_memtypes.derivations[0] |= del(.guest_addr)' "$work/report" >"$work/report.noaddr"
run_checks "$work/console" "$work/trace" "$work/report.noaddr" "$work/noaddr"
expect "$work/noaddr" derived_type_is_the_guest_kernels_and_follows_kvm FAIL

# No byte count on the console: the checks that pick the program's buffers by it fail
# rather than take every slot (or none) as one.
grep -v '^GL-ROUNDTRIP OK ' "$work/console" >"$work/console.nobytes"
run_checks "$work/console.nobytes" "$work/trace" "$work/report" "$work/nobytes"
expect "$work/nobytes" trace_roundtrip_buffers_mapped FAIL
expect "$work/nobytes" guest_pat_follows_map_info FAIL
expect "$work/nobytes" derived_type_is_the_guest_kernels_and_follows_kvm FAIL

if [ $bad -ne 0 ]; then
  echo "FAIL: the virgl guest checks passed a run they must refuse (outputs above)"
  exit 1
fi
echo "PASS: the virgl guest checks pass the made-up run and refuse each doctored one"
