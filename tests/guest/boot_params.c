#include "boot_params.h"

bool phys_readable(uint64_t addr, uint64_t len) {
  return addr <= IDENTITY_MAP_END && len <= IDENTITY_MAP_END - addr;
}

/* Boot protocol 2.12+ splits 64-bit values into the header's low half and an ext_ high half
 * outside the header. */
uint64_t bp_cmdline_addr(const struct boot_params *bp) {
  return (uint64_t)bp->hdr.cmd_line_ptr | (uint64_t)bp->ext_cmd_line_ptr << 32;
}

uint64_t bp_initrd_addr(const struct boot_params *bp) {
  return (uint64_t)bp->hdr.ramdisk_image | (uint64_t)bp->ext_ramdisk_image << 32;
}

uint64_t bp_initrd_size(const struct boot_params *bp) {
  return (uint64_t)bp->hdr.ramdisk_size | (uint64_t)bp->ext_ramdisk_size << 32;
}

unsigned bp_e820_count(const struct boot_params *bp) {
  unsigned n = bp->e820_entries;
  return n <= E820_MAX_ENTRIES_ZEROPAGE ? n : E820_MAX_ENTRIES_ZEROPAGE;
}

struct e820_entry bp_e820_entry(const struct boot_params *bp, unsigned i) {
  /* Member reads by value: taking the address of a packed member would be misaligned. */
  return (struct e820_entry){bp->e820_table[i].addr, bp->e820_table[i].size,
                             bp->e820_table[i].type};
}

bool bp_e820_is_ram(const struct boot_params *bp, uint64_t addr, uint64_t len) {
  for (unsigned i = 0; i < bp_e820_count(bp); i++) {
    struct e820_entry e = bp_e820_entry(bp, i);
    if (e.type == E820_TYPE_RAM && addr >= e.addr && addr - e.addr <= e.size &&
        len <= e.size - (addr - e.addr))
      return true;
  }
  return false;
}
