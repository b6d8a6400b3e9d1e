/* The local APIC in xAPIC mode at its default base (0xfee00000, inside the boot identity
 * map's uncached MMIO hole), just enough to take interrupts in ring 0:
 *   - three IDT gates: LAPIC_MSI_VECTOR (a device's MSI-X message), LAPIC_TIMER_VECTOR
 *     (the one-shot watchdog that bounds every hlt) and LAPIC_SPURIOUS_VECTOR; each
 *     handler (irq_stubs.S) only counts and EOIs;
 *   - lapic_wait: `sti; hlt; cli` rounds until a counter moves, each round bounded by the
 *     watchdog, so a lost interrupt costs a few timer periods, never a hang.
 * The PIT and the IOAPIC are left as vmm hands them over (nothing programmed, every IOAPIC
 * input masked), so these three are the only interrupts that can arrive. Interrupts are
 * enabled only inside lapic_wait and lapic_timer_selftest. */
#ifndef TINY_GUEST_LAPIC_H
#define TINY_GUEST_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_BASE 0xfee00000ull
#define LAPIC_MSI_VECTOR 0x41
#define LAPIC_TIMER_VECTOR 0x42
#define LAPIC_SPURIOUS_VECTOR 0xff

/* Counters the handlers increment (irq_stubs.S); read them through these volatile views. */
extern volatile uint32_t lapic_msi_count, lapic_timer_count, lapic_spurious_count;

/* Checks IA32_APIC_BASE (enabled, xAPIC, default base), installs the three gates, sets
 * TPR 0 and software-enables the APIC through SVR. Returns NULL or why not. Idempotent. */
const char *lapic_init(void);
/* This CPU's APIC ID (bits 31:24 of the ID register): an MSI's destination. */
uint8_t lapic_id(void);

/* Arms the watchdog: one shot of `ns` nanoseconds (divide-by-1, KVM's 1 GHz APIC bus);
 * lapic_timer_stop disarms it. */
void lapic_timer_start(uint32_t ns);
void lapic_timer_stop(void);

/* Proves the watchdog fires, waiting on events rather than on time: arms a 100 us shot,
 * reads the current count until it is 0 (the APIC says it expired), then, with interrupts
 * on, keeps reading until the interrupt has arrived. Each read exits to KVM, so the waits
 * last as long as the host needs, however slow; the bound (a number of reads, each at least
 * a VM exit) only catches a timer that never counts down or never interrupts. Returns NULL
 * or why not. */
#define TIMER_SELFTEST_MAX_READS 100000000u
const char *lapic_timer_selftest(void);

/* Until *counter != start: `sti; hlt; cli` with the watchdog armed at `round_ns`, at most
 * `max_rounds` rounds. Interrupts are off again on return. True when the counter moved;
 * *rounds gets the number of hlt rounds used. */
bool lapic_wait(const volatile uint32_t *counter, uint32_t start, unsigned max_rounds,
                uint32_t round_ns, unsigned *rounds);

#endif
