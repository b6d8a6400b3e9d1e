/* gpu.msix (vmmtest.msix=1, after the gpu.* checks): the control queue's completions reach
 * the guest as MSI-X interrupts, which vmm sends with KVM_SIGNAL_MSI to the local APIC:
 *   - the local APIC on (lapic.c) and its watchdog timer shown to fire, so none of the
 *     hlt waits below can sleep forever;
 *   - MSI-X enabled with the function masked, entry 0 = (this CPU's APIC, fixed, edge,
 *     vector LAPIC_MSI_VECTOR) unmasked, the function unmasked; an out-of-range
 *     config_msix_vector reads back 0xffff (refused);
 *   - the device reset and set up again (gpu_bring_up) with queue_msix_vector = 0 for the
 *     control queue, written before the queue is enabled and read back;
 *   - GET_DISPLAY_INFO posted without polling, then `sti; hlt` until the handler ran:
 *     exactly one interrupt, and the used ring holds the answer;
 *   - entry 0 masked: the next completion sets PBA bit 0 and interrupts nobody (only the
 *     watchdog wakes the hlt); unmasking delivers it once and clears the bit.
 * Leaves MSI-X on, entry 0 unmasked, the control queue asking for interrupts and
 * interrupts off (gpu.bar_move relies on that). Every wait is bounded. */
#include <stddef.h>

#include "check_gpu.h"
#include "lapic.h"
#include "msix.h"
#include "paging.h"

#define MSIX_ENTRY 0
#define WAIT_ROUNDS 8
#define ROUND_NS 20000000u /* 20 ms watchdog per hlt */

static struct virtio_gpu_ctrl_hdr request;
static struct virtio_gpu_resp_display_info response;

/* Posts GET_DISPLAY_INFO on the control queue without waiting. */
static const char *post_display_info(struct virtio_gpu *gpu) {
  request = (struct virtio_gpu_ctrl_hdr){.type = VIRTIO_GPU_CMD_GET_DISPLAY_INFO};
  response = (struct virtio_gpu_resp_display_info){0};
  const struct virtq_buf bufs[] = {{&request, sizeof request, false},
                                   {&response, sizeof response, true}};
  return virtq_post(&gpu->ctrl, bufs, 2);
}

/* Takes the answer to post_display_info from the used ring. */
static const char *take_display_info(struct virtio_gpu *gpu) {
  uint32_t written;
  const char *why = virtq_take(&gpu->ctrl, &written);
  if (why) return why;
  if (written < sizeof(struct virtio_gpu_ctrl_hdr)) return "short GET_DISPLAY_INFO answer";
  if (response.hdr.type != VIRTIO_GPU_RESP_OK_DISPLAY_INFO) return "GET_DISPLAY_INFO not OK";
  return NULL;
}

