// The device tree vmm hands the guest as a SETUP_DTB setup_data entry, as the tiny guest
// reads it with its own reader (vmmtest.fdt=1, tests/guest/check_fdt.c): RAM, bootargs,
// initrd, the gpu's host-visible window and the memslots must agree with what the guest
// found through e820, the zero page and PCI; and the blob the guest hashed is byte for
// byte the one --dump-dtb wrote.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/detail_numbers.h"
#include "tests/integration/guest_boot.h"
#include "tests/integration/test_env.h"

namespace vmm::test {
namespace {

// tests/guest/check_fdt.c's table, in order.
const std::vector<std::string> kFdtChecks = {"fdt.blob",   "fdt.memory",     "fdt.bootargs",
                                             "fdt.initrd", "fdt.gpu_window", "fdt.memslots"};

// "size=<n> fnv=0x<8 hex>" from fdt.blob.
struct BlobHash {
  std::uint64_t size = 0;
  std::uint32_t fnv = 0;
};

std::optional<BlobHash> parse_blob(const std::string& detail) {
  static const std::regex re("^size=([0-9]+) fnv=(0x[0-9a-f]{8}) ");
  const auto n = detail_numbers<2>(detail, re);
  if (!n) return std::nullopt;
  return BlobHash{(*n)[0], static_cast<std::uint32_t>((*n)[1])};
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

class DeviceTreeBoot : public TinyGuestBoot {};

// Every node kind present: RAM above 4 GiB, two vCPUs, an initrd and the gpu.
TEST_F(DeviceTreeBoot, GuestReadsTheTreeAndItMatchesTheDump) {
  const std::vector<std::uint8_t> initrd = random_bytes(4093, 0xfd7);
  TempFile initrd_file("initrd", initrd);
  TempFile dtb_file("vmm-dtb", {});
  const std::string cmdline = guest_cmdline(
      {"console=ttyS0", "vmmtest.mem=3584M", "vmmtest.cpus=2", "vmmtest.gpu=1",
       "vmmtest.gpu_hostmem=16M", "vmmtest.fdt=1",
       "vmmtest.initrd_size=" + std::to_string(initrd.size()),
       "vmmtest.initrd_fnv=" + hex32(fnv1a32(initrd))});
  const Boot b = boot({"--kernel", kTinyGuestImage, "--mem", "3584M", "--cpus", "2", "--gpu",
                       "--gpu-hostmem", "16M", "--initrd", initrd_file.path(), "--dump-dtb",
                       dtb_file.path(), "--cmdline", cmdline});
  expect_all_passed(b, concat(concat(concat(kBaseChecks, {"mptable"}), kGpuChecks), kFdtChecks));

  // The fdt checks run after gpu.caps (they compare with it), in their own order.
  std::vector<std::string> printed;
  for (const std::string& name : b.report.order)
    if (starts_with(name, "fdt.") || name == "gpu.caps") printed.push_back(name);
  EXPECT_EQ(printed, concat({"gpu.caps"}, kFdtChecks));

  const auto blob = parse_blob(b.report.detail("fdt.blob"));
  ASSERT_TRUE(blob) << "fdt.blob: " << b.report.detail("fdt.blob");
  const std::vector<std::uint8_t> dumped = read_file(dtb_file.path());
  ASSERT_FALSE(dumped.empty()) << "--dump-dtb wrote nothing\n" << b.run.describe();
  EXPECT_EQ(blob->size, dumped.size()) << "the guest's blob and --dump-dtb's file differ in size";
  EXPECT_EQ(hex32(blob->fnv), hex32(fnv1a32(dumped)))
      << "the guest hashed another blob than --dump-dtb wrote";

  EXPECT_TRUE(starts_with(b.report.detail("fdt.memory"), "nodes=2 ranges=2 total=0xe0000000 "))
      << b.report.detail("fdt.memory");
  EXPECT_EQ(b.report.detail("fdt.bootargs"),
            "len=" + std::to_string(cmdline.size()) + " equals the command line at 0x20000");
  EXPECT_TRUE(starts_with(b.report.detail("fdt.initrd"), "start=0x")) << b.report.detail("fdt.initrd");
  EXPECT_NE(b.report.detail("fdt.gpu_window").find("+0x1000000 shm-id=1 equals the shm window from gpu.caps"),
            std::string::npos)
      << b.report.detail("fdt.gpu_window");
}

// No --gpu, no initrd: the tree must say so too (no gpu node, no linux,initrd-*).
TEST_F(DeviceTreeBoot, NoGpuNodeAndNoInitrdPropertiesWhenThereAreNone) {
  const Boot b = boot({"--kernel", kTinyGuestImage, "--mem", "128M", "--cmdline",
                       guest_cmdline({"vmmtest.mem=128M", "vmmtest.fdt=1"})});
  expect_all_passed(b, concat(kBaseChecks, kFdtChecks));
  EXPECT_TRUE(starts_with(b.report.detail("fdt.gpu_window"), "no gpu node, as expected"))
      << b.report.detail("fdt.gpu_window");
  EXPECT_EQ(b.report.detail("fdt.initrd"), "no initrd and no linux,initrd-* properties");
  EXPECT_TRUE(starts_with(b.report.detail("fdt.memory"), "nodes=1 ranges=1 total=0x8000000 "))
      << b.report.detail("fdt.memory");
}

// --no-dtb: fdt.blob finds nothing and says so, so the check can fail; the others do not
// run on a blob that is not there.
TEST_F(DeviceTreeBoot, NoDtbFailsTheBlobCheck) {
  const Boot b = boot({"--kernel", kTinyGuestImage, "--no-dtb", "--cmdline",
                       guest_cmdline({"vmmtest.fdt=1"})});
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, kGuestCheckFailed) << b.run.describe();
  for (const std::string& name : kBaseChecks)
    EXPECT_TRUE(b.report.passed(name)) << name << ": " << b.report.detail(name);
  EXPECT_TRUE(b.report.failed("fdt.blob")) << b.run.describe();
  EXPECT_TRUE(starts_with(b.report.detail("fdt.blob"), "no SETUP_DTB in the setup_data chain"))
      << b.report.detail("fdt.blob");
  for (std::size_t i = 1; i < kFdtChecks.size(); ++i) {
    EXPECT_TRUE(b.report.failed(kFdtChecks[i])) << kFdtChecks[i];
    EXPECT_EQ(b.report.detail(kFdtChecks[i]), "not run: fdt.blob failed") << kFdtChecks[i];
  }
  ASSERT_TRUE(b.report.done) << b.run.describe();
  EXPECT_EQ(b.report.done_failed, static_cast<int>(kFdtChecks.size()));
}

}  // namespace
}  // namespace vmm::test
