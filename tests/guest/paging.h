/* Extending the boot identity map. vmm enters the guest with [0, 4 GiB) identity-mapped by
 * 2 MiB pages (PML4 at CR3 -> PDPT -> page directories), the MMIO hole below 4 GiB already
 * uncached. A 64-bit BAR may lie above 4 GiB (below 1 TiB): paging_map_uncached adds 2 MiB
 * identity pages for it, PCD|PWT (UC with the power-on PAT), taking any new PDPT or page
 * directory from a small pool in .bss, and reloads CR3. No 1 GiB pages: they fault under
 * PVM (design.md). */
#ifndef TINY_GUEST_PAGING_H
#define TINY_GUEST_PAGING_H

#include <stdint.h>

/* Makes [phys, phys + len) reachable at the same virtual address. Ranges already mapped
 * (the boot map, an earlier call) are left as they are, provided they map identically.
 * Returns NULL on success, otherwise why not. */
const char *paging_map_uncached(uint64_t phys, uint64_t len);

#endif
