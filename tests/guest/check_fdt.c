/* fdt.*: the device tree vmm hands over as a SETUP_DTB setup_data entry, read with the
 * guest's own reader (fdt.c) and held against what the guest found by other means. Only
 * with vmmtest.fdt=1; they run after the gpu.* checks and before anything that moves a BAR,
 * since the tree describes the placement at boot.
 *   fdt.blob        a SETUP_DTB node in the setup_data chain (bounded walk, every node in
 *                   RAM), its header and structure valid; prints size and FNV-1a of the blob
 *   fdt.memory      the /memory@* ranges tile exactly the RAM e820 implies (type-1 entries
 *                   plus the reserved carve-outs between them): same total, each range
 *                   inside it, every type-1 entry inside a range, ranges disjoint
 *   fdt.bootargs    /chosen bootargs is the command line at hdr.cmd_line_ptr, byte for byte
 *   fdt.initrd      linux,initrd-start/-end equal ramdisk_image and + ramdisk_size, or are
 *                   both absent when boot_params has no initrd
 *   fdt.gpu_window  pci@.../gpu@...,0 vmm,host-visible-window is the shared memory window
 *                   gpu.caps found through PCI; no such node when PCI has no virtio-gpu
 *   fdt.memslots    /vmm lists memslots, the one at address 0 owned by ram-low and
 *                   requested CacheCoherent
 * Each check after fdt.blob reports FAIL "not run: fdt.blob failed" without a usable blob. */
#include "check_gpu.h"
#include "checks.h"
#include "dtb_locate.h"
#include "e820_spans.h"
#include "fdt.h"
#include "fnv1a.h"
#include "format.h"
#include "libc_min.h"
#include "pci.h"
#include "virtio_pci.h"

/* More /memory@ ranges than this are refused (vmm writes one per RAM range: 1 or 2). */
#define MAX_MEMORY_RANGES 16

static struct {
  bool ok; /* fdt.blob accepted the blob; f is usable */
  struct fdt f;
} dtb;

static bool streq(const char *a, const char *b) {
  return a != NULL && b != NULL && str_equals_n(b, a, strlen(a));
}

static bool need_blob(struct check_result *r) {
  if (!dtb.ok) check_fail(r, "not run: fdt.blob failed");
  return dtb.ok;
}

static void check_fdt_blob(const struct guest_ctx *g, struct check_result *r) {
  struct dtb_location where;
  char why[160];
  dtb.ok = dtb_locate(g->bp, &dtb.f, &where, why, sizeof why);
  if (!dtb.ok) {
    check_fail(r, "%s", why);
    return;
  }
  check_pass(r, "size=%u fnv=0x%08x setup_data=0x%lx len=%u version=%u nodes=%u props=%u",
             dtb.f.totalsize, fnv1a32(where.blob, dtb.f.totalsize), where.setup_data, where.len,
             dtb.f.version, dtb.f.nodes, dtb.f.props);
}

