#include "tests/integration/guest_boot.h"

#include "tests/integration/test_env.h"

namespace vmm::test {

const std::vector<std::string> kBaseChecks = {"serial", "entry", "cmdline", "e820", "initrd"};

const std::vector<std::string> kGpuChecks = {
    "gpu.pci",         "gpu.caps",          "gpu.features",
    "gpu.display_info", "gpu.2d",           "gpu.blob_create",
    "gpu.blob_map0",   "gpu.blob_map1",     "gpu.err_map_out_of_range",
    "gpu.err_map_overlap", "gpu.err_unknown_resource", "gpu.err_unmap_unmapped"};

Boot boot(const std::vector<std::string>& args) {
  Boot b{run_vmm(args), {}};
  b.report = parse_guest_report(b.run.out);
  return b;
}

void TinyGuestBoot::SetUp() {
  if (auto why = kvm_unavailable_reason()) GTEST_SKIP() << *why;
}

void expect_all_passed(const Boot& b, const std::vector<std::string>& names) {
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, kGuestAllPassed) << b.run.describe();
  for (const std::string& name : names)
    EXPECT_TRUE(b.report.passed(name)) << name << ": "
                                       << (b.report.checks.count(name) ? b.report.detail(name)
                                                                       : "not reported")
                                       << "\n"
                                       << b.run.describe();
  EXPECT_TRUE(b.report.malformed.empty()) << b.run.describe();
  EXPECT_TRUE(b.report.duplicates.empty()) << b.run.describe();
  ASSERT_TRUE(b.report.done) << b.run.describe();
  EXPECT_EQ(b.report.done_failed, 0) << b.run.describe();
  EXPECT_EQ(b.report.done_passed, static_cast<int>(b.report.checks.size())) << b.run.describe();
}

}  // namespace vmm::test
