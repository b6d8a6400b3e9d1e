/* The driver side of a virtio split virtqueue (virtio 1.2 §2.7), polled by default: the
 * guest keeps interrupts off, so it posts one descriptor chain, notifies, and spins
 * (bounded) on the used ring until the device hands the chain back (gpu.msix waits for the
 * MSI-X interrupt instead, with virtq_post / virtq_take). One chain in flight at a time,
 * always in descriptors 0..n-1, which keeps the bookkeeping trivial. Ring memory belongs to the
 * caller (static, in .bss: guest-physical == virtual under the identity map). */
#ifndef TINY_GUEST_VIRTQ_H
#define TINY_GUEST_VIRTQ_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE 16
#define VIRTQ_MAX_CHAIN 4
/* Polls of used->idx before giving up. Without a renderer vmm completes a request during
 * the notify write, so the first poll normally succeeds; with --gpu-renderer its render
 * thread answers, which on a one-CPU host must first be scheduled while this vCPU spins:
 * a limit of seconds, not of one time slice (each poll pauses). */
#define VIRTQ_POLL_LIMIT 50000000u

/* The three parts of a split ring, laid out for the largest queue this driver sets up.
 * With a smaller queue the device uses only the first `size` entries of each ring, at the
 * addresses given to it part by part, so the tail entries are simply unused. */
struct virtq_ring {
  struct vring_desc desc[VIRTQ_MAX_SIZE] __attribute__((aligned(16)));
  struct {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[VIRTQ_MAX_SIZE];
    uint16_t used_event;
  } avail __attribute__((aligned(2)));
  struct {
    uint16_t flags;
    uint16_t idx;
    struct vring_used_elem ring[VIRTQ_MAX_SIZE];
    uint16_t avail_event;
  } used __attribute__((aligned(4)));
};

struct virtq {
  uint16_t index;       /* queue number on the device */
  uint16_t size;        /* entries in use: a power of two <= VIRTQ_MAX_SIZE */
  struct virtq_ring *ring;
  uint64_t notify_addr; /* where writing `index` (16 bits) notifies the device */
  uint16_t next_avail;  /* our copy of avail->idx */
  uint16_t last_used;   /* used->idx as far as we have consumed it */
};

struct virtq_buf {
  const void *addr;
  uint32_t len;
  bool device_writes; /* VRING_DESC_F_WRITE: a response buffer */
};

/* Clears the ring and records the queue's geometry; asks the device for no interrupts. */
void virtq_init(struct virtq *q, uint16_t index, uint16_t size, struct virtq_ring *ring);

/* Posts bufs[0..n) as one chain, notifies and waits for the device to return it. On
 * success stores in *written the byte count the device reported and returns NULL;
 * otherwise returns why not (timeout, a foreign descriptor id). */
const char *virtq_exchange(struct virtq *q, const struct virtq_buf *bufs, unsigned n,
                           uint32_t *written);

/* virtq_exchange in parts, for a driver that waits for the interrupt rather than polling:
 * post (and notify), then, once virtq_used_ready says the device returned something,
 * virtq_take it (same checks and *written as virtq_exchange). */
const char *virtq_post(struct virtq *q, const struct virtq_buf *bufs, unsigned n);
bool virtq_used_ready(const struct virtq *q);
const char *virtq_take(struct virtq *q, uint32_t *written);

/* Sets or clears VRING_AVAIL_F_NO_INTERRUPT (virtq_init sets it: polled by default). */
void virtq_want_interrupts(struct virtq *q, bool want);

#endif
