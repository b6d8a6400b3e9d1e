#include "e820_spans.h"

#include <stddef.h>

static struct span spans[E820_MAX_ENTRIES_ZEROPAGE];
static unsigned span_count;

const char *e820_spans_compute(const struct boot_params *bp) {
  span_count = 0;
  unsigned n = bp_e820_count(bp);
  uint64_t prev_end = 0;
  bool open = false;
  struct span cur = {0, 0};
  for (unsigned i = 0; i < n; i++) {
    struct e820_entry e = bp_e820_entry(bp, i);
    if (e.size == 0 || e.addr + e.size < e.addr) return "an e820 entry is empty or wraps";
    if (i > 0 && e.addr < prev_end) return "e820 entries are unsorted or overlap";
    if (open && e.addr != prev_end) {
      spans[span_count++] = cur;
      open = false;
    }
    if (e.type == E820_TYPE_RAM) {
      if (!open) cur.addr = e.addr;
      open = true;
      cur.end = e.addr + e.size;
    }
    prev_end = e.addr + e.size;
  }
  if (open) spans[span_count++] = cur;
  return span_count == 0 ? "e820 has no RAM entry" : NULL;
}

unsigned e820_span_count(void) { return span_count; }

const struct span *e820_span(unsigned i) { return i < span_count ? &spans[i] : NULL; }

bool e820_in_ram(uint64_t addr, uint64_t len) {
  for (unsigned i = 0; i < span_count; i++) {
    const struct span *s = &spans[i];
    if (addr >= s->addr && len <= s->end - s->addr && addr - s->addr <= s->end - s->addr - len)
      return true;
  }
  return false;
}
