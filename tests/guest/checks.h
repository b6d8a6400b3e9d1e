/* The guest's checks. Each inspects what vmm handed over and fills a check_result; report.c
 * prints it. A check must stay cheap: ring 0 runs emulated at ~1 us per instruction. */
#ifndef TINY_GUEST_CHECKS_H
#define TINY_GUEST_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot_params.h"
#include "cmdline.h"

struct guest_ctx {
  const struct boot_params *bp;
  uint64_t cmdline_addr;
  const char *cmdline;       /* "" when there is none or it cannot be read */
  size_t cmdline_len;
  const char *cmdline_error; /* why the command line could not be read; NULL when it could */
  struct test_params params;
};

struct check_result {
  bool pass;
  char detail[192];
};

typedef void (*check_fn)(const struct guest_ctx *g, struct check_result *r);

struct named_check {
  const char *name; /* as printed in the TEST line */
  check_fn fn;
};

void check_pass(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_fail(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void check_serial(const struct guest_ctx *g, struct check_result *r);
void check_entry(const struct guest_ctx *g, struct check_result *r);
void check_cmdline(const struct guest_ctx *g, struct check_result *r);
void check_e820(const struct guest_ctx *g, struct check_result *r);
void check_initrd(const struct guest_ctx *g, struct check_result *r);

/* Only with vmmtest.serial_in=<text> (check_serial_input.c). */
void check_serial_input(const struct guest_ctx *g, struct check_result *r);

/* Only with vmmtest.cpus=<n> (check_mptable.c). */
void check_mptable(const struct guest_ctx *g, struct check_result *r);

/* Only with vmmtest.gpu=1: the gpu.* checks, in the order they must run (check_gpu.c). */
extern const struct named_check gpu_checks[];
extern const unsigned gpu_checks_count;
/* The first of them bring the device up (gpu.pci, gpu.caps, gpu.features); the rest test it. */
#define GPU_SETUP_CHECKS 3

/* Only with vmmtest.msix=1 / vmmtest.bar_move=1, after the gpu.* checks (they need
 * vmmtest.gpu=1): check_gpu_msix.c, check_gpu_bar_move.c. */
void check_gpu_msix(const struct guest_ctx *g, struct check_result *r);
void check_gpu_bar_move(const struct guest_ctx *g, struct check_result *r);
/* Only with vmmtest.free_mapped=1, after gpu.bar_move: check_gpu_free_mapped.c. */
void check_gpu_free_mapped(const struct guest_ctx *g, struct check_result *r);

/* Only with vmmtest.fdt=1, after the gpu.* checks (fdt.gpu_window compares with gpu.caps)
 * and before gpu.bar_move moves a BAR: fdt.blob first, then the rest (check_fdt.c). */
extern const struct named_check fdt_checks[];
extern const unsigned fdt_checks_count;

/* Only with vmmtest.memtype=1, after those (the probe needs vmmtest.gpu=1): memtype.pat and
 * memtype.probe, in this order (check_memtype.c). */
extern const struct named_check memtype_checks[];
extern const unsigned memtype_checks_count;

/* Only with vmmtest.bench_exits / bench_blob / bench_scale (check_bench.c): the benchmarks'
 * measurements, after every other check; they need vmm --gpu. */
void check_bench_exits(const struct guest_ctx *g, struct check_result *r);
void check_bench_blob(const struct guest_ctx *g, struct check_result *r);
void check_bench_scale(const struct guest_ctx *g, struct check_result *r);

/* Bounds of the guest image as linked (linker.ld): the memory init_size promises it. */
extern char __image_start[], __image_end[];
static inline uint64_t image_start(void) { return (uint64_t)(uintptr_t)__image_start; }
static inline uint64_t image_size(void) { return (uint64_t)(__image_end - __image_start); }

#endif
