/* Running a piece of code in ring 3, where PVM executes it natively (ring 0 is emulated at
 * ~1 us an instruction, design.md): the memtype probe's timed loops live there.
 *
 * ring3_begin() sets up, for the duration of a probe:
 *   - a GDT that copies the boot GDT's four entries (so BOOT_CS/BOOT_DS keep their
 *     meaning) and adds user data (RING3_USER_DS), 64-bit user code (RING3_USER_CS) and a
 *     64-bit TSS whose RSP0 is a ring-0 stack of its own; `ltr` loads it. An interrupt or
 *     exception taken in ring 3 switches to that stack.
 *   - an IDT that copies the current one (exception stubs, whatever else is installed),
 *     except that #UD goes to ring3_ud first: a #UD raised in ring 3 at ring3_exit (a
 *     `ud2` in .ring3.text) resumes ring3_call's caller on its own stack; any other #UD
 *     goes on to the handler that was there (the exception report). Other exceptions in
 *     ring 3 reach their ordinary handlers on the TSS's RSP0 stack.
 *   - U/S=1 on the identity-map entries (PML4, PDPT, 2 MiB PDEs) that cover the guest
 *     image, so ring 3 can run code from .ring3.text and use the user stack and any data
 *     in .data/.bss. The boot map is writable; nothing here relies on write protection.
 *   - an empty, user-accessible 1 GiB window at RING3_WINDOW_BASE (its own PML4 entry,
 *     PDPT and page directory) in which ring3_map_2m places 2 MiB pages.
 * ring3_end() undoes all of it (TR keeps pointing at the TSS; nothing uses it in ring 0).
 *
 * Ring-3 code ends with `jmp ring3_exit` (RAX = its result) and must not use SSE/x87 or call
 * into ring-0 code; it lives in the section .ring3.text (linker.ld) to keep it apart.
 *
 * Why #UD and not `int $0x80` through a DPL-3 gate: on the PVM hosts here `int n` at CPL 3
 * does not reach the guest's gate: it comes back as #UD at the `int` (measured). Most likely
 * the host traps it and KVM's instruction emulator, which has no protected-mode software
 * interrupts, injects #UD on failing at CPL 3. A `ud2` in ring 3 is delivered as #UD
 * everywhere, hardware KVM included. */
#ifndef TINY_GUEST_RING3_H
#define TINY_GUEST_RING3_H

/* Selectors (RPL 3 for the user ones), shared with ring3_entry.S. */
#define RING3_USER_DS (0x20 | 3)
#define RING3_USER_CS (0x28 | 3)
#define RING3_TSS_SEL 0x30

#ifndef __ASSEMBLER__
#include <stdint.h>

/* PML4 slot 254: far above any identity-mapped BAR (those stay below the CPU's physical
 * address width, at most 2^46 here), and canonical. */
#define RING3_WINDOW_BASE 0x7f0000000000ull
#define RING3_WINDOW_PAGES 512 /* 2 MiB pages: 1 GiB */

/* 2 MiB PDE bits that select the PAT entry: index = PAT << 2 | PCD << 1 | PWT. */
#define RING3_PDE_PWT (1ull << 3)
#define RING3_PDE_PCD (1ull << 4)
#define RING3_PDE_PAT (1ull << 12) /* bit 7 is PS in a PDE, so the PAT bit moves to 12 */
static inline uint64_t ring3_pat_bits(unsigned pat_index) {
  return ((pat_index & 1) ? RING3_PDE_PWT : 0) | ((pat_index & 2) ? RING3_PDE_PCD : 0) |
         ((pat_index & 4) ? RING3_PDE_PAT : 0);
}

/* Returns NULL on success, otherwise why not (and nothing was changed). */
const char *ring3_begin(void);
/* Maps page `index` of the window to the 2 MiB-aligned guest-physical `phys`, present,
 * writable, user, with the PAT index `pat_index`; flushes the TLB. Returns its virtual
 * address, or 0 for a bad index or an unaligned address. */
uint64_t ring3_map_2m(unsigned index, uint64_t phys, unsigned pat_index);
/* Runs the code at `rip` in ring 3 with RDI = arg, interrupts off, on a user stack of its
 * own; returns the RAX it had when it reached ring3_exit. */
uint64_t ring3_call(uint64_t rip, uint64_t arg);
/* The end of every piece of ring-3 code (ring3_entry.S). */
extern char ring3_exit[];
void ring3_end(void);

#else
/* The timed loops' clock (bench_loops.S, memtype_loops.S): the TSC as one 64-bit number in
 * %rax, %rdx clobbered. tsc_start fences on both sides, so the read waits for what came before
 * and the loop's first access waits for it, and keeps the start in \dest; tsc_elapsed fences
 * before only (the last access has completed; what follows is not timed) and leaves
 * %rax = now - \start. */
.macro tsc_start dest
	lfence
	rdtsc
	lfence
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, \dest
.endm

.macro tsc_elapsed start
	lfence
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	subq	\start, %rax
.endm
#endif
#endif
