#include "pci.h"

#include "io.h"

#define PCI_MAX_DEVICES 32

#define PCI_BAR_IO (1u << 0)
#define PCI_BAR_TYPE_MASK (3u << 1)
#define PCI_BAR_TYPE_64 (2u << 1)
#define PCI_BAR_PREFETCH (1u << 3)

static void select_reg(struct pci_addr a, uint8_t reg) {
  outl(PCI_CONFIG_ADDRESS, 0x80000000u | (uint32_t)a.bus << 16 | (uint32_t)(a.dev & 31) << 11 |
                               (uint32_t)(a.fn & 7) << 8 | (reg & 0xfcu));
}

uint8_t pci_read8(struct pci_addr a, uint8_t reg) {
  select_reg(a, reg);
  return inb((uint16_t)(PCI_CONFIG_DATA + (reg & 3)));
}

uint16_t pci_read16(struct pci_addr a, uint8_t reg) {
  select_reg(a, reg);
  return inw((uint16_t)(PCI_CONFIG_DATA + (reg & 2)));
}

uint32_t pci_read32(struct pci_addr a, uint8_t reg) {
  select_reg(a, reg);
  return inl(PCI_CONFIG_DATA);
}

void pci_write16(struct pci_addr a, uint8_t reg, uint16_t v) {
  select_reg(a, reg);
  outw((uint16_t)(PCI_CONFIG_DATA + (reg & 2)), v);
}

void pci_write32(struct pci_addr a, uint8_t reg, uint32_t v) {
  select_reg(a, reg);
  outl(PCI_CONFIG_DATA, v);
}

bool pci_find(uint16_t vendor, uint16_t device, struct pci_addr *out) {
  for (uint8_t dev = 0; dev < PCI_MAX_DEVICES; dev++) {
    struct pci_addr a = {0, dev, 0};
    uint32_t id = pci_read32(a, PCI_REG_VENDOR);
    if ((id & 0xffff) == 0xffff) continue; /* no device: the bus floats */
    if ((id & 0xffff) == vendor && id >> 16 == device) {
      *out = a;
      return true;
    }
  }
  return false;
}

unsigned pci_caps(struct pci_addr a, uint8_t offsets[PCI_MAX_CAPS]) {
  if (!(pci_read16(a, PCI_REG_STATUS) & PCI_STATUS_CAP_LIST)) return 0;
  unsigned n = 0;
  uint8_t p = pci_read8(a, PCI_REG_CAP_PTR) & 0xfc;
  while (p >= 0x40 && n < PCI_MAX_CAPS) {
    offsets[n++] = p;
    p = pci_read8(a, (uint8_t)(p + 1)) & 0xfc;
  }
  return n;
}

void pci_bar_read(struct pci_addr a, unsigned index, struct pci_bar *out) {
  *out = (struct pci_bar){0};
  if (index >= PCI_BAR_COUNT) return;
  uint8_t reg = (uint8_t)(PCI_REG_BAR0 + 4 * index);
  uint32_t lo = pci_read32(a, reg);
  bool io = lo & PCI_BAR_IO;
  bool mem64 = !io && (lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64 && index + 1 < PCI_BAR_COUNT;

  uint16_t cmd = pci_read16(a, PCI_REG_COMMAND);
  pci_write16(a, PCI_REG_COMMAND, (uint16_t)(cmd & ~(PCI_COMMAND_MEMORY | 1u /* I/O */)));
  pci_write32(a, reg, 0xffffffffu);
  uint32_t lo_mask = pci_read32(a, reg);
  pci_write32(a, reg, lo);
  uint32_t hi = 0, hi_mask = 0;
  if (mem64) {
    hi = pci_read32(a, (uint8_t)(reg + 4));
    pci_write32(a, (uint8_t)(reg + 4), 0xffffffffu);
    hi_mask = pci_read32(a, (uint8_t)(reg + 4));
    pci_write32(a, (uint8_t)(reg + 4), hi);
  }
  pci_write16(a, PCI_REG_COMMAND, cmd);

  uint64_t mask;
  if (io) {
    mask = 0xffff0000u | (lo_mask & ~3u); /* I/O BARs may implement only 16 bits */
    out->base = lo & ~3u;
  } else if (mem64) {
    mask = (uint64_t)hi_mask << 32 | (lo_mask & ~0xfu);
    out->base = (uint64_t)hi << 32 | (lo & ~0xfu);
  } else {
    mask = 0xffffffff00000000ull | (lo_mask & ~0xfu);
    out->base = lo & ~0xfu;
  }
  uint64_t size = ~mask + 1;
  if (lo_mask == 0 || lo_mask == 0xffffffffu || size == 0) return; /* not implemented */
  out->present = true;
  out->io = io;
  out->mem64 = mem64;
  out->prefetch = !io && (lo & PCI_BAR_PREFETCH);
  out->size = size;
}

void pci_bars_read(struct pci_addr a, struct pci_bar bars[PCI_BAR_COUNT]) {
  for (unsigned i = 0; i < PCI_BAR_COUNT; i++) {
    pci_bar_read(a, i, &bars[i]);
    if (bars[i].mem64 && i + 1 < PCI_BAR_COUNT) bars[++i] = (struct pci_bar){0};
  }
}

uint64_t pci_bar_move(struct pci_addr a, unsigned index, const struct pci_bar *b, uint64_t base) {
  if (index >= PCI_BAR_COUNT || !b->present || b->io) return ~0ull;
  const uint8_t reg = (uint8_t)(PCI_REG_BAR0 + 4 * index);
  const uint32_t flags = pci_read32(a, reg) & 0xfu; /* type and prefetch bits are read-only */
  const uint16_t cmd = pci_read16(a, PCI_REG_COMMAND);
  pci_write16(a, PCI_REG_COMMAND, (uint16_t)(cmd & ~PCI_COMMAND_MEMORY));
  pci_write32(a, reg, (uint32_t)base | flags);
  if (b->mem64) pci_write32(a, (uint8_t)(reg + 4), (uint32_t)(base >> 32));
  pci_write16(a, PCI_REG_COMMAND, cmd);
  uint64_t now = pci_read32(a, reg) & ~0xfull;
  if (b->mem64) now |= (uint64_t)pci_read32(a, (uint8_t)(reg + 4)) << 32;
  return now;
}
