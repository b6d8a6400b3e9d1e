/* An IDT for the 32 CPU exceptions, so a crashing guest says which exception hit where
 * (and exits with GUEST_STATUS_EXCEPTION) instead of triple-faulting. The table has all 256
 * gates; those above 31 stay not-present (a stray interrupt there raises #NP, which is
 * reported) until a check installs a handler with idt_set_interrupt_gate (lapic.c does, for
 * gpu.msix). Interrupts stay disabled except inside such a check's bounded waits. */
#ifndef TINY_GUEST_IDT_H
#define TINY_GUEST_IDT_H

#include <stdint.h>

void idt_install(void);

/* Points gate `vector` (32..255) at `handler`: a present DPL-0 64-bit interrupt gate (IF
 * cleared on entry). The handler must end in iretq. */
void idt_set_interrupt_gate(uint8_t vector, uint64_t handler);

/* Called by exceptions.S with the frame's vector, error code and faulting RIP. */
__attribute__((noreturn)) void exception_report(uint64_t vector, uint64_t error, uint64_t rip);

#endif
