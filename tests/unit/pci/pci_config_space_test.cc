#include "devices/pci/pci_config_space.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "devices/pci/pci_registers.h"

namespace vmm {
namespace {

PciIds test_ids() { return PciIds{0x1234, 0x5678, 2, 0x038000, 0xaaaa, 0xbbbb}; }

TEST(PciConfigSpaceTest, HeaderFieldsAreReadOnly) {
  PciConfigSpace config(test_ids());
  EXPECT_EQ(config.read(0x00, 4), 0x56781234u);
  EXPECT_EQ(config.read(0x08, 4), 0x03800002u);  // class 03 80 00, revision 2
  EXPECT_EQ(config.read(0x2c, 4), 0xbbbbaaaau);
  EXPECT_EQ(config.read8(pci::kHeaderType), 0);
  config.write(0x00, 4, 0xffffffff);
  config.write(0x08, 4, 0);
  config.write(0x2c, 4, 0);
  EXPECT_EQ(config.read(0x00, 4), 0x56781234u);
  EXPECT_EQ(config.read(0x08, 4), 0x03800002u);
  EXPECT_EQ(config.read(0x2c, 4), 0xbbbbaaaau);
}

TEST(PciConfigSpaceTest, CommandAndInterruptLineAreWritable) {
  PciConfigSpace config(test_ids());
  config.set_interrupt(17, pci::kPinIntA);
  config.write(pci::kCommand, 2, 0xffff);
  EXPECT_EQ(config.command(), pci::kCommandWritable);
  config.write(pci::kInterruptLine, 1, 5);
  EXPECT_EQ(config.read8(pci::kInterruptLine), 5);
  config.write(pci::kInterruptPin, 1, 3);
  EXPECT_EQ(config.read8(pci::kInterruptPin), pci::kPinIntA);
  // Status stays as the device set it.
  config.write(pci::kStatus, 2, 0xffff);
  EXPECT_EQ(config.read(pci::kStatus, 2), 0u);
}

TEST(PciConfigSpaceTest, BadGuestAccessesReadAllOnesAndAreIgnored) {
  PciConfigSpace config(test_ids());
  EXPECT_EQ(config.read(0xfe, 4), 0xffffffffu);
  EXPECT_EQ(config.read(0x100, 1), 0xffffffffu);
  EXPECT_EQ(config.read(0x00, 3), 0xffffffffu);
  EXPECT_FALSE(config.write(0xfd, 4, 0));
  EXPECT_FALSE(config.write(0x04, 8, 0));
  EXPECT_EQ(config.read(0xfc, 4), 0u);
  EXPECT_THROW(config.set32(0xfe, 0), std::out_of_range);
}

TEST(PciConfigSpaceTest, CapabilityListIsLinked) {
  PciConfigSpace config(test_ids());
  EXPECT_EQ(config.read16(pci::kStatus) & pci::kStatusCapabilityList, 0);
  const std::vector<std::uint8_t> first = {1, 2, 3};  // 5 bytes in all
  const std::vector<std::uint8_t> second = {20, 9, 9, 9};
  const std::uint8_t a = config.add_capability(0x11, first);
  const std::uint8_t b = config.add_capability(0x09, second);
  EXPECT_EQ(a, 0x40);
  EXPECT_EQ(b, 0x48);  // dword-aligned after a's 5 bytes
  EXPECT_EQ(config.read8(pci::kCapabilityPointer), a);
  EXPECT_NE(config.read16(pci::kStatus) & pci::kStatusCapabilityList, 0);
  EXPECT_EQ(config.read8(a), 0x11);
  EXPECT_EQ(config.read8(a + 1), b);
  EXPECT_EQ(config.read8(a + 2), 1);
  EXPECT_EQ(config.read8(b), 0x09);
  EXPECT_EQ(config.read8(b + 1), 0);
  EXPECT_EQ(config.read8(b + 2), 20);
  // Capabilities are read-only unless the device says otherwise.
  config.write(a, 4, 0);
  EXPECT_EQ(config.read8(a), 0x11);
  config.set_write_mask(b + 3, 1, 0x0f);
  config.write(b + 3, 1, 0xff);
  EXPECT_EQ(config.read8(b + 3), 0x0f);
}

TEST(PciConfigSpaceTest, CapabilityThatDoesNotFitThrows) {
  PciConfigSpace config(test_ids());
  const std::vector<std::uint8_t> big(180, 0);
  config.add_capability(0x09, big);
  const std::vector<std::uint8_t> more(20, 0);
  EXPECT_THROW(config.add_capability(0x09, more), std::length_error);
}

TEST(PciConfigSpaceTest, Bar32SizingProtocol) {
  PciConfigSpace config(test_ids());
  config.add_bar(0, 0x4000, PciBarType::Mem32, false);
  config.set_bar_address(0, 0xc0004000);
  EXPECT_EQ(config.read(pci::kBar0, 4), 0xc0004000u);
  config.write(pci::kBar0, 4, 0xffffffff);
  EXPECT_EQ(config.read(pci::kBar0, 4), 0xffffc000u);
  config.write(pci::kBar0, 4, 0xd0001234);
  EXPECT_EQ(config.bar_address(0), 0xd0000000u);  // low bits hard-wired to zero
  EXPECT_EQ(config.bar_info(0)->size, 0x4000u);
}

TEST(PciConfigSpaceTest, Bar64PrefetchableSizingProtocol) {
  PciConfigSpace config(test_ids());
  config.add_bar(2, std::uint64_t{1} << 33, PciBarType::Mem64, true);  // 8 GiB
  config.set_bar_address(2, 0x40'0000'0000);
  EXPECT_EQ(config.read(pci::kBar0 + 8, 4), 0x0000000cu);  // 64-bit, prefetchable
  EXPECT_EQ(config.read(pci::kBar0 + 12, 4), 0x40u);
  config.write(pci::kBar0 + 8, 4, 0xffffffff);
  config.write(pci::kBar0 + 12, 4, 0xffffffff);
  EXPECT_EQ(config.read(pci::kBar0 + 8, 4), 0x0000000cu);
  EXPECT_EQ(config.read(pci::kBar0 + 12, 4), 0xfffffffeu);
  EXPECT_FALSE(config.bar_info(3));  // upper half is not a BAR of its own
  EXPECT_EQ(config.bar_address(3), 0u);
  config.write(pci::kBar0 + 8, 4, 0);
  config.write(pci::kBar0 + 12, 4, 0x80);
  EXPECT_EQ(config.bar_address(2), 0x80'0000'0000u);
}

TEST(PciConfigSpaceTest, UnusedBarsReadZeroAndIgnoreWrites) {
  PciConfigSpace config(test_ids());
  config.write(pci::kBar0 + 4, 4, 0xffffffff);
  EXPECT_EQ(config.read(pci::kBar0 + 4, 4), 0u);
}

TEST(PciConfigSpaceTest, AddBarRejectsBadDeclarations) {
  PciConfigSpace config(test_ids());
  EXPECT_THROW(config.add_bar(6, 0x1000, PciBarType::Mem32, false), std::invalid_argument);
  EXPECT_THROW(config.add_bar(5, 0x1000, PciBarType::Mem64, false), std::invalid_argument);
  EXPECT_THROW(config.add_bar(0, 0x1800, PciBarType::Mem32, false), std::invalid_argument);
  EXPECT_THROW(config.add_bar(0, 8, PciBarType::Mem32, false), std::invalid_argument);
  EXPECT_THROW(config.add_bar(0, std::uint64_t{1} << 32, PciBarType::Mem32, false),
               std::invalid_argument);
  config.add_bar(0, 0x1000, PciBarType::Mem64, false);
  EXPECT_THROW(config.add_bar(1, 0x1000, PciBarType::Mem32, false), std::invalid_argument);
  EXPECT_THROW(config.add_bar(0, 0x1000, PciBarType::Mem32, false), std::invalid_argument);
}

}  // namespace
}  // namespace vmm