static void check_fdt_memory(const struct guest_ctx *g, struct check_result *r) {
  if (!need_blob(r)) return;
  const struct fdt *f = &dtb.f;
  static struct span ranges[MAX_MEMORY_RANGES];
  unsigned nodes = 0, count = 0;
  uint64_t total = 0;
  const int32_t root = fdt_root(f);
  uint32_t cursor = 0;
  for (int32_t node; (node = fdt_next_child(f, root, "memory@", &cursor)) >= 0;) {
    size_t name_len;
    const char *name = fdt_node_name(f, node, &name_len);
    uint32_t len;
    const uint8_t *reg = fdt_prop(f, node, "reg", &len);
    if (!streq("memory", fdt_prop_string(f, node, "device_type"))) {
      check_fail(r, "%s: device_type is not \"memory\"", name);
      return;
    }
    if (reg == NULL || len == 0 || len % 16 != 0) {
      check_fail(r, "%s: reg is not <addr size> pairs of 2+2 cells (len %u)", name, reg ? len : 0);
      return;
    }
    for (uint32_t i = 0; i < len; i += 16) {
      uint64_t addr = fdt_be64(reg + i), size = fdt_be64(reg + i + 8);
      if (i == 0) {
        char want[32];
        format(want, sizeof want, "memory@%lx", addr);
        if (!streq(want, name)) {
          check_fail(r, "%s: unit address differs from reg 0x%lx", name, addr);
          return;
        }
      }
      if (size == 0 || addr + size < addr || !e820_in_ram(addr, size)) {
        check_fail(r, "%s: [0x%lx,+0x%lx) is not RAM by e820", name, addr, size);
        return;
      }
      for (unsigned j = 0; j < count; j++) {
        if (ranges_overlap(addr, size, ranges[j].addr, ranges[j].end - ranges[j].addr)) {
          check_fail(r, "%s: [0x%lx,+0x%lx) overlaps another memory range", name, addr, size);
          return;
        }
      }
      if (count == MAX_MEMORY_RANGES) {
        check_fail(r, "more than %u memory ranges", MAX_MEMORY_RANGES);
        return;
      }
      ranges[count++] = (struct span){addr, addr + size};
      total += size;
    }
    nodes++;
  }
  if (nodes == 0) {
    check_fail(r, "no /memory@ node");
    return;
  }
  uint64_t e820_total = 0;
  for (unsigned i = 0; i < e820_span_count(); i++) e820_total += e820_span(i)->end - e820_span(i)->addr;
  if (total != e820_total) {
    check_fail(r, "memory nodes=%u ranges=%u total 0x%lx, e820 implies 0x%lx in %u ranges", nodes,
               count, total, e820_total, e820_span_count());
    return;
  }
  /* Disjoint ranges inside the spans with the same total tile them; every usable byte
   * must then be in a range, which this confirms entry by entry. */
  for (unsigned i = 0; i < bp_e820_count(g->bp); i++) {
    struct e820_entry e = bp_e820_entry(g->bp, i);
    if (e.type != E820_TYPE_RAM) continue;
    bool covered = false;
    for (unsigned j = 0; j < count && !covered; j++)
      covered = e.addr >= ranges[j].addr && e.addr + e.size <= ranges[j].end;
    if (!covered) {
      check_fail(r, "e820 RAM [0x%lx,+0x%lx) lies in no memory node", e.addr, e.size);
      return;
    }
  }
  const struct param_u64 *mem = &g->params.mem;
  if (mem->present && (!mem->valid || mem->value != total)) {
    check_fail(r, "memory nodes total 0x%lx, vmmtest.mem says 0x%lx", total, mem->value);
    return;
  }
  check_pass(r, "nodes=%u ranges=%u total=0x%lx = e820 ram ranges=%u total=0x%lx", nodes, count,
             total, e820_span_count(), e820_total);
}

static void check_fdt_bootargs(const struct guest_ctx *g, struct check_result *r) {
  if (!need_blob(r)) return;
  if (g->cmdline_error) {
    check_fail(r, "the command line cannot be read: %s", g->cmdline_error);
    return;
  }
  int32_t chosen = fdt_path(&dtb.f, "/chosen");
  uint32_t len = 0;
  const char *v = fdt_prop(&dtb.f, chosen, "bootargs", &len);
  if (chosen < 0 || v == NULL) {
    check_fail(r, "%s", chosen < 0 ? "no /chosen node" : "/chosen has no bootargs");
    return;
  }
  size_t same = 0;
  while (same < len && same < g->cmdline_len && v[same] == g->cmdline[same]) same++;
  if (len != g->cmdline_len + 1 || same != g->cmdline_len || v[len - 1] != '\0') {
    check_fail(r, "bootargs (%u bytes with NUL) differs from the %zu-byte command line at 0x%lx "
               "from byte %zu",
               len, g->cmdline_len, g->cmdline_addr, same);
    return;
  }
  check_pass(r, "len=%zu equals the command line at 0x%lx", g->cmdline_len, g->cmdline_addr);
}

