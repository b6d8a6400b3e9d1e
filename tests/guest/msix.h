/* MSI-X (PCI 3.0 §6.8.2) from the driver's side, for a virtio-pci function whose capability
 * virtio_pci_read_caps found: message control in configuration space, the vector table and
 * pending-bit array in a memory BAR (addresses follow d->bars, so a moved BAR is handled
 * once virtio_pci_bar_moved recorded it). Table and PBA are accessed in 32-bit words, as
 * the spec requires. */
#ifndef TINY_GUEST_MSIX_H
#define TINY_GUEST_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_pci.h"

#define MSIX_CONTROL_ENABLE (1u << 15)
#define MSIX_CONTROL_FUNCTION_MASK (1u << 14)

/* An MSI to the local APIC `apic_id`: fixed delivery, edge, physical destination. */
#define MSIX_ADDRESS_LAPIC(apic_id) (0xfee00000u | (uint32_t)(apic_id) << 12)

uint16_t msix_control(const struct virtio_pci *d);
/* Writes message control's enable and function-mask bits (the only writable ones). */
void msix_set_control(const struct virtio_pci *d, bool enable, bool function_mask);

uint64_t msix_table_addr(const struct virtio_pci *d);
uint64_t msix_pba_addr(const struct virtio_pci *d);

/* Writes entry `index`: address, data and vector control (mask bit). */
void msix_write_entry(const struct virtio_pci *d, uint16_t index, uint64_t address, uint32_t data,
                      bool masked);
uint32_t msix_entry_data(const struct virtio_pci *d, uint16_t index);
void msix_mask(const struct virtio_pci *d, uint16_t index, bool masked);
bool msix_pending(const struct virtio_pci *d, uint16_t index);

#endif
