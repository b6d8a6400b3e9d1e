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
set -uo pipefail

here=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=tests/linux/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/linux/gl_guest_checks.sh
. "$here/gl_guest_checks.sh"
guest_test_args gl-guest "$@"

# --- reasons to skip -------------------------------------------------------------------------
require_jq
skip_unless_kvm_boots_linux "$vmm"
require_gl_guest "$vmm" "$guest_dir"

# --- boot --------------------------------------------------------------------------------------
timeout_s=${VMM_GL_TIMEOUT:-600}
guest_run_files "${VMM_GL_LOG:-$PWD/gl-guest-console.log}"
# vmmguest.gl_require_persistent=1: the program fails rather than fall back to
# glBufferData + glMapBufferRange when the driver offers no buffer storage.
cmdline="console=ttyS0 reboot=k panic=-1 rdinit=/init vmmguest.gl_require_persistent=1${VMM_GL_CMDLINE:+ $VMM_GL_CMDLINE}"
# shellcheck disable=SC2206  # word splitting of the extra arguments is intended
extra=(${VMM_GL_EXTRA_ARGS:-})
[ -n "${VMM_GL_BLOB_CACHE:-}" ] && extra+=(--gpu-blob-cache "$VMM_GL_BLOB_CACHE")
cmd=("$vmm" --kernel "$kernel" --initrd "$initrd" --mem "${VMM_GL_MEM:-2G}"
     --cmdline "$cmdline" --gpu --gpu-renderer virgl
     --memslot-trace "$trace" --report "$report" "${extra[@]}")
echo "gl guest: $(manifest kernel_package) $(manifest kernel_version), Mesa $(manifest mesa_version)," \
     "initramfs $(manifest initramfs_bytes) bytes ($(manifest initramfs_compression))"
boot_guest "$timeout_s" "$console" 60 "${cmd[@]}"

# --- checks ------------------------------------------------------------------------------------
text=$(tr -d '\r' <"$console")
gl_guest_checks

init_at=$(grep -oE '^VMM-LINUX-GUEST INIT uptime=[0-9.]+' <<<"$text" | cut -d= -f2 | head -n1)
echo "gl guest boot: /init started at ${init_at:-?} s of guest uptime; vmm ran ${elapsed} s in all" \
     "($(grep -c . <<<"$blob_adds") blob slots, buffers of ${bytes:-?} bytes," \
     "window ${win_base:-?}+${win_size:-?}; dst fnv ${dst_fnv:-?}, src fnv ${src_fnv:-?})"
if [ $failed -ne 0 ]; then
  echo "FAIL: virgl guest checks failed (console kept in $console, vmm stderr in $console.stderr," \
       "trace in $trace, report in $report)"
  exit 1
fi
echo "PASS: Mesa's virgl driver on Linux $(manifest kernel_release) copied a pattern between" \
     "persistently mapped GL buffers through the host renderer and read it back; the blobs" \
     "backing them were mapped into the host-visible window with virglrenderer's map_info," \
     "and their memory at removal hashed to what the guest read and wrote"
exit 0
