// The identity map the vCPU starts with: guest-virtual == guest-physical for [0, 4 GiB),
// built from 2 MiB pages (PML4 -> one PDPT -> four page directories). No 1 GiB pages: they
// fault under PVM although CPUID advertises them (design.md, PVM notes).
#pragma once

#include <cstdint>

#include "memory/guest_memory.h"

namespace vmm {

namespace pte {
inline constexpr std::uint64_t kPresent = 1 << 0;
inline constexpr std::uint64_t kWritable = 1 << 1;
inline constexpr std::uint64_t kWriteThrough = 1 << 3;  // PWT
inline constexpr std::uint64_t kCacheDisable = 1 << 4;  // PCD
inline constexpr std::uint64_t kPageSizeBit = 1 << 7;   // PS: a 2 MiB page in a PD entry
}  // namespace pte

// Writes the tables at `pml4` (one page), `pdpt` (one page) and `pd` (four consecutive
// pages) and returns the CR3 value. The MMIO hole (layout::kMmioHoleStart..kMmioHoleEnd) is
// mapped PCD|PWT, i.e. PAT entry 3 = UC with the power-on PAT: device registers must not be
// cached, and with no variable MTRRs (the default type is WB) nothing else says so. All
// other memory is WB. Throws BootError if a table page is not in guest RAM.
std::uint64_t write_identity_page_tables(const GuestMemory& memory, std::uint64_t pml4,
                                         std::uint64_t pdpt, std::uint64_t pd);

}  // namespace vmm
