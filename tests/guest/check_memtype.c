/* memtype.*: which memory type the guest really gets, measured from inside (vmmtest.memtype=1,
 * after the gpu.* checks):
 *   memtype.pat    IA32_PAT programmed as Linux does (PAT0 WB, PAT1 WC, PAT2 UC-, PAT3 UC,
 *                  PAT4 WB, PAT5 WP, PAT6 UC-, PAT7 WT) and read back. Indexes 0 and 3 keep
 *                  their power-on types, so the boot map (index 0) and the uncached device
 *                  mappings (PCD|PWT = index 3) mean what they meant; only index 1 changes,
 *                  WT -> WC, and nothing used it. The PAT stays programmed afterwards.
 *   memtype.probe  three user-accessible 2 MiB pages in the ring-3 window (ring3.h):
 *                    ram-wb   2 MiB of guest RAM, PAT index 0 (WB): the baseline
 *                    blob-wc  a 2 MiB HOST3D blob mapped into the host-visible region at a
 *                             2 MiB-aligned address, PAT index 1 (WC)
 *                    blob-uc  the same blob again, PAT index 3 (UC)
 *                    blob-map the same blob again, with the type its map_info asks for, as
 *                             Linux's virtio-gpu driver maps a blob for user space: WC ->
 *                             PAT index 1 (WC), UNCACHED -> index 2 (UC-, pgprot_noncached),
 *                             CACHED -> index 0 (WB): the mapping vmm --gpu-blob-cache and
 *                             scripts/memtype-matrix vary
 *                  For each, in ring 3 (native speed under PVM): a touch pass (faults every
 *                  4 KiB page in, untimed), then a timed streaming write and a timed
 *                  streaming read (memtype_loops.S). One line per mapping, then the verdict:
 *
 *   MEMTYPE-PROBE mapping=<ram-wb|blob-wc|blob-uc|blob-map> pat=<WB|WC|UC|UC-> gpa=0x<hex>
 *     size=0x200000 va=0x<hex> pat_index=<0-7> map_info=0x<hex>
 *     read_cpb_x1000=<n> write_cpb_x1000=<n> [read_mbps=<n> write_mbps=<n>]
 *     read_vs_ram_x100=<n> write_vs_ram_x100=<n> read_bytes=<n> write_bytes=<n>
 *     class=<baseline|WB-like|WC/UC-like|not-classified>
 *   (one line; cpb = TSC cycles per byte, x1000, integer; mbps = 10^6 bytes/s, only with
 *   vmmtest.tsc_khz=<kHz>; *_vs_ram_x100 = this mapping's cost / ram-wb's, x100; *_bytes =
 *   bytes the timed loop moved, repetitions included.)
 *
 * PASS means every mapping was measured and classified; which class the blob gets is the
 * measurement, not a verdict. The probe needs vmmtest.gpu=1 and a live device (gpu.features
 * passed; otherwise FAIL "not run: ..."); it creates its own context and blob, so it does not
 * depend on the gpu.blob_* checks or on gpu.msix having reset the device, and it reads the
 * region's address after gpu.bar_move may have moved it. The blob is unmapped again at the
 * end (its memslot comes and goes like every other blob's); context and resource stay.
 *
 * Timing. Each measurement first runs over 64 KiB to estimate the cost of a 2 MiB pass (twice
 * when that is fast, the first run only warming caches), then picks the repetitions so that
 * the measurement takes about TARGET_CYCLES (several ms on WB memory, however fast), at most
 * MAX_REPS; a mapping so slow that one 2 MiB pass would exceed MAX_CYCLES (say every access
 * trapping to the host) is timed over fewer bytes. Fast measurements are repeated TRIALS
 * times and the quickest kept (an interrupt on the host can only add time). UC reads on real
 * hardware run at roughly 50-200 MB/s, so a 2 MiB pass costs 10-40 ms and the whole probe
 * stays well under a second. (An unbacked, trapping page was measured at ~30 us an access:
 * the MAX_CYCLES guard then times 64 KiB and the probe takes ~1 s longer.)
 *
 * On an emulated host CPU (vmm's device tree has /vmm vmm,host-cpu-emulated: QEMU TCG models
 * no caches) the numbers are printed but every class is "not-classified".
 *
 * Classification: a mapping whose read cost is more than SLOW_READ_FACTOR times ram-wb's is
 * "WC/UC-like", otherwise "WB-like". ram-wb itself is the "baseline": compared with itself it
 * would be WB-like by definition, which says nothing, so it is not classified.
 * The va and pat_index of each mapping let vmm's derived memory type (--report) be matched
 * to the mapping that was timed. Reads are the discriminator because WC and UC both make
 * every load go to memory (no cache line is filled; each 8-byte load waits for its own bus
 * transaction), which costs one to two orders of magnitude over cached WB reads, while WC
 * writes are combined into full-line bursts and can be nearly as fast as WB writes (UC
 * writes are slow, WC writes need not be). The write ratio is reported alongside. */
