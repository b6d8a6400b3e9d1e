/* PCI configuration space through configuration mechanism #1 (ports 0xCF8/0xCFC), bus 0
 * only: enough to find vmm's devices, walk their capability lists and read (and size)
 * their BARs. Every access is two port-I/O exits (~30 us), so callers read what they need
 * once. vmm assigns BARs before boot; gpu.bar_move moves two of them (pci_bar_move). */
#ifndef TINY_GUEST_PCI_H
#define TINY_GUEST_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

#define PCI_REG_VENDOR 0x00
#define PCI_REG_DEVICE 0x02
#define PCI_REG_COMMAND 0x04
#define PCI_REG_STATUS 0x06
#define PCI_REG_REVISION 0x08
#define PCI_REG_HEADER_TYPE 0x0e
#define PCI_REG_BAR0 0x10
#define PCI_REG_CAP_PTR 0x34

#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_STATUS_CAP_LIST (1u << 4)

#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VENDOR 0x09

#define PCI_BAR_COUNT 6

struct pci_addr {
  uint8_t bus, dev, fn;
};

uint8_t pci_read8(struct pci_addr a, uint8_t reg);
uint16_t pci_read16(struct pci_addr a, uint8_t reg);
uint32_t pci_read32(struct pci_addr a, uint8_t reg);
void pci_write16(struct pci_addr a, uint8_t reg, uint16_t v);
void pci_write32(struct pci_addr a, uint8_t reg, uint32_t v);

/* Finds function 0 of the first device on bus 0 with this vendor and device ID. */
bool pci_find(uint16_t vendor, uint16_t device, struct pci_addr *out);

/* A capability list holds at most (256 - 64) / 4 entries; a longer walk means it loops. */
#define PCI_MAX_CAPS 48

/* Collects the offsets of the device's capabilities in list order and returns how many
 * (0 when the status register says there is no list). A looping list stops after
 * PCI_MAX_CAPS entries instead of hanging. */
unsigned pci_caps(struct pci_addr a, uint8_t offsets[PCI_MAX_CAPS]);

struct pci_bar {
  bool present;  /* implemented: sizing found a non-zero size */
  bool io;       /* an I/O-space BAR */
  bool mem64;    /* a 64-bit memory BAR: it also occupies the next BAR register */
  bool prefetch;
  uint64_t base;
  uint64_t size;
};

/* Reads BAR `index` (0..5) and sizes it by the standard protocol: memory decoding off,
 * write all-ones, read back, restore the old value, decoding restored. Do not call it for
 * the upper half of a 64-bit BAR (pci_bars_read skips those). */
void pci_bar_read(struct pci_addr a, unsigned index, struct pci_bar *out);

/* Reads all six BARs into bars[PCI_BAR_COUNT]; the upper halves of 64-bit BARs are absent. */
void pci_bars_read(struct pci_addr a, struct pci_bar bars[PCI_BAR_COUNT]);

/* Moves memory BAR `b` (index `index`, as pci_bar_read found it) to `base`, the way an OS
 * reassigns a BAR: memory decoding off, the new address written (low half, then the high
 * half of a 64-bit BAR), decoding back as it was. Nothing may access the device's BARs in
 * between. Returns the address the BAR register reads back afterwards; the caller checks
 * it is `base` (a misaligned or out-of-range request reads back otherwise). */
uint64_t pci_bar_move(struct pci_addr a, unsigned index, const struct pci_bar *b, uint64_t base);

#endif
