#include "devices/pci/pci_root.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <vector>

#include "devices/pci/pci_registers.h"
#include "tests/unit/pci/pci_fakes.h"

namespace vmm {
namespace {

using testing::kWindow32;
constexpr std::uint64_t kWindow32Size = 0x10000000;
using testing::kWindow64;
constexpr std::uint64_t kWindow64Size = 0x10'0000'0000;

// BAR 0: 32-bit trapped, 4 KiB. BAR 2: 64-bit prefetchable device-mapped, 1 MiB.
class FakePciDevice : public PciDevice {
 public:
  explicit FakePciDevice(bool with_shm = true)
      : PciDevice(PciIds{0x1234, 0x0001, 0, 0xff0000, 0, 0}) {
    add_bar(0, 0x1000, PciBarType::Mem32, false, PciBarAccess::Trapped);
    if (with_shm) add_bar(2, 0x100000, PciBarType::Mem64, true, PciBarAccess::DeviceMapped);
    config().set_interrupt(0, pci::kPinIntA);
  }

  void bar_read(int bar, std::uint64_t offset, std::span<std::uint8_t> data) override {
    reads.push_back({bar, offset});
    for (auto& b : data) b = 0x5a;
  }
  void bar_write(int bar, std::uint64_t offset, std::span<const std::uint8_t>) override {
    writes.push_back({bar, offset});
  }
  void on_bar_moved(int bar, std::uint64_t address) override { moves.push_back({bar, address}); }

  void raise_intx(bool level) { set_intx(level); }

  std::vector<std::pair<int, std::uint64_t>> reads, writes, moves;
};

class PciRootTest : public ::testing::Test {
 protected:
  PciRootTest()
      : root_(mmio_, AddressAllocator(kWindow32, kWindow32Size),
              AddressAllocator(kWindow64, kWindow64Size), [this](std::uint32_t gsi) {
                auto line = std::make_shared<testing::RecordingIrqLine>();
                lines_[gsi] = line;
                return line;
              }) {}

  static std::uint32_t address(unsigned slot, unsigned reg, unsigned bus = 0, unsigned fn = 0) {
    return pci::kConfigAddressEnable | bus << 16 | slot << 11 | fn << 8 | (reg & 0xfc);
  }
  void select(std::uint32_t value) {
    std::uint8_t bytes[4];
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
    root_.write(0, bytes);
  }
  std::uint32_t cfg_read(unsigned slot, unsigned reg, std::size_t size = 4) {
    select(address(slot, reg));
    std::uint8_t bytes[4] = {};
    root_.read(pci::kConfigDataOffset + (reg & 3), std::span(bytes, size));
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < size; ++i) value |= std::uint32_t{bytes[i]} << (8 * i);
    return value;
  }
  void cfg_write(unsigned slot, unsigned reg, std::uint32_t value, std::size_t size = 4) {
    select(address(slot, reg));
    std::uint8_t bytes[4];
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
    root_.write(pci::kConfigDataOffset + (reg & 3), std::span(bytes, size));
  }
  void set_decode(unsigned slot, bool on) {
    const std::uint32_t command = cfg_read(slot, pci::kCommand, 2);
    cfg_write(slot, pci::kCommand,
              on ? command | pci::kCommandMemorySpace : command & ~pci::kCommandMemorySpace, 2);
  }
  bool on_bus(std::uint64_t base) {
    for (const auto& range : mmio_.ranges())
      if (range.base == base) return true;
    return false;
  }
  std::optional<std::uint64_t> mapped(unsigned slot, int bar) {
    for (const auto& m : root_.bar_mappings())
      if (m.slot == slot && m.bar == bar) return m.mapped;
    return std::nullopt;
  }

