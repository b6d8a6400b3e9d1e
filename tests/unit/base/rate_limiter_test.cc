#include "base/rate_limiter.h"

#include <gtest/gtest.h>

namespace vmm {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, AdmitsABurstPerWindowAndCountsTheRest) {
  RateLimiter limiter(3, 5s);
  const auto t0 = RateLimiter::Clock::time_point{} + 100s;
  const std::uint64_t total_before = RateLimiter::total_suppressed();
  for (int i = 0; i < 3; ++i) {
    auto a = limiter.admit(t0 + std::chrono::milliseconds(i));
    EXPECT_TRUE(a.admitted);
    EXPECT_EQ(a.suppressed_before, 0u);
  }
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.admit(t0 + 1s).admitted);
  EXPECT_EQ(RateLimiter::total_suppressed() - total_before, 1000u);
  // A new window: the first admitted event carries the count of what was dropped.
  auto next = limiter.admit(t0 + 5s);
  EXPECT_TRUE(next.admitted);
  EXPECT_EQ(next.suppressed_before, 1000u);
  EXPECT_EQ(limiter.admit(t0 + 5s).suppressed_before, 0u) << "reported once";
}

TEST(RateLimiter, AQuietSiteIsNeverLimited) {
  RateLimiter limiter(2, 5s);
  auto t = RateLimiter::Clock::time_point{} + 1s;
  for (int i = 0; i < 50; ++i, t += 3s) EXPECT_TRUE(limiter.admit(t).admitted) << i;
}

}  // namespace
}  // namespace vmm
