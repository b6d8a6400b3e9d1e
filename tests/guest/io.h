/* Port I/O and the VMM's debug-exit port. Every port access is a VM exit, so callers keep
 * them few. */
#ifndef TINY_GUEST_IO_H
#define TINY_GUEST_IO_H

#include <stdint.h>

/* Writing byte b here ends the VM; vmm exits with status b. */
#define DEBUG_EXIT_PORT 0x501

static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static inline void outb(uint16_t port, uint8_t v) {
  __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port) {
  uint16_t v;
  __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static inline void outw(uint16_t port, uint16_t v) {
  __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port) {
  uint32_t v;
  __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static inline void outl(uint16_t port, uint32_t v) {
  __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

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
