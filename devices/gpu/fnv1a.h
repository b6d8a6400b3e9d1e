// FNV-1a, 32 bits: the checksum vmm prints for memory contents (the tiny guest and the
// integration tests compute the same one).
#pragma once

#include <cstdint>
#include <span>

namespace vmm::gpu {

inline std::uint32_t fnv1a32(std::span<const std::uint8_t> bytes) {
  std::uint32_t hash = 0x811c9dc5u;
  for (std::uint8_t byte : bytes) {
    hash ^= byte;
    hash *= 0x01000193u;
  }
  return hash;
}

}  // namespace vmm::gpu
