/* One timed exit loop for bench.exits, handed from ring 0 (check_bench.c) to the ring-3 code
 * in bench_loops.S, which fills in `cycles`. Offsets are shared with the assembly. */
#ifndef TINY_GUEST_BENCH_JOB_H
#define TINY_GUEST_BENCH_JOB_H

/* kind */
#define BENCH_EXIT_PIO 0  /* `out %al, %dx` to port `target` */
#define BENCH_EXIT_MMIO 1 /* a 32-bit store to virtual address `target` (an MMIO register) */

#define BENCH_JOB_KIND 0
#define BENCH_JOB_TARGET 8
#define BENCH_JOB_VALUE 16
#define BENCH_JOB_ITERATIONS 24 /* >= 1 */
#define BENCH_JOB_CYCLES 32

#ifndef __ASSEMBLER__
#include <stdint.h>

struct bench_exit_job {
  uint64_t kind;
  uint64_t target;
  uint64_t value; /* what each access writes */
  uint64_t iterations;
  uint64_t cycles; /* TSC ticks from before the first access until the last one returned */
};

_Static_assert(__builtin_offsetof(struct bench_exit_job, target) == BENCH_JOB_TARGET, "layout");
_Static_assert(__builtin_offsetof(struct bench_exit_job, value) == BENCH_JOB_VALUE, "layout");
_Static_assert(__builtin_offsetof(struct bench_exit_job, iterations) == BENCH_JOB_ITERATIONS, "layout");
_Static_assert(__builtin_offsetof(struct bench_exit_job, cycles) == BENCH_JOB_CYCLES, "layout");

/* The ring-3 entry point: ring3_call((uint64_t)bench_user_exits, (uint64_t)&job). */
void bench_user_exits(struct bench_exit_job *job);
#endif

#endif
