// The guest-physical map every vmm guest sees. One place, so boot (e820), the memory
// builder and later the PCI address allocator cannot disagree.
#pragma once

#include <cstdint>

namespace vmm::layout {

inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::uint64_t kMiB = 1024 * kKiB;
inline constexpr std::uint64_t kGiB = 1024 * kMiB;

// The below-4 GiB hole kept free of RAM for device MMIO (PCI 32-bit BARs, IOAPIC at
// 0xfec00000, LAPIC at 0xfee00000). RAM beyond kMmioHoleStart continues at 4 GiB.
inline constexpr std::uint64_t kMmioHoleStart = 3 * kGiB;
inline constexpr std::uint64_t kMmioHoleEnd = 4 * kGiB;
inline constexpr std::uint64_t kHighRamStart = kMmioHoleEnd;

// Windows the PCI BAR allocator hands out: 32-bit BARs from the MMIO hole below the IOAPIC,
// 64-bit prefetchable BARs (a device's shared memory regions) from above the end of RAM.
inline constexpr std::uint64_t kMmio32Start = kMmioHoleStart;
inline constexpr std::uint64_t kMmio32End = 0xfec00000;  // IOAPIC, LAPIC, KVM's TSS above
inline constexpr std::uint64_t kMmio64Alignment = kGiB;
inline constexpr std::uint64_t kMmio64Size = 64 * kGiB;

// The 64-bit window starts at the first GiB boundary at or above both 4 GiB and the end of
// RAM (`ram_end`: one past the highest RAM byte).
constexpr std::uint64_t mmio64_start(std::uint64_t ram_end) {
  const std::uint64_t floor = ram_end > kHighRamStart ? ram_end : kHighRamStart;
  return (floor + kMmio64Alignment - 1) / kMmio64Alignment * kMmio64Alignment;
}

// Legacy PC region that Linux expects not to be usable RAM: EBDA, VGA window, option ROMs
// and BIOS. It is backed by the low RAM slot but reported reserved in e820.
inline constexpr std::uint64_t kLegacyReservedStart = 0x9fc00;
inline constexpr std::uint64_t kLegacyReservedEnd = 0x100000;

// Smallest guest we build: room for the zero page, page tables and a 1 MiB-loaded kernel.
inline constexpr std::uint64_t kMinRamSize = 16 * kMiB;

}  // namespace vmm::layout
