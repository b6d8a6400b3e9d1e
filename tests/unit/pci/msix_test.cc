#include "devices/pci/msix.h"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>

#include "devices/pci/msix_registers.h"
#include "devices/pci/pci_registers.h"
#include "tests/unit/pci/pci_fakes.h"

namespace vmm {
namespace {

class MsixTest : public ::testing::Test {
 protected:
  MsixTest() : config_(PciIds{0x1af4, 0x1050, 1, 0, 0, 0}), table_(3, sender_) {
    cap_ = table_.add_capability(config_, 0, 0x4000, 0, 0x5000);
  }

  // A guest write to message control, as PciDevice would pass it on.
  void write_control(std::uint16_t value) {
    config_.write(cap_ + msix::kCapMessageControl, 2, value);
    table_.config_written(config_, cap_ + msix::kCapMessageControl, 2);
  }

  void write32(std::uint64_t offset, std::uint32_t value) {
    std::array<std::uint8_t, 4> bytes;
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
    table_.table_write(offset, bytes);
  }

  std::uint32_t read32(std::uint64_t offset) {
    std::array<std::uint8_t, 4> bytes{};
    table_.table_read(offset, bytes);
    return bytes[0] | bytes[1] << 8 | bytes[2] << 16 | std::uint32_t{bytes[3]} << 24;
  }

  void program(std::uint16_t vector, std::uint64_t address, std::uint32_t data, bool masked) {
    const std::uint64_t at = vector * msix::kEntrySize;
    write32(at + msix::kEntryAddressLow, static_cast<std::uint32_t>(address));
    write32(at + msix::kEntryAddressHigh, static_cast<std::uint32_t>(address >> 32));
    write32(at + msix::kEntryData, data);
    write32(at + msix::kEntryVectorControl, masked ? msix::kVectorControlMask : 0);
  }

  std::uint8_t pba() {
    std::array<std::uint8_t, 1> byte{};
    table_.pba_read(0, byte);
    return byte[0];
  }

  testing::RecordingMsiSender sender_;
  PciConfigSpace config_;
  MsixTable table_;
  std::uint8_t cap_ = 0;
};

TEST_F(MsixTest, CapabilityDescribesTableAndPba) {
  EXPECT_EQ(config_.read8(cap_), pci::kCapIdMsix);
  EXPECT_EQ(config_.read16(cap_ + msix::kCapMessageControl), 2);  // table size - 1
  EXPECT_EQ(config_.read32(cap_ + msix::kCapTable), 0x4000u);      // BIR 0
  EXPECT_EQ(config_.read32(cap_ + msix::kCapPba), 0x5000u);
  EXPECT_EQ(table_.table_size(), 48u);
  EXPECT_EQ(table_.pba_size(), 8u);
  // Only enable and function mask are writable.
  config_.write(cap_ + msix::kCapMessageControl, 2, 0xffff);
  EXPECT_EQ(config_.read16(cap_ + msix::kCapMessageControl), 0xc002);
  config_.write(cap_ + msix::kCapTable, 4, 0);
  EXPECT_EQ(config_.read32(cap_ + msix::kCapTable), 0x4000u);
}

TEST_F(MsixTest, RejectsBadConstruction) {
  EXPECT_THROW(MsixTable(0, sender_), std::invalid_argument);
  EXPECT_THROW(MsixTable(2049, sender_), std::invalid_argument);
  MsixTable other(1, sender_);
  PciConfigSpace config(PciIds{});
  EXPECT_THROW(other.add_capability(config, 0, 0x4004, 0, 0x5000), std::invalid_argument);
  EXPECT_THROW(other.add_capability(config, 6, 0x4000, 0, 0x5000), std::invalid_argument);
}

TEST_F(MsixTest, VectorsStartMasked) {
  for (std::uint16_t v = 0; v < 3; ++v) EXPECT_TRUE(table_.vector_masked(v));
  EXPECT_EQ(read32(msix::kEntryVectorControl), msix::kVectorControlMask);
}

TEST_F(MsixTest, DisabledTriggerDoesNothing) {
  program(0, 0xfee00000, 0x41, false);
  EXPECT_FALSE(table_.trigger(0));
  EXPECT_TRUE(sender_.sent.empty());
  EXPECT_FALSE(table_.pending(0));
}

TEST_F(MsixTest, EnabledUnmaskedVectorSendsItsMessage) {
  program(1, 0x1'fee0'1000, 0x4242, false);
  write_control(msix::kControlEnable);
  EXPECT_TRUE(table_.enabled());
  EXPECT_TRUE(table_.trigger(1));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].address, 0x1'fee0'1000u);
  EXPECT_EQ(sender_.sent[0].data, 0x4242u);
  EXPECT_EQ(read32(16 + msix::kEntryData), 0x4242u);
}

TEST_F(MsixTest, MaskedVectorIsPendingUntilUnmasked) {
  program(2, 0xfee00000, 0x50, true);
  write_control(msix::kControlEnable);
  EXPECT_FALSE(table_.trigger(2));
  EXPECT_TRUE(table_.pending(2));
  EXPECT_EQ(pba(), 0x04);
  EXPECT_TRUE(sender_.sent.empty());
  write32(2 * msix::kEntrySize + msix::kEntryVectorControl, 0);  // unmask
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].data, 0x50u);
  EXPECT_FALSE(table_.pending(2));
  EXPECT_EQ(pba(), 0);
}

TEST_F(MsixTest, FunctionMaskHoldsAllVectors) {
  program(0, 0xfee00000, 1, false);
  program(1, 0xfee00000, 2, false);
  write_control(msix::kControlEnable | msix::kControlFunctionMask);
  EXPECT_FALSE(table_.trigger(0));
  EXPECT_FALSE(table_.trigger(1));
  EXPECT_EQ(pba(), 0x03);
  write_control(msix::kControlEnable);
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(sender_.sent[0].data, 1u);
  EXPECT_EQ(sender_.sent[1].data, 2u);
}

TEST_F(MsixTest, ByteWriteToControlHighByteIsSeen) {
  program(0, 0xfee00000, 1, false);
  config_.write(cap_ + 3, 1, 0x80);  // enable bit through the high byte only
  table_.config_written(config_, cap_ + 3, 1);
  EXPECT_TRUE(table_.enabled());
  EXPECT_TRUE(table_.trigger(0));
}

TEST_F(MsixTest, OutOfRangeAccessesAreHarmless) {
  std::array<std::uint8_t, 8> bytes{};
  table_.table_read(48, bytes);
  for (auto b : bytes) EXPECT_EQ(b, 0xff);
  table_.table_write(~std::uint64_t{0} - 2, bytes);
  table_.pba_read(8, bytes);
  for (auto b : bytes) EXPECT_EQ(b, 0xff);
  EXPECT_FALSE(table_.trigger(3));
  EXPECT_FALSE(table_.message(3));
}

TEST_F(MsixTest, QwordTableAccess) {
  std::array<std::uint8_t, 8> address = {0x00, 0x10, 0xe0, 0xfe, 0x01, 0, 0, 0};
  table_.table_write(16, address);
  EXPECT_EQ(table_.message(1)->address, 0x1'fee0'1000u);
  std::array<std::uint8_t, 8> back{};
  table_.table_read(16, back);
  EXPECT_EQ(back, address);
}

}  // namespace
}  // namespace vmm
