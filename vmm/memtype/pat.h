// The page attribute table: which IA32_PAT entry a leaf paging-structure entry selects, and
// what that entry holds. Intel SDM Vol. 3A 11.12.3 (Table 11-11, Selecting a Memory Type
// from the PAT); AMD APM Vol. 2 7.8.2.
#pragma once

#include <cstdint>
#include <optional>

#include "vmm/memtype/memory_type.h"

namespace vmm::memtype {

inline constexpr std::uint32_t kMsrPat = 0x277;
// After power-up or reset: WB, WT, UC-, UC, WB, WT, UC-, UC (SDM Table 11-12).
inline constexpr std::uint64_t kPatPowerOn = 0x0007040600070406ull;
// What Linux programs (arch/x86/mm/pat/memtype.c): WB, WC, UC-, UC, WB, WP, UC-, WT.
inline constexpr std::uint64_t kPatLinux = 0x0407050600070106ull;

// Leaf-entry bits that select the entry: PWT (bit 3), PCD (bit 4), and PAT, which is bit 7 in
// an entry that maps a 4 KiB page and bit 12 in one that maps a 2 MiB or 1 GiB page (bit 7 is
// PS there). The same layout is used by AMD's nested page tables.
inline constexpr std::uint64_t kPtePwt = 1ull << 3;
inline constexpr std::uint64_t kPtePcd = 1ull << 4;
inline constexpr std::uint64_t kPtePat4K = 1ull << 7;
inline constexpr std::uint64_t kPtePatLarge = 1ull << 12;

// PAT << 2 | PCD << 1 | PWT, 0..7.
unsigned pat_index(std::uint64_t leaf_entry, bool large_page);

// The raw 8-bit field `index` of an IA32_PAT value; 0xff (reserved) for an index past 7.
std::uint8_t pat_field(std::uint64_t pat_msr, unsigned index);
// The type in entry `index`; nullopt when the field holds a reserved encoding (a real CPU
// refuses such a WRMSR with #GP, so seeing one means the value did not come from a CPU).
std::optional<MemoryType> pat_entry(std::uint64_t pat_msr, unsigned index);

}  // namespace vmm::memtype
