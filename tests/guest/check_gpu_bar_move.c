/* gpu.bar_move (vmmtest.bar_move=1, after the gpu.* checks and gpu.msix): the guest moves
 * the device's BARs as an OS may, and what lies behind them follows.
 *   - The shared-memory BAR (64-bit prefetchable, device-mapped), with a HOST3D blob of its
 *     own (GPU_TEST_RES_BLOB_MOVE) mapped at offset 0 and holding a pattern, is moved to
 *     base + size (naturally aligned, still in vmm's 64-bit window) with memory decoding
 *     off around the write, after an attempt to place it over guest RAM, which vmm must
 *     refuse (the pattern still reads at the old address; refused=<addr>; a region too
 *     large for that attempt fails the check). The pattern
 *     reads back at the new address (the blob's memslot moved) and no longer at the old
 *     one. A second pattern written at the new address is hashed (fnv=, which the memslot
 *     trace's removal of the moved slot must match); after an unmap and a map at offset 0
 *     again the blob hashes the same at the new address.
 *   - BAR 0 (trapped: common, notify, ISR and device cfg, MSI-X table and PBA), free at the
 *     target beforehand, is moved 1 MiB up in the 32-bit window: num_queues and the device
 *     features read the same at the new address and all-ones at the old one. The final
 *     RESOURCE_UNMAP_BLOB goes through the moved notify area; after gpu.msix passed, the
 *     MSI-X table is read at its new address and the completion must interrupt once.
 * The blob ends unmapped; the BARs stay where they were moved (the driver's addresses
 * follow them). Old and new addresses are printed for the host test. */
#include <linux/virtio_pci.h>

#include "blob_pattern.h"
#include "check_gpu.h"
#include "lapic.h"
#include "mmio.h"
#include "msix.h"

#define SEED_BEFORE 0x0badcafe12345678ull
#define SEED_AFTER 0x76543210feedf00dull
#define BAR0_STEP 0x100000ull          /* 1 MiB */
#define MMIO32_START 0xc0000000ull     /* vmm's 32-bit BAR window (memory/layout.h) */
#define MMIO32_END 0xfec00000ull       /* the IOAPIC: the window ends here */
#define WAIT_ROUNDS 8
#define ROUND_NS 20000000u

/* Maps the blob at offset 0 and checks the cache type answer. */
static bool map_blob(struct check_result *r, const char *what) {
  uint32_t map_info;
  return gpu_expect(r, what, gpu_map_blob(&gpu_test.dev, GPU_TEST_RES_BLOB_MOVE, 0, &map_info),
                    VIRTIO_GPU_RESP_OK_MAP_INFO);
}

/* Moves the shared-memory BAR with the blob mapped. *old_gpa and *new_gpa get the region's
 * (= the blob's) address before and after; on success *fnv hashes the blob's final
 * contents and the blob is mapped at the new address. */
