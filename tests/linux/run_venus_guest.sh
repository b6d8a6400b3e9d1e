#!/usr/bin/env bash
# ctest `linux_guest_venus_roundtrip` (label `linux`): boots Debian's stock kernel under
# `vmm --gpu --gpu-renderer venus` with an initramfs holding Debian trixie's Mesa Venus driver
# and tests/linux/vk_blob_roundtrip (scripts/build-venus-guest), the renderer being the
# renderer root's virglrenderer 1.3.0 in vmm-gpu-process with lavapipe in its render server.
# It passes only when the Vulkan copy round-trips through HOST_VISIBLE memory — Venus backs
# it with HOST3D blobs — and vmm's memslot trace shows those blobs mapped with Venus's
# map_info and the MemCacheType that follows, the guest kernel's pat_memtype_list agrees,
# and their memory at removal hashed to what the program wrote and read back.
#
# usage: run_venus_guest.sh VMM_BINARY [GUEST_DIR]
#   GUEST_DIR holds bzImage and initramfs.img from scripts/build-venus-guest
#   (default: venus-guest beside the vmm binary's build tree).
# exit: 0 pass, 1 fail, 77 skipped (the reason is printed).
# env:  VMM_VENUS_TIMEOUT  seconds before vmm is killed (default 900)
#       VMM_VENUS_CMDLINE  extra kernel parameters (e.g. "vmmguest.vk_debug=1")
#       VMM_VENUS_LOG      where to keep the guest console (default ./venus-guest-console.log)
#       VMM_LINUX_FORCE=1  run even on PVM (expect the timeout; for measurements only)
set -uo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=tests/linux/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/linux/gl_guest_checks.sh
. "$here/gl_guest_checks.sh"
# shellcheck source=tests/linux/venus_guest_checks.sh
. "$here/venus_guest_checks.sh"
guest_test_args venus-guest "$@"

# --- reasons to skip -------------------------------------------------------------------------
require_jq
skip_unless_kvm_boots_linux "$vmm"
grep -qw venus <<<"$("$vmm" --gpu-renderer '?' 2>&1)" ||
  skip "this vmm has no --gpu-renderer venus (built without libvirglrenderer-dev?)"
kernel=$guest_dir/bzImage initrd=$guest_dir/initramfs.img
[ -f "$kernel" ] && [ -f "$initrd" ] ||
  skip "Venus guest not built: $kernel or $initrd is missing; run scripts/build-venus-guest $guest_dir"

# --- boot --------------------------------------------------------------------------------------
timeout_s=${VMM_VENUS_TIMEOUT:-900}
guest_run_files "${VMM_VENUS_LOG:-$PWD/venus-guest-console.log}"
cmdline="console=ttyS0 reboot=k panic=-1 rdinit=/init${VMM_VENUS_CMDLINE:+ $VMM_VENUS_CMDLINE}"
cmd=("$vmm" --kernel "$kernel" --initrd "$initrd" --mem 1G --cmdline "$cmdline"
     --gpu --gpu-renderer venus --memslot-trace "$trace" --report "$report")
echo "venus guest: $(manifest kernel_package) $(manifest kernel_version), $(manifest suite) Mesa" \
     "$(manifest mesa_version), initramfs $(manifest initramfs_bytes) bytes"
boot_guest "$timeout_s" "$console" 40 "${cmd[@]}"
stderr_text=$(cat "$console.stderr" 2>/dev/null)
# Venus needs the renderer root (scripts/renderer-root): without it vmm renders with the
# system's virglrenderer 0.10.4, whose Venus wire format 0 this guest's Mesa refuses.
if grep -qE "gpu renderer: virglrenderer [0-9.]+ in-process" <<<"$stderr_text"; then
  skip "vmm rendered in-process: $(grep -oE 'in-process, the system.s \(.*\)' <<<"$stderr_text" | head -n1)"
fi

# --- checks ------------------------------------------------------------------------------------
text=$(tr -d '\r' <"$console")
venus_guest_checks
if [ $failed -ne 0 ]; then
  echo "FAIL: Venus guest checks failed (console kept in $console, vmm stderr in $console.stderr," \
       "trace in $trace, report in $report)"
  exit 1
fi
echo "PASS: Mesa's Venus driver on Linux $(manifest kernel_release) copied a pattern between" \
     "HOST_VISIBLE Vulkan buffers through virglrenderer's render server in vmm-gpu-process and" \
     "read it back; the blobs backing them were mapped into the host-visible window with Venus's" \
     "map_info, and their memory at removal hashed to what the guest read and wrote"
exit 0