  Bus mmio_;
  std::map<std::uint32_t, std::shared_ptr<testing::RecordingIrqLine>> lines_;
  PciRoot root_;
};

TEST_F(PciRootTest, AddressRegisterReadsBackAndIgnoresNarrowAccesses) {
  select(0x80000000);
  std::uint8_t bytes[4] = {};
  root_.read(0, bytes);
  EXPECT_EQ(bytes[3], 0x80);
  select(0xffffffff);  // reserved bits 30:24 and 1:0 read zero
  root_.read(0, bytes);
  EXPECT_EQ(bytes[0] | bytes[1] << 8 | bytes[2] << 16 | std::uint32_t{bytes[3]} << 24,
            0x80fffffcu);
  std::uint8_t one = 0x01;
  root_.write(3, std::span(&one, 1));  // what Linux's type-1 probe pokes at 0xcfb
  root_.read(3, std::span(&one, 1));
  EXPECT_EQ(one, 0xff);
}

TEST_F(PciRootTest, HostBridgeAtSlotZero) {
  EXPECT_EQ(cfg_read(0, pci::kVendorId), 0x29c08086u);
  EXPECT_EQ(cfg_read(0, pci::kRevisionId) >> 8, pci::kClassHostBridge);
  EXPECT_EQ(cfg_read(0, pci::kHeaderType, 1), 0u);  // single function
}

TEST_F(PciRootTest, AbsentFunctionsReadAllOnes) {
  EXPECT_EQ(cfg_read(1, 0), 0xffffffffu);
  select(address(0, 0, 0, 1));  // function 1 of the host bridge
  std::uint8_t bytes[4];
  root_.read(pci::kConfigDataOffset, bytes);
  EXPECT_EQ(bytes[0] & bytes[1] & bytes[2] & bytes[3], 0xff);
  select(address(0, 0, 1));  // bus 1
  root_.read(pci::kConfigDataOffset, bytes);
  EXPECT_EQ(bytes[0] & bytes[1] & bytes[2] & bytes[3], 0xff);
  select(address(0, 0) & ~pci::kConfigAddressEnable);  // enable bit clear
  root_.read(pci::kConfigDataOffset, bytes);
  EXPECT_EQ(bytes[0] & bytes[1] & bytes[2] & bytes[3], 0xff);
  cfg_write(7, pci::kCommand, 0xffff);  // writes to nobody are dropped
}

TEST_F(PciRootTest, NarrowDataAccessesUseTheByteOffset) {
  EXPECT_EQ(cfg_read(0, 0x00, 2), 0x8086u);
  EXPECT_EQ(cfg_read(0, 0x02, 2), 0x29c0u);
  EXPECT_EQ(cfg_read(0, 0x0b, 1), 0x06u);  // base class
  // A 4-byte access at 0xcfd would cross the data register.
  select(address(0, 0));
  std::uint8_t bytes[4] = {};
  root_.read(pci::kConfigDataOffset + 1, std::span(bytes, 3));
  EXPECT_EQ(bytes[0], 0xff);
}

TEST_F(PciRootTest, AddDeviceAssignsBarsAndMapsTrappedOnes) {
  auto device = std::make_shared<FakePciDevice>();
  EXPECT_EQ(root_.add_device(device, "fake"), 1);
  EXPECT_EQ(cfg_read(1, 0), 0x00011234u);
  const std::uint64_t bar0 = device->config().bar_address(0);
  const std::uint64_t bar2 = device->config().bar_address(2);
  EXPECT_EQ(bar0, kWindow32);
  EXPECT_EQ(bar2, kWindow64);  // 64-bit prefetchable comes from the 64-bit window
  EXPECT_TRUE(cfg_read(1, pci::kCommand, 2) & pci::kCommandMemorySpace);
  EXPECT_EQ(device->moves, (std::vector<std::pair<int, std::uint64_t>>{{0, bar0}, {2, bar2}}));

  ASSERT_EQ(mmio_.ranges().size(), 1u);  // only the trapped BAR is on the bus
  EXPECT_EQ(mmio_.ranges()[0].base, bar0);
  EXPECT_EQ(mmio_.ranges()[0].size, 0x1000u);
  std::uint8_t data[4];
  ASSERT_TRUE(mmio_.read(bar0 + 0x10, data));
  EXPECT_EQ(data[0], 0x5a);
  ASSERT_TRUE(mmio_.write(bar0 + 0x20, data));
  EXPECT_EQ(device->reads, (std::vector<std::pair<int, std::uint64_t>>{{0, 0x10}}));
  EXPECT_EQ(device->writes, (std::vector<std::pair<int, std::uint64_t>>{{0, 0x20}}));
}

TEST_F(PciRootTest, SizingWithDecodeOffMovesNothing) {
  auto device = std::make_shared<FakePciDevice>();
  root_.add_device(device, "fake");
  const std::uint32_t bar0 = cfg_read(1, pci::kBar0);
  const std::uint32_t bar2_lo = cfg_read(1, pci::kBar0 + 8);
  const std::uint32_t bar2_hi = cfg_read(1, pci::kBar0 + 12);
  device->moves.clear();

  set_decode(1, false);
  EXPECT_TRUE(mmio_.ranges().empty());
  cfg_write(1, pci::kBar0, 0xffffffff);
  EXPECT_EQ(cfg_read(1, pci::kBar0), 0xfffff000u);
  cfg_write(1, pci::kBar0, bar0);
  cfg_write(1, pci::kBar0 + 8, 0xffffffff);
  cfg_write(1, pci::kBar0 + 12, 0xffffffff);
  EXPECT_EQ(cfg_read(1, pci::kBar0 + 8), 0xfff0000cu);
  EXPECT_EQ(cfg_read(1, pci::kBar0 + 12), 0xffffffffu);
  cfg_write(1, pci::kBar0 + 8, bar2_lo);
  cfg_write(1, pci::kBar0 + 12, bar2_hi);
  set_decode(1, true);

  EXPECT_TRUE(on_bus(bar0));
  EXPECT_TRUE(device->moves.empty());
}

TEST_F(PciRootTest, MovingATrappedBarMovesItsBusRange) {
  auto device = std::make_shared<FakePciDevice>();
  root_.add_device(device, "fake");
  const std::uint64_t old = device->config().bar_address(0);
  device->moves.clear();
  const std::uint64_t target = kWindow32 + 0x80000;
  cfg_write(1, pci::kBar0, static_cast<std::uint32_t>(target));  // decode still on
  EXPECT_FALSE(on_bus(old));
  EXPECT_TRUE(on_bus(target));
  EXPECT_EQ(device->moves, (std::vector<std::pair<int, std::uint64_t>>{{0, target}}));
  EXPECT_EQ(mapped(1, 0), target);
  // The old place is free again for the allocator's next user.
  auto second = std::make_shared<FakePciDevice>(false);
  root_.add_device(second, "second");
  EXPECT_EQ(second->config().bar_address(0), old);
}

TEST_F(PciRootTest, DecodeOffUnmapsTrappedBarsAndOnRemaps) {
  auto device = std::make_shared<FakePciDevice>();
  root_.add_device(device, "fake");
  const std::uint64_t bar0 = device->config().bar_address(0);
  device->moves.clear();
  set_decode(1, false);
  EXPECT_FALSE(on_bus(bar0));
  EXPECT_FALSE(mapped(1, 0));
  EXPECT_EQ(mapped(1, 2), kWindow64);  // device-mapped memory stays where it is
  set_decode(1, true);
  EXPECT_TRUE(on_bus(bar0));
  EXPECT_TRUE(device->moves.empty());  // same address as last reported
}

TEST_F(PciRootTest, BarMovedOntoAnotherDeviceIsRefused) {
  auto a = std::make_shared<FakePciDevice>(false);
  auto b = std::make_shared<FakePciDevice>(false);
  root_.add_device(a, "a");
  root_.add_device(b, "b");
  const std::uint64_t a_bar = a->config().bar_address(0);
  const std::uint64_t b_bar = b->config().bar_address(0);
  cfg_write(2, pci::kBar0, static_cast<std::uint32_t>(a_bar));
  EXPECT_FALSE(on_bus(b_bar));
  EXPECT_FALSE(mapped(2, 0));
  std::uint8_t data[4];
  ASSERT_TRUE(mmio_.read(a_bar, data));  // a still answers its range
  EXPECT_EQ(a->reads.size(), 1u);
  EXPECT_TRUE(b->reads.empty());
  // Moved again to a free place, it works again.
  cfg_write(2, pci::kBar0, static_cast<std::uint32_t>(kWindow32 + 0x100000));
  EXPECT_TRUE(on_bus(kWindow32 + 0x100000));
}

TEST_F(PciRootTest, RefusedBarIsRetriedWhenDecodeIsToggled) {
  auto a = std::make_shared<FakePciDevice>(false);
  auto b = std::make_shared<FakePciDevice>(false);
  root_.add_device(a, "a");
  root_.add_device(b, "b");
  const std::uint64_t a_bar = a->config().bar_address(0);
  cfg_write(2, pci::kBar0, static_cast<std::uint32_t>(a_bar));
  EXPECT_FALSE(mapped(2, 0));
  cfg_write(1, pci::kBar0, static_cast<std::uint32_t>(kWindow32 + 0x100000));  // a moves away
  EXPECT_FALSE(mapped(2, 0));  // b is not retried behind the guest's back
  set_decode(2, false);
  set_decode(2, true);
  EXPECT_EQ(mapped(2, 0), a_bar);
  EXPECT_TRUE(on_bus(a_bar));
}

TEST_F(PciRootTest, BarMovedOntoRamOrOutsideTheWindowsIsRefused) {
  auto device = std::make_shared<FakePciDevice>();
  root_.add_device(device, "fake");
  device->moves.clear();
  cfg_write(1, pci::kBar0, 0x00100000);  // guest RAM
  EXPECT_FALSE(mapped(1, 0));
  EXPECT_TRUE(mmio_.ranges().empty());
  cfg_write(1, pci::kBar0, 0xfee00000);  // LAPIC
  EXPECT_FALSE(mapped(1, 0));
  // The device-mapped BAR keeps its old place rather than going to RAM.
  cfg_write(1, pci::kBar0 + 12, 0);
  cfg_write(1, pci::kBar0 + 8, 0x00200000);
  EXPECT_EQ(mapped(1, 2), kWindow64);
  EXPECT_TRUE(device->moves.empty());
}

TEST_F(PciRootTest, BarMovedOntoAForeignBusRangeIsRefused) {
  struct Dummy : BusDevice {
    void read(std::uint64_t, std::span<std::uint8_t>) override {}
    void write(std::uint64_t, std::span<const std::uint8_t>) override {}
  };
  mmio_.add(kWindow32 + 0x200000, 0x1000, std::make_shared<Dummy>(), "foreign");
  auto device = std::make_shared<FakePciDevice>();
  root_.add_device(device, "fake");
  cfg_write(1, pci::kBar0, static_cast<std::uint32_t>(kWindow32 + 0x200000));
  EXPECT_FALSE(mapped(1, 0));
  cfg_write(1, pci::kBar0, static_cast<std::uint32_t>(kWindow32 + 0x300000));
  EXPECT_EQ(mapped(1, 0), kWindow32 + 0x300000);
}

TEST_F(PciRootTest, DeviceMappedBarFollowsTheGuest) {
  auto device = std::make_shared<FakePciDevice>();
  root_.add_device(device, "fake");
  device->moves.clear();
  const std::uint64_t target = kWindow64 + 0x4000'0000;
  set_decode(1, false);
  cfg_write(1, pci::kBar0 + 8, static_cast<std::uint32_t>(target));
  cfg_write(1, pci::kBar0 + 12, static_cast<std::uint32_t>(target >> 32));
  EXPECT_TRUE(device->moves.empty());  // nothing happens while decode is off
  set_decode(1, true);
  EXPECT_EQ(device->moves, (std::vector<std::pair<int, std::uint64_t>>{{2, target}}));
  EXPECT_EQ(mapped(1, 2), target);
  // A 64-bit BAR may also be placed in the 32-bit window.
  cfg_write(1, pci::kBar0 + 12, 0);
  cfg_write(1, pci::kBar0 + 8, static_cast<std::uint32_t>(kWindow32 + 0x100000));
  EXPECT_EQ(mapped(1, 2), kWindow32 + 0x100000);
}

TEST_F(PciRootTest, IntxRoutingSwizzlesOntoGsis16To19) {
  std::vector<std::shared_ptr<FakePciDevice>> devices;
  for (int i = 0; i < 5; ++i) {
    devices.push_back(std::make_shared<FakePciDevice>(false));
    root_.add_device(devices.back(), "d" + std::to_string(i));
  }
  const auto routes = root_.irq_routes();
  ASSERT_EQ(routes.size(), 5u);
  const std::uint32_t expected[] = {17, 18, 19, 16, 17};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(routes[i].slot, i + 1);
    EXPECT_EQ(routes[i].pin, pci::kPinIntA);
    EXPECT_EQ(routes[i].gsi, expected[i]);
    EXPECT_EQ(cfg_read(i + 1, pci::kInterruptLine, 1), expected[i]);
  }
  EXPECT_EQ(lines_.size(), 4u);
  // Slots 1 and 5 share GSI 17: the line is the OR of both.
  devices[0]->raise_intx(true);
  devices[4]->raise_intx(true);
  devices[0]->raise_intx(false);
  EXPECT_TRUE(lines_[17]->level());
  devices[4]->raise_intx(false);
  EXPECT_FALSE(lines_[17]->level());
}

