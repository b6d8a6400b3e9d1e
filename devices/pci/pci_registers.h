// Type-0 PCI configuration header layout and bit numbers (PCI Local Bus 3.0 §6), plus the
// configuration mechanism #1 ports of PC hosts.
#pragma once

#include <cstdint>

namespace vmm::pci {

// Offsets in the 256-byte configuration space.
inline constexpr std::uint16_t kVendorId = 0x00;
inline constexpr std::uint16_t kDeviceId = 0x02;
inline constexpr std::uint16_t kCommand = 0x04;
inline constexpr std::uint16_t kStatus = 0x06;
inline constexpr std::uint16_t kRevisionId = 0x08;
inline constexpr std::uint16_t kClassCode = 0x09;  // 3 bytes: prog-if, subclass, class
inline constexpr std::uint16_t kCacheLineSize = 0x0c;
inline constexpr std::uint16_t kHeaderType = 0x0e;
inline constexpr std::uint16_t kBar0 = 0x10;
inline constexpr std::uint16_t kSubsystemVendorId = 0x2c;
inline constexpr std::uint16_t kSubsystemId = 0x2e;
inline constexpr std::uint16_t kCapabilityPointer = 0x34;
inline constexpr std::uint16_t kInterruptLine = 0x3c;
inline constexpr std::uint16_t kInterruptPin = 0x3d;

inline constexpr std::uint16_t kConfigSpaceSize = 256;
inline constexpr std::uint16_t kCapabilityStart = 0x40;  // first byte after the header
inline constexpr int kBarCount = 6;

// Command register bits the guest may change.
inline constexpr std::uint16_t kCommandIoSpace = 1u << 0;
inline constexpr std::uint16_t kCommandMemorySpace = 1u << 1;
inline constexpr std::uint16_t kCommandBusMaster = 1u << 2;
inline constexpr std::uint16_t kCommandParityResponse = 1u << 6;
inline constexpr std::uint16_t kCommandSerrEnable = 1u << 8;
inline constexpr std::uint16_t kCommandIntxDisable = 1u << 10;
inline constexpr std::uint16_t kCommandWritable = kCommandIoSpace | kCommandMemorySpace |
                                                  kCommandBusMaster | kCommandParityResponse |
                                                  kCommandSerrEnable | kCommandIntxDisable;

// Status register: a capability list is present.
inline constexpr std::uint16_t kStatusCapabilityList = 1u << 4;

// Memory BAR low bits (read-only type bits).
inline constexpr std::uint32_t kBarMemType64 = 0x2u << 1;
inline constexpr std::uint32_t kBarPrefetchable = 1u << 3;
inline constexpr std::uint32_t kBarMemTypeMask = 0xfu;  // bits 0-3: space, type, prefetch

// Header type 0 (a normal function); bit 7 would announce more functions.
inline constexpr std::uint8_t kHeaderTypeNormal = 0x00;

// Interrupt pin register values.
inline constexpr std::uint8_t kPinNone = 0;
inline constexpr std::uint8_t kPinIntA = 1;

// Capability ids.
inline constexpr std::uint8_t kCapIdVendor = 0x09;
inline constexpr std::uint8_t kCapIdMsix = 0x11;

// Configuration mechanism #1: an address register at 0xcf8 and a 4-byte data window at
// 0xcfc. Address: bit 31 enable, 23:16 bus, 15:11 device, 10:8 function, 7:2 register.
inline constexpr std::uint64_t kConfigAddressPort = 0xcf8;
inline constexpr std::uint64_t kConfigPortsSize = 8;  // 0xcf8..0xcff
inline constexpr std::uint64_t kConfigDataOffset = 4;  // 0xcfc relative to 0xcf8
inline constexpr std::uint32_t kConfigAddressEnable = 1u << 31;
inline constexpr std::uint32_t kConfigAddressMask = 0x80fffffcu;  // reserved bits read 0

inline constexpr int kSlotCount = 32;

// Host bridge at 00:00.0: QEMU q35's MCH ids, class "host bridge".
inline constexpr std::uint16_t kHostBridgeVendor = 0x8086;
inline constexpr std::uint16_t kHostBridgeDevice = 0x29c0;
inline constexpr std::uint32_t kClassHostBridge = 0x060000;

// Legacy INTx routing: the four lines INTA#..INTD# swizzled onto IOAPIC inputs 16..19.
inline constexpr std::uint32_t kIntxFirstGsi = 16;
inline constexpr std::uint32_t kIntxGsiCount = 4;

}  // namespace vmm::pci
