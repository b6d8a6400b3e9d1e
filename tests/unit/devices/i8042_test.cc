#include "devices/i8042.h"

#include <array>
#include <cstdint>

#include <gtest/gtest.h>

#include "devices/i8042_registers.h"

namespace vmm {
namespace {

constexpr std::uint64_t kData = 0x60 - kI8042Base;
constexpr std::uint64_t kCommand = 0x64 - kI8042Base;

std::uint8_t read_byte(I8042& dev, std::uint64_t offset) {
  std::array<std::uint8_t, 1> b{0xaa};
  dev.read(offset, b);
  return b[0];
}

void write_byte(I8042& dev, std::uint64_t offset, std::uint8_t value) {
  const std::array<std::uint8_t, 1> b{value};
  dev.write(offset, b);
}

TEST(I8042Test, RangeCoversPorts0x60Through0x64) {
  EXPECT_EQ(kI8042Base, 0x60u);
  EXPECT_EQ(kI8042Base + i8042::kCommandOffset, 0x64u);
  EXPECT_EQ(kI8042Base + kI8042Size - 1, 0x64u);
}

TEST(I8042Test, StatusReadsAsAControllerThatNeverDrains) {
  I8042 dev([] {});
  // Linux's kb_wait() spins until IBF clears before sending 0xfe: IBF is always clear.
  // Its i8042_controller_check() calls a controller absent when OBF stays set through 16
  // reads of the data port: OBF is always set, whatever was read.
  for (int i = 0; i < 20; ++i) {
    const std::uint8_t status = read_byte(dev, kCommand);
    EXPECT_EQ(status & i8042::kStatusInputFull, 0);
    EXPECT_EQ(status & i8042::kStatusOutputFull, i8042::kStatusOutputFull);
    EXPECT_EQ(read_byte(dev, kData), 0);
  }
}

TEST(I8042Test, PulseResetCommandCallsOnReset) {
  int resets = 0;
  I8042 dev([&] { ++resets; });
  write_byte(dev, kCommand, 0xfe);
  EXPECT_EQ(resets, 1);
  write_byte(dev, kCommand, 0xf0);  // pulses all four lines, reset among them
  EXPECT_EQ(resets, 2);
}

TEST(I8042Test, OtherCommandsAndDataAreIgnored) {
  int resets = 0;
  I8042 dev([&] { ++resets; });
  for (std::uint8_t cmd : {0xaa, 0x20, 0x60, 0xad, 0xd1, 0xff, 0xf1, 0xfd}) {
    write_byte(dev, kCommand, cmd);
  }
  write_byte(dev, kData, 0xfe);  // 0xfe on the data port is not a controller command
  EXPECT_EQ(resets, 0);
  EXPECT_EQ(read_byte(dev, kCommand), i8042::kStatusOutputFull);
}

TEST(I8042Test, UnusedPortsAndWideAccessesAreIgnored) {
  int resets = 0;
  I8042 dev([&] { ++resets; });
  EXPECT_EQ(read_byte(dev, 1), 0xff);  // port 0x61 is not ours
  write_byte(dev, 1, 0xfe);
  const std::array<std::uint8_t, 2> wide{0xfe, 0x00};
  dev.write(kCommand - 1, wide);
  std::array<std::uint8_t, 2> wide_in{};
  dev.read(kData, wide_in);
  EXPECT_EQ(wide_in, (std::array<std::uint8_t, 2>{0xff, 0xff}));
  EXPECT_EQ(resets, 0);
}

TEST(I8042Test, EmptyCallbackIsTolerated) {
  I8042 dev{std::function<void()>{}};
  // Calling an empty std::function throws std::bad_function_call: the reset is dropped
  // instead, and the controller goes on answering.
  EXPECT_NO_THROW(write_byte(dev, kCommand, 0xfe));
  EXPECT_EQ(read_byte(dev, kCommand), i8042::kStatusOutputFull);
}

}  // namespace
}  // namespace vmm
