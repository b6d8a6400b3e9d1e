#include "devices/debug_exit.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

namespace vmm {
namespace {

struct Recorder {
  std::vector<int> statuses;
  DebugExit device{[this](int status) { statuses.push_back(status); }};
};

TEST(DebugExitTest, PortIs0x501) { EXPECT_EQ(kDebugExitPort, 0x501u); }

TEST(DebugExitTest, ByteWriteExitsWithThatStatus) {
  for (int value : {0, 1, 42, 0x80, 255}) {
    Recorder r;
    const std::array<std::uint8_t, 1> b{static_cast<std::uint8_t>(value)};
    r.device.write(0, b);
    ASSERT_EQ(r.statuses.size(), 1u);
    EXPECT_EQ(r.statuses[0], value);  // 0..255, never sign-extended
  }
}

TEST(DebugExitTest, WiderWritesUseTheLowByte) {
  Recorder r;
  const std::array<std::uint8_t, 2> w{0x07, 0x01};              // 0x0107
  const std::array<std::uint8_t, 4> l{0xfe, 0xff, 0xff, 0xff};  // 0xfffffffe
  r.device.write(0, w);
  r.device.write(0, l);
  EXPECT_EQ(r.statuses, (std::vector<int>{7, 254}));
}

TEST(DebugExitTest, WritesAtOtherPortsOfTheRangeAreIgnored) {
  Recorder r;
  const std::array<std::uint8_t, 1> b{3};
  for (std::uint64_t offset = 1; offset < kDebugExitSize; ++offset) r.device.write(offset, b);
  EXPECT_TRUE(r.statuses.empty());
}

TEST(DebugExitTest, ReadsReturnZero) {
  Recorder r;
  std::array<std::uint8_t, 4> b{0xff, 0xff, 0xff, 0xff};
  r.device.read(0, b);
  EXPECT_EQ(b, (std::array<std::uint8_t, 4>{0, 0, 0, 0}));
  EXPECT_TRUE(r.statuses.empty());
}

}  // namespace
}  // namespace vmm
