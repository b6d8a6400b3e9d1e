#include "cmdline.h"

#include "libc_min.h"

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

bool cmdline_find_last(const char *cmdline, size_t len, const char *key, struct token *out) {
  size_t key_len = strlen(key);
  bool found = false;
  size_t i = 0;
  while (i < len) {
    while (i < len && is_space(cmdline[i])) i++;
    size_t start = i;
    while (i < len && !is_space(cmdline[i])) i++;
    if (i - start >= key_len && memcmp(cmdline + start, key, key_len) == 0) {
      *out = (struct token){start, i, cmdline + start + key_len, i - start - key_len};
      found = true;
    }
  }
  return found;
}

static int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_number(const char *s, size_t len, uint64_t *out) {
  unsigned shift = 0;
  if (len > 0) {
    switch (s[len - 1]) {
      case 'K': case 'k': shift = 10; break;
      case 'M': case 'm': shift = 20; break;
      case 'G': case 'g': shift = 30; break;
      default: break;
    }
    if (shift) len--;
  }
  unsigned base = 10;
  if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
    len -= 2;
  }
  if (len == 0) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    int d = digit_value(s[i]);
    if (d < 0 || (unsigned)d >= base) return false;
    if (v > (UINT64_MAX - (unsigned)d) / base) return false;
    v = v * base + (unsigned)d;
  }
  if (shift && v > (UINT64_MAX >> shift)) return false;
  *out = v << shift;
  return true;
}

bool parse_hex32(const char *s, size_t len, uint32_t *out) {
  if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s += 2;
    len -= 2;
  }
  if (len == 0 || len > 8) return false;
  uint32_t v = 0;
  for (size_t i = 0; i < len; i++) {
    int d = digit_value(s[i]);
    if (d < 0) return false;
    v = v << 4 | (uint32_t)d;
  }
  *out = v;
  return true;
}

static void parse_num_param(const char *cmdline, size_t len, const char *key,
                            struct param_u64 *p) {
  struct token t;
  p->present = cmdline_find_last(cmdline, len, key, &t);
  p->valid = p->present && parse_number(t.value, t.value_len, &p->value);
}

void test_params_parse(const char *cmdline, size_t len, struct test_params *p) {
  *p = (struct test_params){0};
  parse_num_param(cmdline, len, "vmmtest.mem=", &p->mem);
  parse_num_param(cmdline, len, "vmmtest.initrd_size=", &p->initrd_size);
  parse_num_param(cmdline, len, "vmmtest.cpus=", &p->cpus);
  parse_num_param(cmdline, len, "vmmtest.gpu=", &p->gpu);
  parse_num_param(cmdline, len, "vmmtest.gpu_hostmem=", &p->gpu_hostmem);
  parse_num_param(cmdline, len, "vmmtest.msix=", &p->msix);
  parse_num_param(cmdline, len, "vmmtest.bar_move=", &p->bar_move);
  parse_num_param(cmdline, len, "vmmtest.free_mapped=", &p->free_mapped);
  parse_num_param(cmdline, len, "vmmtest.memtype=", &p->memtype);
  parse_num_param(cmdline, len, "vmmtest.tsc_khz=", &p->tsc_khz);
  parse_num_param(cmdline, len, "vmmtest.fdt=", &p->fdt);
  parse_num_param(cmdline, len, "vmmtest.map_cache=", &p->map_cache);
  parse_num_param(cmdline, len, "vmmtest.bench_exits=", &p->bench_exits);
  parse_num_param(cmdline, len, "vmmtest.bench_batches=", &p->bench_batches);
  parse_num_param(cmdline, len, "vmmtest.bench_blob=", &p->bench_blob);
  parse_num_param(cmdline, len, "vmmtest.bench_scale=", &p->bench_scale);
  parse_num_param(cmdline, len, "vmmtest.bench_reps=", &p->bench_reps);

  struct token t;
  if (cmdline_find_last(cmdline, len, "vmmtest.initrd_fnv=", &t)) {
    uint32_t fnv = 0;
    p->initrd_fnv.present = true;
    p->initrd_fnv.valid = parse_hex32(t.value, t.value_len, &fnv);
    p->initrd_fnv.value = fnv;
  }
  p->has_end = cmdline_find_last(cmdline, len, "vmmtest.end=", &p->end);
  if (cmdline_find_last(cmdline, len, "vmmtest.fail=", &t)) {
    p->fail = t.value;
    p->fail_len = t.value_len;
  }
  if (cmdline_find_last(cmdline, len, "vmmtest.serial_in=", &t)) {
    p->serial_in = t.value;
    p->serial_in_len = t.value_len;
  }
  if (cmdline_find_last(cmdline, len, "vmmtest.crash=", &t)) {
    p->crash = t.value;
    p->crash_len = t.value_len;
  }
}
