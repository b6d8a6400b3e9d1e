#include "lapic.h"

#include <stddef.h>

#include "idt.h"
#include "mmio.h"

#define MSR_IA32_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull

/* Register offsets (SDM vol. 3, table 11-1). */
#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define SVR_APIC_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define TIMER_DIVIDE_BY_1 0xb

volatile uint32_t lapic_msi_count, lapic_timer_count, lapic_spurious_count;

extern char lapic_msi_stub[], lapic_timer_stub[], lapic_spurious_stub[];

static uint32_t reg_read(uint32_t reg) { return mmio_read32(LAPIC_BASE + reg); }
static void reg_write(uint32_t reg, uint32_t v) { mmio_write32(LAPIC_BASE + reg, v); }

static uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (uint64_t)hi << 32 | lo;
}

const char *lapic_init(void) {
  const uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
  if (!(base & APIC_BASE_ENABLE)) return "IA32_APIC_BASE: the local APIC is disabled";
  if (base & APIC_BASE_X2APIC) return "IA32_APIC_BASE: x2APIC mode (no MMIO registers)";
  if ((base & APIC_BASE_ADDR_MASK) != LAPIC_BASE) return "IA32_APIC_BASE: not at 0xfee00000";
  idt_set_interrupt_gate(LAPIC_MSI_VECTOR, (uint64_t)(uintptr_t)lapic_msi_stub);
  idt_set_interrupt_gate(LAPIC_TIMER_VECTOR, (uint64_t)(uintptr_t)lapic_timer_stub);
  idt_set_interrupt_gate(LAPIC_SPURIOUS_VECTOR, (uint64_t)(uintptr_t)lapic_spurious_stub);
  reg_write(LAPIC_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
  reg_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
  reg_write(LAPIC_TPR, 0);
  reg_write(LAPIC_SVR, SVR_APIC_ENABLE | LAPIC_SPURIOUS_VECTOR);
  if (!(reg_read(LAPIC_SVR) & SVR_APIC_ENABLE)) return "SVR: the APIC enable bit does not stick";
  return NULL;
}

uint8_t lapic_id(void) { return (uint8_t)(reg_read(LAPIC_ID) >> 24); }

void lapic_timer_start(uint32_t ns) {
  reg_write(LAPIC_LVT_TIMER, LAPIC_TIMER_VECTOR); /* one-shot, unmasked */
  reg_write(LAPIC_TIMER_INITIAL, ns ? ns : 1);
}

void lapic_timer_stop(void) {
  reg_write(LAPIC_TIMER_INITIAL, 0); /* stops the count */
  reg_write(LAPIC_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
}

const char *lapic_timer_selftest(void) {
  const uint32_t start = lapic_timer_count;
  lapic_timer_start(100000); /* 100 us */
  /* Event 1: the timer's own count reaches 0. Each read of it exits to KVM, which computes
   * it from the host clock, so this loop takes as long as the shot, however slow or busy
   * the host; the bound only catches a count that never moves. */
  uint32_t reads = 0;
  while (reg_read(LAPIC_TIMER_CURRENT) != 0) {
    if (++reads == TIMER_SELFTEST_MAX_READS) {
      lapic_timer_stop();
      return "the LAPIC timer does not count down (cannot bound hlt)";
    }
  }
  /* Event 2: the interrupt. The shot has expired, so it is pending or on its way; with
   * interrupts on, every further exit (another read) is a chance for KVM to deliver it. */
  reads = 0;
  __asm__ volatile("sti" ::: "memory");
  while (lapic_timer_count == start && ++reads < TIMER_SELFTEST_MAX_READS)
    (void)reg_read(LAPIC_TIMER_CURRENT);
  __asm__ volatile("cli" ::: "memory");
  lapic_timer_stop();
  return lapic_timer_count != start ? NULL
                                    : "the expired LAPIC timer raised no interrupt (cannot bound hlt)";
}

bool lapic_wait(const volatile uint32_t *counter, uint32_t start, unsigned max_rounds,
                uint32_t round_ns, unsigned *rounds) {
  unsigned n = 0;
  while (*counter == start && n < max_rounds) {
    n++;
    /* An interrupt that became pending before the sti (the watchdog, or the awaited one
     * already sent) is taken right after it: sti's one-instruction shadow covers the hlt,
     * whose wake-up it then is. So the hlt cannot sleep past a pending interrupt. */
    lapic_timer_start(round_ns);
    __asm__ volatile("sti; hlt; cli" ::: "memory");
    lapic_timer_stop();
  }
  *rounds = n;
  return *counter != start;
}
