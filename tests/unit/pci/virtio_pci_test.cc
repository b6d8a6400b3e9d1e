// The virtio-pci transport driven the way a guest driver drives it: through PciRoot's
// configuration ports and BAR 0 on the MMIO bus.
#include "devices/virtio/virtio_pci.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

#include "devices/pci/msix_registers.h"
#include "devices/pci/pci_registers.h"
#include "devices/pci/pci_root.h"
#include "devices/virtio/virtio_pci_registers.h"
#include "tests/unit/pci/pci_fakes.h"

namespace vmm {
namespace {

using namespace virtio_pci;

using testing::kWindow32;
using testing::kWindow64;
constexpr std::uint64_t kShmSize = 256ull << 20;
constexpr std::uint64_t kFeatureVirgl = 1ull << 0;
constexpr std::uint64_t kFeatureBlob = 1ull << 3;
constexpr std::uint64_t kVersion1 = 1ull << kFeatureVersion1;

struct FakeVirtioDevice : VirtioDevice {
  std::uint16_t device_id() const override { return 16; }
  std::uint64_t device_features() const override { return kFeatureVirgl | kFeatureBlob; }
  std::vector<std::uint16_t> queue_max_sizes() const override { return max_sizes; }
  void read_config(std::uint64_t offset, std::span<std::uint8_t> data) override {
    config_reads.push_back(offset);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(0x30 + offset + i);
  }
  void write_config(std::uint64_t offset, std::span<const std::uint8_t>) override {
    config_writes.push_back(offset);
  }
  std::vector<SharedMemoryRegionInfo> shared_memory_regions() const override { return regions; }
  void set_shared_memory_base(std::uint8_t id, std::uint64_t address) override {
    shm_bases.push_back({id, address});
  }
  void activate(std::uint64_t features, std::vector<Virtqueue*> q, VirtioInterrupt& irq) override {
    ++activations;
    negotiated = features;
    queues = std::move(q);
    interrupt = &irq;
  }
  void notify_queue(std::uint16_t index) override { notified.push_back(index); }
  void reset() override {
    ++resets;
    queues.clear();
    interrupt = nullptr;
  }

  std::vector<std::uint16_t> max_sizes = {64, 16};
  std::vector<SharedMemoryRegionInfo> regions = {{1, kShmSize}};
  std::vector<std::uint64_t> config_reads, config_writes;
  std::vector<std::pair<std::uint8_t, std::uint64_t>> shm_bases;
  int activations = 0, resets = 0;
  std::uint64_t negotiated = 0;
  std::vector<Virtqueue*> queues;
  VirtioInterrupt* interrupt = nullptr;
  std::vector<std::uint16_t> notified;
};

class VirtioPciTest : public ::testing::Test {
 protected:
  VirtioPciTest()
      : memory_(GuestMemory::from_ranges({{0, 16ull << 20, "ram"}})),
        root_(mmio_, AddressAllocator(kWindow32, 0x1000'0000),
              AddressAllocator(kWindow64, 0x10'0000'0000), [this](std::uint32_t gsi) {
                auto line = std::make_shared<testing::RecordingIrqLine>();
                lines_[gsi] = line;
                return line;
              }) {
    auto fake = std::make_unique<FakeVirtioDevice>();
    fake_ = fake.get();
    device_ = std::make_shared<VirtioPciDevice>(std::move(fake), memory_, msi_);
    slot_ = root_.add_device(device_, "virtio-gpu");
    bar0_ = device_->config().bar_address(0);
  }

  // --- configuration space, through the ports -------------------------------------------
  void select(unsigned reg) {
    const std::uint32_t a = pci::kConfigAddressEnable | slot_ << 11 | (reg & 0xfc);
    const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(a >> 8),
                                   static_cast<std::uint8_t>(a >> 16),
                                   static_cast<std::uint8_t>(a >> 24)};
    root_.write(0, bytes);
  }
  std::uint32_t cfg(unsigned reg, std::size_t size = 4) {
    select(reg);
    std::uint8_t bytes[4] = {};
    root_.read(pci::kConfigDataOffset + (reg & 3), std::span(bytes, size));
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < size; ++i) v |= std::uint32_t{bytes[i]} << (8 * i);
    return v;
  }
  void cfg_write(unsigned reg, std::uint32_t value, std::size_t size = 4) {
    select(reg);
    std::uint8_t bytes[4];
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
    root_.write(pci::kConfigDataOffset + (reg & 3), std::span(bytes, size));
  }

