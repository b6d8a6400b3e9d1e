#include "virtio_pci.h"

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <stddef.h>

#include "format.h"
#include "mmio.h"
#include "paging.h"

#define RESET_POLL_LIMIT 10000u
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* Offsets within a virtio capability (struct virtio_pci_cap and its extensions). */
#define CAP_LEN 2
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_ID 5
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_NOTIFY_MULT 16 /* struct virtio_pci_notify_cap */
#define CAP_OFFSET_HI 16   /* struct virtio_pci_cap64 */
#define CAP_LENGTH_HI 20

#define MSIX_CONTROL 2
#define MSIX_TABLE 4
#define MSIX_PBA 8
#define MSIX_BIR_MASK 7u

#define fail(d, ...) (format((d)->error, sizeof (d)->error, __VA_ARGS__), false)

void virtio_pci_init(struct virtio_pci *d, struct pci_addr a) {
  *d = (struct virtio_pci){.pci = a};
  pci_bars_read(a, d->bars);
}

static const char *cfg_name(uint8_t type) {
  switch (type) {
    case VIRTIO_PCI_CAP_COMMON_CFG: return "common";
    case VIRTIO_PCI_CAP_NOTIFY_CFG: return "notify";
    case VIRTIO_PCI_CAP_ISR_CFG: return "isr";
    case VIRTIO_PCI_CAP_DEVICE_CFG: return "device";
    default: return "shm";
  }
}

/* Records region `r` from the capability at `cap` unless one was found already. Returns
 * false (with d->error) when the capability names a usable BAR but does not fit in it. */
static bool take_region(struct virtio_pci *d, uint8_t cap, uint8_t type,
                        struct virtio_pci_region *r, bool cap64) {
  if (r->found) return true;
  uint8_t bar = pci_read8(d->pci, (uint8_t)(cap + CAP_BAR));
  /* §4.1.4: values 0x6-0xff are reserved and such a capability is to be ignored. */
  if (bar >= PCI_BAR_COUNT) return true;
  uint64_t offset = pci_read32(d->pci, (uint8_t)(cap + CAP_OFFSET));
  uint64_t length = pci_read32(d->pci, (uint8_t)(cap + CAP_LENGTH));
  if (cap64) {
    offset |= (uint64_t)pci_read32(d->pci, (uint8_t)(cap + CAP_OFFSET_HI)) << 32;
    length |= (uint64_t)pci_read32(d->pci, (uint8_t)(cap + CAP_LENGTH_HI)) << 32;
  }
  const struct pci_bar *b = &d->bars[bar];
  if (!b->present || b->io)
    return fail(d, "%s cap at 0x%x names BAR%u, which is not a memory BAR", cfg_name(type), cap,
                bar);
  if (length == 0 || offset > b->size || length > b->size - offset)
    return fail(d, "%s cap at 0x%x: BAR%u+0x%lx len 0x%lx does not fit the BAR (size 0x%lx)",
                cfg_name(type), cap, bar, offset, length, b->size);
  *r = (struct virtio_pci_region){true, bar, offset, length, b->base + offset};
  return true;
}

static bool read_vendor_cap(struct virtio_pci *d, uint8_t cap, uint8_t shm_id) {
  uint8_t cap_len = pci_read8(d->pci, (uint8_t)(cap + CAP_LEN));
  uint8_t type = pci_read8(d->pci, (uint8_t)(cap + CAP_CFG_TYPE));
  switch (type) {
    case VIRTIO_PCI_CAP_COMMON_CFG: return take_region(d, cap, type, &d->common, false);
    case VIRTIO_PCI_CAP_ISR_CFG: return take_region(d, cap, type, &d->isr, false);
    case VIRTIO_PCI_CAP_DEVICE_CFG: return take_region(d, cap, type, &d->device, false);
    case VIRTIO_PCI_CAP_NOTIFY_CFG:
      if (d->notify.found) return true;
      if (cap_len < sizeof(struct virtio_pci_notify_cap))
        return fail(d, "notify cap at 0x%x has cap_len %u < 20", cap, cap_len);
      if (!take_region(d, cap, type, &d->notify, false)) return false;
      d->notify_off_multiplier = pci_read32(d->pci, (uint8_t)(cap + CAP_NOTIFY_MULT));
      return true;
    case VIRTIO_PCI_CAP_SHARED_MEMORY_CFG:
      d->shm_caps++;
      if (pci_read8(d->pci, (uint8_t)(cap + CAP_ID)) != shm_id || d->shm.found) return true;
      /* Linux's virtio_pci_find_shm_cap skips a capability whose cap_len is not exactly
       * sizeof(struct virtio_pci_cap64); so does this driver, and says so. */
      d->shm_cap_len = cap_len;
      if (cap_len != sizeof(struct virtio_pci_cap64))
        return fail(d, "shm cap id %u at 0x%x has cap_len %u, want %zu", shm_id, cap, cap_len,
                    sizeof(struct virtio_pci_cap64));
      return take_region(d, cap, type, &d->shm, true);
    default:
      return true; /* PCI_CFG access and vendor extensions: not used */
  }
}

