/* The 64-bit boot protocol's promises at the entry point (Documentation/arch/x86/boot.rst):
 * a GDT with flat descriptors at __BOOT_CS (0x10) and __BOOT_DS (0x18), CS = 0x10,
 * DS = ES = SS = 0x18, interrupts disabled, RSI = the zero page, which carries the setup
 * header copied from the image. */
#include "checks.h"
#include "entry_state.h"

#define RFLAGS_IF (1ull << 9)
#define HDRS_MAGIC 0x53726448u /* "HdrS" */

#define DESC_WRITABLE (1ull << 41) /* data: writable; code: readable */
#define DESC_EXEC (1ull << 43)
#define DESC_S (1ull << 44) /* code/data, not system */
#define DESC_P (1ull << 47)
#define DESC_L (1ull << 53)
#define DESC_DB (1ull << 54)

static bool code64_ok(uint64_t d) {
  return (d & (DESC_P | DESC_S | DESC_EXEC | DESC_L)) == (DESC_P | DESC_S | DESC_EXEC | DESC_L) &&
         !(d & DESC_DB); /* L with D set is reserved */
}

static bool data_ok(uint64_t d) {
  return (d & (DESC_P | DESC_S | DESC_EXEC | DESC_WRITABLE)) == (DESC_P | DESC_S | DESC_WRITABLE);
}

void check_entry(const struct guest_ctx *g, struct check_result *r) {
  const struct entry_state s = entry_state;
  if (s.cs != BOOT_CS || s.ds != BOOT_DS || s.es != BOOT_DS || s.ss != BOOT_DS) {
    check_fail(r, "selectors cs=0x%x ds=0x%x es=0x%x ss=0x%x, protocol wants 0x10/0x18", s.cs, s.ds,
               s.es, s.ss);
    return;
  }
  if (s.rflags & RFLAGS_IF) {
    check_fail(r, "interrupts enabled at entry (rflags=0x%lx)", s.rflags);
    return;
  }
  if (s.gdt_limit < BOOT_DS + 7 || !phys_readable(s.gdt_base, (uint64_t)s.gdt_limit + 1)) {
    check_fail(r, "GDT base=0x%lx limit=0x%x does not hold selector 0x18 in the identity map",
               s.gdt_base, s.gdt_limit);
    return;
  }
  const uint64_t *gdt = phys_ptr(s.gdt_base);
  uint64_t cs_desc = gdt[BOOT_CS / 8], ds_desc = gdt[BOOT_DS / 8];
  if (!code64_ok(cs_desc) || !data_ok(ds_desc)) {
    check_fail(r, "GDT at 0x%lx: descriptor 0x10=0x%lx (want 64-bit code) 0x18=0x%lx (want r/w data)",
               s.gdt_base, cs_desc, ds_desc);
    return;
  }
  if (g->bp->hdr.header != HDRS_MAGIC) {
    check_fail(r, "zero page at 0x%lx lacks the setup header (hdr.header=0x%x)", s.rsi,
               g->bp->hdr.header);
    return;
  }
  check_pass(r, "cs=0x10 ds=es=ss=0x18 if=0 gdt=0x%lx zero_page=0x%lx", s.gdt_base, s.rsi);
}