  // The driver's capability walk: every vendor capability by cfg_type.
  std::map<std::uint8_t, std::uint8_t> virtio_caps() {
    std::map<std::uint8_t, std::uint8_t> found;
    for (unsigned p = cfg(pci::kCapabilityPointer, 1); p != 0; p = cfg(p + 1, 1)) {
      if (cfg(p, 1) == pci::kCapIdVendor) found[static_cast<std::uint8_t>(cfg(p + kCapCfgType, 1))] = p;
    }
    return found;
  }
  std::optional<std::uint8_t> find_cap(std::uint8_t id) {
    for (unsigned p = cfg(pci::kCapabilityPointer, 1); p != 0; p = cfg(p + 1, 1))
      if (cfg(p, 1) == id) return static_cast<std::uint8_t>(p);
    return std::nullopt;
  }

  std::uint64_t bar_size(int bar) {
    const unsigned reg = pci::kBar0 + 4 * bar;
    const std::uint32_t command = cfg(pci::kCommand, 2);
    cfg_write(pci::kCommand, command & ~pci::kCommandMemorySpace, 2);
    const std::uint32_t lo = cfg(reg), hi = cfg(reg + 4);
    cfg_write(reg, 0xffffffff);
    cfg_write(reg + 4, 0xffffffff);
    const std::uint64_t mask = (std::uint64_t{cfg(reg + 4)} << 32) | (cfg(reg) & ~0xfu);
    cfg_write(reg, lo);
    cfg_write(reg + 4, hi);
    cfg_write(pci::kCommand, command, 2);
    return ~mask + 1;
  }

  // --- BAR 0, through the MMIO bus ------------------------------------------------------
  std::uint64_t mmio_read(std::uint64_t offset, std::size_t size) {
    std::uint8_t bytes[8] = {};
    EXPECT_TRUE(mmio_.read(bar0_ + offset, std::span(bytes, size)));
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < size; ++i) v |= std::uint64_t{bytes[i]} << (8 * i);
    return v;
  }
  void mmio_write(std::uint64_t offset, std::uint64_t value, std::size_t size) {
    std::uint8_t bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
    EXPECT_TRUE(mmio_.write(bar0_ + offset, std::span(bytes, size)));
  }
  std::uint64_t common(std::uint64_t field, std::size_t size) { return mmio_read(kCommonOffset + field, size); }
  void set_common(std::uint64_t field, std::uint64_t value, std::size_t size) {
    mmio_write(kCommonOffset + field, value, size);
  }
  std::uint8_t status() { return static_cast<std::uint8_t>(common(kDeviceStatus, 1)); }
  void add_status(std::uint8_t bits) { set_common(kDeviceStatus, status() | bits, 1); }

  void negotiate(std::uint64_t features) {
    add_status(kStatusAcknowledge | kStatusDriver);
    set_common(kDriverFeatureSelect, 0, 4);
    set_common(kDriverFeature, features & 0xffffffff, 4);
    set_common(kDriverFeatureSelect, 1, 4);
    set_common(kDriverFeature, features >> 32, 4);
    add_status(kStatusFeaturesOk);
  }
  // Queue `index` with its rings at `base` (desc, then avail, then used, all in RAM).
  void setup_queue(std::uint16_t index, std::uint16_t size, std::uint64_t base) {
    set_common(kQueueSelect, index, 2);
    set_common(kQueueSize, size, 2);
    set_common(kQueueDesc, base, 8);
    set_common(kQueueDriver, base + 0x1000, 8);
    set_common(kQueueDevice, base + 0x2000, 8);
    set_common(kQueueEnable, 1, 2);
  }
  // Version 1 negotiated, queue 0 (16 entries at 1 MiB) set up, DRIVER_OK: the device is
  // active. With `msix_vectors` the driver first gives config changes vector 0 and queue 0
  // vector 1.
  void activate_queue0(bool msix_vectors = false) {
    negotiate(kVersion1);
    if (msix_vectors) set_common(kConfigMsixVector, 0, 2);
    setup_queue(0, 16, 0x100000);
    if (msix_vectors) set_common(kQueueMsixVector, 1, 2);
    add_status(kStatusDriverOk);
  }

