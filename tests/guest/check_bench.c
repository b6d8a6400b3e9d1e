/* The benchmark checks (bench/driver reads their BENCH lines; README, "Benchmarks"). Each
 * prints one line per measurement and passes when every measurement it was asked for ran.
 * Cycles are the guest's TSC ticks: the driver turns them into ns with KVM's TSC rate and
 * compares them with the floor programs' (bench/floor), which count the same ticks.
 *
 *   bench.exits  (vmmtest.bench_exits=N [vmmtest.bench_batches=B])  from ring 3, one warm-up
 *                batch and then B batches of N exits each:
 *                  BENCH exit kind=pio iterations=N cycles=C    outb to COM1's scratch
 *                      register (0x3ff): vmm's 8250 takes it
 *                  BENCH exit kind=mmio iterations=N cycles=C   a 32-bit store to
 *                      virtio-gpu's device_feature_select (common configuration, BAR
 *                      mapped UC): vmm's virtio-pci transport takes it
 *   bench.blob   (vmmtest.bench_blob=R)  a 2 MiB HOST3D blob, R times mapped at offset 0 and
 *                unmapped, each command timed from building the request to reading the
 *                answer (notify exit, vmm's handling, the memslot change, the used ring),
 *                and between them the blob's first touch, one 8-byte load through the
 *                region's identity mapping: what a blob's first access costs (with vmm
 *                --derive-memtype first-touch an exit, a walk of the guest's page tables
 *                and the memslot's installation; else KVM's own fault):
 *                  BENCH blob size=0x200000 map_cycles=M touch_cycles=T unmap_cycles=U
 *   bench.scale  (vmmtest.bench_scale=MAX [vmmtest.bench_reps=R])  4 KiB blobs mapped side
 *                by side; at 1, 16, 256, 4096 ... and MAX live, R times: unmap the last one
 *                and map it again (so the count goes L-1 and back to L):
 *                  BENCH scale live=L map_cycles=M unmap_cycles=U
 * The gpu checks need vmm --gpu; main.c brings the device up (gpu.pci, gpu.caps,
 * gpu.features) first when a bench asks for it and vmmtest.gpu did not. */
#include "bench_job.h"
#include "check_gpu.h"
#include "checks.h"
#include "format.h"
#include "ring3.h"

#define BENCH_PORT 0x3ff /* COM1 scratch register */
#define BENCH_CTX 0x6265
#define BENCH_RES_BLOB 0x62000
#define BENCH_RES_SCALE 0x63000 /* + i for the i-th scale blob */
#define BLOB_BYTES ((uint64_t)2 << 20)
#define SCALE_BLOB_BYTES ((uint64_t)4096)
#define PAGE_2M ((uint64_t)2 << 20)
#define PAT_INDEX_UC 3 /* PCD|PWT: UC under the power-on PAT and memtype.pat's alike */
/* Hostile to nothing but time: a typo must not keep the guest busy for hours. */
#define MAX_ITERATIONS ((uint64_t)10000000)
#define MAX_BATCHES ((uint64_t)1000)
#define MAX_REPS ((uint64_t)100000)
#define MAX_SCALE ((uint64_t)32768)

static struct bench_exit_job job; /* in the image, which ring 3 may touch */

static uint64_t rdtsc_ordered(void) {
  uint32_t lo, hi;
  __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
  return (uint64_t)hi << 32 | lo;
}

static uint64_t param_or(const struct param_u64 *p, uint64_t fallback) {
  return p->present && p->valid ? p->value : fallback;
}

/* One warm-up batch and `batches` timed ones, each printed. */
static void run_exit_batches(const char *kind_name, uint64_t kind, uint64_t target,
                             uint64_t iterations, uint64_t batches, uint64_t *best) {
  *best = ~0ull;
  for (uint64_t b = 0; b <= batches; b++) {
    job = (struct bench_exit_job){kind, target, 0x5a, iterations, 0};
    ring3_call((uint64_t)(uintptr_t)bench_user_exits, (uint64_t)(uintptr_t)&job);
    if (b == 0) continue;
    guest_printf("BENCH exit kind=%s iterations=%lu cycles=%lu\n", kind_name, iterations, job.cycles);
    if (job.cycles / iterations < *best) *best = job.cycles / iterations;
  }
}

