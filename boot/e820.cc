#include "boot/e820.h"

#include <algorithm>

#include "memory/layout.h"

namespace vmm {

namespace {

// Removes [cut.addr, cut.addr + cut.size) from every RAM entry, keeping what lies either side.
std::vector<E820Entry> cut_out(const std::vector<E820Entry>& ram, const AddrRange& cut) {
  const std::uint64_t cut_end = cut.addr + cut.size;
  std::vector<E820Entry> out;
  for (const E820Entry& e : ram) {
    if (cut_end <= e.addr || e.end() <= cut.addr) {
      out.push_back(e);
      continue;
    }
    if (e.addr < cut.addr) out.push_back({e.addr, cut.addr - e.addr, e.type});
    if (cut_end < e.end()) out.push_back({cut_end, e.end() - cut_end, e.type});
  }
  return out;
}

}  // namespace

std::vector<E820Entry> build_e820(const GuestMemory& memory,
                                  std::span<const AddrRange> reserved) {
  std::vector<AddrRange> holes(reserved.begin(), reserved.end());
  holes.push_back({layout::kLegacyReservedStart,
                   layout::kLegacyReservedEnd - layout::kLegacyReservedStart});

  std::vector<E820Entry> ram;
  for (const RamRange& r : memory.ranges()) ram.push_back({r.guest_addr, r.size, E820Type::kRam});
  for (const AddrRange& hole : holes) {
    if (hole.size == 0) continue;
    ram = cut_out(ram, hole);
  }

  std::vector<E820Entry> all = ram;
  for (const AddrRange& hole : holes)
    if (hole.size != 0) all.push_back({hole.addr, hole.size, E820Type::kReserved});
  std::sort(all.begin(), all.end(),
            [](const E820Entry& a, const E820Entry& b) { return a.addr < b.addr; });

  std::vector<E820Entry> merged;
  for (const E820Entry& e : all) {
    if (!merged.empty() && merged.back().type == e.type && merged.back().end() == e.addr)
      merged.back().size += e.size;
    else
      merged.push_back(e);
  }
  return merged;
}

}  // namespace vmm