  // MSI-X on, vector v -> data 0x40 + v, unmasked.
  void enable_msix() {
    const std::uint8_t cap = *find_cap(pci::kCapIdMsix);
    for (std::uint16_t v = 0; v < 3; ++v) {
      const std::uint64_t entry = kMsixTableOffset + v * msix::kEntrySize;
      mmio_write(entry + msix::kEntryAddressLow, 0xfee00000, 4);
      mmio_write(entry + msix::kEntryAddressHigh, 0, 4);
      mmio_write(entry + msix::kEntryData, 0x40 + v, 4);
      mmio_write(entry + msix::kEntryVectorControl, 0, 4);
    }
    cfg_write(cap + msix::kCapMessageControl, msix::kControlEnable, 2);
  }

  GuestMemory memory_;
  Bus mmio_;
  testing::RecordingMsiSender msi_;
  std::map<std::uint32_t, std::shared_ptr<testing::RecordingIrqLine>> lines_;
  PciRoot root_;
  FakeVirtioDevice* fake_ = nullptr;
  std::shared_ptr<VirtioPciDevice> device_;
  std::uint8_t slot_ = 0;
  std::uint64_t bar0_ = 0;
};

TEST_F(VirtioPciTest, PciIdentity) {
  EXPECT_EQ(cfg(pci::kVendorId, 2), 0x1af4u);
  EXPECT_EQ(cfg(pci::kDeviceId, 2), 0x1050u);  // 0x1040 + 16 (GPU)
  EXPECT_EQ(cfg(pci::kRevisionId, 1), 1u);
  EXPECT_EQ(cfg(pci::kRevisionId) >> 8, 0x038000u);
  EXPECT_EQ(cfg(pci::kSubsystemVendorId, 2), 0x1af4u);
  EXPECT_GE(cfg(pci::kSubsystemId, 2), 0x40u);
  EXPECT_EQ(cfg(pci::kHeaderType, 1), 0u);
  EXPECT_EQ(cfg(pci::kInterruptPin, 1), pci::kPinIntA);
}

TEST_F(VirtioPciTest, CapabilityChainAsADriverWalksIt) {
  const auto caps = virtio_caps();
  for (std::uint8_t type : {kCfgCommon, kCfgNotify, kCfgIsr, kCfgDevice, kCfgSharedMemory, kCfgPci})
    ASSERT_TRUE(caps.count(type)) << "cfg_type " << int(type);
  ASSERT_TRUE(find_cap(pci::kCapIdMsix));

  const std::map<std::uint8_t, unsigned> lengths = {{kCfgCommon, 16}, {kCfgNotify, 20},
                                                    {kCfgIsr, 16},    {kCfgDevice, 16},
                                                    {kCfgSharedMemory, 24}, {kCfgPci, 20}};
  for (const auto& [type, len] : lengths) EXPECT_EQ(cfg(caps.at(type) + kCapLen, 1), len);

  const std::uint64_t bar0_size = bar_size(0);
  EXPECT_EQ(bar0_size, kRegisterBarSize);
  for (std::uint8_t type : {kCfgCommon, kCfgNotify, kCfgIsr, kCfgDevice}) {
    const unsigned p = caps.at(type);
    EXPECT_EQ(cfg(p + kCapBar, 1), 0u);
    EXPECT_LE(cfg(p + kCapOffset) + std::uint64_t{cfg(p + kCapLength)}, bar0_size);
  }
  EXPECT_GE(cfg(caps.at(kCfgCommon) + kCapLength), 0x38u);
  EXPECT_EQ(cfg(caps.at(kCfgNotify) + kNotifyCapMultiplier), 4u);
  EXPECT_GE(cfg(caps.at(kCfgNotify) + kCapLength), 2u * 4u);

  const unsigned shm = caps.at(kCfgSharedMemory);
  EXPECT_EQ(cfg(shm + kCapBar, 1), 2u);
  EXPECT_EQ(cfg(shm + kCapId, 1), 1u);
  const std::uint64_t offset = cfg(shm + kCapOffset) | std::uint64_t{cfg(shm + kCap64OffsetHi)} << 32;
  const std::uint64_t length = cfg(shm + kCapLength) | std::uint64_t{cfg(shm + kCap64LengthHi)} << 32;
  EXPECT_EQ(offset, 0u);
  EXPECT_EQ(length, kShmSize);
  EXPECT_EQ(bar_size(2), kShmSize);
}

