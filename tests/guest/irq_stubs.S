/* Ring-0 handlers for the interrupts the tiny guest takes on purpose (lapic.c): each bumps
 * its counter and, for a real interrupt, writes the local APIC's EOI register. They keep
 * to a few instructions (ring 0 is emulated) and use no stack beyond the one register they
 * save. The EOI address goes through a register: as a 32-bit displacement 0xfee000b0 would
 * be sign-extended to 0xfffffffffee000b0. */

	.macro IRQ_STUB name, counter, eoi
	.text
	.balign 16
	.globl \name
\name:
	pushq	%rax
	incl	\counter(%rip)
	.if \eoi
	movl	$0xfee000b0, %eax
	movl	$0, (%rax)
	.endif
	popq	%rax
	iretq
	.endm

	IRQ_STUB lapic_msi_stub, lapic_msi_count, 1
	IRQ_STUB lapic_timer_stub, lapic_timer_count, 1
	/* A spurious interrupt is not in service: no EOI (SDM vol. 3, 11.9). */
	IRQ_STUB lapic_spurious_stub, lapic_spurious_count, 0
