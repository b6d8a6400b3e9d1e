/* The memory map must describe exactly the guest's RAM. vmm's layout for --mem M:
 *   [0, min(M, 3 GiB))             RAM, less [0x9fc00, 0x100000) reported reserved
 *   [4 GiB, 4 GiB + (M - 3 GiB))   RAM, when M > 3 GiB (the gap is the MMIO hole)
 * with possibly further reserved carve-outs (setup_data) inside RAM. So: entries sorted and
 * disjoint, RAM entries only inside guest RAM, every byte of guest RAM described by exactly
 * one entry (for the plain layout: type-1 total + 0x60400 == M), the legacy region not
 * RAM, and the highest RAM byte where the layout puts it. */
#include "checks.h"

#define GIB (1ull << 30)
#define LOW_RAM_LIMIT (3 * GIB)
#define HIGH_RAM_START (4 * GIB)
#define LEGACY_START 0x9fc00ull
#define LEGACY_END 0x100000ull

static uint64_t overlap(uint64_t a, uint64_t aend, uint64_t b, uint64_t bend) {
  uint64_t lo = a > b ? a : b, hi = aend < bend ? aend : bend;
  return hi > lo ? hi - lo : 0;
}

void check_e820(const struct guest_ctx *g, struct check_result *r) {
  unsigned n = g->bp->e820_entries;
  if (n == 0 || n > E820_MAX_ENTRIES_ZEROPAGE) {
    check_fail(r, "e820_entries=%u", n);
    return;
  }
  uint64_t prev_end = 0, ram = 0, top = 0;
  for (unsigned i = 0; i < n; i++) {
    struct e820_entry e = bp_e820_entry(g->bp, i);
    if (e.size == 0 || e.addr + e.size < e.addr) {
      check_fail(r, "entry %u: addr=0x%lx size=0x%lx is empty or wraps", i, e.addr, e.size);
      return;
    }
    if (i > 0 && e.addr < prev_end) {
      check_fail(r, "entry %u at 0x%lx starts below the previous end 0x%lx (unsorted or overlapping)",
                 i, e.addr, prev_end);
      return;
    }
    prev_end = e.addr + e.size;
    if (e.type == E820_TYPE_RAM) {
      ram += e.size;
      top = prev_end;
      if (overlap(e.addr, prev_end, LEGACY_START, LEGACY_END)) {
        check_fail(r, "entry %u: RAM [0x%lx,0x%lx) covers the legacy region 0x9fc00-0x100000", i,
                   e.addr, prev_end);
        return;
      }
    }
  }

  if (!g->params.mem.present) {
    check_pass(r, "entries=%u ram=0x%lx top=0x%lx (no vmmtest.mem: size unchecked)", n, ram, top);
    return;
  }
  if (!g->params.mem.valid) {
    check_fail(r, "vmmtest.mem is not a number");
    return;
  }
  uint64_t mem = g->params.mem.value;
  uint64_t low_end = mem < LOW_RAM_LIMIT ? mem : LOW_RAM_LIMIT;
  uint64_t high_end = mem > LOW_RAM_LIMIT ? HIGH_RAM_START + (mem - LOW_RAM_LIMIT) : HIGH_RAM_START;

  uint64_t described = 0;
  for (unsigned i = 0; i < n; i++) {
    struct e820_entry e = bp_e820_entry(g->bp, i);
    uint64_t in_ram = overlap(e.addr, e.addr + e.size, 0, low_end) +
                      overlap(e.addr, e.addr + e.size, HIGH_RAM_START, high_end);
    if (e.type == E820_TYPE_RAM && in_ram != e.size) {
      check_fail(r, "entry %u: RAM [0x%lx,0x%lx) lies outside guest memory of 0x%lx bytes", i,
                 e.addr, e.addr + e.size, mem);
      return;
    }
    described += in_ram;
  }
  if (described != mem) {
    check_fail(r, "entries=%u describe 0x%lx of 0x%lx bytes of guest RAM (type-1 total 0x%lx)", n,
               described, mem, ram);
    return;
  }
  uint64_t want_top = mem > LOW_RAM_LIMIT ? high_end : low_end;
  if (top != want_top) {
    check_fail(r, "highest RAM ends at 0x%lx, want 0x%lx for mem=0x%lx", top, want_top, mem);
    return;
  }
  check_pass(r, "entries=%u total=0x%lx type1=0x%lx top=0x%lx", n, described, ram, top);
}
