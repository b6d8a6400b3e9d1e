// The Intel MP table vmm writes for --cpus N, as the tiny guest reads it (vmmtest.cpus=N,
// tests/guest/check_mptable.c): floating pointer and table checksums, one enabled processor
// entry per vCPU with exactly one BSP, the IOAPIC at 0xfec00000 and a PCI bus.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/guest_boot.h"
#include "tests/integration/test_env.h"

namespace vmm::test {
namespace {

std::vector<std::string> with_mptable() {
  std::vector<std::string> names = kBaseChecks;
  names.push_back("mptable");
  return names;
}

// Without --cpus vmm builds one vCPU, and the table says so.
TEST_F(TinyGuestBoot, MpTableListsTheSingleDefaultCpu) {
  const Boot b = boot({"--kernel", kTinyGuestImage, "--cmdline", guest_cmdline({"vmmtest.cpus=1"})});
  expect_all_passed(b, with_mptable());
  EXPECT_NE(b.report.detail("mptable").find("cpus=1 "), std::string::npos)
      << b.report.detail("mptable");
}

class MpTableCpus : public TinyGuestBoot, public ::testing::WithParamInterface<int> {};

TEST_P(MpTableCpus, ListsEveryVcpu) {
  const std::string n = std::to_string(GetParam());
  const Boot b = boot({"--kernel", kTinyGuestImage, "--cpus", n, "--cmdline",
                       guest_cmdline({"vmmtest.cpus=" + n})});
  expect_all_passed(b, with_mptable());
  EXPECT_NE(b.report.detail("mptable").find("cpus=" + n + " "), std::string::npos)
      << b.report.detail("mptable");
}

INSTANTIATE_TEST_SUITE_P(Vcpus, MpTableCpus, ::testing::Values(1, 2, 4));

// A table that lists the wrong number of processors fails the check (it is not vacuous).
TEST_F(TinyGuestBoot, MpTableCheckCatchesWrongCpuCount) {
  const Boot b = boot({"--kernel", kTinyGuestImage, "--cpus", "2", "--cmdline",
                       guest_cmdline({"vmmtest.cpus=3"})});
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, kGuestCheckFailed) << b.run.describe();
  EXPECT_TRUE(b.report.failed("mptable")) << b.run.describe();
  EXPECT_NE(b.report.detail("mptable").find("2 processors (want 3)"), std::string::npos)
      << b.report.detail("mptable");
}

}  // namespace
}  // namespace vmm::test