void check_bench_exits(const struct guest_ctx *g, struct check_result *r) {
  const uint64_t iterations = g->params.bench_exits.value;
  const uint64_t batches = param_or(&g->params.bench_batches, 5);
  if (iterations == 0 || iterations > MAX_ITERATIONS || batches == 0 || batches > MAX_BATCHES) {
    check_fail(r, "want 1..%lu iterations and 1..%lu batches", MAX_ITERATIONS, MAX_BATCHES);
    return;
  }
  const struct virtio_pci_region *common = &gpu_test.dev.pci.common;
  if (!gpu_require(r, gpu_test.caps_ok && common->found,
                   "the MMIO loop writes virtio-gpu's common configuration: needs vmm --gpu"))
    return;
  const char *why = ring3_begin();
  if (why) {
    check_fail(r, "ring 3: %s", why);
    return;
  }
  uint64_t pio = 0, mmio = 0;
  run_exit_batches("pio", BENCH_EXIT_PIO, BENCH_PORT, iterations, batches, &pio);
  /* device_feature_select is offset 0 of the common configuration: writing it only selects
   * which 32 feature bits the next read shows. */
  const uint64_t page = common->addr & ~(PAGE_2M - 1);
  const uint64_t va = ring3_map_2m(0, page, PAT_INDEX_UC);
  if (va != 0)
    run_exit_batches("mmio", BENCH_EXIT_MMIO, va + (common->addr - page), iterations, batches, &mmio);
  ring3_end();
  if (va == 0) {
    check_fail(r, "cannot map the common configuration at 0x%lx in the ring-3 window", common->addr);
    return;
  }
  check_pass(r, "best batch: pio %lu, mmio %lu cycles per exit (%lu batches of %lu)", pio, mmio,
             batches, iterations);
}

static bool bench_context(struct check_result *r) {
  static bool created;
  if (created) return true;
  created = gpu_expect(r, "CTX_CREATE", gpu_ctx_create(&gpu_test.dev, BENCH_CTX, "vmm-bench"),
                       VIRTIO_GPU_RESP_OK_NODATA);
  return created;
}

static bool create_blob(struct check_result *r, uint32_t id, uint64_t size) {
  struct virtio_gpu *gpu = &gpu_test.dev;
  return gpu_expect(r, "RESOURCE_CREATE_BLOB", gpu_create_blob_host3d(gpu, BENCH_CTX, id, size),
                    VIRTIO_GPU_RESP_OK_NODATA) &&
         gpu_expect(r, "CTX_ATTACH_RESOURCE", gpu_ctx_attach_resource(gpu, BENCH_CTX, id),
                    VIRTIO_GPU_RESP_OK_NODATA);
}

/* Times one MAP_BLOB and one UNMAP_BLOB, in the order asked; false (and r failed) on an error. */
static bool timed_map(struct check_result *r, uint32_t id, uint64_t offset, uint64_t *cycles) {
  uint32_t map_info;
  const uint64_t t0 = rdtsc_ordered();
  const uint32_t got = gpu_map_blob(&gpu_test.dev, id, offset, &map_info);
  *cycles = rdtsc_ordered() - t0;
  return gpu_expect(r, "RESOURCE_MAP_BLOB", got, VIRTIO_GPU_RESP_OK_MAP_INFO);
}

static bool timed_unmap(struct check_result *r, uint32_t id, uint64_t *cycles) {
  const uint64_t t0 = rdtsc_ordered();
  const uint32_t got = gpu_unmap_blob(&gpu_test.dev, id);
  *cycles = rdtsc_ordered() - t0;
  return gpu_expect(r, "RESOURCE_UNMAP_BLOB", got, VIRTIO_GPU_RESP_OK_NODATA);
}

