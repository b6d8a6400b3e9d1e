// RateLimiter: at most `burst` events per `window`; the rest are counted, and the first
// event admitted after a suppression learns how many were dropped, so a log can say so.
// Guest-triggered log lines go through one limiter per call site (guest_log.h): a guest
// that hammers a register must not be able to fill the disk or stall its vCPU on logging.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace vmm {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr std::uint32_t kDefaultBurst = 10;
  static constexpr Clock::duration kDefaultWindow = std::chrono::seconds(5);

  explicit RateLimiter(std::uint32_t burst = kDefaultBurst, Clock::duration window = kDefaultWindow)
      : burst_(burst), window_(window) {}

  struct Admission {
    bool admitted = false;
    std::uint64_t suppressed_before = 0;  // when admitted: events dropped since the last one
  };
  Admission admit(Clock::time_point now);

  // Events suppressed by every limiter of the process, for the summary at exit.
  static std::uint64_t total_suppressed();

 private:
  std::mutex mutex_;
  const std::uint32_t burst_;
  const Clock::duration window_;
  Clock::time_point window_start_{};
  std::uint32_t in_window_ = 0;
  std::uint64_t suppressed_ = 0;
  bool started_ = false;
};

}  // namespace vmm
