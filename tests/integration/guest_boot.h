// One run of vmm on the tiny guest and what the guest reported, plus the assertions every
// boot test shares. Tests that boot derive their fixture from TinyGuestBoot, which skips
// (saying why) where /dev/kvm cannot be used.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/guest_report.h"
#include "tests/integration/process_runner.h"

namespace vmm::test {

// The checks every boot runs (tests/guest/main.c), in order.
extern const std::vector<std::string> kBaseChecks;
// The gpu.* checks vmmtest.gpu=1 adds (tests/guest/check_gpu.c), in order.
extern const std::vector<std::string> kGpuChecks;

// a's check names, then b's: the lists a boot with more than one feature expects.
inline std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Exit statuses: the guest's (tests/guest/io.h) and vmm's own.
inline constexpr int kGuestAllPassed = 0;
inline constexpr int kGuestCheckFailed = 1;
inline constexpr int kGuestException = 0x7f;
inline constexpr int kVmmVmFailed = 3;

struct Boot {
  ProcessResult run;
  GuestReport report;
};

// Runs vmm with `args` (under the watchdog) and parses the guest's console.
Boot boot(const std::vector<std::string>& args);

class TinyGuestBoot : public ::testing::Test {
 protected:
  void SetUp() override;
};

// vmm exited with status 0, every check in `names` passed, and the guest's report is
// complete and consistent (no malformed or duplicate lines, DONE counts every check).
void expect_all_passed(const Boot& b, const std::vector<std::string>& names = kBaseChecks);

}  // namespace vmm::test