static void check_fdt_initrd(const struct guest_ctx *g, struct check_result *r) {
  if (!need_blob(r)) return;
  const uint64_t addr = bp_initrd_addr(g->bp), size = bp_initrd_size(g->bp);
  int32_t chosen = fdt_path(&dtb.f, "/chosen");
  if (chosen < 0) {
    check_fail(r, "no /chosen node");
    return;
  }
  uint32_t start_len = 0, end_len = 0;
  const void *start_p = fdt_prop(&dtb.f, chosen, "linux,initrd-start", &start_len);
  const void *end_p = fdt_prop(&dtb.f, chosen, "linux,initrd-end", &end_len);
  if (size == 0) {
    if (start_p || end_p)
      check_fail(r, "no initrd in boot_params, yet /chosen has linux,initrd-%s",
                 start_p ? "start" : "end");
    else
      check_pass(r, "no initrd and no linux,initrd-* properties");
    return;
  }
  if (!start_p || !end_p || start_len != 8 || end_len != 8) {
    check_fail(r, "initrd at 0x%lx+0x%lx but linux,initrd-start/-end are not both 64-bit "
               "(lengths %u, %u)",
               addr, size, start_p ? start_len : 0, end_p ? end_len : 0);
    return;
  }
  uint64_t start = fdt_be64(start_p), end = fdt_be64(end_p);
  if (start != addr || end != addr + size) {
    check_fail(r, "start=0x%lx end=0x%lx, boot_params has [0x%lx,0x%lx)", start, end, addr,
               addr + size);
    return;
  }
  check_pass(r, "start=0x%lx end=0x%lx = ramdisk_image + ramdisk_size", start, end);
}

/* The first node pci@.../gpu@...,0 under the root, or -1; *count says how many there are. */
static int32_t find_gpu_node(const struct fdt *f, unsigned *count) {
  int32_t first = -1;
  *count = 0;
  const int32_t root = fdt_root(f);
  uint32_t pci_cursor = 0;
  for (int32_t pci; (pci = fdt_next_child(f, root, "pci@", &pci_cursor)) >= 0;) {
    uint32_t cursor = 0;
    for (int32_t node; (node = fdt_next_child(f, pci, "gpu@", &cursor)) >= 0;) {
      size_t len;
      const char *name = fdt_node_name(f, node, &len);
      if (len < 2 || name[len - 2] != ',' || name[len - 1] != '0') continue;
      if (first < 0) first = node;
      (*count)++;
    }
  }
  return first;
}

/* Without vmmtest.gpu=1 the shared memory window is found here, the way gpu.caps does. */
static struct virtio_pci own_probe;

