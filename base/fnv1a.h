// FNV-1a, 32 bits: the checksum vmm reports for memory contents (a blob's bytes, a removed
// memslot's memory). The tiny guest and the integration tests compute the same one, so a
// number printed by the guest can be compared with one printed by the host.
#pragma once

#include <cstdint>
#include <span>

namespace vmm {

inline std::uint32_t fnv1a32(std::span<const std::uint8_t> bytes) {
  std::uint32_t hash = 0x811c9dc5u;
  for (std::uint8_t byte : bytes) {
    hash ^= byte;
    hash *= 0x01000193u;
  }
  return hash;
}

}  // namespace vmm
