/* The kernel command line as the guest's test parameters. Grammar (tokens are separated by
 * spaces, tabs or newlines; unknown tokens are ignored; a repeated key's last token wins):
 *
 *   vmmtest.mem=<num>          guest RAM in bytes, as given to vmm --mem   (check e820)
 *   vmmtest.initrd_size=<num>  expected initrd length in bytes             (check initrd)
 *   vmmtest.initrd_fnv=<hex>   expected FNV-1a-32 of the initrd, 0x optional (check initrd)
 *   vmmtest.fail=<check>       report <check> as FAIL whatever it finds
 *   vmmtest.serial_in=<text>   read <text> followed by a newline from COM1 (vmm's stdin)
 *   vmmtest.crash=<kind>       fault on purpose after the checks: ud, pf, triple, or reset
 *                              (pulse the i8042 reset line) (crash.h)
 *   vmmtest.end=<K>            must be the last token, starting at byte offset K (check cmdline)
 *   vmmtest.cpus=<num>         run check mptable: the MP table must list <num> processors
 *   vmmtest.gpu=<num>          non-zero: run the gpu.* checks (check_gpu.c) on vmm's virtio-gpu
 *   vmmtest.gpu_hostmem=<num>  expected length of the gpu's host-visible region (gpu.caps)
 *   vmmtest.msix=<num>         non-zero: run gpu.msix after the gpu.* checks
 *   vmmtest.bar_move=<num>     non-zero: run gpu.bar_move after them (and after gpu.msix)
 *   vmmtest.free_mapped=<num> non-zero: run gpu.free_mapped last of the gpu checks (frees
 *                              blobs that were mapped: RESOURCE_UNREF, then a device reset)
 *   vmmtest.memtype=<num>      non-zero: run memtype.pat and memtype.probe after all of those
 *                              (check_memtype.c; the probe needs vmmtest.gpu=1 and vmm --gpu)
 *   vmmtest.tsc_khz=<num>      the TSC frequency in kHz: memtype.probe then also prints MB/s
 *   vmmtest.map_cache=<num>    the map_info cache type vmm is expected to answer for HOST3D
 *                              blobs (1 cached, 2 uncached, 3 wc: vmm --gpu-blob-cache;
 *                              default 3, GPU_EXPECT_MAP_CACHE)
 *   vmmtest.fdt=<num>          non-zero: run the fdt.* checks (check_fdt.c) on vmm's device
 *                              tree, after the gpu.* checks and before gpu.msix/gpu.bar_move
 *   vmmtest.bench_exits=<num>  bench.exits: PIO and MMIO exit round trips from ring 3, <num>
 *                              per batch (check_bench.c; BENCH lines for bench/driver)
 *   vmmtest.bench_batches=<num> batches of those (default 5, one more warms up)
 *   vmmtest.bench_blob=<num>   bench.blob: <num> RESOURCE_MAP_BLOB + UNMAP_BLOB of a 2 MiB blob
 *   vmmtest.bench_scale=<num>  bench.scale: map + unmap of one 4 KiB blob with 1, 16, 256,
 *                              4096 ... up to <num> blobs live
 *   vmmtest.bench_reps=<num>   bench.scale's samples at each count (default 5)
 *
 * <num> is decimal or 0x-prefixed hex, optionally followed by K, M or G (binary units). */
#ifndef TINY_GUEST_CMDLINE_H
#define TINY_GUEST_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct token {
  size_t start;      /* offset of the token's first byte in the command line */
  size_t end;        /* offset one past its last byte */
  const char *value; /* what follows the '=' */
  size_t value_len;
};

/* Finds the last token of the form <key><value>; key includes the '='. */
bool cmdline_find_last(const char *cmdline, size_t len, const char *key, struct token *out);

bool parse_number(const char *s, size_t len, uint64_t *out);
bool parse_hex32(const char *s, size_t len, uint32_t *out);

/* An optional parameter: present says whether the token was there, valid whether it
 * parsed. A check treats present && !valid as a failure, never as "absent". */
struct param_u64 {
  bool present;
  bool valid;
  uint64_t value;
};

struct test_params {
  struct param_u64 mem;
  struct param_u64 initrd_size;
  struct param_u64 initrd_fnv;
  struct param_u64 cpus;
  struct param_u64 gpu;
  struct param_u64 gpu_hostmem;
  struct param_u64 msix;
  struct param_u64 bar_move;
  struct param_u64 free_mapped;
  struct param_u64 memtype;
  struct param_u64 tsc_khz;
  struct param_u64 map_cache;
  struct param_u64 fdt;
  struct param_u64 bench_exits;   /* check_bench.c */
  struct param_u64 bench_batches;
  struct param_u64 bench_blob;
  struct param_u64 bench_scale;
  struct param_u64 bench_reps;
  bool has_end;
  struct token end; /* the vmmtest.end token itself */
  const char *fail; /* check name from vmmtest.fail, not NUL-terminated; NULL when absent */
  size_t fail_len;
  const char *serial_in; /* expected console input from vmmtest.serial_in; NULL when absent */
  size_t serial_in_len;
  const char *crash; /* crash kind from vmmtest.crash; NULL when absent */
  size_t crash_len;
};

void test_params_parse(const char *cmdline, size_t len, struct test_params *p);

#endif
