/* FNV-1a, 32 bits: small enough to run emulated over a few KiB of initrd, and trivial for
 * the host test to compute too. */
#ifndef TINY_GUEST_FNV1A_H
#define TINY_GUEST_FNV1A_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t fnv1a32(const uint8_t *p, size_t n) {
  uint32_t h = 0x811c9dc5u;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x01000193u;
  }
  return h;
}

#endif
