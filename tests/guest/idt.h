/* An IDT for the 32 CPU exceptions, so a crashing guest says which exception hit where
 * (and exits with GUEST_STATUS_EXCEPTION) instead of triple-faulting. Interrupts stay
 * disabled; no IRQ vectors are installed. */
#ifndef TINY_GUEST_IDT_H
#define TINY_GUEST_IDT_H

#include <stdint.h>

void idt_install(void);

/* Called by exceptions.S with the frame's vector, error code and faulting RIP. */
__attribute__((noreturn)) void exception_report(uint64_t vector, uint64_t error, uint64_t rip);

#endif
