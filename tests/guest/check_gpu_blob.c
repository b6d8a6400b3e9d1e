/* gpu.blob_* and gpu.err_*: host-memory blobs in the host-visible region.
 *   gpu.blob_create           CTX_CREATE, RESOURCE_CREATE_BLOB (HOST3D, mappable, 64 KiB),
 *                             CTX_ATTACH_RESOURCE: all OK_NODATA
 *   gpu.blob_map0, _map1      RESOURCE_MAP_BLOB at offset 0, then at half the region:
 *                             OK_MAP_INFO with the expected cache type; a pattern written
 *                             through the BAR reads back; for map1 the map0 pattern was
 *                             still there (the blob kept its contents across unmap/map);
 *                             fnv=<FNV-1a-32 of the blob> for the host test to compare
 *                             with vmm's memslot trace; RESOURCE_UNMAP_BLOB OK_NODATA
 *   gpu.err_*                 the error codes in gpu_expectations.h
 * Blob A (GPU_TEST_RES_BLOB_A) ends up unmapped; blob B is never mapped. */
#include "blob_pattern.h"
#include "check_gpu.h"
#include "format.h"
#include "gpu_expectations.h"

#define SEED_MAP0 0x5a5a0000a5a50000ull
#define SEED_MAP1 0x0123456789abcdefull

void check_gpu_blob_create(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  if (!gpu_require(r, gpu_test.ready, "gpu.features failed")) return;
  struct virtio_gpu *gpu = &gpu_test.dev;
  if (!gpu_expect(r, "CTX_CREATE", gpu_ctx_create(gpu, GPU_TEST_CTX, "vmm-tiny-guest"),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "RESOURCE_CREATE_BLOB",
                  gpu_create_blob_host3d(gpu, GPU_TEST_CTX, GPU_TEST_RES_BLOB_A, GPU_TEST_BLOB_SIZE),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "CTX_ATTACH_RESOURCE",
                  gpu_ctx_attach_resource(gpu, GPU_TEST_CTX, GPU_TEST_RES_BLOB_A),
                  VIRTIO_GPU_RESP_OK_NODATA))
    return;
  gpu_test.blob_ready = true;
  check_pass(r, "ctx=%u resource=%u HOST3D mappable size=0x%lx", GPU_TEST_CTX, GPU_TEST_RES_BLOB_A,
             GPU_TEST_BLOB_SIZE);
}

/* Maps blob A at `offset`, optionally checks the pattern `prev_seed` survived, writes and
 * verifies the pattern `seed`, hashes the blob and unmaps it. On failure after a successful
 * map the blob is still unmapped, so the checks after this one start clean. */
static void map_write_unmap(const struct guest_ctx *g, struct check_result *r, uint64_t offset,
                            uint64_t seed, bool check_prev, uint64_t prev_seed) {
  /* vmm --gpu-blob-cache changes the answer; vmmtest.map_cache says which to expect. */
  const uint32_t want_cache = g->params.map_cache.present && g->params.map_cache.valid
                                  ? (uint32_t)g->params.map_cache.value
                                  : GPU_EXPECT_MAP_CACHE;
  struct virtio_gpu *gpu = &gpu_test.dev;
  const uint64_t gpa = gpu->pci.shm.addr + offset;
  uint32_t map_info;
  if (!gpu_expect(r, "RESOURCE_MAP_BLOB", gpu_map_blob(gpu, GPU_TEST_RES_BLOB_A, offset, &map_info),
                  VIRTIO_GPU_RESP_OK_MAP_INFO))
    return;

  bool ok = true;
  struct pattern_mismatch bad;
  uint32_t fnv = 0;
  if ((map_info & VIRTIO_GPU_MAP_CACHE_MASK) != want_cache) {
    check_fail(r, "offset=0x%lx map_info=0x%x, want cache type 0x%x", offset, map_info, want_cache);
    ok = false;
  } else if (check_prev && !pattern_check(gpa, GPU_TEST_BLOB_SIZE, prev_seed, 0, &bad)) {
    check_fail(r, "offset=0x%lx gpa=0x%lx: blob lost its contents across unmap/map: word %lu is "
               "0x%lx, want 0x%lx",
               offset, gpa, bad.index, bad.got, bad.want);
    ok = false;
  } else {
    pattern_fill(gpa, GPU_TEST_BLOB_SIZE, seed);
    if (!pattern_check(gpa, GPU_TEST_BLOB_SIZE, seed, &fnv, &bad)) {
      check_fail(r, "offset=0x%lx gpa=0x%lx: word %lu reads 0x%lx after writing 0x%lx", offset, gpa,
                 bad.index, bad.got, bad.want);
      ok = false;
    }
  }
  uint32_t unmap = gpu_unmap_blob(gpu, GPU_TEST_RES_BLOB_A);
  if (!ok) return;
  if (!gpu_expect(r, "RESOURCE_UNMAP_BLOB", unmap, VIRTIO_GPU_RESP_OK_NODATA)) return;
  check_pass(r, "offset=0x%lx gpa=0x%lx size=0x%lx map_info=0x%x fnv=0x%08x", offset, gpa,
             GPU_TEST_BLOB_SIZE, map_info, fnv);
}

void check_gpu_blob_map0(const struct guest_ctx *g, struct check_result *r) {
  if (!gpu_require(r, gpu_test.blob_ready, "gpu.blob_create failed")) return;
  map_write_unmap(g, r, 0, SEED_MAP0, false, 0);
  gpu_test.map0_ok = r->pass;
}

