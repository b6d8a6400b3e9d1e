/* bench.exits' timed loops, in RING 3 only (ring3_call; .ring3.text): each iteration is one
 * exit to vmm and back, nothing else, so cycles / iterations is the round trip as the guest
 * sees it. The port loop needs IOPL 3, which ring3_enter grants.
 *
 * bench_user_exits(struct bench_exit_job *job)   (bench_job.h)
 *   start = lfence; rdtsc; lfence
 *   PIO:  iterations x `outb %al, %dx`      (DX = target)
 *   MMIO: iterations x `movl %eax, (target)`
 *   end = lfence; rdtsc   (the last exit has returned: an exit completes the instruction)
 *   job->cycles = end - start; jmp ring3_exit, RAX = cycles. */
#include "bench_job.h"
#include "ring3.h"

	.section .ring3.text, "ax"
	.balign 64
	.globl bench_user_exits
bench_user_exits:
	movq	%rdi, %r15
	movq	BENCH_JOB_TARGET(%rdi), %rsi
	movq	BENCH_JOB_ITERATIONS(%rdi), %rcx
	movq	BENCH_JOB_VALUE(%rdi), %r8
	movq	BENCH_JOB_KIND(%rdi), %r9

	tsc_start %r13			/* start */

	movq	%r8, %rax
	cmpq	$BENCH_EXIT_MMIO, %r9
	je	.Lmmio
	movq	%rsi, %rdx
.Lpio:
	outb	%al, %dx
	decq	%rcx
	jnz	.Lpio
	jmp	.Ldone
.Lmmio:
	movl	%eax, (%rsi)
	decq	%rcx
	jnz	.Lmmio

.Ldone:
	tsc_elapsed %r13
	movq	%rax, BENCH_JOB_CYCLES(%r15)
	jmp	ring3_exit
