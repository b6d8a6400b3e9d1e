/* The ring-0 halves of a ring-3 call (ring3.h), and ring3_exit, the one instruction of it
 * that runs in ring 3.
 *
 * ring3_enter(rip, rsp, arg) saves the callee-saved registers and its stack pointer, then
 * iretq's to CPL 3 at rip with RDI = arg, RSP = rsp, RFLAGS = 0x3002 (IF = 0, IOPL = 3: the
 * bench.exits port loop writes to a port from ring 3; nothing else there uses ports). DS,
 * ES, FS and GS hold the DPL-0 BOOT_DS, which iretq turns into null selectors: 64-bit mode
 * does not use them for ordinary accesses.
 *
 * ring3_ud is the #UD handler while ring 3 is set up. The CPU arrives on the TSS's RSP0
 * stack (from ring 3) with RIP at 0(%rsp) and CS at 8(%rsp) (#UD pushes no error code).
 * A #UD from ring 3 at ring3_exit is the way back: drop the frame, go back to the stack
 * ring3_enter saved, reload the data segments and return to ring3_enter's caller with the
 * ring-3 code's RAX. Any other #UD goes to the previous handler, ring3_ud_chain. */
#include "entry_state.h"
#include "ring3.h"

	.text
	.globl ring3_enter
ring3_enter:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, ring3_saved_rsp(%rip)
	pushq	$RING3_USER_DS		/* SS */
	pushq	%rsi			/* RSP */
	pushq	$0x3002			/* RFLAGS: IOPL 3 and reserved bit 1 */
	pushq	$RING3_USER_CS		/* CS */
	pushq	%rdi			/* RIP */
	movq	%rdx, %rdi
	iretq

	.globl ring3_ud
ring3_ud:
	testb	$3, 8(%rsp)
	jz	1f			/* a #UD in ring 0: not ours */
	cmpq	$ring3_exit, 0(%rsp)
	jne	1f			/* a real #UD in ring-3 code */
	movq	ring3_saved_rsp(%rip), %rsp
	movl	$BOOT_DS, %ecx
	movl	%ecx, %ds
	movl	%ecx, %es
	movl	%ecx, %fs
	movl	%ecx, %gs
	movl	%ecx, %ss
	cld
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret
1:	jmp	*ring3_ud_chain(%rip)

	.section .ring3.text, "ax"
	.globl ring3_exit
ring3_exit:
	ud2

	.bss
	.balign 8
ring3_saved_rsp:
	.quad 0
	.globl ring3_ud_chain
ring3_ud_chain:
	.quad 0