static bool map_region(struct virtio_pci *d, const struct virtio_pci_region *r, const char *name) {
  const char *why = paging_map_uncached(r->addr, r->length);
  return why ? fail(d, "cannot map %s at 0x%lx+0x%lx: %s", name, r->addr, r->length, why) : true;
}

bool virtio_pci_read_caps(struct virtio_pci *d, uint8_t shm_id) {
  uint8_t caps[PCI_MAX_CAPS];
  unsigned n = pci_caps(d->pci, caps);
  if (n == 0) return fail(d, "no capability list");
  for (unsigned i = 0; i < n; i++) {
    uint8_t id = pci_read8(d->pci, caps[i]);
    if (id == PCI_CAP_ID_VENDOR) {
      if (!read_vendor_cap(d, caps[i], shm_id)) return false;
    } else if (id == PCI_CAP_ID_MSIX && !d->msix) {
      d->msix = true;
      d->msix_cap = caps[i];
      d->msix_table_size = (uint16_t)((pci_read16(d->pci, (uint8_t)(caps[i] + MSIX_CONTROL)) & 0x7ff) + 1);
      const uint32_t table = pci_read32(d->pci, (uint8_t)(caps[i] + MSIX_TABLE));
      const uint32_t pba = pci_read32(d->pci, (uint8_t)(caps[i] + MSIX_PBA));
      d->msix_bar = table & MSIX_BIR_MASK;
      d->msix_table_offset = table & ~MSIX_BIR_MASK;
      d->msix_pba_bar = pba & MSIX_BIR_MASK;
      d->msix_pba_offset = pba & ~MSIX_BIR_MASK;
    }
  }
  if (!d->common.found) return fail(d, "no common cfg capability (%u caps)", n);
  if (!d->notify.found) return fail(d, "no notify cfg capability (%u caps)", n);
  if (!d->isr.found) return fail(d, "no isr cfg capability (%u caps)", n);
  if (!d->device.found) return fail(d, "no device cfg capability (%u caps)", n);
  if (!d->shm.found)
    return fail(d, "no shared memory capability with id %u (%u shm caps)", shm_id, d->shm_caps);
  return map_region(d, &d->common, "common cfg") && map_region(d, &d->notify, "notify cfg") &&
         map_region(d, &d->isr, "isr cfg") && map_region(d, &d->device, "device cfg") &&
         map_region(d, &d->shm, "shared memory");
}

static uint64_t common(const struct virtio_pci *d, uint32_t field) { return d->common.addr + field; }

uint8_t virtio_pci_status(const struct virtio_pci *d) {
  return mmio_read8(common(d, VIRTIO_PCI_COMMON_STATUS));
}

void virtio_pci_add_status(struct virtio_pci *d, uint8_t bits) {
  mmio_write8(common(d, VIRTIO_PCI_COMMON_STATUS), (uint8_t)(virtio_pci_status(d) | bits));
}

bool virtio_pci_reset(struct virtio_pci *d) {
  mmio_write8(common(d, VIRTIO_PCI_COMMON_STATUS), 0);
  for (uint32_t i = 0; i < RESET_POLL_LIMIT; i++)
    if (virtio_pci_status(d) == 0) return true;
  return fail(d, "device_status still 0x%x after reset", virtio_pci_status(d));
}

uint64_t virtio_pci_device_features(const struct virtio_pci *d) {
  uint64_t f = 0;
  for (uint32_t half = 0; half < 2; half++) {
    mmio_write32(common(d, VIRTIO_PCI_COMMON_DFSELECT), half);
    f |= (uint64_t)mmio_read32(common(d, VIRTIO_PCI_COMMON_DF)) << (32 * half);
  }
  return f;
}

bool virtio_pci_set_features(struct virtio_pci *d, uint64_t features) {
  for (uint32_t half = 0; half < 2; half++) {
    mmio_write32(common(d, VIRTIO_PCI_COMMON_GFSELECT), half);
    mmio_write32(common(d, VIRTIO_PCI_COMMON_GF), (uint32_t)(features >> (32 * half)));
  }
  virtio_pci_add_status(d, VIRTIO_CONFIG_S_FEATURES_OK);
  uint8_t status = virtio_pci_status(d);
  if (!(status & VIRTIO_CONFIG_S_FEATURES_OK))
    return fail(d, "device cleared FEATURES_OK (status 0x%x) for features 0x%lx", status, features);
  return true;
}

uint16_t virtio_pci_num_queues(const struct virtio_pci *d) {
  return mmio_read16(common(d, VIRTIO_PCI_COMMON_NUMQ));
}

