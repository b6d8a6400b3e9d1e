// Where boot puts each structure in guest-physical memory. All of it below the legacy
// reserved region (0x9fc00), apart from the kernel at 1 MiB and the initrd at the top of
// low RAM, so a 16 MiB guest (layout::kMinRamSize) has room for everything.
//
//   0x00500  GDT (6 slots)            0x09000  PML4
//   0x00580  TSS (104 bytes, zeroed)  0x0a000  PDPT
//   0x07000  zero page (boot_params)  0x0b000  4 page directories (0x0b000..0x0efff)
//   0x08000  boot stack page, rsp = 0x8ff0
//   0x20000  command line buffer (64 KiB)
//   0x30000  setup_data area (64 KiB; reserved in e820 only as far as it is used)
//   0x100000 protected-mode kernel (64-bit entry at +0x200)
#pragma once

#include <cstdint>

#include "base/page.h"
#include "memory/layout.h"

namespace vmm::boot_layout {

using vmm::kPageSize;  // base/page.h

inline constexpr std::uint64_t kGdtAddr = 0x500;
inline constexpr std::uint64_t kTssAddr = 0x580;
inline constexpr std::uint64_t kZeroPageAddr = 0x7000;
inline constexpr std::uint64_t kStackPageAddr = 0x8000;
// Top of the stack page, 16-byte aligned as the SysV ABI wants at a call boundary.
inline constexpr std::uint64_t kStackPointer = 0x8ff0;
inline constexpr std::uint64_t kPml4Addr = 0x9000;
inline constexpr std::uint64_t kPdptAddr = 0xa000;
inline constexpr std::uint64_t kPdAddr = 0xb000;  // kPdCount consecutive pages
inline constexpr std::uint64_t kPdCount = 4;      // one per GiB of the identity map
inline constexpr std::uint64_t kCmdlineAddr = 0x20000;
inline constexpr std::uint64_t kCmdlineCapacity = 0x10000;  // includes the NUL
inline constexpr std::uint64_t kSetupDataAddr = 0x30000;
inline constexpr std::uint64_t kSetupDataCapacity = 0x10000;
// The classic bzImage load address. A relocatable kernel moves itself to its runtime start
// (see kernel_placement.h) when it decompresses, so loading every kernel here is always right.
inline constexpr std::uint64_t kKernelLoadAddr = 0x100000;

// The low structures must not overlap each other and must sit in RAM that e820 reports
// usable, below the legacy reserved region.
static_assert(kGdtAddr + 6 * 8 <= kTssAddr);
static_assert(kTssAddr + 104 <= kZeroPageAddr);
static_assert(kZeroPageAddr + kPageSize <= kStackPageAddr);
static_assert(kStackPageAddr < kStackPointer && kStackPointer <= kPml4Addr);
static_assert(kPml4Addr + kPageSize <= kPdptAddr);
static_assert(kPdptAddr + kPageSize <= kPdAddr);
static_assert(kPdAddr + kPdCount * kPageSize <= kCmdlineAddr);
static_assert(kCmdlineAddr + kCmdlineCapacity <= kSetupDataAddr);
static_assert(kSetupDataAddr + kSetupDataCapacity <= layout::kLegacyReservedStart);
static_assert(layout::kLegacyReservedEnd <= kKernelLoadAddr);

}  // namespace vmm::boot_layout
