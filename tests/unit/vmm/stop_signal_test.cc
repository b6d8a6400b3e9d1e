#include "vmm/run/stop_signal.h"

#include <gtest/gtest.h>

#include <thread>

namespace vmm {
namespace {

TEST(StopSignal, FirstRequestWinsAndCallbackRunsOnce) {
  StopSignal stop;
  int callbacks = 0;
  stop.on_stop([&] { ++callbacks; });
  EXPECT_FALSE(stop.requested());
  stop.request(7, "first");
  stop.request(0, "second");
  EXPECT_TRUE(stop.requested());
  EXPECT_EQ(stop.wait().exit_status, 7);
  EXPECT_EQ(stop.wait().description, "first");
  EXPECT_EQ(callbacks, 1);
}

TEST(StopSignal, WaitReturnsWhenAnotherThreadRequests) {
  StopSignal stop;
  std::thread requester([&] { stop.request(3, "from thread"); });
  EXPECT_EQ(stop.wait().exit_status, 3);
  requester.join();
}

}  // namespace
}  // namespace vmm