TEST_F(PciRootTest, InterruptDisableMasksIntx) {
  auto device = std::make_shared<FakePciDevice>(false);
  root_.add_device(device, "fake");
  device->raise_intx(true);
  EXPECT_TRUE(lines_[17]->level());
  const std::uint32_t command = cfg_read(1, pci::kCommand, 2);
  cfg_write(1, pci::kCommand, command | pci::kCommandIntxDisable, 2);
  EXPECT_FALSE(lines_[17]->level());
  cfg_write(1, pci::kCommand, command, 2);
  EXPECT_TRUE(lines_[17]->level());
}

TEST_F(PciRootTest, SlotsRunOut) {
  for (int i = 0; i < 31; ++i) root_.add_device(std::make_shared<FakePciDevice>(false), "d");
  EXPECT_THROW(root_.add_device(std::make_shared<FakePciDevice>(false), "one too many"),
               std::runtime_error);
  EXPECT_THROW(root_.add_device(nullptr, "null"), std::invalid_argument);
}

TEST_F(PciRootTest, WindowExhaustionLeavesNothingBehind) {
  Bus mmio;
  PciRoot small(mmio, AddressAllocator(kWindow32, 0x1000), AddressAllocator(kWindow64, 0x1000),
                [](std::uint32_t) { return std::make_shared<testing::RecordingIrqLine>(); });
  // BAR 0 fits, the 1 MiB BAR 2 does not: BAR 0 must be released again.
  EXPECT_THROW(small.add_device(std::make_shared<FakePciDevice>(), "big"), std::runtime_error);
  EXPECT_TRUE(mmio.ranges().empty());
  EXPECT_NO_THROW(small.add_device(std::make_shared<FakePciDevice>(false), "fits"));
  EXPECT_EQ(mmio.ranges().size(), 1u);
}

