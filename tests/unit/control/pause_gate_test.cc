// PauseGate (vmm/run/pause_gate.h) with threads that behave like vCPU loops: each "runs the
// guest" until it is kicked (as KVM_RUN runs until a signal), and checks the gate between
// two runs, as VcpuLoop does.
#include "vmm/run/pause_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace vmm {
namespace {

using namespace std::chrono_literals;

class FakeVcpus {
 public:
  explicit FakeVcpus(std::size_t count) : gate(count), runs(count) {
    for (std::size_t i = 0; i < count; ++i) threads.emplace_back([this, i] { loop(i); });
  }
  ~FakeVcpus() {
    stop();
    for (auto& t : threads) t.join();
  }

  // What the runner's stop does: the gate first, then the kick.
  void stop() {
    stopping = true;
    gate.release_for_stop();
    kick();
  }
  // immediate_exit + the signal: every "KVM_RUN" returns. `lose_kicks` swallows the first
  // few, as a signal that lands just before a thread enters KVM_RUN is lost.
  void kick() {
    std::lock_guard lock(mutex);
    if (lose_kicks > 0) {
      --lose_kicks;
      return;
    }
    ++kicks;
    changed.notify_all();
  }
  std::uint64_t total_runs() const {
    std::uint64_t total = 0;
    for (const auto& r : runs) total += r.load();
    return total;
  }

  PauseGate gate;
  std::vector<std::atomic<std::uint64_t>> runs;  // guest rounds each vCPU made
  std::atomic<bool> stopping{false};
  int lose_kicks = 0;

 private:
  void loop(std::size_t i) {
    while (!stopping) {
      if (gate.requested()) {
        gate.park();
        continue;
      }
      // "KVM_RUN": returns when kicked, or by itself after a while (an I/O exit).
      std::unique_lock lock(mutex);
      const std::uint64_t seen = kicks;
      changed.wait_for(lock, 5ms, [&] { return kicks != seen; });
      ++runs[i];
    }
    gate.leave();
  }

  std::mutex mutex;
  std::condition_variable changed;
  std::uint64_t kicks = 0;
  std::vector<std::thread> threads;
};

TEST(PauseGate, PauseReturnsOnlyWhenEveryVcpuIsParkedAndResumeLetsThemRun) {
  FakeVcpus vcpus(4);
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(vcpus.gate.pause([&] { vcpus.kick(); }));
  EXPECT_TRUE(vcpus.gate.paused());
  const std::uint64_t at_pause = vcpus.total_runs();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(vcpus.total_runs(), at_pause);  // nobody runs while paused
  EXPECT_TRUE(vcpus.gate.pause([&] { vcpus.kick(); }));  // idempotent
  vcpus.gate.resume();
  EXPECT_FALSE(vcpus.gate.paused());
  // They run again: waited for, not slept on (a fixed 50 ms was too short on a machine busy
  // with sanitized tests and emulated hosts, where no thread had been scheduled yet). The
  // bound only ends a hung test.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (vcpus.total_runs() == at_pause && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_GT(vcpus.total_runs(), at_pause);
}

TEST(PauseGate, ALostKickIsRepeated) {
  FakeVcpus vcpus(2);
  vcpus.lose_kicks = 3;
  EXPECT_TRUE(vcpus.gate.pause([&] { vcpus.kick(); }));
  EXPECT_TRUE(vcpus.gate.paused());
}

TEST(PauseGate, StopWhilePausedDoesNotWaitForAResume) {
  auto vcpus = std::make_unique<FakeVcpus>(3);
  ASSERT_TRUE(vcpus->gate.pause([&] { vcpus->kick(); }));
  vcpus->stop();
  EXPECT_FALSE(vcpus->gate.pause([&] { vcpus->kick(); }));  // stopping: refused at once
  const auto begin = std::chrono::steady_clock::now();
  vcpus.reset();  // joins: every thread left its loop
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
}

TEST(PauseGate, AVcpuWhoseLoopEndedCountsAsParked) {
  PauseGate gate(2);
  gate.leave();
  std::atomic<bool> parked{false};
  std::thread vcpu([&] {
    while (!gate.requested()) std::this_thread::sleep_for(1ms);
    parked = true;
    gate.park();
  });
  EXPECT_TRUE(gate.pause([] {}));
  EXPECT_TRUE(parked);
  gate.resume();
  vcpu.join();
}

}  // namespace
}  // namespace vmm
