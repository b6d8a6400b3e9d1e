/* Reading the zero page (struct boot_params) vmm hands over in RSI. Only the first 4 GiB are
 * identity-mapped, so every pointer taken from it is range-checked before use. */
#ifndef TINY_GUEST_BOOT_PARAMS_H
#define TINY_GUEST_BOOT_PARAMS_H

#include <asm/bootparam.h>
#include <stdbool.h>
#include <stdint.h>

/* The boot protocol's identity map covers [0, 4 GiB): nothing above can be dereferenced. */
#define IDENTITY_MAP_END 0x100000000ull

#define E820_TYPE_RAM 1

struct e820_entry {
  uint64_t addr;
  uint64_t size;
  uint32_t type;
};

/* True when [addr, addr + len) lies inside the identity map (no wrap-around). */
bool phys_readable(uint64_t addr, uint64_t len);

static inline const void *phys_ptr(uint64_t addr) { return (const void *)(uintptr_t)addr; }

uint64_t bp_cmdline_addr(const struct boot_params *bp);
uint64_t bp_initrd_addr(const struct boot_params *bp);
uint64_t bp_initrd_size(const struct boot_params *bp);

unsigned bp_e820_count(const struct boot_params *bp);
/* Entry i (< bp_e820_count) copied out of the packed table. */
struct e820_entry bp_e820_entry(const struct boot_params *bp, unsigned i);
/* True when one RAM entry contains all of [addr, addr + len). */
bool bp_e820_is_ram(const struct boot_params *bp, uint64_t addr, uint64_t len);

/* True when the half-open ranges [a, a + alen) and [b, b + blen) share a byte. */
static inline bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
  return alen != 0 && blen != 0 && a < b + blen && b < a + alen;
}

#endif
