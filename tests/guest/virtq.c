#include "virtq.h"

#include <stddef.h>

#include "libc_min.h"
#include "mmio.h"

void virtq_init(struct virtq *q, uint16_t index, uint16_t size, struct virtq_ring *ring) {
  memset(ring, 0, sizeof *ring);
  ring->avail.flags = VRING_AVAIL_F_NO_INTERRUPT;
  *q = (struct virtq){.index = index, .size = size, .ring = ring};
}

static uint16_t used_idx(const struct virtq *q) {
  return *(volatile const uint16_t *)&q->ring->used.idx;
}

void virtq_want_interrupts(struct virtq *q, bool want) {
  *(volatile uint16_t *)&q->ring->avail.flags = want ? 0 : VRING_AVAIL_F_NO_INTERRUPT;
}

const char *virtq_post(struct virtq *q, const struct virtq_buf *bufs, unsigned n) {
  if (n == 0 || n > VIRTQ_MAX_CHAIN || n > q->size) return "descriptor chain too long";
  struct virtq_ring *r = q->ring;
  for (unsigned i = 0; i < n; i++) {
    r->desc[i].addr = (uint64_t)(uintptr_t)bufs[i].addr;
    r->desc[i].len = bufs[i].len;
    r->desc[i].flags = (uint16_t)((i + 1 < n ? VRING_DESC_F_NEXT : 0) |
                                  (bufs[i].device_writes ? VRING_DESC_F_WRITE : 0));
    r->desc[i].next = (uint16_t)(i + 1 < n ? i + 1 : 0);
  }
  r->avail.ring[q->next_avail & (q->size - 1)] = 0; /* the chain's head */
  q->next_avail++;
  /* The descriptors and the ring slot must be visible before the index that publishes
   * them; on x86 keeping the compiler's order is enough. */
  compiler_barrier();
  *(volatile uint16_t *)&r->avail.idx = q->next_avail;
  mmio_write16(q->notify_addr, q->index);
  return NULL;
}

bool virtq_used_ready(const struct virtq *q) { return used_idx(q) != q->last_used; }

const char *virtq_take(struct virtq *q, uint32_t *written) {
  if (!virtq_used_ready(q)) return "the used ring has nothing new";
  compiler_barrier();
  const struct vring_used_elem e = q->ring->used.ring[q->last_used & (q->size - 1)];
  q->last_used++;
  if (used_idx(q) != q->last_used) return "device returned more chains than were posted";
  if (e.id != 0) return "used ring names a descriptor that was not posted";
  *written = e.len;
  return NULL;
}

const char *virtq_exchange(struct virtq *q, const struct virtq_buf *bufs, unsigned n,
                           uint32_t *written) {
  const char *why = virtq_post(q, bufs, n);
  if (why) return why;
  uint32_t polls = 0;
  while (!virtq_used_ready(q)) {
    if (++polls == VIRTQ_POLL_LIMIT) return "timeout waiting for used ring";
    __asm__ volatile("pause");
  }
  return virtq_take(q, written);
}