TEST_F(VirtioPciTest, BarTypesAndPlacement) {
  EXPECT_EQ(cfg(pci::kBar0) & 0xf, 0x4u);       // 64-bit, not prefetchable
  EXPECT_EQ(cfg(pci::kBar0 + 8) & 0xf, 0xcu);   // 64-bit, prefetchable
  EXPECT_EQ(bar0_, kWindow32);
  EXPECT_EQ(device_->config().bar_address(2), kWindow64);
  // The shared memory base was given to the device at assignment.
  EXPECT_EQ(fake_->shm_bases, (std::vector<std::pair<std::uint8_t, std::uint64_t>>{{1, kWindow64}}));
  // BAR 0 is trapped; BAR 2 is left to the device.
  ASSERT_EQ(mmio_.ranges().size(), 1u);
  EXPECT_EQ(mmio_.ranges()[0].size, kRegisterBarSize);
}

TEST_F(VirtioPciTest, FeatureNegotiation) {
  set_common(kDeviceFeatureSelect, 0, 4);
  const std::uint64_t low = common(kDeviceFeature, 4);
  set_common(kDeviceFeatureSelect, 1, 4);
  const std::uint64_t high = common(kDeviceFeature, 4);
  const std::uint64_t offered = low | high << 32;
  EXPECT_EQ(offered & (kFeatureVirgl | kFeatureBlob), kFeatureVirgl | kFeatureBlob);
  EXPECT_TRUE(offered & kVersion1);
  EXPECT_TRUE(offered & (1ull << kFeatureEventIdx));
  set_common(kDeviceFeatureSelect, 2, 4);
  EXPECT_EQ(common(kDeviceFeature, 4), 0u);

  negotiate(kVersion1 | kFeatureBlob);
  EXPECT_TRUE(status() & kStatusFeaturesOk);
  EXPECT_EQ(device_->driver_features(), kVersion1 | kFeatureBlob);
  // Once accepted, features are fixed.
  set_common(kDriverFeatureSelect, 0, 4);
  set_common(kDriverFeature, 0, 4);
  EXPECT_EQ(common(kDriverFeature, 4), kFeatureBlob);
}

TEST_F(VirtioPciTest, FeaturesOkRefusedWithoutVersion1) {
  negotiate(kFeatureBlob);
  EXPECT_FALSE(status() & kStatusFeaturesOk);
  EXPECT_EQ(status(), kStatusAcknowledge | kStatusDriver);
}

TEST_F(VirtioPciTest, FeaturesOkRefusedForUnofferedBits) {
  negotiate(kVersion1 | (1ull << 5));
  EXPECT_FALSE(status() & kStatusFeaturesOk);
}

TEST_F(VirtioPciTest, DriverOkNeedsFeaturesOk) {
  add_status(kStatusAcknowledge | kStatusDriver | kStatusDriverOk);
  EXPECT_FALSE(status() & kStatusDriverOk);
  EXPECT_EQ(fake_->activations, 0);
}

