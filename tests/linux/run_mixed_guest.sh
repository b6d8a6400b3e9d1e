#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2016  # checks called via check(); jq's own $variables
# ctest `linux_guest_virgl_and_venus` (label `linux`): one Linux guest under
# `vmm --gpu --gpu-renderer all` runs the GL round trip (Mesa's virgl driver, a virgl
# context) and the Vulkan round trip (Mesa's Venus driver, a Venus context) at the same time
# (scripts/build-venus-guest --with-gl: Debian trixie's Mesa for both). It passes only when
# both copies round-trip, the trace shows blob slots of both contexts (renderer_context), each
# typed by its own context's map_info, each program's buffers were blobs of its own context
# (their checksums at removal), and the guest kernel's PAT and vmm's derived type agree.
#
# usage: run_mixed_guest.sh VMM_BINARY [GUEST_DIR]     (default GUEST_DIR: mixed-guest
#                                                       beside the vmm binary's build tree)
# exit: 0 pass, 1 fail, 77 skipped (the reason is printed).
# env:  VMM_MIXED_TIMEOUT  seconds before vmm is killed (default 1200)
#       VMM_MIXED_LOG      where to keep the guest console (default ./mixed-guest-console.log)
#       VMM_LINUX_FORCE=1  run even on PVM (expect the timeout; for measurements only)
set -uo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=tests/linux/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/linux/gl_guest_checks.sh
. "$here/gl_guest_checks.sh"
guest_test_args mixed-guest "$@"

# --- skip reasons and boot: 2 GiB, as the initramfs (trixie's LLVM and Mesa, ~220 MB) is
# unpacked into guest RAM ------------------------------------------------------------------------
boot_venus_capable_guest all 2G "${VMM_MIXED_TIMEOUT:-1200}" "${VMM_MIXED_LOG:-$PWD/mixed-guest-console.log}" \
  "scripts/build-venus-guest --with-gl"

# --- checks ------------------------------------------------------------------------------------
# Both renderers in the one process, as the start-up line says.
renderer_has_both() {
  grep -E 'gpu renderer: virglrenderer [0-9.]+ in vmm-gpu-process' <<<"$stderr_text" |
    grep -F 'virgl on' | grep -qF 'Venus wire format 1'
}
# The checksums a program printed: dst (what it read back) and src (what it wrote).
ok_fnvs() {
  grep -oE "^$1 OK .* fnv1a=0x[0-9a-f]{8} src_fnv1a=0x[0-9a-f]{8}" <<<"$text" | head -n1 |
    grep -oE '0x[0-9a-f]{8}'
}
# Both of a program's buffers were removed, with its checksums, from blob slots of the
# context the program's API makes: Venus for Vulkan, virgl for GL.
buffers_in_context() {
  local tag=$1 want=$2 fnv n=0 got
  for fnv in $(ok_fnvs "$tag"); do
    got=$(jq -r -s --arg f "$fnv" '[.[] | select(.fnv1a == $f) | .renderer_context // "none"] | unique | join(",")' \
          <<<"$blob_removes")
    echo "  $tag buffer fnv1a=$fnv removed from slots of context: ${got:-no slot}"
    grep -qE "^($want)(,($want))*$" <<<"$got" && n=$((n + 1))
  done
  [ "$n" -eq 2 ]
}
# Slots of both contexts, and every renderer blob slot names its context.
both_contexts() {
  jq -r -s '.[] | "  \(.owner): context \(.renderer_context // "none"), renderer said \(.renderer_map_info // "-"), map_info \(.map_info)"' \
    <<<"$blob_adds"
  jq -e -s 'all(.[]; .renderer_context | IN("VENUS", "VIRGL", "VIRGL2")) and
            any(.[]; .renderer_context == "VENUS") and
            any(.[]; .renderer_context | IN("VIRGL", "VIRGL2"))' <<<"$blob_adds" >/dev/null
}
# Each slot's map_info is its own context's answer (where that context gave one).
typed_by_own_context() {
  jq -e -s 'all(.[]; .renderer_map_info == "NONE" or .map_info == .renderer_map_info)' <<<"$blob_adds" >/dev/null
}

prog_tag='(GL|VK)-ROUNDTRIP'
read_blob_run
# The smaller program's buffer size: the slot checks below then cover both programs' buffers.
bytes=$(grep -oE "^$prog_tag OK bytes=[0-9]+" <<<"$text" | grep -oE '[0-9]+$' | sort -n | head -n1)
check vmm_exit_0 test "$rc" -eq 0
check guest_started has '^VMM-LINUX-GUEST START '
check renderer_is_the_process_with_virgl_and_venus renderer_has_both
check host_memory_window has 'Host memory window: 0x[0-9a-f]+ \+0x[0-9a-f]+'
check gl_roundtrip_ok has '^GL-ROUNDTRIP OK bytes=[0-9]+ fnv1a=0x[0-9a-f]{8} src_fnv1a=0x[0-9a-f]{8} mode=persistent-coherent$'
check vk_roundtrip_ok has '^VK-ROUNDTRIP OK bytes=[0-9]+ fnv1a=0x[0-9a-f]{8} src_fnv1a=0x[0-9a-f]{8}$'
check no_program_failed bash -c '! grep -qE "^(GL|VK)-ROUNDTRIP FAIL" <<<"$1"' _ "$text"
check guest_done_0 has '^VMM-LINUX-GUEST DONE 0$'
echo "memslot trace: $(grep -c . <<<"$blob_adds") gpu-blob slots added"
check trace_blob_slots_of_both_contexts both_contexts
check trace_blob_map_info_from_virglrenderer map_info_from_renderer
check trace_blob_typed_by_its_own_context typed_by_own_context
check trace_blob_cache_type_follows_map_info cache_type_follows_map_info
check trace_blob_slots_inside_window slots_in_window
check guest_pat_follows_map_info pat_follows_map_info
check derived_type_is_the_guest_kernels_and_follows_kvm derived_matches_guest_kernel
check vulkan_buffers_were_venus_blobs buffers_in_context VK-ROUNDTRIP VENUS
check gl_buffers_were_virgl_blobs buffers_in_context GL-ROUNDTRIP 'VIRGL|VIRGL2'
if [ $failed -ne 0 ]; then
  echo "FAIL: mixed guest checks failed (console kept in $console, vmm stderr in $console.stderr," \
       "trace in $trace, report in $report)"
  exit 1
fi
echo "PASS: one Linux $(manifest kernel_release) guest ran Mesa's virgl GL and Venus Vulkan" \
     "drivers at once against vmm --gpu-renderer all; each copy round-tripped through blobs of" \
     "its own context, each typed by that context's map_info"
exit 0