static void run_msix(struct check_result *r) {
  struct virtio_gpu *gpu = &gpu_test.dev;
  struct virtio_pci *d = &gpu->pci;
  const struct pci_bar *tbar = &d->bars[d->msix_bar], *pbar = &d->bars[d->msix_pba_bar];
  if (!d->msix || !tbar->present || tbar->io || !pbar->present || pbar->io) {
    check_fail(r, "no MSI-X capability with a memory BAR for table and PBA");
    return;
  }
  const char *why = lapic_init();
  if (!why) why = paging_map_uncached(msix_table_addr(d), (uint64_t)d->msix_table_size * 16);
  if (!why) why = paging_map_uncached(msix_pba_addr(d), 8);
  if (!why) why = lapic_timer_selftest();
  if (why) {
    check_fail(r, "%s", why);
    return;
  }
  const uint8_t apic = lapic_id();

  /* Program the table with the function masked, then unmask it (as Linux does). */
  msix_set_control(d, true, true);
  msix_write_entry(d, MSIX_ENTRY, MSIX_ADDRESS_LAPIC(apic), LAPIC_MSI_VECTOR, false);
  msix_set_control(d, true, false);
  const uint16_t control = msix_control(d);
  if ((control & (MSIX_CONTROL_ENABLE | MSIX_CONTROL_FUNCTION_MASK)) != MSIX_CONTROL_ENABLE) {
    check_fail(r, "MSI-X message control reads 0x%x after enabling", control);
    return;
  }
  if (msix_entry_data(d, MSIX_ENTRY) != LAPIC_MSI_VECTOR) {
    check_fail(r, "MSI-X entry 0 data reads 0x%x, want 0x%x", msix_entry_data(d, MSIX_ENTRY),
               LAPIC_MSI_VECTOR);
    return;
  }
  /* The table has msix_table_size entries: one past the end must be refused. */
  const uint16_t refused = virtio_pci_set_config_vector(d, d->msix_table_size);
  if (refused != VIRTIO_PCI_NO_VECTOR) {
    check_fail(r, "config_msix_vector %u (beyond the table) reads back 0x%x, want 0xffff",
               d->msix_table_size, refused);
    return;
  }
  if (!gpu_bring_up(r, MSIX_ENTRY, VIRTIO_PCI_NO_VECTOR)) return;
  virtq_want_interrupts(&gpu->ctrl, true);

  /* 1. A completion interrupts. */
  uint32_t before = lapic_msi_count;
  unsigned rounds = 0;
  if ((why = post_display_info(gpu))) {
    check_fail(r, "%s", why);
    return;
  }
  if (!lapic_wait(&lapic_msi_count, before, WAIT_ROUNDS, ROUND_NS, &rounds)) {
    check_fail(r, "no MSI-X interrupt after %u hlt rounds (timer fired %u times, used ring %s)",
               rounds, lapic_timer_count, virtq_used_ready(&gpu->ctrl) ? "advanced" : "unchanged");
    return;
  }
  const uint32_t irqs = lapic_msi_count - before;
  const unsigned irq_rounds = rounds;
  if (!virtq_used_ready(&gpu->ctrl)) {
    check_fail(r, "interrupt arrived but the used ring did not advance");
    return;
  }
  if ((why = take_display_info(gpu))) {
    check_fail(r, "after the interrupt: %s", why);
    return;
  }
  if (irqs != 1) {
    check_fail(r, "%u interrupts for one completion", irqs);
    return;
  }

  /* 2. Masked: the message waits in the PBA; unmasking sends it. */
  msix_mask(d, MSIX_ENTRY, true);
  if (msix_pending(d, MSIX_ENTRY)) {
    check_fail(r, "PBA bit 0 set before any masked completion");
    return;
  }
  before = lapic_msi_count;
  const uint32_t timer_before = lapic_timer_count;
  if ((why = post_display_info(gpu))) {
    check_fail(r, "masked: %s", why);
    return;
  }
  /* Nothing but the watchdog can end this hlt. */
  lapic_wait(&lapic_timer_count, timer_before, 1, ROUND_NS, &rounds);
  const bool pending = msix_pending(d, MSIX_ENTRY);
  const uint32_t masked_irqs = lapic_msi_count - before;
  if (!virtq_used_ready(&gpu->ctrl) || (why = take_display_info(gpu))) {
    check_fail(r, "masked: the command did not complete (%s)", why ? why : "used ring unchanged");
    return;
  }
  if (!pending || masked_irqs != 0) {
    check_fail(r, "masked entry: PBA bit 0=%u, %u interrupts (want 1, 0)", pending, masked_irqs);
    return;
  }
  msix_mask(d, MSIX_ENTRY, false);
  if (!lapic_wait(&lapic_msi_count, before, WAIT_ROUNDS, ROUND_NS, &rounds)) {
    check_fail(r, "unmasking entry 0 did not deliver the pending message (PBA bit 0=%u)",
               msix_pending(d, MSIX_ENTRY));
    return;
  }
  const uint32_t unmask_irqs = lapic_msi_count - before;
  const bool still_pending = msix_pending(d, MSIX_ENTRY);
  if (unmask_irqs != 1 || still_pending) {
    check_fail(r, "after unmasking: %u interrupts, PBA bit 0=%u (want 1, 0)", unmask_irqs,
               still_pending);
    return;
  }
  gpu_test.msix_ready = true;
  check_pass(r,
             "apic=%u vector=0x%x table=0x%lx ctrl_vector=%u: irq=%u (%u hlt); masked: pba=1 "
             "irq=0; unmasked: irq=1 pba=0; timer=%u spurious=%u",
             apic, LAPIC_MSI_VECTOR, msix_table_addr(d), virtio_pci_queue_vector(d, 0), irqs,
             irq_rounds, lapic_timer_count, lapic_spurious_count);
}

void check_gpu_msix(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  gpu_test.msix_ready = false;
  if (!gpu_require(r, gpu_test.ready, "gpu.features failed (or vmmtest.gpu=1 missing)")) return;
  run_msix(r);
  if (gpu_test.msix_ready || !gpu_test.ready) return;
  /* Failed with the device up: leave the control queue as the polled checks expect it (no
   * completion left unconsumed, no interrupts asked for). */
  struct virtq *q = &gpu_test.dev.ctrl;
  uint32_t written;
  for (unsigned i = 0; i < 4 && virtq_used_ready(q); i++) virtq_take(q, &written);
  virtq_want_interrupts(q, false);
}