TEST_F(VirtioPciTest, QueueRegisters) {
  EXPECT_EQ(common(kNumQueues, 2), 2u);
  set_common(kQueueSelect, 0, 2);
  EXPECT_EQ(common(kQueueSize, 2), 64u);
  set_common(kQueueSize, 32, 2);
  EXPECT_EQ(common(kQueueSize, 2), 32u);
  set_common(kQueueSize, 48, 2);   // not a power of two
  set_common(kQueueSize, 128, 2);  // above the maximum
  set_common(kQueueSize, 0, 2);
  EXPECT_EQ(common(kQueueSize, 2), 32u);
  set_common(kQueueSelect, 1, 2);
  EXPECT_EQ(common(kQueueSize, 2), 16u);
  EXPECT_EQ(common(kQueueNotifyOff, 2), 1u);
  // 64-bit addresses as two 32-bit halves (what Linux does) and as one 64-bit access.
  set_common(kQueueDesc, 0x12345000, 4);
  set_common(kQueueDesc + 4, 0x1, 4);
  EXPECT_EQ(common(kQueueDesc, 8), 0x1'12345000u);
  set_common(kQueueDriver, 0x2'00000100, 8);
  EXPECT_EQ(common(kQueueDriver, 4), 0x100u);
  EXPECT_EQ(common(kQueueDriver + 4, 4), 0x2u);
  set_common(kQueueDevice, 0x3000, 8);
  EXPECT_EQ(common(kQueueDevice, 8), 0x3000u);
  // Vectors: out of range reads back NO_VECTOR.
  set_common(kQueueMsixVector, 2, 2);
  EXPECT_EQ(common(kQueueMsixVector, 2), 2u);
  set_common(kQueueMsixVector, 3, 2);
  EXPECT_EQ(common(kQueueMsixVector, 2), kNoVector);
  set_common(kConfigMsixVector, 0, 2);
  EXPECT_EQ(common(kConfigMsixVector, 2), 0u);
  set_common(kConfigMsixVector, 100, 2);
  EXPECT_EQ(common(kConfigMsixVector, 2), kNoVector);
  // A queue that does not exist has size 0 and ignores writes.
  set_common(kQueueSelect, 7, 2);
  EXPECT_EQ(common(kQueueSize, 2), 0u);
  set_common(kQueueEnable, 1, 2);
  EXPECT_EQ(common(kQueueEnable, 2), 0u);
}

TEST_F(VirtioPciTest, DriverOkActivatesWithValidatedQueues) {
  negotiate(kVersion1 | (1ull << kFeatureEventIdx));
  setup_queue(0, 32, 0x100000);  // queue 1 left disabled
  add_status(kStatusDriverOk);
  EXPECT_TRUE(status() & kStatusDriverOk);
  ASSERT_EQ(fake_->activations, 1);
  EXPECT_EQ(fake_->negotiated, kVersion1 | (1ull << kFeatureEventIdx));
  ASSERT_EQ(fake_->queues.size(), 2u);
  ASSERT_NE(fake_->queues[0], nullptr);
  EXPECT_EQ(fake_->queues[1], nullptr);
  EXPECT_EQ(fake_->queues[0]->config().size, 32);
  EXPECT_EQ(fake_->queues[0]->config().desc_addr, 0x100000u);
  EXPECT_EQ(fake_->queues[0]->config().avail_addr, 0x101000u);
  EXPECT_EQ(fake_->queues[0]->config().used_addr, 0x102000u);
  EXPECT_TRUE(fake_->queues[0]->config().event_idx);
  // A live queue's registers are frozen.
  set_common(kQueueSelect, 0, 2);
  set_common(kQueueDesc, 0x200000, 8);
  EXPECT_EQ(common(kQueueDesc, 8), 0x100000u);
}

TEST_F(VirtioPciTest, BadQueueSetsNeedsResetInsteadOfActivating) {
  negotiate(kVersion1);
  setup_queue(0, 32, 0x2000'0000);  // beyond the 16 MiB of RAM
  add_status(kStatusDriverOk);
  EXPECT_EQ(fake_->activations, 0);
  EXPECT_TRUE(status() & kStatusNeedsReset);
  // The config-change interrupt went out as INTx with ISR bit 1 (MSI-X is off).
  const std::uint32_t gsi = cfg(pci::kInterruptLine, 1);
  EXPECT_TRUE(lines_.at(gsi)->level());
  EXPECT_EQ(mmio_read(kIsrOffset, 1), kIsrConfig);
  EXPECT_FALSE(lines_.at(gsi)->level());
  // The driver cannot clear NEEDS_RESET except by resetting.
  set_common(kDeviceStatus, kStatusAcknowledge, 1);
  EXPECT_TRUE(status() & kStatusNeedsReset);
  set_common(kDeviceStatus, 0, 1);
  EXPECT_EQ(status(), 0);
}

TEST_F(VirtioPciTest, ResetClearsEverything) {
  activate_queue0(/*msix_vectors=*/true);
  ASSERT_EQ(fake_->activations, 1);
  set_common(kDeviceStatus, 0, 1);
  EXPECT_EQ(fake_->resets, 1);
  EXPECT_EQ(status(), 0);
  EXPECT_EQ(device_->driver_features(), 0u);
  EXPECT_EQ(common(kConfigMsixVector, 2), kNoVector);
  EXPECT_EQ(common(kQueueSelect, 2), 0u);
  EXPECT_EQ(common(kQueueSize, 2), 64u);
  EXPECT_EQ(common(kQueueEnable, 2), 0u);
  EXPECT_EQ(common(kQueueDesc, 8), 0u);
  EXPECT_EQ(common(kQueueMsixVector, 2), kNoVector);
  // Notifications after reset go nowhere.
  mmio_write(kNotifyOffset, 0, 2);
  EXPECT_TRUE(fake_->notified.empty());
  // And the device can be brought up again.
  activate_queue0();
  EXPECT_EQ(fake_->activations, 2);
}

TEST_F(VirtioPciTest, NotifyDispatchesByQueue) {
  mmio_write(kNotifyOffset + 4, 1, 2);  // before DRIVER_OK: ignored
  negotiate(kVersion1);
  setup_queue(0, 16, 0x100000);
  setup_queue(1, 16, 0x200000);
  add_status(kStatusDriverOk);
  mmio_write(kNotifyOffset + 4, 1, 2);
  mmio_write(kNotifyOffset + 0, 0, 2);
  mmio_write(kNotifyOffset + 8, 2, 2);  // queue 2 does not exist
  EXPECT_EQ(fake_->notified, (std::vector<std::uint16_t>{1, 0}));
}

TEST_F(VirtioPciTest, NotifySkipsDisabledQueue) {
  activate_queue0();
  mmio_write(kNotifyOffset + 4, 1, 2);
  EXPECT_TRUE(fake_->notified.empty());
}

TEST_F(VirtioPciTest, MsixDelivery) {
  enable_msix();
  negotiate(kVersion1);
  set_common(kConfigMsixVector, 0, 2);
  setup_queue(0, 16, 0x100000);
  set_common(kQueueMsixVector, 1, 2);
  setup_queue(1, 16, 0x200000);  // no vector: the driver polls this one
  add_status(kStatusDriverOk);
  ASSERT_NE(fake_->interrupt, nullptr);

  fake_->interrupt->signal_used_queue(0);
  fake_->interrupt->signal_config_change();
  fake_->interrupt->signal_used_queue(1);
  ASSERT_EQ(msi_.sent.size(), 2u);
  EXPECT_EQ(msi_.sent[0].address, 0xfee00000u);
  EXPECT_EQ(msi_.sent[0].data, 0x41u);
  EXPECT_EQ(msi_.sent[1].data, 0x40u);
  EXPECT_EQ(common(kConfigGeneration, 1), 1u);
  // No INTx and no ISR bits while MSI-X is on.
  EXPECT_EQ(mmio_read(kIsrOffset, 1), 0u);
  for (const auto& [gsi, line] : lines_) EXPECT_FALSE(line->level());

  // A masked vector is held pending (PBA bit) and sent when unmasked.
  mmio_write(kMsixTableOffset + 16 + msix::kEntryVectorControl, 1, 4);
  fake_->interrupt->signal_used_queue(0);
  EXPECT_EQ(msi_.sent.size(), 2u);
  EXPECT_EQ(mmio_read(kMsixPbaOffset, 8), 0x2u);
  mmio_write(kMsixTableOffset + 16 + msix::kEntryVectorControl, 0, 4);
  ASSERT_EQ(msi_.sent.size(), 3u);
  EXPECT_EQ(msi_.sent[2].data, 0x41u);
}

TEST_F(VirtioPciTest, IntxAndIsrWithoutMsix) {
  activate_queue0();
  const std::uint32_t gsi = cfg(pci::kInterruptLine, 1);
  ASSERT_TRUE(lines_.count(gsi));
  fake_->interrupt->signal_used_queue(0);
  EXPECT_TRUE(lines_[gsi]->level());
  fake_->interrupt->signal_config_change();
  EXPECT_EQ(mmio_read(kIsrOffset, 1), kIsrQueue | kIsrConfig);  // read clears
  EXPECT_FALSE(lines_[gsi]->level());
  EXPECT_EQ(mmio_read(kIsrOffset, 1), 0u);
  EXPECT_TRUE(msi_.sent.empty());
}

TEST_F(VirtioPciTest, SharedMemoryBarMoveReachesTheDevice) {
  fake_->shm_bases.clear();
  const std::uint64_t target = kWindow64 + 0x8000'0000;
  const std::uint32_t command = cfg(pci::kCommand, 2);
  cfg_write(pci::kCommand, command & ~pci::kCommandMemorySpace, 2);
  cfg_write(pci::kBar0 + 8, static_cast<std::uint32_t>(target));
  cfg_write(pci::kBar0 + 12, static_cast<std::uint32_t>(target >> 32));
  cfg_write(pci::kCommand, command, 2);
  EXPECT_EQ(fake_->shm_bases, (std::vector<std::pair<std::uint8_t, std::uint64_t>>{{1, target}}));
}

TEST_F(VirtioPciTest, RegisterBarMoveMovesTheTrappedRange) {
  const std::uint64_t target = kWindow32 + 0x10'0000;
  cfg_write(pci::kBar0, static_cast<std::uint32_t>(target));
  ASSERT_EQ(mmio_.ranges().size(), 1u);
  EXPECT_EQ(mmio_.ranges()[0].base, target);
  std::uint8_t byte[2];
  EXPECT_FALSE(mmio_.read(bar0_ + kCommonOffset + kNumQueues, byte));
  bar0_ = target;
  EXPECT_EQ(common(kNumQueues, 2), 2u);
}

TEST_F(VirtioPciTest, DeviceConfigPassesThrough) {
  EXPECT_EQ(mmio_read(kDeviceCfgOffset + 8, 4), 0x3b3a3938u);
  mmio_write(kDeviceCfgOffset + 4, 1, 4);
  EXPECT_EQ(fake_->config_reads, (std::vector<std::uint64_t>{8}));
  EXPECT_EQ(fake_->config_writes, (std::vector<std::uint64_t>{4}));
}

TEST_F(VirtioPciTest, PciCfgCapabilityReachesBar0) {
  const unsigned cap = virtio_caps().at(kCfgPci);
  cfg_write(cap + kCapBar, 0, 1);
  cfg_write(cap + kCapOffset, kCommonOffset + kNumQueues);
  cfg_write(cap + kCapLength, 2);
  EXPECT_EQ(cfg(cap + kPciCfgCapData) & 0xffff, 2u);
  // A write through the window: queue_select = 1.
  cfg_write(cap + kCapOffset, kCommonOffset + kQueueSelect);
  cfg_write(cap + kPciCfgCapData, 1);
  EXPECT_EQ(common(kQueueSelect, 2), 1u);
  // A window outside BAR 0 or misaligned does nothing.
  cfg_write(cap + kCapOffset, 0x7fff);
  cfg_write(cap + kPciCfgCapData, 0);
  cfg_write(cap + kCapBar, 2, 1);
  cfg_write(cap + kCapOffset, 0);
  cfg_write(cap + kPciCfgCapData, 0);
  EXPECT_EQ(common(kQueueSelect, 2), 1u);
}

TEST_F(VirtioPciTest, BadRegisterAccessesAreHarmless) {
  EXPECT_EQ(mmio_read(kCommonOffset + 0x40, 4), 0xffffffffu);  // past the structure
  EXPECT_EQ(mmio_read(0x6000, 4), 0xffffffffu);                  // unused page
  EXPECT_EQ(mmio_read(kIsrOffset + 8, 1), 0xffu);
  EXPECT_EQ(mmio_read(kIsrOffset - 2, 4), 0xffffffffu);          // crosses a page
  mmio_write(kIsrOffset, 0xff, 1);
  mmio_write(kMsixPbaOffset, 0xff, 8);
  mmio_write(kCommonOffset + kDeviceStatus, 0xffff, 2);  // wrong width: ignored
  EXPECT_EQ(status(), 0);
  mmio_write(kCommonOffset + kNumQueues, 7, 2);  // read-only
  EXPECT_EQ(common(kNumQueues, 2), 2u);
  mmio_write(kCommonOffset + 0x3e, 7, 2);
}

// vCPUs notifying and reading registers, the device signalling from its own thread, and
// the driver switching MSI-X on and off, all at once: no deadlock, no lost state (run under
// TSan to check the locking).
TEST_F(VirtioPciTest, ConcurrentAccessFromSeveralThreads) {
  activate_queue0(/*msix_vectors=*/true);
  VirtioInterrupt* interrupt = fake_->interrupt;
  ASSERT_NE(interrupt, nullptr);
  const std::uint8_t msix_cap = *find_cap(pci::kCapIdMsix);
  constexpr int kRounds = 2000;

  std::thread device_thread([&] {
    for (int i = 0; i < kRounds; ++i) {
      interrupt->signal_used_queue(0);
      if (i % 16 == 0) interrupt->signal_config_change();
    }
  });
  std::thread vcpu_thread([&] {
    for (int i = 0; i < kRounds; ++i) {
      std::uint8_t bytes[2] = {0, 0};
      mmio_.write(bar0_ + kNotifyOffset, bytes);
      mmio_.read(bar0_ + kCommonOffset + kNumQueues, bytes);
      mmio_.read(bar0_ + kIsrOffset, std::span(bytes, 1));
    }
  });
  for (int i = 0; i < kRounds / 10; ++i) {
    cfg_write(msix_cap + msix::kCapMessageControl, (i % 2) ? msix::kControlEnable : 0, 2);
    cfg(pci::kVendorId);
  }
  device_thread.join();
  vcpu_thread.join();
  EXPECT_EQ(fake_->notified.size(), static_cast<std::size_t>(kRounds));
  EXPECT_EQ(common(kConfigGeneration, 1), (kRounds / 16) % 256);
}

TEST(VirtioPciConstructionTest, RejectsBadDevices) {
  const GuestMemory memory = GuestMemory::from_ranges({{0, 16ull << 20, "ram"}});
  testing::RecordingMsiSender msi;
  EXPECT_THROW(VirtioPciDevice(nullptr, memory, msi), std::invalid_argument);
  auto no_queues = std::make_unique<FakeVirtioDevice>();
  no_queues->max_sizes.clear();
  EXPECT_THROW(VirtioPciDevice(std::move(no_queues), memory, msi), std::invalid_argument);
  auto odd_queue = std::make_unique<FakeVirtioDevice>();
  odd_queue->max_sizes = {100};
  EXPECT_THROW(VirtioPciDevice(std::move(odd_queue), memory, msi), std::invalid_argument);
  auto odd_shm = std::make_unique<FakeVirtioDevice>();
  odd_shm->regions = {{1, 3 << 20}};
  EXPECT_THROW(VirtioPciDevice(std::move(odd_shm), memory, msi), std::invalid_argument);
  auto many_shm = std::make_unique<FakeVirtioDevice>();
  many_shm->regions = {{1, 4096}, {2, 4096}, {3, 4096}};
  EXPECT_THROW(VirtioPciDevice(std::move(many_shm), memory, msi), std::invalid_argument);
}

}  // namespace
}  // namespace vmm
