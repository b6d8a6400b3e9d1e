/* Device-register access through the identity map. Each access is one volatile load or
 * store of exactly the named width (a device register may care), and each is a VM exit
 * unless the address is backed by a memslot, so callers keep them few. x86 keeps stores
 * in order; the "memory" clobber keeps the compiler from moving ordinary memory accesses
 * (ring contents) across a register access. */
#ifndef TINY_GUEST_MMIO_H
#define TINY_GUEST_MMIO_H

#include <stdint.h>

/* The address goes in a register rather than an "m" operand: gcc would otherwise object
 * to low constant addresses (the BIOS data area) as out-of-bounds array accesses. */
static inline uint8_t mmio_read8(uint64_t addr) {
  uint8_t v;
  __asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(addr) : "memory");
  return v;
}

static inline uint16_t mmio_read16(uint64_t addr) {
  uint16_t v;
  __asm__ volatile("movw (%1), %0" : "=r"(v) : "r"(addr) : "memory");
  return v;
}

static inline uint32_t mmio_read32(uint64_t addr) {
  uint32_t v;
  __asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
  return v;
}

static inline void mmio_write8(uint64_t addr, uint8_t v) {
  __asm__ volatile("movb %0, (%1)" : : "q"(v), "r"(addr) : "memory");
}

static inline void mmio_write16(uint64_t addr, uint16_t v) {
  __asm__ volatile("movw %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static inline void mmio_write32(uint64_t addr, uint32_t v) {
  __asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

/* A compiler barrier: the CPU (x86, TSO) already keeps stores in order. */
static inline void compiler_barrier(void) { __asm__ volatile("" : : : "memory"); }

#endif