static bool move_shm_bar(struct check_result *r, uint64_t *old_gpa, uint64_t *new_gpa,
                         uint32_t *fnv, uint64_t *refused_at) {
  struct virtio_gpu *gpu = &gpu_test.dev;
  struct virtio_pci *d = &gpu->pci;
  const unsigned bar = d->shm.bar;
  const struct pci_bar b = d->bars[bar];
  if (!b.mem64 || !b.prefetch) {
    check_fail(r, "shm BAR%u is not 64-bit prefetchable", bar);
    return false;
  }
  const uint64_t new_base = b.base + b.size; /* aligned: BAR sizes are powers of two */
  *old_gpa = d->shm.addr; /* the blob is at offset 0 */
  pattern_fill(*old_gpa, GPU_TEST_BLOB_SIZE, SEED_BEFORE);

  /* First a placement vmm must refuse: b.size lies below the 32-bit window, on guest RAM
   * for any --mem above twice the region and outside both BAR windows in any case. The
   * device must keep its memory where it was. A region too large to be placed there leaves
   * the refusal untested: that fails the check rather than pass it with a step missing. */
  const uint64_t refused = b.size;
  *refused_at = 0;
  if (refused + b.size > MMIO32_START) {
    check_fail(r, "shm BAR%u of 0x%lx bytes: no room below the 32-bit window to try the placement "
               "vmm must refuse (use a smaller --gpu-hostmem)", bar, b.size);
    return false;
  }
  *refused_at = refused;
  pci_bar_move(d->pci, bar, &b, refused);
  const uint64_t last = GPU_TEST_BLOB_SIZE / 8 - 1;
  const uint64_t w0 = *(volatile uint64_t *)(uintptr_t)*old_gpa;
  const uint64_t wn = *(volatile uint64_t *)(uintptr_t)(*old_gpa + 8 * last);
  if (w0 != pattern_word(SEED_BEFORE, 0) || wn != pattern_word(SEED_BEFORE, last)) {
    check_fail(r, "shm BAR%u placed over RAM at 0x%lx: the blob left 0x%lx (reads 0x%lx)", bar,
               refused, *old_gpa, w0);
    return false;
  }

  const uint64_t reads = pci_bar_move(d->pci, bar, &b, new_base);
  if (reads != new_base) {
    check_fail(r, "shm BAR%u 0x%lx->0x%lx reads back 0x%lx", bar, b.base, new_base, reads);
    return false;
  }
  if (!virtio_pci_bar_moved(d, bar, new_base)) {
    check_fail(r, "%s", d->error);
    return false;
  }
  *new_gpa = d->shm.addr;
  struct pattern_mismatch bad;
  if (!pattern_check(*new_gpa, GPU_TEST_BLOB_SIZE, SEED_BEFORE, 0, &bad)) {
    check_fail(r, "shm 0x%lx->0x%lx: blob not behind the new address: word %lu is 0x%lx, want "
               "0x%lx",
               *old_gpa, *new_gpa, bad.index, bad.got, bad.want);
    return false;
  }
  const uint32_t at_old = mmio_read32(*old_gpa);
  if (at_old == (uint32_t)pattern_word(SEED_BEFORE, 0)) {
    check_fail(r, "shm 0x%lx->0x%lx: the old address still shows the blob", *old_gpa, *new_gpa);
    return false;
  }
  pattern_fill(*new_gpa, GPU_TEST_BLOB_SIZE, SEED_AFTER);
  if (!pattern_check(*new_gpa, GPU_TEST_BLOB_SIZE, SEED_AFTER, fnv, &bad)) {
    check_fail(r, "shm at 0x%lx: word %lu reads 0x%lx after writing 0x%lx", *new_gpa, bad.index,
               bad.got, bad.want);
    return false;
  }
  /* The host test compares fnv with the trace's removal of the moved slot; the guest checks
   * the blob itself through a fresh mapping at the new address. */
  if (!gpu_expect(r, "RESOURCE_UNMAP_BLOB (moved)",
                  gpu_unmap_blob(gpu, GPU_TEST_RES_BLOB_MOVE), VIRTIO_GPU_RESP_OK_NODATA) ||
      !map_blob(r, "RESOURCE_MAP_BLOB (after the move)"))
    return false;
  uint32_t again = 0;
  const bool same = pattern_check(*new_gpa, GPU_TEST_BLOB_SIZE, SEED_AFTER, &again, &bad);
  if (!same || again != *fnv) {
    check_fail(r, "re-mapped at 0x%lx: fnv 0x%08x, want 0x%08x (word %lu)", *new_gpa, again, *fnv,
               same ? 0 : bad.index);
    return false;
  }
  return true;
}

/* Moves BAR 0 (the register BAR) and points the driver's addresses at the new place. */
static bool move_register_bar(struct check_result *r, uint64_t *old_base, uint64_t *new_base,
                              uint16_t *at_old) {
  struct virtio_gpu *gpu = &gpu_test.dev;
  struct virtio_pci *d = &gpu->pci;
  const unsigned bar = d->common.bar;
  const struct pci_bar b = d->bars[bar];
  *old_base = b.base;
  *new_base = (b.base + BAR0_STEP + b.size - 1) & ~(b.size - 1);
  if (*new_base + b.size > MMIO32_END || *new_base + b.size < *new_base) {
    check_fail(r, "BAR%u 0x%lx+0x%lx: no room 1 MiB up in the 32-bit window", bar, b.base, b.size);
    return false;
  }
  const uint64_t delta = *new_base - *old_base;
  const uint64_t numq_old = d->common.addr + VIRTIO_PCI_COMMON_NUMQ;
  const uint64_t numq_new = numq_old + delta;
  const uint16_t queues = virtio_pci_num_queues(d);
  const uint16_t before = mmio_read16(numq_new);
  if (before != 0xffff) {
    check_fail(r, "BAR%u target 0x%lx is not free: reads 0x%x before the move", bar, *new_base,
               before);
    return false;
  }
  const uint64_t reads = pci_bar_move(d->pci, bar, &b, *new_base);
  if (reads != *new_base) {
    check_fail(r, "BAR%u 0x%lx->0x%lx reads back 0x%lx", bar, b.base, *new_base, reads);
    return false;
  }
  *at_old = mmio_read16(numq_old);
  if (!virtio_pci_bar_moved(d, bar, *new_base)) {
    check_fail(r, "%s", d->error);
    return false;
  }
  if (d->notify.bar == bar) {
    gpu->ctrl.notify_addr += delta;
    gpu->cursor.notify_addr += delta;
  }
  const uint16_t queues_now = virtio_pci_num_queues(d);
  const uint64_t features_now = virtio_pci_device_features(d);
  if (queues_now != queues || features_now != gpu->offered) {
    check_fail(r, "BAR%u at 0x%lx: num_queues %u features 0x%lx, before the move %u 0x%lx", bar,
               *new_base, queues_now, features_now, queues, gpu->offered);
    return false;
  }
  if (*at_old != 0xffff) {
    check_fail(r, "BAR%u moved 0x%lx->0x%lx but the old num_queues still reads 0x%x", bar,
               *old_base, *new_base, *at_old);
    return false;
  }
  return true;
}

