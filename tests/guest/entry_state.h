/* CPU state as the VMM handed it over, recorded by entry.S before the guest changes any of
 * it, so the `entry` check can compare it with the 64-bit boot protocol. */
#ifndef TINY_GUEST_ENTRY_STATE_H
#define TINY_GUEST_ENTRY_STATE_H

/* Byte offsets, shared with entry.S. */
#define ENTRY_STATE_RFLAGS 0
#define ENTRY_STATE_RSI 8
#define ENTRY_STATE_CS 16
#define ENTRY_STATE_DS 18
#define ENTRY_STATE_ES 20
#define ENTRY_STATE_SS 22
#define ENTRY_STATE_GDTR 24 /* sgdt stores 2 bytes limit + 8 bytes base */

/* Selectors the 64-bit boot protocol requires (Documentation/arch/x86/boot.rst). */
#define BOOT_CS 0x10
#define BOOT_DS 0x18

#ifndef __ASSEMBLER__
#include <stdint.h>

struct entry_state {
  uint64_t rflags;
  uint64_t rsi;
  uint16_t cs, ds, es, ss;
  uint16_t gdt_limit;
  uint64_t gdt_base;
} __attribute__((packed));

_Static_assert(__builtin_offsetof(struct entry_state, cs) == ENTRY_STATE_CS, "layout");
_Static_assert(__builtin_offsetof(struct entry_state, ss) == ENTRY_STATE_SS, "layout");
_Static_assert(__builtin_offsetof(struct entry_state, gdt_limit) == ENTRY_STATE_GDTR, "layout");

extern struct entry_state entry_state;
#endif

#endif
