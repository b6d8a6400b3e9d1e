/* Guest RAM as e820 implies it: each run of back-to-back entries, from its first type-1
 * entry's start to its last type-1 entry's end. Reserved carve-outs between RAM entries
 * (the setup_data area, the legacy region) count; a reserved entry at either end of a run
 * does not. Used to decide whether something vmm points at (a setup_data node, a /memory
 * range) lies in RAM. */
#ifndef TINY_GUEST_E820_SPANS_H
#define TINY_GUEST_E820_SPANS_H

#include <stdbool.h>
#include <stdint.h>

#include "boot_params.h"

struct span {
  uint64_t addr, end;
};

/* Computes the spans from boot_params' e820 table; NULL or why the table is unusable.
 * The spans are kept in static storage (the guest's stack is small) until the next call. */
const char *e820_spans_compute(const struct boot_params *bp);
unsigned e820_span_count(void);
const struct span *e820_span(unsigned i);
/* True when [addr, addr + len) lies inside one span. */
bool e820_in_ram(uint64_t addr, uint64_t len);

#endif
