#include "devices/rtc_cmos.h"

#include <algorithm>
#include <ctime>
#include <utility>

#include <spdlog/spdlog.h>

#include "base/guest_log.h"

namespace vmm {

using namespace rtc;

namespace {

constexpr std::uint64_t kIndexOffset = 0;
constexpr std::uint64_t kDataOffset = 1;
constexpr std::uint8_t kIndexMask = 0x7f;  // bit 7: NMI disable on real hardware, ignored

bool is_time_register(std::uint8_t index) {
  switch (index) {
    case kSeconds: case kMinutes: case kHours: case kDayOfWeek: case kDayOfMonth:
    case kMonth: case kYear: case kCentury:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::int64_t RtcCmos::host_clock() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec;
}

RtcCmos::RtcCmos(Clock clock) : clock_(std::move(clock)) {
  ram_[kRegA] = kRegADefault;
  ram_[kRegB] = kRegB24Hour;
  ram_[kRegD] = kRegDValid;
}

std::uint8_t RtcCmos::encode(unsigned value) const {
  if (ram_[kRegB] & kRegBBinary) return static_cast<std::uint8_t>(value);
  return static_cast<std::uint8_t>(((value / 10) % 10) << 4 | (value % 10));
}

std::uint8_t RtcCmos::read_register(std::uint8_t index) const {
  if (!is_time_register(index)) {
    switch (index) {
      case kRegA: return ram_[kRegA] & ~kRegAUpdateInProgress;
      case kRegC: return 0;  // no interrupt ever pending
      case kRegD: return kRegDValid;
      default: return ram_[index];
    }
  }
  const std::time_t now = clock_ ? static_cast<std::time_t>(clock_()) : 0;
  std::tm tm{};
  if (!gmtime_r(&now, &tm)) return 0;
  const unsigned year = static_cast<unsigned>(tm.tm_year + 1900);
  switch (index) {
    case kSeconds: return encode(static_cast<unsigned>(std::min(tm.tm_sec, 59)));
    case kMinutes: return encode(static_cast<unsigned>(tm.tm_min));
    case kHours: {
      const auto hour = static_cast<unsigned>(tm.tm_hour);
      if (ram_[kRegB] & kRegB24Hour) return encode(hour);
      const unsigned twelve = hour % 12 == 0 ? 12 : hour % 12;
      return static_cast<std::uint8_t>(encode(twelve) | (hour >= 12 ? kHourPm : 0));
    }
    case kDayOfWeek: return encode(static_cast<unsigned>(tm.tm_wday) + 1);
    case kDayOfMonth: return encode(static_cast<unsigned>(tm.tm_mday));
    case kMonth: return encode(static_cast<unsigned>(tm.tm_mon) + 1);
    case kYear: return encode(year % 100);
    case kCentury: return encode(year / 100);
    default: return 0;
  }
}

void RtcCmos::read(std::uint64_t offset, std::span<std::uint8_t> data) {
  if (data.size() != 1) {
    VMM_GUEST_LOG(spdlog::level::debug, "rtc: ignored {}-byte read at offset {}", data.size(), offset);
    std::fill(data.begin(), data.end(), 0xff);
    return;
  }
  std::lock_guard lock(mutex_);
  data[0] = offset == kIndexOffset ? index_ : read_register(index_);
}

void RtcCmos::write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  if (data.size() != 1) {
    VMM_GUEST_LOG(spdlog::level::debug, "rtc: ignored {}-byte write at offset {}", data.size(), offset);
    return;
  }
  std::lock_guard lock(mutex_);
  const std::uint8_t value = data[0];
  if (offset == kIndexOffset) {
    index_ = value & kIndexMask;
    return;
  }
  if (offset != kDataOffset) return;
  if (is_time_register(index_)) {
    VMM_GUEST_LOG(spdlog::level::debug, "rtc: write {:#x} to time register {:#x} ignored (the clock is the host's)",
                  value, index_);
    return;
  }
  switch (index_) {
    case kRegA: ram_[kRegA] = value & ~kRegAUpdateInProgress; break;
    case kRegC: case kRegD: break;  // read-only
    default: ram_[index_] = value; break;
  }
}

}  // namespace vmm
