// RtcCmos: the PC's MC146818-style real-time clock and CMOS RAM at ports 0x70 (index) and
// 0x71 (data), enough for Linux's rtc_cmos driver to find a working clock at once.
//
// Why it exists: without ACPI nothing tells Linux that a PC has no RTC, so rtc_cmos probes
// ports 0x70/0x71 anyway. Unanswered reads return 0xff, whose bit 7 in register A is
// "update in progress"; Linux 6.1.y then polls for up to a second of 100 us delays before
// it calls the RTC broken, 10 s of a Debian guest's boot in the emulated KVM host.
//
// What the guest sees:
// - time registers (0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 day of week, 0x07 day of
//   month, 0x08 month, 0x09 year, 0x32 century) read the host's clock in UTC, formatted as
//   register B says: BCD unless DM (bit 2) is set, 24-hour unless 24/12 (bit 1) is clear
//   (then hours 1-12 with bit 7 = PM). Writes to them are ignored: the guest cannot set
//   the host's clock, and vmm keeps no offset (hctosys reads the host's time, which is
//   what a guest wants);
// - register A: the 32.768 kHz divider and 1024 Hz rate (0x26); UIP is never set, so no
//   reader ever waits for an update cycle. Writes keep bits 0-6;
// - register B: 0x02 (24-hour, BCD, no interrupts) at reset; every bit is writable and
//   read back, but no interrupt is ever raised (no IRQ 8: periodic, alarm and update
//   interrupts are not emulated, and register C reads 0);
// - register D: 0x80 (VRT, the RAM and time are valid);
// - every other index of the 128 is plain CMOS RAM (zero at reset), read and written.
// Bit 7 of the index byte (NMI disable on real hardware) is ignored. Port 0x70 reads back
// the last index written. Accesses wider than a byte are ignored (reads return 0xff).
//
// Thread safety: one internal mutex; vCPU threads may call read and write concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>

#include "devices/bus_device.h"

namespace vmm {

inline constexpr std::uint64_t kRtcCmosBase = 0x70;
inline constexpr std::uint64_t kRtcCmosSize = 2;  // 0x70 index, 0x71 data

namespace rtc {
inline constexpr std::uint8_t kSeconds = 0x00;
inline constexpr std::uint8_t kMinutes = 0x02;
inline constexpr std::uint8_t kHours = 0x04;
inline constexpr std::uint8_t kDayOfWeek = 0x06;  // 1 = Sunday
inline constexpr std::uint8_t kDayOfMonth = 0x07;
inline constexpr std::uint8_t kMonth = 0x08;
inline constexpr std::uint8_t kYear = 0x09;
inline constexpr std::uint8_t kRegA = 0x0a;
inline constexpr std::uint8_t kRegB = 0x0b;
inline constexpr std::uint8_t kRegC = 0x0c;
inline constexpr std::uint8_t kRegD = 0x0d;
inline constexpr std::uint8_t kCentury = 0x32;  // where PC firmware keeps it

inline constexpr std::uint8_t kRegAUpdateInProgress = 0x80;
inline constexpr std::uint8_t kRegADefault = 0x26;  // 32.768 kHz time base, 1024 Hz rate
inline constexpr std::uint8_t kRegB24Hour = 0x02;
inline constexpr std::uint8_t kRegBBinary = 0x04;  // DM: binary, not BCD
inline constexpr std::uint8_t kRegDValid = 0x80;   // VRT
inline constexpr std::uint8_t kHourPm = 0x80;      // 12-hour mode: bit 7 of the hours
}  // namespace rtc

class RtcCmos : public BusDevice {
 public:
  // Seconds since the Unix epoch, UTC.
  using Clock = std::function<std::int64_t()>;
  // The host's CLOCK_REALTIME.
  static std::int64_t host_clock();

  explicit RtcCmos(Clock clock = host_clock);

  void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

 private:
  std::uint8_t read_register(std::uint8_t index) const;
  std::uint8_t encode(unsigned value) const;  // BCD or binary as register B says

  const Clock clock_;
  mutable std::mutex mutex_;
  std::uint8_t index_ = 0;
  std::array<std::uint8_t, 128> ram_{};
};

}  // namespace vmm