static void check_fdt_gpu_window(const struct guest_ctx *g, struct check_result *r) {
  if (!need_blob(r)) return;
  const struct fdt *f = &dtb.f;
  const struct param_u64 *gpu = &g->params.gpu;
  const bool gpu_ran = gpu->present && gpu->valid && gpu->value != 0;
  unsigned count;
  int32_t node = find_gpu_node(f, &count);
  const struct virtio_pci_region *shm;
  const char *source;
  if (gpu_ran) {
    if (!gpu_require(r, gpu_test.caps_ok, "gpu.caps failed")) return;
    shm = &gpu_test.dev.pci.shm;
    source = "gpu.caps";
  } else {
    struct pci_addr a;
    if (!pci_find(GPU_VENDOR_ID, GPU_DEVICE_ID, &a)) {
      if (node >= 0) {
        size_t len;
        check_fail(r, "%s present, but PCI has no virtio-gpu", fdt_node_name(f, node, &len));
      } else {
        check_pass(r, "no gpu node, as expected (no virtio-gpu on PCI)");
      }
      return;
    }
    virtio_pci_init(&own_probe, a);
    if (!virtio_pci_read_caps(&own_probe, VIRTIO_GPU_SHM_ID_HOST_VISIBLE)) {
      check_fail(r, "virtio-gpu on PCI, its capabilities unreadable: %s", own_probe.error);
      return;
    }
    shm = &own_probe.shm;
    source = "PCI capability";
  }
  if (node < 0) {
    check_fail(r, "no /pci@*/gpu@*,0 node, yet %s found shm=0x%lx+0x%lx", source, shm->addr,
               shm->length);
    return;
  }
  size_t name_len;
  const char *name = fdt_node_name(f, node, &name_len);
  uint32_t len = 0, id_len = 0;
  const uint8_t *win = fdt_prop(f, node, "vmm,host-visible-window", &len);
  const uint8_t *id = fdt_prop(f, node, "vmm,shm-id", &id_len);
  if (count != 1 || win == NULL || len != 16 || id == NULL || id_len != 4) {
    check_fail(r, "%s: %u gpu nodes, window len %u, shm-id len %u (want 1, 16, 4)", name, count,
               win ? len : 0, id ? id_len : 0);
    return;
  }
  uint64_t base = fdt_be64(win), size = fdt_be64(win + 8);
  if (!shm->found || base != shm->addr || size != shm->length ||
      fdt_be32(id) != VIRTIO_GPU_SHM_ID_HOST_VISIBLE) {
    check_fail(r, "%s: window=0x%lx+0x%lx shm-id=%u, %s found shm=0x%lx+0x%lx id 1", name, base,
               size, fdt_be32(id), source, shm->addr, shm->length);
    return;
  }
  check_pass(r, "%s window=0x%lx+0x%lx shm-id=1 equals the shm window from %s", name, base, size,
             source);
}

static void check_fdt_memslots(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  if (!need_blob(r)) return;
  const struct fdt *f = &dtb.f;
  int32_t vmm = fdt_path(f, "/vmm");
  if (vmm < 0) {
    check_fail(r, "no /vmm node");
    return;
  }
  unsigned count = 0;
  int32_t at0 = -1;
  uint64_t size0 = 0;
  uint32_t cursor = 0;
  for (int32_t node; (node = fdt_next_child(f, vmm, "memslot@", &cursor)) >= 0;) {
    uint32_t len;
    uint64_t addr;
    size_t name_len;
    if (fdt_prop(f, node, "reg", &len) == NULL || len != 16 || !fdt_prop_u64(f, node, "reg", 0, &addr)) {
      check_fail(r, "%s: reg is not <addr size> in 2+2 cells", fdt_node_name(f, node, &name_len));
      return;
    }
    if (addr == 0 && at0 < 0) {
      at0 = node;
      fdt_prop_u64(f, node, "reg", 1, &size0);
    }
    count++;
  }
  if (count == 0 || at0 < 0) {
    check_fail(r, "/vmm has %u memslot@ nodes, none at address 0", count);
    return;
  }
  const char *owner = fdt_prop_string(f, at0, "vmm,owner");
  const char *requested = fdt_prop_string(f, at0, "vmm,requested");
  uint32_t slot_len = 0;
  const uint8_t *slot = fdt_prop(f, at0, "vmm,slot", &slot_len);
  if (!streq("ram-low", owner) || !streq("CacheCoherent", requested)) {
    check_fail(r, "memslot at 0: owner=%s requested=%s, want ram-low CacheCoherent",
               owner ? owner : "(bad or none)", requested ? requested : "(bad or none)");
    return;
  }
  check_pass(r, "memslots=%u; at 0: slot=%u size=0x%lx owner=ram-low requested=CacheCoherent",
             count, slot && slot_len == 4 ? fdt_be32(slot) : 0xffffffffu, size0);
}

const struct named_check fdt_checks[] = {
    {"fdt.blob", check_fdt_blob},         {"fdt.memory", check_fdt_memory},
    {"fdt.bootargs", check_fdt_bootargs}, {"fdt.initrd", check_fdt_initrd},
    {"fdt.gpu_window", check_fdt_gpu_window}, {"fdt.memslots", check_fdt_memslots},
};
const unsigned fdt_checks_count = sizeof fdt_checks / sizeof fdt_checks[0];