void check_gpu_blob_map1(const struct guest_ctx *g, struct check_result *r) {
  if (!gpu_require(r, gpu_test.blob_ready, "gpu.blob_create failed")) return;
  const uint64_t len = gpu_test.dev.pci.shm.length;
  /* Half the region: a different 2 MiB page for any region of 4 MiB or more. */
  const uint64_t offset = (len / 2) & ~(GPU_TEST_BLOB_SIZE - 1);
  if (offset < GPU_TEST_BLOB_SIZE || offset + GPU_TEST_BLOB_SIZE > len) {
    check_fail(r, "host-visible region of 0x%lx bytes has no room for a second offset", len);
    return;
  }
  map_write_unmap(g, r, offset, SEED_MAP1, gpu_test.map0_ok, SEED_MAP0);
}

/* Expects `want` from mapping `id` at `offset`; a mapping that wrongly succeeds is undone. */
static bool expect_map_error(struct check_result *r, uint32_t id, uint64_t offset, uint32_t want,
                             uint32_t *got) {
  uint32_t map_info;
  *got = gpu_map_blob(&gpu_test.dev, id, offset, &map_info);
  if (*got == VIRTIO_GPU_RESP_OK_MAP_INFO) gpu_unmap_blob(&gpu_test.dev, id);
  char what[64];
  format(what, sizeof what, "RESOURCE_MAP_BLOB(%u, 0x%lx)", id, offset);
  return gpu_expect(r, what, *got, want);
}

void check_gpu_err_map_out_of_range(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  if (!gpu_require(r, gpu_test.blob_ready, "gpu.blob_create failed")) return;
  const uint64_t len = gpu_test.dev.pci.shm.length;
  /* Wholly past the end, then straddling it by all but one page. */
  const uint64_t beyond = len, straddle = len - 0x1000;
  uint32_t got_beyond, got_straddle;
  if (!expect_map_error(r, GPU_TEST_RES_BLOB_A, beyond, GPU_EXPECT_MAP_OUT_OF_RANGE, &got_beyond) ||
      !expect_map_error(r, GPU_TEST_RES_BLOB_A, straddle, GPU_EXPECT_MAP_OUT_OF_RANGE, &got_straddle))
    return;
  check_pass(r, "offset=0x%lx got 0x%x %s; offset=0x%lx got 0x%x", beyond, got_beyond,
             gpu_response_name(got_beyond), straddle, got_straddle);
}

void check_gpu_err_map_overlap(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  if (!gpu_require(r, gpu_test.blob_ready, "gpu.blob_create failed")) return;
  struct virtio_gpu *gpu = &gpu_test.dev;
  uint32_t map_info;
  if (!gpu_expect(r, "RESOURCE_MAP_BLOB(A, 0)", gpu_map_blob(gpu, GPU_TEST_RES_BLOB_A, 0, &map_info),
                  VIRTIO_GPU_RESP_OK_MAP_INFO))
    return;
  uint32_t got = 0;
  const uint64_t b_offset = GPU_TEST_BLOB_SIZE / 2;
  bool ok = gpu_expect(r, "RESOURCE_CREATE_BLOB(B)",
                       gpu_create_blob_host3d(gpu, GPU_TEST_CTX, GPU_TEST_RES_BLOB_B, GPU_TEST_BLOB_SIZE),
                       VIRTIO_GPU_RESP_OK_NODATA) &&
            gpu_expect(r, "CTX_ATTACH_RESOURCE(B)",
                       gpu_ctx_attach_resource(gpu, GPU_TEST_CTX, GPU_TEST_RES_BLOB_B),
                       VIRTIO_GPU_RESP_OK_NODATA) &&
            expect_map_error(r, GPU_TEST_RES_BLOB_B, b_offset, GPU_EXPECT_MAP_OVERLAP, &got);
  uint32_t unmap = gpu_unmap_blob(gpu, GPU_TEST_RES_BLOB_A);
  if (!ok || !gpu_expect(r, "RESOURCE_UNMAP_BLOB(A)", unmap, VIRTIO_GPU_RESP_OK_NODATA)) return;
  check_pass(r, "A@0x0+0x%lx B@0x%lx got 0x%x %s", GPU_TEST_BLOB_SIZE, b_offset, got,
             gpu_response_name(got));
}

void check_gpu_err_unknown_resource(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  if (!gpu_require(r, gpu_test.ready, "gpu.features failed")) return;
  uint32_t got_map;
  if (!expect_map_error(r, GPU_TEST_RES_UNKNOWN, 0, GPU_EXPECT_MAP_UNKNOWN_RESOURCE, &got_map))
    return;
  uint32_t got_unmap = gpu_unmap_blob(&gpu_test.dev, GPU_TEST_RES_UNKNOWN);
  if (!gpu_expect(r, "RESOURCE_UNMAP_BLOB(unknown)", got_unmap, GPU_EXPECT_UNMAP_UNKNOWN_RESOURCE))
    return;
  check_pass(r, "resource %u: map got 0x%x %s, unmap got 0x%x", GPU_TEST_RES_UNKNOWN, got_map,
             gpu_response_name(got_map), got_unmap);
}

void check_gpu_err_unmap_unmapped(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  if (!gpu_require(r, gpu_test.blob_ready, "gpu.blob_create failed")) return;
  uint32_t got = gpu_unmap_blob(&gpu_test.dev, GPU_TEST_RES_BLOB_A);
  if (!gpu_expect(r, "RESOURCE_UNMAP_BLOB(A, not mapped)", got, GPU_EXPECT_UNMAP_UNMAPPED)) return;
  check_pass(r, "resource %u: got 0x%x %s", GPU_TEST_RES_BLOB_A, got, gpu_response_name(got));
}