void check_bench_blob(const struct guest_ctx *g, struct check_result *r) {
  const uint64_t reps = g->params.bench_blob.value;
  if (reps == 0 || reps > MAX_REPS) {
    check_fail(r, "want 1..%lu repetitions", MAX_REPS);
    return;
  }
  if (!gpu_require(r, gpu_test.ready, "the virtio-gpu is not set up (gpu.features failed)") ||
      !gpu_require(r, gpu_test.dev.pci.shm.length >= BLOB_BYTES, "host-visible region under 2 MiB") ||
      !bench_context(r) || !create_blob(r, BENCH_RES_BLOB, BLOB_BYTES))
    return;
  uint64_t best_map = ~0ull, best_unmap = ~0ull;
  for (uint64_t i = 0; i <= reps; i++) {  /* i == 0 warms up */
    uint64_t map, unmap;
    if (!timed_map(r, BENCH_RES_BLOB, 0, &map)) return;
    const uint64_t t0 = rdtsc_ordered();
    (void)*(volatile const uint64_t *)(uintptr_t)gpu_test.dev.pci.shm.addr;
    const uint64_t touch = rdtsc_ordered() - t0;
    if (!timed_unmap(r, BENCH_RES_BLOB, &unmap)) return;
    if (i == 0) continue;
    guest_printf("BENCH blob size=0x%lx map_cycles=%lu touch_cycles=%lu unmap_cycles=%lu\n", BLOB_BYTES, map,
                 touch, unmap);
    if (map < best_map) best_map = map;
    if (unmap < best_unmap) best_unmap = unmap;
  }
  gpu_resource_unref(&gpu_test.dev, BENCH_RES_BLOB);
  check_pass(r, "best of %lu: map %lu, unmap %lu cycles", reps, best_map, best_unmap);
}

void check_bench_scale(const struct guest_ctx *g, struct check_result *r) {
  const uint64_t max = g->params.bench_scale.value;
  const uint64_t reps = param_or(&g->params.bench_reps, 5);
  const uint64_t region = gpu_test.dev.pci.shm.length;
  if (max == 0 || max > MAX_SCALE || reps == 0 || reps > MAX_REPS) {
    check_fail(r, "want 1..%lu live blobs and 1..%lu repetitions", MAX_SCALE, MAX_REPS);
    return;
  }
  if (!gpu_require(r, gpu_test.ready, "the virtio-gpu is not set up (gpu.features failed)") ||
      !gpu_require(r, max * SCALE_BLOB_BYTES <= region,
                   "the host-visible region is too small for that many 4 KiB blobs") ||
      !bench_context(r))
    return;
  static const uint64_t points[] = {1, 16, 256, 4096};
  uint64_t live = 0, measured = 0;
  for (unsigned p = 0; p <= sizeof points / sizeof points[0]; p++) {
    /* The fixed points up to MAX, then MAX itself unless it was one of them. */
    uint64_t target = p < sizeof points / sizeof points[0] ? points[p] : max;
    if (target > max || target <= measured) continue;
    for (; live < target; live++) {
      uint64_t ignored;
      const uint32_t id = BENCH_RES_SCALE + (uint32_t)live;
      if (!create_blob(r, id, SCALE_BLOB_BYTES) || !timed_map(r, id, live * SCALE_BLOB_BYTES, &ignored)) {
        guest_printf("BENCH scale stopped live=%lu\n", live);
        return;
      }
    }
    const uint32_t last = BENCH_RES_SCALE + (uint32_t)(live - 1);
    for (uint64_t i = 0; i < reps; i++) {
      uint64_t map, unmap;
      if (!timed_unmap(r, last, &unmap) || !timed_map(r, last, (live - 1) * SCALE_BLOB_BYTES, &map))
        return;
      guest_printf("BENCH scale live=%lu map_cycles=%lu unmap_cycles=%lu\n", live, map, unmap);
    }
    measured = target;
  }
  check_pass(r, "map + unmap measured with up to %lu blobs live, %lu samples each", live, reps);
}
