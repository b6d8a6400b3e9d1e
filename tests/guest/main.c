/* The tiny guest: runs each check once, prints a TEST line per check and a DONE line, then
 * exits through the debug-exit port. Exit status (= vmm's exit status):
 *   0     every check passed
 *   1     at least one check failed (including one forced by vmmtest.fail)
 *   0x7f  a CPU exception hit the guest (a TINY-GUEST EXCEPTION line says which);
 *         vmmtest.crash (crash.h) causes one on purpose
 *   0x7e  an exception while reporting an exception */
#include "boot_params.h"
#include "checks.h"
#include "crash.h"
#include "format.h"
#include "idt.h"
#include "image_format.h"
#include "io.h"
#include "libc_min.h"
#include "report.h"

#define ZERO_PAGE_SIZE 4096

/* Every boot runs these; the optional ones follow, each when its token asks for it. */
static const struct named_check checks[] = {
    {"serial", check_serial}, {"entry", check_entry},   {"cmdline", check_cmdline},
    {"e820", check_e820},     {"initrd", check_initrd},
};

/* Locates the command line; on failure leaves it empty and says why, for check_cmdline. */
static void read_cmdline(struct guest_ctx *g) {
  g->cmdline = "";
  g->cmdline_len = 0;
  g->cmdline_addr = bp_cmdline_addr(g->bp);
  if (g->cmdline_addr == 0) return;
  /* The longest command line this image accepts, plus its NUL. */
  const uint64_t max = TINY_IMAGE_CMDLINE_SIZE + 1;
  if (!phys_readable(g->cmdline_addr, max)) {
    g->cmdline_error = "beyond the 4 GiB identity map";
    return;
  }
  bool terminated;
  size_t len = strnlen_checked(phys_ptr(g->cmdline_addr), max, &terminated);
  if (!terminated) {
    g->cmdline_error = "no NUL within cmdline_size + 1 bytes";
    return;
  }
  g->cmdline = phys_ptr(g->cmdline_addr);
  g->cmdline_len = len;
}

/* Runs `fn` as check `name` when token `key` asks for it with a non-zero number. */
static void run_if_asked(const struct param_u64 *p, const char *key, const char *name,
                         check_fn fn, const struct guest_ctx *g) {
  if (p->present && !p->valid)
    report_failure(key, "not a number");
  else if (p->present && p->value != 0)
    report_run(name, fn, g);
}

/* The bench.* checks, last (they only measure); each needs a live virtio-gpu, which the
 * first three gpu checks set up when vmmtest.gpu did not already run them all. */
static void run_benchmarks(const struct guest_ctx *g) {
  const struct test_params *p = &g->params;
  if (!p->bench_exits.present && !p->bench_blob.present && !p->bench_scale.present) return;
  if (!(p->gpu.present && p->gpu.valid && p->gpu.value != 0))
    for (unsigned i = 0; i < gpu_checks_count && i < GPU_SETUP_CHECKS; i++)
      report_run(gpu_checks[i].name, gpu_checks[i].fn, g);
  run_if_asked(&p->bench_exits, "vmmtest.bench_exits", "bench.exits", check_bench_exits, g);
  run_if_asked(&p->bench_blob, "vmmtest.bench_blob", "bench.blob", check_bench_blob, g);
  run_if_asked(&p->bench_scale, "vmmtest.bench_scale", "bench.scale", check_bench_scale, g);
}

void tiny_main(uint64_t zero_page);

void tiny_main(uint64_t zero_page) {
  idt_install();
  guest_printf("TINY-GUEST START zero_page=0x%lx\n", zero_page);

  /* Without a readable zero page nothing else can be looked at. */
  if (zero_page == 0 || !phys_readable(zero_page, ZERO_PAGE_SIZE)) {
    guest_printf("TEST entry FAIL rsi=0x%lx is not a zero page in the identity map\n", zero_page);
    guest_printf("TINY-GUEST DONE 0 passed 1 failed\n");
    guest_exit(GUEST_STATUS_CHECK_FAILED);
  }

  struct guest_ctx g = {.bp = phys_ptr(zero_page)};
  read_cmdline(&g);
  test_params_parse(g.cmdline, g.cmdline_len, &g.params);

  report_init(g.params.fail, g.params.fail_len);
  for (unsigned i = 0; i < sizeof checks / sizeof checks[0]; i++)
    report_run(checks[i].name, checks[i].fn, &g);
  if (g.params.cpus.present) report_run("mptable", check_mptable, &g);
  if (g.params.gpu.present && !g.params.gpu.valid)
    report_failure("vmmtest.gpu", "not a number");
  else if (g.params.gpu.present && g.params.gpu.value != 0)
    for (unsigned i = 0; i < gpu_checks_count; i++)
      report_run(gpu_checks[i].name, gpu_checks[i].fn, &g);
  /* The device tree describes the BARs as placed at boot: before gpu.bar_move moves one. */
  if (g.params.fdt.present && !g.params.fdt.valid)
    report_failure("vmmtest.fdt", "not a number");
  else if (g.params.fdt.present && g.params.fdt.value != 0)
    for (unsigned i = 0; i < fdt_checks_count; i++)
      report_run(fdt_checks[i].name, fdt_checks[i].fn, &g);
  if (g.params.serial_in) report_run("serial.input", check_serial_input, &g);
  run_if_asked(&g.params.msix, "vmmtest.msix", "gpu.msix", check_gpu_msix, &g);
  run_if_asked(&g.params.bar_move, "vmmtest.bar_move", "gpu.bar_move", check_gpu_bar_move, &g);
  run_if_asked(&g.params.free_mapped, "vmmtest.free_mapped", "gpu.free_mapped",
               check_gpu_free_mapped, &g);
  if (g.params.memtype.present && !g.params.memtype.valid)
    report_failure("vmmtest.memtype", "not a number");
  else if (g.params.memtype.present && g.params.memtype.value != 0)
    for (unsigned i = 0; i < memtype_checks_count; i++)
      report_run(memtype_checks[i].name, memtype_checks[i].fn, &g);
  run_benchmarks(&g);
  if (g.params.crash) {
    crash(g.params.crash, g.params.crash_len);
    report_failure("vmmtest.crash", "unknown crash kind (want ud, pf, triple or reset)");
  }
  unsigned failed = report_done();
  guest_exit(failed ? GUEST_STATUS_CHECK_FAILED : GUEST_STATUS_ALL_PASSED);
}