void check_gpu_bar_move(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  if (!gpu_require(r, gpu_test.ready, "gpu.features failed (or vmmtest.gpu=1 missing)")) return;
  struct virtio_gpu *gpu = &gpu_test.dev;
  struct virtio_pci *d = &gpu->pci;
  if (!gpu_expect(r, "CTX_CREATE", gpu_ctx_create(gpu, GPU_TEST_CTX_MOVE, "vmm-bar-move"),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "RESOURCE_CREATE_BLOB",
                  gpu_create_blob_host3d(gpu, GPU_TEST_CTX_MOVE, GPU_TEST_RES_BLOB_MOVE,
                                         GPU_TEST_BLOB_SIZE),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "CTX_ATTACH_RESOURCE",
                  gpu_ctx_attach_resource(gpu, GPU_TEST_CTX_MOVE, GPU_TEST_RES_BLOB_MOVE),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !map_blob(r, "RESOURCE_MAP_BLOB"))
    return;

  uint64_t shm_old = 0, shm_new = 0, bar0_old = 0, bar0_new = 0, refused = 0;
  uint32_t fnv = 0;
  uint16_t at_old = 0;
  bool ok = move_shm_bar(r, &shm_old, &shm_new, &fnv, &refused) &&
            move_register_bar(r, &bar0_old, &bar0_new, &at_old);

  /* With gpu.msix done, the table moved with BAR 0 and the unmap's completion interrupts. */
  const bool msix = ok && gpu_test.msix_ready && d->msix_bar == d->common.bar;
  if (msix && msix_entry_data(d, 0) != LAPIC_MSI_VECTOR) {
    check_fail(r, "MSI-X entry 0 at 0x%lx reads data 0x%x, want 0x%x", msix_table_addr(d),
               msix_entry_data(d, 0), LAPIC_MSI_VECTOR);
    ok = false;
  }
  const uint32_t irq_before = lapic_msi_count;
  /* Unmap whatever happened (through wherever BAR 0 now is). */
  const uint32_t unmap = gpu_unmap_blob(gpu, GPU_TEST_RES_BLOB_MOVE);
  if (!ok || !gpu_expect(r, "RESOURCE_UNMAP_BLOB (end)", unmap, VIRTIO_GPU_RESP_OK_NODATA)) return;
  uint32_t irqs = 0;
  if (msix) {
    unsigned rounds;
    lapic_wait(&lapic_msi_count, irq_before, WAIT_ROUNDS, ROUND_NS, &rounds);
    irqs = lapic_msi_count - irq_before;
    if (irqs != 1) {
      check_fail(r, "after moving BAR%u: %u MSI-X interrupts for the unmap, want 1", d->common.bar,
                 irqs);
      return;
    }
  }
  check_pass(r,
             "shm=0x%lx->0x%lx fnv=0x%08x bar%u=0x%lx->0x%lx queues=%u old=0x%x msix=%s "
             "refused=0x%lx",
             shm_old, shm_new, fnv, d->common.bar, bar0_old, bar0_new, virtio_pci_num_queues(d),
             at_old, msix ? (irqs == 1 ? "irq=1" : "?") : "not set up", refused);
}
