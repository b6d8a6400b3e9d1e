/* mptable (only with vmmtest.cpus=<n>): vmm's Intel MultiProcessor Specification 1.4 table.
 * The floating pointer "_MP_" sits on a 16-byte boundary in the first KiB of the EBDA, the
 * last KiB of base memory (0x9fc00) or the BIOS area 0xf0000-0xfffff; it must checksum and
 * point at a "PCMP" configuration table that checksums (base and extended parts), whose
 * entries fill it exactly, listing <n> enabled processors with distinct local APIC ids,
 * exactly one flagged BSP (this CPU's APIC id), the local APIC at 0xfee00000, a PCI bus, an
 * enabled IOAPIC at 0xfec00000, and I/O interrupt entries that name declared buses and
 * IOAPICs. */
#include "checks.h"
#include "libc_min.h"
#include "mmio.h"

#define MPF_SIGNATURE 0x5f504d5fu  /* "_MP_" */
#define MPC_SIGNATURE 0x504d4350u  /* "PCMP" */
#define LAPIC_ADDR 0xfee00000u
#define IOAPIC_ADDR 0xfec00000u
#define BDA_EBDA_SEGMENT 0x40e

#define MP_PROCESSOR 0
#define MP_BUS 1
#define MP_IOAPIC 2
#define MP_INTSRC 3
#define MP_LINTSRC 4

#define CPU_ENABLED 0x1
#define CPU_BSP 0x2
#define IOAPIC_ENABLED 0x1

struct mpf {
  uint32_t signature;
  uint32_t config;
  uint8_t length; /* in 16-byte units */
  uint8_t spec_rev;
  uint8_t checksum;
  uint8_t feature1; /* 0: a configuration table is present */
  uint8_t feature2;
  uint8_t feature_rest[3];
} __attribute__((packed));

struct mpc {
  uint32_t signature;
  uint16_t length; /* base table, header included */
  uint8_t spec_rev;
  uint8_t checksum;
  char oem[8];
  char product[12];
  uint32_t oem_ptr;
  uint16_t oem_size;
  uint16_t count;
  uint32_t lapic;
  uint16_t ext_length;
  uint8_t ext_checksum;
  uint8_t reserved;
} __attribute__((packed));

struct mpc_cpu {
  uint8_t type, apic_id, apic_ver, flags;
  uint32_t signature, features, reserved[2];
} __attribute__((packed));

struct mpc_bus {
  uint8_t type, bus_id;
  char bus_type[6];
} __attribute__((packed));

struct mpc_ioapic {
  uint8_t type, apic_id, apic_ver, flags;
  uint32_t addr;
} __attribute__((packed));

struct mpc_intsrc {
  uint8_t type, irq_type;
  uint16_t irq_flags;
  uint8_t src_bus, src_irq, dst_apic, dst_irq;
} __attribute__((packed));

_Static_assert(sizeof(struct mpf) == 16, "layout");
_Static_assert(sizeof(struct mpc) == 44, "layout");
_Static_assert(sizeof(struct mpc_cpu) == 20, "layout");
_Static_assert(sizeof(struct mpc_bus) == 8, "layout");

static uint8_t byte_sum(const uint8_t *p, size_t n) {
  uint8_t s = 0;
  for (size_t i = 0; i < n; i++) s = (uint8_t)(s + p[i]);
  return s;
}

static uint64_t scan(uint64_t start, uint64_t len) {
  for (uint64_t a = start; a + sizeof(struct mpf) <= start + len; a += 16)
    if (mmio_read32(a) == MPF_SIGNATURE) return a;
  return 0;
}

static uint64_t find_mpf(void) {
  /* The EBDA segment the BIOS data area names, if it looks like one. */
  /* Through mmio.h's asm: gcc rejects a plain dereference of so low an address. */
  uint64_t ebda = (uint64_t)mmio_read16(BDA_EBDA_SEGMENT) << 4;
  uint64_t a = 0;
  if (ebda >= 0x80000 && ebda < 0xa0000) a = scan(ebda, 1024);
  if (!a) a = scan(0x9fc00, 1024);
  if (!a) a = scan(0xf0000, 0x10000);
  return a;
}

static uint8_t own_apic_id(void) {
  uint32_t eax, ebx, ecx, edx;
  __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
  return (uint8_t)(ebx >> 24);
}

static bool bit_test(const uint8_t set[32], uint8_t id) { return set[id / 8] & (1u << (id % 8)); }

/* Sets bit `id`; returns whether it was set already. */
static bool bit_test_set(uint8_t set[32], uint8_t id) {
  bool was = bit_test(set, id);
  set[id / 8] |= (uint8_t)(1u << (id % 8));
  return was;
}

