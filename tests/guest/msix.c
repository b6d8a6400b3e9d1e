#include "msix.h"

#include "mmio.h"

#define MSIX_CAP_CONTROL 2
#define ENTRY_SIZE 16
#define ENTRY_ADDR_LO 0
#define ENTRY_ADDR_HI 4
#define ENTRY_DATA 8
#define ENTRY_CONTROL 12
#define ENTRY_CONTROL_MASK 1u

uint16_t msix_control(const struct virtio_pci *d) {
  return pci_read16(d->pci, (uint8_t)(d->msix_cap + MSIX_CAP_CONTROL));
}

void msix_set_control(const struct virtio_pci *d, bool enable, bool function_mask) {
  uint16_t v = (uint16_t)(msix_control(d) & ~(MSIX_CONTROL_ENABLE | MSIX_CONTROL_FUNCTION_MASK));
  if (enable) v |= MSIX_CONTROL_ENABLE;
  if (function_mask) v |= MSIX_CONTROL_FUNCTION_MASK;
  pci_write16(d->pci, (uint8_t)(d->msix_cap + MSIX_CAP_CONTROL), v);
}

uint64_t msix_table_addr(const struct virtio_pci *d) {
  return d->bars[d->msix_bar].base + d->msix_table_offset;
}

uint64_t msix_pba_addr(const struct virtio_pci *d) {
  return d->bars[d->msix_pba_bar].base + d->msix_pba_offset;
}

static uint64_t entry(const struct virtio_pci *d, uint16_t index) {
  return msix_table_addr(d) + (uint64_t)index * ENTRY_SIZE;
}

void msix_write_entry(const struct virtio_pci *d, uint16_t index, uint64_t address, uint32_t data,
                      bool masked) {
  const uint64_t e = entry(d, index);
  mmio_write32(e + ENTRY_ADDR_LO, (uint32_t)address);
  mmio_write32(e + ENTRY_ADDR_HI, (uint32_t)(address >> 32));
  mmio_write32(e + ENTRY_DATA, data);
  mmio_write32(e + ENTRY_CONTROL, masked ? ENTRY_CONTROL_MASK : 0);
}

uint32_t msix_entry_data(const struct virtio_pci *d, uint16_t index) {
  return mmio_read32(entry(d, index) + ENTRY_DATA);
}

void msix_mask(const struct virtio_pci *d, uint16_t index, bool masked) {
  const uint64_t ctl = entry(d, index) + ENTRY_CONTROL;
  uint32_t v = mmio_read32(ctl);
  mmio_write32(ctl, masked ? v | ENTRY_CONTROL_MASK : v & ~ENTRY_CONTROL_MASK);
}

bool msix_pending(const struct virtio_pci *d, uint16_t index) {
  return (mmio_read32(msix_pba_addr(d) + (uint64_t)(index / 32) * 4) >> (index % 32)) & 1u;
}
