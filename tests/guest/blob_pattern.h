/* Test patterns for memory the guest reaches through a BAR: 64-bit words, word i =
 * seed ^ (i * golden ratio), so a mapping at the wrong offset, a dropped store or a stale
 * page all show. Every access is a single 8-byte volatile load or store. Costs ~4 emulated
 * instructions a word to write, ~30 to check and hash (FNV-1a needs every byte). */
#ifndef TINY_GUEST_BLOB_PATTERN_H
#define TINY_GUEST_BLOB_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

uint64_t pattern_word(uint64_t seed, uint64_t i);

/* Writes the pattern over [addr, addr + len); len a multiple of 8. */
void pattern_fill(uint64_t addr, uint64_t len, uint64_t seed);

struct pattern_mismatch {
  uint64_t index; /* first word that differs */
  uint64_t got;
  uint64_t want;
};

/* Reads [addr, addr + len) back. True when every word matches the pattern; otherwise fills
 * *bad. When fnv is not NULL, also computes the FNV-1a-32 of the bytes read (little-endian
 * order, i.e. memory order) into it. */
bool pattern_check(uint64_t addr, uint64_t len, uint64_t seed, uint32_t *fnv,
                   struct pattern_mismatch *bad);

#endif
