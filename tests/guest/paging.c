#include "paging.h"

#include <stdbool.h>
#include <stddef.h>

#include "boot_params.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_TABLE_MASK 0x000ffffffffff000ull
#define PTE_2M_MASK 0x000fffffffe00000ull

#define LARGE_PAGE (2ull << 20)
#define TABLE_ENTRIES 512

/* Enough for a BAR window that crosses one 512 GiB and one 1 GiB boundary; each call maps
 * a few MiB at most. */
#define POOL_PAGES 4
static uint64_t pool[POOL_PAGES][TABLE_ENTRIES] __attribute__((aligned(4096)));
static unsigned pool_used;

static uint64_t *table_of(uint64_t entry) {
  return (uint64_t *)(uintptr_t)(entry & PTE_TABLE_MASK);
}

/* The table `*entry` points to, creating an empty one when the entry is not present. */
static const char *next_table(uint64_t *entry, uint64_t **out) {
  if (*entry & PTE_PRESENT) {
    if (*entry & PTE_PS) return "a 1 GiB page covers the range";
    if (!phys_readable(*entry & PTE_TABLE_MASK, 4096)) return "a page table lies above 4 GiB";
    *out = table_of(*entry);
    return NULL;
  }
  if (pool_used == POOL_PAGES) return "out of page-table pages (paging.c POOL_PAGES)";
  uint64_t *t = pool[pool_used++]; /* .bss: already zero */
  *entry = (uint64_t)(uintptr_t)t | PTE_PRESENT | PTE_WRITABLE;
  *out = t;
  return NULL;
}

static unsigned phys_address_bits(void) {
  uint32_t eax, ebx, ecx, edx;
  __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x80000000u), "c"(0));
  if (eax < 0x80000008u) return 36;
  __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x80000008u), "c"(0));
  return eax & 0xff;
}

const char *paging_map_uncached(uint64_t phys, uint64_t len) {
  if (len == 0 || phys + len < phys) return "empty or wrapping range";
  const uint64_t end = phys + len;
  if ((end - 1) >> phys_address_bits() != 0) return "beyond the CPU's physical address width";

  uint64_t cr3;
  __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
  uint64_t *pml4 = table_of(cr3);
  bool changed = false;
  for (uint64_t a = phys & ~(LARGE_PAGE - 1); a < end; a += LARGE_PAGE) {
    uint64_t *pdpt, *pd;
    const char *why = next_table(&pml4[(a >> 39) & 511], &pdpt);
    if (!why) why = next_table(&pdpt[(a >> 30) & 511], &pd);
    if (why) return why;
    uint64_t *pde = &pd[(a >> 21) & 511];
    if (*pde & PTE_PRESENT) {
      if (!(*pde & PTE_PS) || (*pde & PTE_2M_MASK) != a) return "the range is already mapped elsewhere";
      continue;
    }
    *pde = a | PTE_PRESENT | PTE_WRITABLE | PTE_PS | PTE_PCD | PTE_PWT;
    changed = true;
  }
  /* New entries only (nothing was present), so no stale TLB entry can exist; reloading
   * CR3 anyway also drops any cached "not present" walk. */
  if (changed) __asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
  return NULL;
}
