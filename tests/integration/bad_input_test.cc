// vmm refusing bad input before it ever needs /dev/kvm: these run (and must pass) on any
// machine. Setup errors exit 1 with one line on stderr naming the offending file; usage
// errors exit 2.
#include <gtest/gtest.h>

#include <asm/bootparam.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "tests/integration/test_env.h"

namespace vmm::test {
namespace {

constexpr int kSetupError = 1;
constexpr int kUsageError = 2;
constexpr std::size_t kSetupHeaderOffset = 0x1f1;

// exit 1, and exactly one line on stderr that mentions `path`.
void expect_setup_error_naming(const ProcessResult& r, const std::string& path) {
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, kSetupError) << r.describe();
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.describe();
  EXPECT_NE(lines[0].find(path), std::string::npos) << "stderr does not name " << path << "\n"
                                                    << r.describe();
}

// The tiny guest image with its setup header edited by `edit`.
std::vector<std::uint8_t> patched_image(void (*edit)(setup_header&)) {
  std::vector<std::uint8_t> image = read_file(kTinyGuestImage);
  setup_header hdr;
  std::memcpy(&hdr, image.data() + kSetupHeaderOffset, sizeof hdr);
  edit(hdr);
  std::memcpy(image.data() + kSetupHeaderOffset, &hdr, sizeof hdr);
  return image;
}

TEST(BadInput, MissingKernelFile) {
  const std::string path = ::testing::TempDir() + "vmm-it-no-such-kernel";
  const ProcessResult r = run_vmm({"--kernel", path});
  expect_setup_error_naming(r, path);
}

TEST(BadInput, EmptyKernelFile) {
  TempFile kernel("empty-kernel", {});
  expect_setup_error_naming(run_vmm({"--kernel", kernel.path()}), kernel.path());
}

TEST(BadInput, KernelWithoutHdrS) {
  // Big enough to hold a setup header, but all zeros: no "HdrS" magic.
  const std::vector<std::uint8_t> zeros(16384, 0);
  TempFile kernel("no-hdrs", zeros);
  expect_setup_error_naming(run_vmm({"--kernel", kernel.path()}), kernel.path());
}

TEST(BadInput, BootProtocolOlderThan2_12) {
  const auto image = patched_image([](setup_header& h) { h.version = 0x020b; });
  TempFile kernel("old-protocol", image);
  expect_setup_error_naming(run_vmm({"--kernel", kernel.path()}), kernel.path());
}

TEST(BadInput, KernelWithoutSixtyFourBitEntry) {
  const auto image = patched_image([](setup_header& h) { h.xloadflags &= ~XLF_KERNEL_64; });
  TempFile kernel("no-xlf-kernel-64", image);
  expect_setup_error_naming(run_vmm({"--kernel", kernel.path()}), kernel.path());
}

TEST(BadInput, TruncatedKernel) {
  // syssize promises more protected-mode code than the file holds.
  auto image = read_file(kTinyGuestImage);
  image.resize(image.size() - 512);
  TempFile kernel("truncated", image);
  expect_setup_error_naming(run_vmm({"--kernel", kernel.path()}), kernel.path());
}

TEST(BadInput, MissingInitrdFile) {
  const std::string path = ::testing::TempDir() + "vmm-it-no-such-initrd";
  expect_setup_error_naming(run_vmm({"--kernel", kTinyGuestImage, "--initrd", path}), path);
}

TEST(BadInput, MemSizeWithUnknownSuffix) {
  const ProcessResult r = run_vmm({"--kernel", kTinyGuestImage, "--mem", "12Q"});
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, kUsageError) << r.describe();
  EXPECT_FALSE(r.err.empty()) << r.describe();
}

TEST(BadInput, NoKernelOption) {
  const ProcessResult r = run_vmm({});
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, kUsageError) << r.describe();
  EXPECT_FALSE(r.err.empty()) << r.describe();
}

}  // namespace
}  // namespace vmm::test
