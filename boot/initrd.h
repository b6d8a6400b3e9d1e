// Where the initrd goes: as high as the kernel allows, so the kernel's decompression area
// below it stays free.
#pragma once

#include <cstdint>
#include <string>

namespace vmm {

struct InitrdLimits {
  std::uint64_t floor;            // lowest usable address (end of the kernel's runtime range)
  std::uint32_t initrd_addr_max;  // highest address its last byte may occupy (header field)
  std::uint64_t ram_end;          // end of the RAM range it goes in (ram-low, from 0)
};

// Returns the highest page-aligned address a with a >= floor, a + size - 1 <=
// initrd_addr_max and a + size <= ram_end. Throws BootError naming `name` when there is none.
std::uint64_t place_initrd(std::uint64_t size, const InitrdLimits& limits,
                           const std::string& name);

}  // namespace vmm
