#include "base/rate_limiter.h"

#include <atomic>

namespace vmm {

namespace {
std::atomic<std::uint64_t> g_total_suppressed{0};
}

RateLimiter::Admission RateLimiter::admit(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!started_ || now - window_start_ >= window_) {
    started_ = true;
    window_start_ = now;
    in_window_ = 0;
  }
  if (in_window_ == burst_) {
    ++suppressed_;
    g_total_suppressed.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  ++in_window_;
  Admission admission{true, suppressed_};
  suppressed_ = 0;
  return admission;
}

std::uint64_t RateLimiter::total_suppressed() {
  return g_total_suppressed.load(std::memory_order_relaxed);
}

}  // namespace vmm
