// StartupTimeline: when vmm reached the milestones of its start-up, on CLOCK_MONOTONIC
// (base/monotonic_clock.h), for --report's "timeline": main() entered, set-up done (the
// machine assembled, just before the vCPU threads start), and the guest's first port write
// as the vCPU thread saw its exit. "exec to first port write" is what a user waits for
// before the guest does anything visible; the driver in bench/ subtracts the time it noted
// before exec from first_port_write_ns.
#pragma once

#include <atomic>
#include <cstdint>

namespace vmm {

class StartupTimeline {
 public:
  explicit StartupTimeline(std::uint64_t main_entered_ns) : main_entered_ns_(main_entered_ns) {}

  void set_assembled(std::uint64_t ns) { assembled_ns_ = ns; }
  // Called by every vCPU thread on every port write: one relaxed load once it is set, so the
  // exit path stays as cheap as it was. The first caller wins.
  void note_port_write(std::uint64_t ns) {
    if (first_port_write_ns_.load(std::memory_order_relaxed) != 0) return;
    std::uint64_t unset = 0;
    first_port_write_ns_.compare_exchange_strong(unset, ns, std::memory_order_relaxed);
  }
  bool port_write_seen() const { return first_port_write_ns_.load(std::memory_order_relaxed) != 0; }

  std::uint64_t main_entered_ns() const { return main_entered_ns_; }
  std::uint64_t assembled_ns() const { return assembled_ns_; }
  std::uint64_t first_port_write_ns() const { return first_port_write_ns_.load(); }  // 0: none

 private:
  std::uint64_t main_entered_ns_;
  std::uint64_t assembled_ns_ = 0;
  std::atomic<std::uint64_t> first_port_write_ns_{0};
};

}  // namespace vmm