TEST_F(PciRootTest, ConstructorChecksWindows) {
  Bus mmio;
  auto lines = [](std::uint32_t) { return std::make_shared<testing::RecordingIrqLine>(); };
  EXPECT_THROW(PciRoot(mmio, AddressAllocator(0xf000'0000, 0x2000'0000),
                       AddressAllocator(kWindow64, 0x1000), lines),
               std::invalid_argument);
  EXPECT_THROW(PciRoot(mmio, AddressAllocator(kWindow32, 0x1000),
                       AddressAllocator(kWindow32, 0x1000), lines),
               std::invalid_argument);
  EXPECT_THROW(PciRoot(mmio, AddressAllocator(kWindow32, 0x1000),
                       AddressAllocator(kWindow64, 0x1000), nullptr),
               std::invalid_argument);
}

TEST_F(PciRootTest, DestructorUnregistersTrappedBars) {
  Bus mmio;
  {
    PciRoot root(mmio, AddressAllocator(kWindow32, kWindow32Size),
                 AddressAllocator(kWindow64, kWindow64Size),
                 [](std::uint32_t) { return std::make_shared<testing::RecordingIrqLine>(); });
    root.add_device(std::make_shared<FakePciDevice>(), "fake");
    EXPECT_EQ(mmio.ranges().size(), 1u);
  }
  EXPECT_TRUE(mmio.ranges().empty());
}

}  // namespace
}  // namespace vmm