#include "boot_params.h"
#include "check_gpu.h"
#include "checks.h"
#include "dtb_locate.h"
#include "format.h"
#include "gpu_expectations.h"
#include "memtype_job.h"
#include "ring3.h"
#include "serial.h"

#define MSR_PAT 0x277
/* Memory type encodings in the PAT (Intel SDM vol. 3, 13.12.2). */
#define MT_UC 0x0
#define MT_WC 0x1
#define MT_WT 0x4
#define MT_WP 0x5
#define MT_WB 0x6
#define MT_UC_MINUS 0x7
#define PAT_ENTRY(index, type) ((uint64_t)(type) << (8 * (index)))
#define PROBE_PAT                                                                     \
  (PAT_ENTRY(0, MT_WB) | PAT_ENTRY(1, MT_WC) | PAT_ENTRY(2, MT_UC_MINUS) |            \
   PAT_ENTRY(3, MT_UC) | PAT_ENTRY(4, MT_WB) | PAT_ENTRY(5, MT_WP) |                  \
   PAT_ENTRY(6, MT_UC_MINUS) | PAT_ENTRY(7, MT_WT))
#define PAT_INDEX_WB 0
#define PAT_INDEX_WC 1
#define PAT_INDEX_UC_MINUS 2
#define PAT_INDEX_UC 3

#define PROBE_BYTES (2ull << 20) /* one 2 MiB page per mapping */
#define CAL_BYTES (64ull << 10)
#define TARGET_CYCLES 20000000ull  /* ~6-10 ms at 2-3.5 GHz */
#define MAX_CYCLES 1000000000ull   /* one timed loop, at most ~0.5 s */
#define TRIAL_CYCLES 50000000ull   /* loops longer than this are timed once */
#define MAX_REPS 256
/* The class where vmm's device tree says the host CPU is emulated (vmm,host-cpu-emulated). */
#define CLASS_NOT_CLASSIFIED "not-classified"
#define TRIALS 3
#define SLOW_READ_FACTOR 4

/* The probe's own virtio-gpu context and blob: gpu.msix may have reset the device, taking
 * GPU_TEST_CTX with it, and ids 1-4 and 0x7777 belong to the gpu.* checks (check_gpu.h). */
#define MEMTYPE_CTX 0x6d74
#define MEMTYPE_RES_BLOB 0x6d74

static struct {
  bool pat_ok;
} memtype;

/* In the guest image, which ring3_begin makes user-accessible. */
static struct memtype_job job;

static uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static void check_memtype_pat(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  const uint64_t was = rdmsr(MSR_PAT);
  wrmsr(MSR_PAT, PROBE_PAT);
  const uint64_t now = rdmsr(MSR_PAT);
  /* Cached translations may carry the old types; only index 1 changed and nothing maps
   * with it, but flush anyway. */
  uint64_t cr3;
  __asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
  if (now != PROBE_PAT) {
    check_fail(r, "wrote=0x%016lx read=0x%016lx (was 0x%016lx)", (uint64_t)PROBE_PAT, now, was);
    return;
  }
  memtype.pat_ok = true;
  check_pass(r, "wrote=0x%016lx read=0x%016lx was=0x%016lx: PAT0=WB PAT1=WC PAT2=UC- PAT3=UC "
             "PAT4=WB PAT5=WP PAT6=UC- PAT7=WT",
             (uint64_t)PROBE_PAT, now, was);
}

