#include "vmm/memtype/pat.h"

namespace vmm::memtype {

unsigned pat_index(std::uint64_t leaf_entry, bool large_page) {
  // In a 2 MiB or 1 GiB leaf bit 7 is PS, which is always set there: reading it as PAT would
  // move every large page to the upper half of the table.
  const std::uint64_t pat_bit = large_page ? kPtePatLarge : kPtePat4K;
  return ((leaf_entry & pat_bit) ? 4u : 0u) | ((leaf_entry & kPtePcd) ? 2u : 0u) |
         ((leaf_entry & kPtePwt) ? 1u : 0u);
}

std::uint8_t pat_field(std::uint64_t pat_msr, unsigned index) {
  // There are eight fields; a larger index reads as 0xff, a reserved encoding, rather than
  // as a shift past the register's width or as field 0 (UC).
  if (index > 7) return 0xff;
  return static_cast<std::uint8_t>(pat_msr >> (8 * index));
}

std::optional<MemoryType> pat_entry(std::uint64_t pat_msr, unsigned index) {
  // Only bits 2:0 of a field hold the type; bits 7:3 are reserved, so any of them set makes
  // the field invalid, as do the reserved encodings 2 and 3.
  return memory_type_from_encoding(pat_field(pat_msr, index));
}

}  // namespace vmm::memtype
