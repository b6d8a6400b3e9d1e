/* Shared set-up of the floor programs: the bare KVM steps every one of them needs, and
 * nothing else, so that what vmm costs on top of KVM shows against this floor. */
#ifndef FLOOR_VM_H
#define FLOOR_VM_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

/* Guest-physical layout, all below 1 MiB so that any RAM size from 1 MiB up works. */
#define FLOOR_GDT 0x1000u
#define FLOOR_PML4 0x2000u
#define FLOOR_PDPT 0x3000u
#define FLOOR_DATA 0x4000u  /* where a guest leaves results for the host */
#define FLOOR_STACK 0x7000u /* top of an unused page; no guest here pushes anything */
#define FLOOR_CODE 0x8000u  /* the guest code, at most 32 KiB */
#define FLOOR_PD 0x10000u   /* one page directory per GiB mapped, 2 MiB pages */

#define FLOOR_MIB (1ull << 20)
#define FLOOR_GIB (1ull << 30)
#define FLOOR_MAX_MEM_MIB 65536ull /* 64 GiB: PDs for all of it still fit below 1 MiB */

struct floor_vm {
    int kvm, vm, vcpu;
    struct kvm_run *run;
    uint8_t *ram;
    uint64_t mem_bytes;
};

/* The program's name for messages ("floor-boot"); set before anything else (floor_start). */
extern const char *floor_prog;

/* The start of every floor program's main: names it PROG for messages, and prints USAGE and
 * exits 0 when any argument is --help (an option's value is never --help: each is a number
 * or a name). */
void floor_start(const char *prog, const char *usage, int argc, char **argv);

/* One line "floor-X: what: strerror(errno)" on stderr, exit 1. */
_Noreturn void floor_die(const char *what);
/* One line "floor-X: what: detail" on stderr, exit 1 (no errno to report). */
_Noreturn void floor_fail(const char *what, const char *detail);
/* One line "floor-X: what (try --help)" on stderr, exit 2. */
_Noreturn void floor_usage_error(const char *what);

/* The value after option argv[*i] (advancing *i); a usage error when there is none. */
const char *floor_arg(int argc, char **argv, int *i);

/* A decimal unsigned number in [min, max], all of text; else a usage error naming opt. */
uint64_t floor_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max);

uint64_t floor_now_ns(void); /* CLOCK_MONOTONIC */

/* The whole set-up: KVM, VM, irqchip, PIT, RAM as one memslot at GPA 0, one vCPU in
 * 64-bit long mode at FLOOR_CODE with code copied there, [0, map_bytes) identity-mapped
 * (map_bytes a multiple of 1 GiB, at least 4 GiB). */
void floor_vm_create(struct floor_vm *v, uint64_t mem_bytes, uint64_t map_bytes,
                     const uint8_t *code, size_t code_len);

/* KVM_RUN once; returns run->exit_reason (an interrupted run, EINTR, is retried). */
uint32_t floor_vm_run(struct floor_vm *v);

#endif
