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

# --- skip reasons and boot ----------------------------------------------------------------------
boot_venus_capable_guest venus 1G "${VMM_VENUS_TIMEOUT:-900}" "${VMM_VENUS_LOG:-$PWD/venus-guest-console.log}" \
  scripts/build-venus-guest "${VMM_VENUS_CMDLINE:-}"

# --- checks ------------------------------------------------------------------------------------
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
