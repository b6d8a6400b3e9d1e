/* One timed loop for the memtype probe, handed from ring 0 (check_memtype.c) to the ring-3
 * code in memtype_loops.S, which fills in `cycles` and `sum`. Offsets are shared with the
 * assembly. */
#ifndef TINY_GUEST_MEMTYPE_JOB_H
#define TINY_GUEST_MEMTYPE_JOB_H

/* op */
#define MEMTYPE_OP_WRITE 0 /* 8-byte stores over [addr, addr + bytes), `reps` times */
#define MEMTYPE_OP_READ 1  /* 8-byte loads summed into `sum`, `reps` times */
#define MEMTYPE_OP_TOUCH 2 /* one load and store per 4 KiB page, once (faults pages in) */

#define MEMTYPE_JOB_OP 0
#define MEMTYPE_JOB_ADDR 8
#define MEMTYPE_JOB_BYTES 16 /* a non-zero multiple of 64 (of 4096 for TOUCH) */
#define MEMTYPE_JOB_REPS 24  /* >= 1 */
#define MEMTYPE_JOB_CYCLES 32
#define MEMTYPE_JOB_SUM 40

#ifndef __ASSEMBLER__
#include <stdint.h>

struct memtype_job {
  uint64_t op;
  uint64_t addr;
  uint64_t bytes;
  uint64_t reps;
  uint64_t cycles; /* TSC ticks from before the first access until all accesses are done */
  uint64_t sum;    /* of everything read: keeps the loads honest */
};

_Static_assert(__builtin_offsetof(struct memtype_job, addr) == MEMTYPE_JOB_ADDR, "layout");
_Static_assert(__builtin_offsetof(struct memtype_job, bytes) == MEMTYPE_JOB_BYTES, "layout");
_Static_assert(__builtin_offsetof(struct memtype_job, reps) == MEMTYPE_JOB_REPS, "layout");
_Static_assert(__builtin_offsetof(struct memtype_job, cycles) == MEMTYPE_JOB_CYCLES, "layout");
_Static_assert(__builtin_offsetof(struct memtype_job, sum) == MEMTYPE_JOB_SUM, "layout");

/* The ring-3 entry point: run with ring3_call((uint64_t)memtype_user_job, (uint64_t)&job).
 * Leaves (through ring3_exit, RAX = cycles) once job->cycles and job->sum are filled in. */
void memtype_user_job(struct memtype_job *job);
#endif

#endif
