// virtio-pci modern transport (virtio 1.2 §4.1): capability layout, common configuration
// offsets, device status and feature bits, and where this VMM puts each structure in BAR 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/page.h"

namespace vmm::virtio_pci {

// PCI identity (§4.1.2): vendor 0x1af4, device 0x1040 + virtio device id, revision >= 1
// for a non-transitional device, subsystem device id 0x40 or higher.
inline constexpr std::uint16_t kVendorId = 0x1af4;
inline constexpr std::uint16_t kDeviceIdBase = 0x1040;
inline constexpr std::uint8_t kRevision = 1;
inline constexpr std::uint16_t kSubsystemId = 0x1100;

// struct virtio_pci_cap (§4.1.4), offsets from the capability start.
inline constexpr std::uint8_t kCapLen = 2;
inline constexpr std::uint8_t kCapCfgType = 3;
inline constexpr std::uint8_t kCapBar = 4;
inline constexpr std::uint8_t kCapId = 5;
inline constexpr std::uint8_t kCapOffset = 8;
inline constexpr std::uint8_t kCapLength = 12;
inline constexpr std::uint8_t kCapSize = 16;
// struct virtio_pci_notify_cap: + notify_off_multiplier.
inline constexpr std::uint8_t kNotifyCapMultiplier = 16;
inline constexpr std::uint8_t kNotifyCapSize = 20;
// struct virtio_pci_cap64 (shared memory): + offset_hi, length_hi. Linux insists on 24.
inline constexpr std::uint8_t kCap64OffsetHi = 16;
inline constexpr std::uint8_t kCap64LengthHi = 20;
inline constexpr std::uint8_t kCap64Size = 24;
// struct virtio_pci_cfg_cap: + pci_cfg_data[4].
inline constexpr std::uint8_t kPciCfgCapData = 16;
inline constexpr std::uint8_t kPciCfgCapSize = 20;

// cfg_type values.
inline constexpr std::uint8_t kCfgCommon = 1;
inline constexpr std::uint8_t kCfgNotify = 2;
inline constexpr std::uint8_t kCfgIsr = 3;
inline constexpr std::uint8_t kCfgDevice = 4;
inline constexpr std::uint8_t kCfgPci = 5;
inline constexpr std::uint8_t kCfgSharedMemory = 8;

// struct virtio_pci_common_cfg (§4.1.4.3), offsets within the common structure.
inline constexpr std::uint64_t kDeviceFeatureSelect = 0x00;  // le32
inline constexpr std::uint64_t kDeviceFeature = 0x04;        // le32, read-only
inline constexpr std::uint64_t kDriverFeatureSelect = 0x08;  // le32
inline constexpr std::uint64_t kDriverFeature = 0x0c;        // le32
inline constexpr std::uint64_t kConfigMsixVector = 0x10;     // le16
inline constexpr std::uint64_t kNumQueues = 0x12;            // le16, read-only
inline constexpr std::uint64_t kDeviceStatus = 0x14;         // u8
inline constexpr std::uint64_t kConfigGeneration = 0x15;     // u8, read-only
inline constexpr std::uint64_t kQueueSelect = 0x16;          // le16
inline constexpr std::uint64_t kQueueSize = 0x18;            // le16
inline constexpr std::uint64_t kQueueMsixVector = 0x1a;      // le16
inline constexpr std::uint64_t kQueueEnable = 0x1c;          // le16
inline constexpr std::uint64_t kQueueNotifyOff = 0x1e;       // le16, read-only
inline constexpr std::uint64_t kQueueDesc = 0x20;            // le64
inline constexpr std::uint64_t kQueueDriver = 0x28;          // le64
inline constexpr std::uint64_t kQueueDevice = 0x30;          // le64
inline constexpr std::uint64_t kCommonCfgSize = 0x38;  // without the 1.2 notif_config_data/reset

inline constexpr std::uint16_t kNoVector = 0xffff;

// Device status bits (§2.1).
inline constexpr std::uint8_t kStatusAcknowledge = 1;
inline constexpr std::uint8_t kStatusDriver = 2;
inline constexpr std::uint8_t kStatusDriverOk = 4;
inline constexpr std::uint8_t kStatusFeaturesOk = 8;
inline constexpr std::uint8_t kStatusNeedsReset = 0x40;
inline constexpr std::uint8_t kStatusFailed = 0x80;

// ISR status bits (§4.1.4.5).
inline constexpr std::uint8_t kIsrQueue = 1;
inline constexpr std::uint8_t kIsrConfig = 2;

// Transport feature bits (§6).
inline constexpr int kFeatureIndirectDesc = 28;
inline constexpr int kFeatureEventIdx = 29;
inline constexpr int kFeatureVersion1 = 32;

// BAR 0 (64-bit, non-prefetchable because ISR reads have side effects, trapped). Each
// structure starts on its own 4 KiB page so any of them could later be mapped separately.
inline constexpr int kRegisterBar = 0;
inline constexpr std::uint64_t kCommonOffset = 0x0000;
inline constexpr std::uint64_t kIsrOffset = 0x1000;
inline constexpr std::uint64_t kIsrSize = 1;
inline constexpr std::uint64_t kDeviceCfgOffset = 0x2000;
inline constexpr std::uint64_t kDeviceCfgSize = 0x1000;
inline constexpr std::uint64_t kNotifyOffset = 0x3000;
inline constexpr std::uint32_t kNotifyOffMultiplier = 4;
inline constexpr std::uint64_t kMsixTableOffset = 0x4000;
inline constexpr std::uint64_t kMsixPbaOffset = 0x5000;
inline constexpr std::uint64_t kRegisterBarSize = 0x8000;
using vmm::kPageSize;  // base/page.h
// Queues are limited so the notify area and an MSI-X table with a vector per queue plus one
// for config changes each fit in one page.
inline constexpr std::size_t kMaxQueues = 255;

// Shared memory regions: each in its own 64-bit prefetchable BAR, device-mapped.
inline constexpr int kSharedMemoryBars[] = {2, 4};

}  // namespace vmm::virtio_pci