/* The highest 2 MiB-aligned 2 MiB of RAM below 4 GiB that holds nothing vmm handed over
 * (the image, the command line, the initrd; the zero page and boot tables lie below 1 MiB). */
static uint64_t find_ram_buffer(const struct guest_ctx *g) {
  const uint64_t floor = (image_start() + image_size() + PROBE_BYTES - 1) & ~(PROBE_BYTES - 1);
  uint64_t top = 0;
  for (unsigned i = 0; i < bp_e820_count(g->bp); i++) {
    struct e820_entry e = bp_e820_entry(g->bp, i);
    if (e.type == E820_TYPE_RAM && e.addr + e.size > top) top = e.addr + e.size;
  }
  if (top > IDENTITY_MAP_END) top = IDENTITY_MAP_END;
  const uint64_t initrd = bp_initrd_addr(g->bp), initrd_size = bp_initrd_size(g->bp);
  for (uint64_t a = (top & ~(PROBE_BYTES - 1)); a >= floor + PROBE_BYTES; a -= PROBE_BYTES) {
    const uint64_t base = a - PROBE_BYTES;
    if (bp_e820_is_ram(g->bp, base, PROBE_BYTES) &&
        !ranges_overlap(base, PROBE_BYTES, initrd, initrd_size) &&
        !ranges_overlap(base, PROBE_BYTES, g->cmdline_addr, g->cmdline_len + 1))
      return base;
  }
  return 0;
}

static uint64_t run_job(uint64_t op, uint64_t addr, uint64_t bytes, uint64_t reps) {
  job = (struct memtype_job){op, addr, bytes, reps, 0, 0};
  ring3_call((uint64_t)(uintptr_t)memtype_user_job, (uint64_t)(uintptr_t)&job);
  return job.cycles ? job.cycles : 1;
}

struct rate {
  uint64_t bytes;  /* moved by the timed loop, repetitions included */
  uint64_t cycles; /* TSC ticks it took */
};

static struct rate measure(uint64_t op, uint64_t va) {
  uint64_t cal = run_job(op, va, CAL_BYTES, 1);
  /* On a fast mapping the first pass pays for cache misses the timed loop will not see. */
  if (cal * (PROBE_BYTES / CAL_BYTES) < TARGET_CYCLES) cal = run_job(op, va, CAL_BYTES, 1);
  const uint64_t pass = cal * (PROBE_BYTES / CAL_BYTES);
  uint64_t bytes = PROBE_BYTES, reps = 1;
  if (pass < TARGET_CYCLES) {
    reps = TARGET_CYCLES / pass + 1;
    if (reps > MAX_REPS) reps = MAX_REPS;
  } else if (pass > MAX_CYCLES) {
    bytes = CAL_BYTES * (MAX_CYCLES / cal);
    if (bytes < CAL_BYTES) bytes = CAL_BYTES;
  }
  const unsigned trials = pass * reps > TRIAL_CYCLES ? 1 : TRIALS;
  struct rate best = {0, 0};
  for (unsigned t = 0; t < trials; t++) {
    const uint64_t c = run_job(op, va, bytes, reps);
    if (t == 0 || c < best.cycles) best = (struct rate){bytes * reps, c};
  }
  return best;
}

static uint64_t cpb_x1000(struct rate x) { return x.cycles * 1000 / x.bytes; }

static uint64_t mbps(struct rate x, uint64_t tsc_khz) {
  return x.bytes * tsc_khz / (x.cycles * 1000);
}

static uint64_t ratio_x100(uint64_t cost, uint64_t base) { return cost * 100 / (base ? base : 1); }

struct mapping {
  const char *name;
  const char *pat;
  unsigned pat_index;
  uint64_t gpa;
  uint64_t va;
  struct rate read, write;
  const char *class;
};

static void measure_mapping(struct mapping *m) {
  run_job(MEMTYPE_OP_TOUCH, m->va, PROBE_BYTES, 1);
  m->write = measure(MEMTYPE_OP_WRITE, m->va);
  m->read = measure(MEMTYPE_OP_READ, m->va);
}

