// MSI-X capability and table layout (PCI Local Bus 3.0 §6.8.2).
#pragma once

#include <cstdint>

namespace vmm::msix {

// Capability, offsets from its start. Message control: bits 10:0 table size - 1,
// bit 14 function mask, bit 15 enable (the only guest-writable bits).
inline constexpr std::uint16_t kCapMessageControl = 2;
inline constexpr std::uint16_t kCapTable = 4;  // bits 2:0 BIR, 31:3 offset
inline constexpr std::uint16_t kCapPba = 8;    // bits 2:0 BIR, 31:3 offset
inline constexpr std::uint16_t kCapLength = 12;

inline constexpr std::uint16_t kControlTableSizeMask = 0x07ff;
inline constexpr std::uint16_t kControlFunctionMask = 1u << 14;
inline constexpr std::uint16_t kControlEnable = 1u << 15;
inline constexpr std::uint32_t kBirMask = 0x7;

inline constexpr std::uint16_t kMaxVectors = 2048;

// Table entry: 16 bytes per vector.
inline constexpr std::uint64_t kEntrySize = 16;
inline constexpr std::uint64_t kEntryAddressLow = 0;
inline constexpr std::uint64_t kEntryAddressHigh = 4;
inline constexpr std::uint64_t kEntryData = 8;
inline constexpr std::uint64_t kEntryVectorControl = 12;
inline constexpr std::uint32_t kVectorControlMask = 1u << 0;

}  // namespace vmm::msix
