/* Port I/O and the VMM's debug-exit port. Every port access is a VM exit, so callers keep
 * them few. */
#ifndef TINY_GUEST_IO_H
#define TINY_GUEST_IO_H

#include <stdint.h>

/* Writing byte b here ends the VM; vmm exits with status b. */
#define DEBUG_EXIT_PORT 0x501

/* in<w>(port) and out<w>(port, v) at one access width: the same two instructions at 8, 16
 * and 32 bits, the suffix naming both the instruction and the function. */
#define TINY_GUEST_PORT_IO(w, type)                                    \
  static inline type in##w(uint16_t port) {                            \
    type v;                                                            \
    __asm__ volatile("in" #w " %1, %0" : "=a"(v) : "Nd"(port));        \
    return v;                                                          \
  }                                                                    \
  static inline void out##w(uint16_t port, type v) {                   \
    __asm__ volatile("out" #w " %0, %1" : : "a"(v), "Nd"(port));       \
  }

TINY_GUEST_PORT_IO(b, uint8_t)
TINY_GUEST_PORT_IO(w, uint16_t)
TINY_GUEST_PORT_IO(l, uint32_t)

#undef TINY_GUEST_PORT_IO

/* Exit status the guest reports; see main.c for when each is used. */
enum guest_status {
  GUEST_STATUS_ALL_PASSED = 0,
  GUEST_STATUS_CHECK_FAILED = 1,
  GUEST_STATUS_NESTED_EXCEPTION = 0x7e,
  GUEST_STATUS_EXCEPTION = 0x7f,
};

/* If the debug-exit device is missing the VM would run on; halting with interrupts off
 * keeps the guest from doing anything else while a watchdog notices. */
static inline __attribute__((noreturn)) void guest_exit(uint8_t status) {
  outb(DEBUG_EXIT_PORT, status);
  for (;;) __asm__ volatile("cli; hlt");
}

#endif