static void print_mapping(const struct mapping *m, const struct mapping *ram, uint64_t tsc_khz,
                          uint32_t map_info) {
  char line[512];
  size_t n = format(line, sizeof line,
                    "MEMTYPE-PROBE mapping=%s pat=%s gpa=0x%lx size=0x%lx va=0x%lx pat_index=%u "
                    "map_info=0x%x read_cpb_x1000=%lu write_cpb_x1000=%lu",
                    m->name, m->pat, m->gpa, (uint64_t)PROBE_BYTES, m->va, m->pat_index, map_info,
                    cpb_x1000(m->read), cpb_x1000(m->write));
  if (tsc_khz && n < sizeof line)
    n += format(line + n, sizeof line - n, " read_mbps=%lu write_mbps=%lu", mbps(m->read, tsc_khz),
                mbps(m->write, tsc_khz));
  if (n < sizeof line)
    format(line + n, sizeof line - n,
           " read_vs_ram_x100=%lu write_vs_ram_x100=%lu read_bytes=%lu write_bytes=%lu class=%s\n",
           ratio_x100(cpb_x1000(m->read), cpb_x1000(ram->read)),
           ratio_x100(cpb_x1000(m->write), cpb_x1000(ram->write)), m->read.bytes, m->write.bytes,
           m->class);
  serial_puts(line);
}

/* The blob's place: the highest 2 MiB-aligned guest-physical address in the host-visible
 * region with 2 MiB after it, away from offset 0 and the middle that gpu.blob_map0/1 use. */
static bool blob_offset(const struct virtio_pci_region *shm, uint64_t *offset) {
  if (shm->length < PROBE_BYTES || shm->addr + shm->length < shm->addr) return false;
  const uint64_t gpa = (shm->addr + shm->length - PROBE_BYTES) & ~(PROBE_BYTES - 1);
  if (gpa < shm->addr) return false;
  *offset = gpa - shm->addr;
  return true;
}