void check_mptable(const struct guest_ctx *g, struct check_result *r) {
  const struct param_u64 *want = &g->params.cpus;
  if (!want->valid || want->value == 0 || want->value > 255) {
    check_fail(r, "vmmtest.cpus is not a number in 1..255");
    return;
  }
  uint64_t fp_addr = find_mpf();
  if (!fp_addr) {
    check_fail(r, "no _MP_ floating pointer in the EBDA, 0x9fc00-0x9ffff or 0xf0000-0xfffff");
    return;
  }
  const struct mpf *fp = phys_ptr(fp_addr);
  if (fp->length != 1 || byte_sum((const uint8_t *)fp, 16) != 0 ||
      (fp->spec_rev != 1 && fp->spec_rev != 4)) {
    check_fail(r, "_MP_ at 0x%lx: length=%u spec_rev=%u checksum %s", fp_addr, fp->length,
               fp->spec_rev, byte_sum((const uint8_t *)fp, 16) ? "bad" : "ok");
    return;
  }
  if (fp->feature1 != 0 || fp->config == 0 || !phys_readable(fp->config, sizeof(struct mpc))) {
    check_fail(r, "_MP_ at 0x%lx: feature1=%u config=0x%x (want a configuration table)", fp_addr,
               fp->feature1, fp->config);
    return;
  }
  const struct mpc *t = phys_ptr(fp->config);
  const uint8_t *base = (const uint8_t *)t;
  if (t->signature != MPC_SIGNATURE || t->length < sizeof *t ||
      !phys_readable(fp->config, (uint64_t)t->length + t->ext_length)) {
    check_fail(r, "table at 0x%x: signature 0x%x length %u", fp->config, t->signature, t->length);
    return;
  }
  if (byte_sum(base, t->length) != 0 ||
      (uint8_t)(byte_sum(base + t->length, t->ext_length) + t->ext_checksum) != 0) {
    check_fail(r, "table at 0x%x: base or extended checksum wrong", fp->config);
    return;
  }
  if (t->lapic != LAPIC_ADDR) {
    check_fail(r, "table at 0x%x: local APIC at 0x%x, want 0x%x", fp->config, t->lapic, LAPIC_ADDR);
    return;
  }

  uint8_t apic_ids[32] = {0}, bus_ids[32] = {0}, ioapic_ids[32] = {0};
  unsigned cpus = 0, bsps = 0, intsrcs = 0, ioapics = 0;
  uint8_t bsp_id = 0, ioapic_id = 0;
  bool pci = false, isa = false;
  size_t off = sizeof *t;
  for (unsigned i = 0; i < t->count; i++) {
    uint8_t type = off < t->length ? base[off] : 0xff;
    size_t size = type == MP_PROCESSOR ? sizeof(struct mpc_cpu) : 8;
    if (type > MP_LINTSRC || off + size > t->length) {
      check_fail(r, "entry %u at +%zu: type %u does not fit the %u-byte table", i, off, type,
                 t->length);
      return;
    }
    const uint8_t *e = base + off;
    if (type == MP_PROCESSOR) {
      const struct mpc_cpu *c = (const struct mpc_cpu *)e;
      if (!(c->flags & CPU_ENABLED) || bit_test_set(apic_ids, c->apic_id)) {
        check_fail(r, "processor entry %u: apic id %u flags 0x%x (disabled or duplicate)", i,
                   c->apic_id, c->flags);
        return;
      }
      cpus++;
      if (c->flags & CPU_BSP) {
        bsps++;
        bsp_id = c->apic_id;
      }
    } else if (type == MP_BUS) {
      const struct mpc_bus *b = (const struct mpc_bus *)e;
      bit_test_set(bus_ids, b->bus_id);
      pci |= memcmp(b->bus_type, "PCI   ", 6) == 0;
      isa |= memcmp(b->bus_type, "ISA   ", 6) == 0;
    } else if (type == MP_IOAPIC) {
      const struct mpc_ioapic *io = (const struct mpc_ioapic *)e;
      bit_test_set(ioapic_ids, io->apic_id);
      if (io->addr == IOAPIC_ADDR && (io->flags & IOAPIC_ENABLED)) {
        ioapics++;
        ioapic_id = io->apic_id;
      }
    } else if (type == MP_INTSRC) {
      intsrcs++;
    }
    off += size;
  }
  if (off != t->length) {
    check_fail(r, "%u entries end at +%zu, table length is %u", t->count, off, t->length);
    return;
  }
  /* Second pass, now that every bus and IOAPIC is known. */
  off = sizeof *t;
  for (unsigned i = 0; i < t->count; i++) {
    const struct mpc_intsrc *s = (const struct mpc_intsrc *)(base + off);
    off += s->type == MP_PROCESSOR ? sizeof(struct mpc_cpu) : 8;
    if (s->type != MP_INTSRC) continue;
    bool bus_known = bit_test(bus_ids, s->src_bus);
    bool apic_known = s->dst_apic == 0xff || bit_test(ioapic_ids, s->dst_apic);
    if (!bus_known || !apic_known) {
      check_fail(r, "I/O interrupt entry %u: bus %u irq %u -> IOAPIC %u pin %u names an undeclared %s",
                 i, s->src_bus, s->src_irq, s->dst_apic, s->dst_irq, bus_known ? "IOAPIC" : "bus");
      return;
    }
  }
  uint8_t self = own_apic_id();
  if (cpus != want->value || bsps != 1 || bsp_id != self) {
    check_fail(r, "%u processors (want %lu), %u flagged BSP, BSP apic id %u (this CPU: %u)", cpus,
               want->value, bsps, bsp_id, self);
    return;
  }
  if (ioapics != 1 || !pci) {
    check_fail(r, "%u enabled IOAPICs at 0x%x (want 1), PCI bus %s", ioapics, IOAPIC_ADDR,
               pci ? "present" : "missing");
    return;
  }
  check_pass(r, "fp=0x%lx table=0x%x rev=1.%u cpus=%u bsp=%u ioapic=0x%x id=%u buses=%s%s irqs=%u",
             fp_addr, fp->config, fp->spec_rev, cpus, bsp_id, IOAPIC_ADDR, ioapic_id,
             pci ? "PCI" : "", isa ? ",ISA" : "", intsrcs);
}
