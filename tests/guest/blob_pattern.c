#include "blob_pattern.h"

#include <stddef.h>

#define GOLDEN 0x9e3779b97f4a7c15ull
#define FNV_OFFSET 0x811c9dc5u
#define FNV_PRIME 0x01000193u

uint64_t pattern_word(uint64_t seed, uint64_t i) { return seed ^ (i * GOLDEN); }

void pattern_fill(uint64_t addr, uint64_t len, uint64_t seed) {
  volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)addr;
  for (uint64_t i = 0; i < len / 8; i++) p[i] = pattern_word(seed, i);
}

bool pattern_check(uint64_t addr, uint64_t len, uint64_t seed, uint32_t *fnv,
                   struct pattern_mismatch *bad) {
  const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)addr;
  bool ok = true;
  uint32_t h = FNV_OFFSET;
  for (uint64_t i = 0; i < len / 8; i++) {
    uint64_t w = p[i];
    if (ok && w != pattern_word(seed, i)) {
      *bad = (struct pattern_mismatch){i, w, pattern_word(seed, i)};
      ok = false;
      if (!fnv) return false;
    }
    if (fnv) {
      /* Unrolled by hand: four emulated instructions a byte instead of six. */
#define FNV_BYTE() (h = (h ^ (uint8_t)w) * FNV_PRIME, w >>= 8)
      FNV_BYTE(); FNV_BYTE(); FNV_BYTE(); FNV_BYTE();
      FNV_BYTE(); FNV_BYTE(); FNV_BYTE(); FNV_BYTE();
#undef FNV_BYTE
    }
  }
  if (fnv) *fnv = h;
  return ok;
}
