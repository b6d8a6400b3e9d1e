/* The initrd must arrive whole (size and FNV-1a as the test computed them), in RAM the e820
 * map reports usable, below initrd_addr_max, clear of the kernel image, the zero page and
 * the command line.
 * Without vmmtest.initrd_* tokens no initrd is expected at all. */
#include "checks.h"
#include "fnv1a.h"

/* This image's setup_header.initrd_addr_max (mkbzimage.cc). */
#define INITRD_ADDR_MAX 0x7fffffffull
#define ZERO_PAGE_SIZE 4096

void check_initrd(const struct guest_ctx *g, struct check_result *r) {
  const struct test_params *p = &g->params;
  uint64_t addr = bp_initrd_addr(g->bp), size = bp_initrd_size(g->bp);

  if (!p->initrd_size.present && !p->initrd_fnv.present) {
    if (size != 0)
      check_fail(r, "no initrd expected but ramdisk_size=%lu at 0x%lx", size, addr);
    else
      check_pass(r, "no initrd, ramdisk_size=0");
    return;
  }
  if ((p->initrd_size.present && !p->initrd_size.valid) ||
      (p->initrd_fnv.present && !p->initrd_fnv.valid)) {
    check_fail(r, "vmmtest.initrd_size/initrd_fnv value does not parse");
    return;
  }
  if (p->initrd_size.present && size != p->initrd_size.value) {
    check_fail(r, "ramdisk_size=%lu, want %lu (addr=0x%lx)", size, p->initrd_size.value, addr);
    return;
  }
  if (size == 0) {
    check_fail(r, "ramdisk_size=0 but an initrd was expected");
    return;
  }
  if (!phys_readable(addr, size) || addr + size - 1 > INITRD_ADDR_MAX) {
    check_fail(r, "initrd [0x%lx,+0x%lx) ends above initrd_addr_max 0x%llx", addr, size,
               INITRD_ADDR_MAX);
    return;
  }
  if (!bp_e820_is_ram(g->bp, addr, size)) {
    check_fail(r, "initrd [0x%lx,+0x%lx) is not inside one e820 RAM entry", addr, size);
    return;
  }
  if (ranges_overlap(addr, size, image_start(), image_size()) ||
      ranges_overlap(addr, size, (uint64_t)(uintptr_t)g->bp, ZERO_PAGE_SIZE) ||
      ranges_overlap(addr, size, g->cmdline_addr, g->cmdline_len + 1)) {
    check_fail(r, "initrd [0x%lx,+0x%lx) overlaps the kernel image, zero page or cmdline", addr,
               size);
    return;
  }
  uint32_t fnv = fnv1a32(phys_ptr(addr), size);
  if (p->initrd_fnv.present && fnv != (uint32_t)p->initrd_fnv.value) {
    check_fail(r, "size=%lu fnv=0x%08x, want 0x%08x (addr=0x%lx)", size, fnv,
               (uint32_t)p->initrd_fnv.value, addr);
    return;
  }
  check_pass(r, "size=%lu fnv=0x%08x addr=0x%lx", size, fnv, addr);
}
