#include "devices/rtc_cmos.h"

#include <array>
#include <cstdint>

#include <gtest/gtest.h>

namespace vmm {
namespace {

// 2026-03-07 21:05:09 UTC, a Saturday.
constexpr std::int64_t kSaturdayEvening = 1772917509;

std::uint8_t cmos_read(RtcCmos& rtc, std::uint8_t index) {
  const std::array<std::uint8_t, 1> idx{index};
  rtc.write(0, idx);
  std::array<std::uint8_t, 1> b{0xaa};
  rtc.read(1, b);
  return b[0];
}

void cmos_write(RtcCmos& rtc, std::uint8_t index, std::uint8_t value) {
  const std::array<std::uint8_t, 1> idx{index};
  rtc.write(0, idx);
  const std::array<std::uint8_t, 1> b{value};
  rtc.write(1, b);
}

TEST(RtcCmosTest, PortsAre0x70And0x71) {
  EXPECT_EQ(kRtcCmosBase, 0x70u);
  EXPECT_EQ(kRtcCmosSize, 2u);
}

TEST(RtcCmosTest, TimeInBcdAnd24HoursAtReset) {
  RtcCmos rtc([] { return kSaturdayEvening; });
  EXPECT_EQ(cmos_read(rtc, rtc::kSeconds), 0x09);
  EXPECT_EQ(cmos_read(rtc, rtc::kMinutes), 0x05);
  EXPECT_EQ(cmos_read(rtc, rtc::kHours), 0x21);
  EXPECT_EQ(cmos_read(rtc, rtc::kDayOfWeek), 0x07) << "Saturday; Sunday is 1";
  EXPECT_EQ(cmos_read(rtc, rtc::kDayOfMonth), 0x07);
  EXPECT_EQ(cmos_read(rtc, rtc::kMonth), 0x03);
  EXPECT_EQ(cmos_read(rtc, rtc::kYear), 0x26);
  EXPECT_EQ(cmos_read(rtc, rtc::kCentury), 0x20);
}

TEST(RtcCmosTest, StatusRegistersSayAWorkingClock) {
  RtcCmos rtc([] { return kSaturdayEvening; });
  // Linux's mc146818_avoid_UIP polls register A until UIP is clear: it never is set.
  EXPECT_EQ(cmos_read(rtc, rtc::kRegA), rtc::kRegADefault);
  EXPECT_EQ(cmos_read(rtc, rtc::kRegA) & rtc::kRegAUpdateInProgress, 0);
  EXPECT_EQ(cmos_read(rtc, rtc::kRegB), rtc::kRegB24Hour);
  EXPECT_EQ(cmos_read(rtc, rtc::kRegC), 0);
  EXPECT_EQ(cmos_read(rtc, rtc::kRegD), rtc::kRegDValid);
  cmos_write(rtc, rtc::kRegA, 0xff);  // UIP cannot be written
  EXPECT_EQ(cmos_read(rtc, rtc::kRegA), 0x7f);
  cmos_write(rtc, rtc::kRegD, 0);  // read-only
  EXPECT_EQ(cmos_read(rtc, rtc::kRegD), rtc::kRegDValid);
  cmos_write(rtc, rtc::kRegC, 0xf0);
  EXPECT_EQ(cmos_read(rtc, rtc::kRegC), 0);
}

TEST(RtcCmosTest, RegisterBSelectsBinaryAnd12HourFormats) {
  RtcCmos rtc([] { return kSaturdayEvening; });
  cmos_write(rtc, rtc::kRegB, rtc::kRegB24Hour | rtc::kRegBBinary);
  EXPECT_EQ(cmos_read(rtc, rtc::kHours), 21);
  EXPECT_EQ(cmos_read(rtc, rtc::kYear), 26);
  cmos_write(rtc, rtc::kRegB, rtc::kRegBBinary);  // 12-hour, binary
  EXPECT_EQ(cmos_read(rtc, rtc::kHours), 9 | rtc::kHourPm);
  cmos_write(rtc, rtc::kRegB, 0);  // 12-hour, BCD
  EXPECT_EQ(cmos_read(rtc, rtc::kHours), 0x09 | rtc::kHourPm);
}

TEST(RtcCmosTest, MidnightAndNoonIn12HourMode) {
  std::int64_t now = 1772841600;  // 2026-03-07 00:00:00 UTC
  RtcCmos rtc([&] { return now; });
  cmos_write(rtc, rtc::kRegB, 0);
  EXPECT_EQ(cmos_read(rtc, rtc::kHours), 0x12) << "midnight is 12 AM";
  now += 12 * 3600;
  EXPECT_EQ(cmos_read(rtc, rtc::kHours), 0x12 | rtc::kHourPm) << "noon is 12 PM";
}

TEST(RtcCmosTest, TimeFollowsTheClockAndIgnoresWrites) {
  std::int64_t now = kSaturdayEvening;
  RtcCmos rtc([&] { return now; });
  cmos_write(rtc, rtc::kSeconds, 0x30);
  EXPECT_EQ(cmos_read(rtc, rtc::kSeconds), 0x09);
  now += 50;  // 21:05:59
  EXPECT_EQ(cmos_read(rtc, rtc::kSeconds), 0x59);
  now += 1;  // 21:06:00
  EXPECT_EQ(cmos_read(rtc, rtc::kSeconds), 0x00);
  EXPECT_EQ(cmos_read(rtc, rtc::kMinutes), 0x06);
}

TEST(RtcCmosTest, OtherIndicesAreRamAndTheNmiBitIsIgnored) {
  RtcCmos rtc([] { return kSaturdayEvening; });
  EXPECT_EQ(cmos_read(rtc, 0x40), 0);
  cmos_write(rtc, 0x40, 0x5a);
  EXPECT_EQ(cmos_read(rtc, 0x40), 0x5a);
  EXPECT_EQ(cmos_read(rtc, 0x80 | 0x40), 0x5a) << "bit 7 of the index is NMI disable";
  cmos_write(rtc, 0x7f, 0xa5);
  EXPECT_EQ(cmos_read(rtc, 0x7f), 0xa5);
  std::array<std::uint8_t, 1> index{};
  rtc.read(0, index);
  EXPECT_EQ(index[0], 0x7f) << "port 0x70 reads back the index";
}

TEST(RtcCmosTest, WideAccessesAreIgnored) {
  RtcCmos rtc([] { return kSaturdayEvening; });
  cmos_write(rtc, 0x40, 0x11);
  const std::array<std::uint8_t, 2> wide{0x40, 0x22};
  rtc.write(0, wide);
  std::array<std::uint8_t, 2> wide_in{};
  rtc.read(0, wide_in);
  EXPECT_EQ(wide_in, (std::array<std::uint8_t, 2>{0xff, 0xff}));
  EXPECT_EQ(cmos_read(rtc, 0x40), 0x11);
}

TEST(RtcCmosTest, EmptyClockReadsTheEpoch) {
  RtcCmos rtc{RtcCmos::Clock{}};
  EXPECT_EQ(cmos_read(rtc, rtc::kYear), 0x70);
  EXPECT_EQ(cmos_read(rtc, rtc::kCentury), 0x19);
}

}  // namespace
}  // namespace vmm
