/* A virtio 1.2 modern PCI transport driver (§4.1), just enough for a polled guest: find the
 * configuration structures through the vendor capabilities, reset, negotiate features,
 * set queues up, DRIVER_OK. Nothing about where vmm puts them is assumed: BAR numbers and
 * offsets all come from the capability list. */
#ifndef TINY_GUEST_VIRTIO_PCI_H
#define TINY_GUEST_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"
#include "virtq.h"

/* One configuration structure: where its capability put it. */
struct virtio_pci_region {
  bool found;
  uint8_t bar;
  uint64_t offset; /* within the BAR */
  uint64_t length;
  uint64_t addr;   /* guest-physical: BAR base + offset (identity-mapped once found) */
};

struct virtio_pci {
  struct pci_addr pci;
  struct pci_bar bars[PCI_BAR_COUNT];

  struct virtio_pci_region common, notify, isr, device;
  uint32_t notify_off_multiplier;

  /* The shared memory region with the id asked for (cfg_type 8, struct virtio_pci_cap64). */
  struct virtio_pci_region shm;
  uint8_t shm_cap_len;
  unsigned shm_caps; /* shared memory capabilities of any id */

  bool msix;
  uint16_t msix_table_size;
  uint8_t msix_bar;
  uint8_t msix_cap;           /* capability offset in configuration space */
  uint32_t msix_table_offset; /* within BAR msix_bar */
  uint8_t msix_pba_bar;
  uint32_t msix_pba_offset;   /* within BAR msix_pba_bar */

  char error[160]; /* why the last call that returned false failed */
};

/* Reads the device's BARs (sizing each) into d->bars. */
void virtio_pci_init(struct virtio_pci *d, struct pci_addr a);

/* Walks the capability list: the first COMMON, NOTIFY, ISR and DEVICE structure whose BAR is
 * a present memory BAR, the shared memory region `shm_id`, and MSI-X. Each region must fit
 * its BAR; COMMON, NOTIFY, ISR, DEVICE and the shared memory region are then mapped
 * (paging_map_uncached). False when a required structure is missing or does not fit. */
bool virtio_pci_read_caps(struct virtio_pci *d, uint8_t shm_id);

/* Writes 0 to device_status and waits (bounded) until it reads 0. */
bool virtio_pci_reset(struct virtio_pci *d);
uint8_t virtio_pci_status(const struct virtio_pci *d);
/* ORs `bits` into device_status. */
void virtio_pci_add_status(struct virtio_pci *d, uint8_t bits);

uint64_t virtio_pci_device_features(const struct virtio_pci *d);
/* Writes the driver features, sets FEATURES_OK and checks that the device kept it. */
bool virtio_pci_set_features(struct virtio_pci *d, uint64_t features);

uint16_t virtio_pci_num_queues(const struct virtio_pci *d);
/* Sets queue `index` up with the largest power of two <= min(want_size, the device's
 * maximum), no MSI-X vector, and enables it; fills *q. */
bool virtio_pci_setup_queue(struct virtio_pci *d, uint16_t index, uint16_t want_size,
                            struct virtq *q, struct virtq_ring *ring);

#define VIRTIO_PCI_NO_VECTOR 0xffff

/* virtio_pci_setup_queue with MSI-X vector `vector` (VIRTIO_PCI_NO_VECTOR: none), written
 * before the queue is enabled and read back: a device that refuses a vector reads 0xffff,
 * which fails the call. */
bool virtio_pci_setup_queue_vector(struct virtio_pci *d, uint16_t index, uint16_t want_size,
                                   uint16_t vector, struct virtq *q, struct virtq_ring *ring);
/* Writes config_msix_vector and returns what it reads back. */
uint16_t virtio_pci_set_config_vector(struct virtio_pci *d, uint16_t vector);
/* Selects queue `index` and returns its queue_msix_vector. */
uint16_t virtio_pci_queue_vector(struct virtio_pci *d, uint16_t index);

/* After the guest moved BAR `bar` to `base` (pci_bar_move): records the new base, moves
 * every structure that lies in that BAR and maps it. False (with d->error) when a mapping
 * fails. Queue notify addresses are the caller's (struct virtq) to move. */
bool virtio_pci_bar_moved(struct virtio_pci *d, unsigned bar, uint64_t base);

uint32_t virtio_pci_device_cfg_read32(const struct virtio_pci *d, uint32_t offset);

#endif
