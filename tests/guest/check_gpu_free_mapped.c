/* gpu.free_mapped (vmmtest.free_mapped=1, after the other gpu checks): a guest frees blob
 * memory that was mapped, the two ways a driver (or an attacker) can:
 *   - blob U: CREATE_BLOB, MAP_BLOB at offset 0, a pattern written and hashed through the
 *     BAR, UNMAP_BLOB, then RESOURCE_UNREF: vmm frees the blob's memory and forgets its id
 *     (a MAP_BLOB or a second RESOURCE_UNREF of it answers ERR_INVALID_RESOURCE_ID);
 *   - blob R: the same up to the hash, then, still mapped, a device reset (status 0) and a
 *     fresh set-up: the reset unmaps and frees it.
 * Both must answer OK and leave vmm running; vmm's trace and --report must then carry, for
 * each removed slot, the checksum the guest printed (unref_fnv=, reset_fnv=), taken while
 * the memory was still mapped, and vmm must not read the freed memory when it writes the
 * report at exit (it used to: SIGSEGV at stop). */
#include <linux/virtio_pci.h>

#include "blob_pattern.h"
#include "check_gpu.h"

#define SEED_UNREF 0x1111222233334444ull
#define SEED_RESET 0x5555666677778888ull

/* Creates blob `id` in GPU_TEST_CTX_FREE, maps it at offset 0, fills and hashes it. */
static bool map_and_fill(struct check_result *r, uint32_t id, uint64_t seed, uint32_t *fnv) {
  struct virtio_gpu *gpu = &gpu_test.dev;
  uint32_t map_info;
  struct pattern_mismatch bad;
  if (!gpu_expect(r, "RESOURCE_CREATE_BLOB",
                  gpu_create_blob_host3d(gpu, GPU_TEST_CTX_FREE, id, GPU_TEST_BLOB_SIZE),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "CTX_ATTACH_RESOURCE", gpu_ctx_attach_resource(gpu, GPU_TEST_CTX_FREE, id),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "RESOURCE_MAP_BLOB", gpu_map_blob(gpu, id, 0, &map_info),
                  VIRTIO_GPU_RESP_OK_MAP_INFO))
    return false;
  const uint64_t gpa = gpu->pci.shm.addr;
  pattern_fill(gpa, GPU_TEST_BLOB_SIZE, seed);
  if (!pattern_check(gpa, GPU_TEST_BLOB_SIZE, seed, fnv, &bad)) {
    check_fail(r, "blob %u at 0x%lx: word %lu reads 0x%lx after writing 0x%lx", id, gpa,
               bad.index, bad.got, bad.want);
    return false;
  }
  return true;
}

void check_gpu_free_mapped(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  if (!gpu_require(r, gpu_test.ready, "gpu.features failed")) return;
  struct virtio_gpu *gpu = &gpu_test.dev;
  if (!gpu_expect(r, "CTX_CREATE", gpu_ctx_create(gpu, GPU_TEST_CTX_FREE, "free-mapped"),
                  VIRTIO_GPU_RESP_OK_NODATA))
    return;
  uint32_t unref_fnv = 0, reset_fnv = 0;
  if (!map_and_fill(r, GPU_TEST_RES_BLOB_UNREF, SEED_UNREF, &unref_fnv) ||
      !gpu_expect(r, "RESOURCE_UNMAP_BLOB", gpu_unmap_blob(gpu, GPU_TEST_RES_BLOB_UNREF),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "RESOURCE_UNREF", gpu_resource_unref(gpu, GPU_TEST_RES_BLOB_UNREF),
                  VIRTIO_GPU_RESP_OK_NODATA))
    return;
  /* Blob U is gone, not just unmapped: the device no longer knows its id, so neither a map
   * nor a second unref finds it. */
  uint32_t gone_info;
  if (!gpu_expect(r, "RESOURCE_MAP_BLOB(after unref)",
                  gpu_map_blob(gpu, GPU_TEST_RES_BLOB_UNREF, 0, &gone_info),
                  VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID) ||
      !gpu_expect(r, "RESOURCE_UNREF(again)", gpu_resource_unref(gpu, GPU_TEST_RES_BLOB_UNREF),
                  VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID))
    return;
  if (!map_and_fill(r, GPU_TEST_RES_BLOB_RESET, SEED_RESET, &reset_fnv)) return;
  /* The reset frees blob R while it is mapped; the device must still work afterwards. */
  if (!gpu_bring_up(r, VIRTIO_PCI_NO_VECTOR, VIRTIO_PCI_NO_VECTOR)) return;
  uint32_t map_info;
  if (!gpu_expect(r, "RESOURCE_MAP_BLOB(after reset)",
                  gpu_map_blob(gpu, GPU_TEST_RES_BLOB_RESET, 0, &map_info),
                  VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID))
    return;
  check_pass(r, "gpa=0x%lx size=0x%lx unref_fnv=0x%08x reset_fnv=0x%08x", gpu->pci.shm.addr,
             GPU_TEST_BLOB_SIZE, unref_fnv, reset_fnv);
}