/* 64-bit fields as two 32-bit writes, low half first, as Linux does. */
static void write64(const struct virtio_pci *d, uint32_t lo_field, uint32_t hi_field, uint64_t v) {
  mmio_write32(common(d, lo_field), (uint32_t)v);
  mmio_write32(common(d, hi_field), (uint32_t)(v >> 32));
}

bool virtio_pci_setup_queue(struct virtio_pci *d, uint16_t index, uint16_t want_size,
                            struct virtq *q, struct virtq_ring *ring) {
  return virtio_pci_setup_queue_vector(d, index, want_size, VIRTIO_MSI_NO_VECTOR, q, ring);
}

bool virtio_pci_setup_queue_vector(struct virtio_pci *d, uint16_t index, uint16_t want_size,
                                   uint16_t vector, struct virtq *q, struct virtq_ring *ring) {
  mmio_write16(common(d, VIRTIO_PCI_COMMON_Q_SELECT), index);
  uint16_t max = mmio_read16(common(d, VIRTIO_PCI_COMMON_Q_SIZE));
  if (max == 0) return fail(d, "queue %u does not exist (queue_size 0)", index);
  uint16_t limit = max < want_size ? max : want_size;
  uint16_t size = 1;
  while ((uint16_t)(size * 2) <= limit && size * 2 <= VIRTQ_MAX_SIZE) size = (uint16_t)(size * 2);

  virtq_init(q, index, size, ring);
  mmio_write16(common(d, VIRTIO_PCI_COMMON_Q_SIZE), size);
  mmio_write16(common(d, VIRTIO_PCI_COMMON_Q_MSIX), vector);
  if (vector != VIRTIO_MSI_NO_VECTOR) {
    uint16_t got = mmio_read16(common(d, VIRTIO_PCI_COMMON_Q_MSIX));
    if (got != vector)
      return fail(d, "queue %u: queue_msix_vector %u reads back 0x%x", index, vector, got);
  }
  write64(d, VIRTIO_PCI_COMMON_Q_DESCLO, VIRTIO_PCI_COMMON_Q_DESCHI, (uint64_t)(uintptr_t)ring->desc);
  write64(d, VIRTIO_PCI_COMMON_Q_AVAILLO, VIRTIO_PCI_COMMON_Q_AVAILHI,
          (uint64_t)(uintptr_t)&ring->avail);
  write64(d, VIRTIO_PCI_COMMON_Q_USEDLO, VIRTIO_PCI_COMMON_Q_USEDHI, (uint64_t)(uintptr_t)&ring->used);

  uint64_t notify_off = (uint64_t)mmio_read16(common(d, VIRTIO_PCI_COMMON_Q_NOFF)) * d->notify_off_multiplier;
  if (notify_off + 2 > d->notify.length)
    return fail(d, "queue %u notify offset 0x%lx lies outside the notify region (len 0x%lx)", index,
                notify_off, d->notify.length);
  q->notify_addr = d->notify.addr + notify_off;

  mmio_write16(common(d, VIRTIO_PCI_COMMON_Q_ENABLE), 1);
  if (mmio_read16(common(d, VIRTIO_PCI_COMMON_Q_ENABLE)) != 1)
    return fail(d, "queue %u: queue_enable does not read back 1", index);
  return true;
}

uint32_t virtio_pci_device_cfg_read32(const struct virtio_pci *d, uint32_t offset) {
  return offset + 4 <= d->device.length ? mmio_read32(d->device.addr + offset) : 0xffffffffu;
}

uint16_t virtio_pci_set_config_vector(struct virtio_pci *d, uint16_t vector) {
  mmio_write16(common(d, VIRTIO_PCI_COMMON_MSIX), vector);
  return mmio_read16(common(d, VIRTIO_PCI_COMMON_MSIX));
}

uint16_t virtio_pci_queue_vector(struct virtio_pci *d, uint16_t index) {
  mmio_write16(common(d, VIRTIO_PCI_COMMON_Q_SELECT), index);
  return mmio_read16(common(d, VIRTIO_PCI_COMMON_Q_MSIX));
}

bool virtio_pci_bar_moved(struct virtio_pci *d, unsigned bar, uint64_t base) {
  if (bar >= PCI_BAR_COUNT) return fail(d, "no BAR%u", bar);
  d->bars[bar].base = base;
  struct {
    struct virtio_pci_region *r;
    const char *name;
  } regions[] = {{&d->common, "common cfg"}, {&d->notify, "notify cfg"}, {&d->isr, "isr cfg"},
                 {&d->device, "device cfg"}, {&d->shm, "shared memory"}};
  for (unsigned i = 0; i < sizeof regions / sizeof regions[0]; i++) {
    struct virtio_pci_region *r = regions[i].r;
    if (!r->found || r->bar != bar) continue;
    r->addr = base + r->offset;
    if (!map_region(d, r, regions[i].name)) return false;
  }
  return true;
}
