// The e820 memory map handed to the guest in the zero page: every RAM range usable, minus
// the regions that must not be used as RAM (legacy BIOS area, the setup_data area), sorted.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "memory/guest_memory.h"

namespace vmm {

enum class E820Type : std::uint32_t {
  kRam = 1,
  kReserved = 2,
};

struct E820Entry {
  std::uint64_t addr;
  std::uint64_t size;
  E820Type type;

  std::uint64_t end() const { return addr + size; }
  bool operator==(const E820Entry&) const = default;
};

struct AddrRange {
  std::uint64_t addr;
  std::uint64_t size;
};

// RAM entries come from `memory.ranges()`. Each of `reserved` (plus layout's legacy region
// 0x9fc00..0x100000, always) becomes a type-2 entry and is cut out of any RAM entry it
// overlaps. Reserved ranges must not overlap each other. Adjacent entries of one type are
// merged, so the map is as short as the layout allows.
std::vector<E820Entry> build_e820(const GuestMemory& memory, std::span<const AddrRange> reserved);

}  // namespace vmm