static void check_memtype_probe(const struct guest_ctx *g, struct check_result *r) {
  const struct param_u64 *gpu_param = &g->params.gpu;
  if (!gpu_require(r, gpu_param->present && gpu_param->valid && gpu_param->value != 0,
                   "needs vmmtest.gpu=1 and vmm --gpu (the blob lives in the virtio-gpu's "
                   "host-visible region)") ||
      !gpu_require(r, gpu_test.ready, "the virtio-gpu is not set up (gpu.features failed)") ||
      !gpu_require(r, memtype.pat_ok, "memtype.pat failed"))
    return;
  const struct param_u64 *tsc = &g->params.tsc_khz;
  if (tsc->present && (!tsc->valid || tsc->value == 0 || tsc->value > 100000000)) {
    check_fail(r, "vmmtest.tsc_khz is not a frequency in kHz");
    return;
  }
  const uint64_t tsc_khz = tsc->present ? tsc->value : 0;

  const uint64_t ram = find_ram_buffer(g);
  if (ram == 0) {
    check_fail(r, "no free 2 MiB-aligned 2 MiB of RAM below 4 GiB");
    return;
  }
  struct virtio_gpu *gpu = &gpu_test.dev;
  uint64_t offset;
  if (!blob_offset(&gpu->pci.shm, &offset)) {
    check_fail(r, "host-visible region 0x%lx+0x%lx holds no 2 MiB-aligned 2 MiB range",
               gpu->pci.shm.addr, gpu->pci.shm.length);
    return;
  }
  const uint64_t blob = gpu->pci.shm.addr + offset;
  uint32_t map_info = 0;
  if (!gpu_expect(r, "CTX_CREATE", gpu_ctx_create(gpu, MEMTYPE_CTX, "vmm-memtype-probe"),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "RESOURCE_CREATE_BLOB",
                  gpu_create_blob_host3d(gpu, MEMTYPE_CTX, MEMTYPE_RES_BLOB, PROBE_BYTES),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "CTX_ATTACH_RESOURCE", gpu_ctx_attach_resource(gpu, MEMTYPE_CTX, MEMTYPE_RES_BLOB),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "RESOURCE_MAP_BLOB", gpu_map_blob(gpu, MEMTYPE_RES_BLOB, offset, &map_info),
                  VIRTIO_GPU_RESP_OK_MAP_INFO))
    return;

  /* The blob as a driver maps it for the type its map_info asks for (Linux: WC ->
   * pgprot_writecombine, UNCACHED -> pgprot_noncached = UC-, else write-back). */
  const uint32_t cache = map_info & VIRTIO_GPU_MAP_CACHE_MASK;
  const unsigned map_index = cache == VIRTIO_GPU_MAP_CACHE_WC         ? PAT_INDEX_WC
                             : cache == VIRTIO_GPU_MAP_CACHE_UNCACHED ? PAT_INDEX_UC_MINUS
                                                                      : PAT_INDEX_WB;
  const char *map_pat = map_index == PAT_INDEX_WC ? "WC" : map_index == PAT_INDEX_UC_MINUS ? "UC-" : "WB";
  struct mapping maps[] = {
      {"ram-wb", "WB", PAT_INDEX_WB, ram, 0, {0, 0}, {0, 0}, ""},
      {"blob-wc", "WC", PAT_INDEX_WC, blob, 0, {0, 0}, {0, 0}, ""},
      {"blob-uc", "UC", PAT_INDEX_UC, blob, 0, {0, 0}, {0, 0}, ""},
      {"blob-map", map_pat, map_index, blob, 0, {0, 0}, {0, 0}, ""},
  };
  const unsigned count = sizeof maps / sizeof maps[0];
  const char *why = ring3_begin();
  for (unsigned i = 0; !why && i < count; i++) {
    maps[i].va = ring3_map_2m(i, maps[i].gpa, maps[i].pat_index);
    if (maps[i].va == 0) why = "cannot map a page in the ring-3 window";
  }
  if (!why)
    for (unsigned i = 0; i < count; i++) measure_mapping(&maps[i]);
  ring3_end();
  const uint32_t unmap = gpu_unmap_blob(gpu, MEMTYPE_RES_BLOB);
  if (why) {
    check_fail(r, "ring 3: %s", why);
    return;
  }

  /* On an emulated CPU every type costs the same (no cache is modelled): the numbers are
   * printed, but classifying them would claim a memory type nobody measured. */
  const char *emulator = dtb_vmm_property(g->bp, "vmm,host-cpu-emulated");
  const uint64_t ram_read = cpb_x1000(maps[0].read);
  for (unsigned i = 0; i < count; i++) {
    /* ram-wb compared with itself is WB-like by definition: it is the baseline, not a result. */
    maps[i].class = i == 0     ? "baseline"
                    : emulator ? CLASS_NOT_CLASSIFIED
                    : cpb_x1000(maps[i].read) > SLOW_READ_FACTOR * ram_read ? "WC/UC-like"
                                                                            : "WB-like";
    print_mapping(&maps[i], &maps[0], tsc_khz, map_info);
  }
  if (!gpu_expect(r, "RESOURCE_UNMAP_BLOB", unmap, VIRTIO_GPU_RESP_OK_NODATA)) return;
  if (emulator) {
    check_pass(r, "not classified: the host CPU is emulated (%s), no caches; read/write cycles/byte "
               "x1000: ram-wb %lu/%lu, blob-wc %lu/%lu, blob-uc %lu/%lu, blob-map (%s) %lu/%lu", emulator,
               cpb_x1000(maps[0].read), cpb_x1000(maps[0].write), cpb_x1000(maps[1].read),
               cpb_x1000(maps[1].write), cpb_x1000(maps[2].read), cpb_x1000(maps[2].write), maps[3].pat,
               cpb_x1000(maps[3].read), cpb_x1000(maps[3].write));
    return;
  }
  check_pass(r, "ram-wb %lu/%lu %s, blob-wc %lu/%lu %s, blob-uc %lu/%lu %s, blob-map (%s) %lu/%lu %s "
             "(read/write cycles/byte x1000) map_info=0x%x",
             cpb_x1000(maps[0].read), cpb_x1000(maps[0].write), maps[0].class,
             cpb_x1000(maps[1].read), cpb_x1000(maps[1].write), maps[1].class,
             cpb_x1000(maps[2].read), cpb_x1000(maps[2].write), maps[2].class, maps[3].pat,
             cpb_x1000(maps[3].read), cpb_x1000(maps[3].write), maps[3].class, map_info);
}

const struct named_check memtype_checks[] = {
    {"memtype.pat", check_memtype_pat},
    {"memtype.probe", check_memtype_probe},
};
const unsigned memtype_checks_count = sizeof memtype_checks / sizeof memtype_checks[0];
