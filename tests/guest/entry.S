/* The tiny guest's 64-bit entry: vmm jumps here (load address + 0x200) in long mode with
 * paging on, interrupts off and RSI = the zero page, exactly as it would enter Linux. */
#include "entry_state.h"
#include "image_format.h"

	/* struct tiny_image_head (image_format.h): read by mkbzimage, never by the CPU. */
	.section .head, "a"
	.ascii TINY_IMAGE_MAGIC
	.quad __image_start
	.quad __load_end
	.quad __image_end
	.quad _start64

	.section .text.entry, "ax"
	.code64
	.globl _start64
_start64:
	/* The protocol promises no usable RSP: switch before anything pushes. */
	movq	$__stack_top, %rsp

	/* Record the hand-over state before touching it. entry_state lives in .data because
	 * .bss is cleared just below. */
	pushfq
	popq	%rax
	movq	%rax, entry_state + ENTRY_STATE_RFLAGS
	movq	%rsi, entry_state + ENTRY_STATE_RSI
	movw	%cs, entry_state + ENTRY_STATE_CS
	movw	%ds, entry_state + ENTRY_STATE_DS
	movw	%es, entry_state + ENTRY_STATE_ES
	movw	%ss, entry_state + ENTRY_STATE_SS
	sgdt	entry_state + ENTRY_STATE_GDTR

	/* DF is not promised either, and rep stos depends on it. */
	cld
	movq	$__bss_start, %rdi
	movq	$__bss_end, %rcx
	subq	%rdi, %rcx
	shrq	$3, %rcx
	xorl	%eax, %eax
	rep stosq

	/* Our own GDT with the protocol's selectors: delivering an exception reloads CS from
	 * the GDT, so a crash report must not depend on where vmm left its table. */
	lgdt	gdt_desc
	pushq	$BOOT_CS
	pushq	$1f
	lretq
1:	movl	$BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs

	/* RSI survived all of the above; the SysV ABI wants the argument in RDI. RSP is
	 * 16-byte aligned here, so the call leaves it as a C function expects. */
	movq	%rsi, %rdi
	call	tiny_main
2:	cli
	hlt
	jmp	2b

	.section .data
	.balign 8
	.globl entry_state
entry_state:
	.fill 40, 1, 0

	.balign 16
gdt:
	.quad 0                     /* null */
	.quad 0                     /* 0x08: unused, as in Linux's boot GDT */
	.quad 0x00af9b000000ffff    /* 0x10 BOOT_CS: 64-bit code, present, DPL 0 */
	.quad 0x00cf93000000ffff    /* 0x18 BOOT_DS: flat read/write data */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt
