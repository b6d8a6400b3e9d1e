/* The memtype probe's timed loops. This code runs in RING 3 only (ring3_call), where PVM
 * executes it natively; it lives in .ring3.text with ring3_exit, its way back to ring 0.
 * Like the rest of the guest it uses general
 * registers only: plain 8-byte loads and stores, no SSE, no string instructions (rep
 * movs/stos take fast-string paths whose behaviour differs between memory types in ways
 * that would muddle the comparison).
 *
 * memtype_user_job(struct memtype_job *job)   (memtype_job.h)
 *   start = lfence; rdtsc; lfence
 *   WRITE: reps x (bytes / 64) x 8 stores of a constant
 *   READ:  reps x (bytes / 64) x 8 loads added into four accumulators
 *   TOUCH: one load and store back per 4 KiB page
 *   end = mfence (drains store and write-combining buffers); lfence; rdtsc
 *   job->cycles = end - start, job->sum = the accumulators; jmp ring3_exit, RAX = cycles. */
#include "memtype_job.h"
#include "ring3.h"

	.section .ring3.text, "ax"
	.balign 64
	.globl memtype_user_job
memtype_user_job:
	movq	%rdi, %r15			/* the job, for the results */
	movq	MEMTYPE_JOB_ADDR(%rdi), %rsi
	movq	MEMTYPE_JOB_BYTES(%rdi), %rcx
	shrq	$6, %rcx			/* 64-byte blocks per pass */
	movq	MEMTYPE_JOB_REPS(%rdi), %r8
	movq	MEMTYPE_JOB_OP(%rdi), %r14
	xorl	%ebx, %ebx
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	movabsq	$0x6d656d7479706521, %r12	/* what the writes store */

	tsc_start %r13			/* start */

	cmpq	$MEMTYPE_OP_READ, %r14
	je	.Lread_pass
	cmpq	$MEMTYPE_OP_TOUCH, %r14
	je	.Ltouch

.Lwrite_pass:
	movq	%rsi, %rdi
	movq	%rcx, %rdx
.Lwrite_block:
	movq	%r12, 0(%rdi)
	movq	%r12, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r12, 24(%rdi)
	movq	%r12, 32(%rdi)
	movq	%r12, 40(%rdi)
	movq	%r12, 48(%rdi)
	movq	%r12, 56(%rdi)
	addq	$64, %rdi
	decq	%rdx
	jnz	.Lwrite_block
	decq	%r8
	jnz	.Lwrite_pass
	jmp	.Lstop

.Lread_pass:
	movq	%rsi, %rdi
	movq	%rcx, %rdx
.Lread_block:
	addq	0(%rdi), %rbx
	addq	8(%rdi), %r9
	addq	16(%rdi), %r10
	addq	24(%rdi), %r11
	addq	32(%rdi), %rbx
	addq	40(%rdi), %r9
	addq	48(%rdi), %r10
	addq	56(%rdi), %r11
	addq	$64, %rdi
	decq	%rdx
	jnz	.Lread_block
	decq	%r8
	jnz	.Lread_pass
	jmp	.Lstop

.Ltouch:
	movq	%rsi, %rdi
	movq	%rcx, %rdx
	shrq	$6, %rdx			/* 4 KiB pages: 64 blocks each */
.Ltouch_page:
	movq	(%rdi), %rax
	movq	%rax, (%rdi)
	addq	%rax, %rbx
	addq	$4096, %rdi
	decq	%rdx
	jnz	.Ltouch_page

.Lstop:
	mfence
	tsc_elapsed %r13
	movq	%rax, MEMTYPE_JOB_CYCLES(%r15)
	addq	%r9, %rbx
	addq	%r10, %rbx
	addq	%r11, %rbx
	movq	%rbx, MEMTYPE_JOB_SUM(%r15)
	jmp	ring3_exit		/* back to ring 0, RAX = cycles */
