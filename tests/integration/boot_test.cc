// Boots the tiny guest (tests/guest) under real KVM and reads its verdicts. Each boot runs
// a few hundred thousand emulated instructions on PVM: well under a second.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/guest_boot.h"
#include "tests/integration/guest_report.h"
#include "tests/integration/test_env.h"

namespace vmm::test {
namespace {

// The checks every boot reports.
const std::vector<std::string>& kAllChecks = kBaseChecks;

constexpr std::uint64_t kMiB = 1024 * 1024;

// A few KiB of random bytes (an odd size, to catch rounding) in a temp file, and the guest
// tokens that describe them.
struct Initrd {
  std::vector<std::uint8_t> bytes = random_bytes(4093, 0x5eed);
  TempFile file{"initrd", bytes};
  std::vector<std::string> tokens() const {
    return {"vmmtest.initrd_size=" + std::to_string(bytes.size()),
            "vmmtest.initrd_fnv=" + hex32(fnv1a32(bytes))};
  }
};

TEST_F(TinyGuestBoot, AllChecksPassWithInitrdAndLongCmdline) {
  Initrd initrd;
  // Longer than 256 and 512 bytes, so a fixed-size buffer anywhere on the way truncates it.
  std::vector<std::string> tokens = {"console=ttyS0", "vmmtest.pad=" + std::string(600, 'p'),
                                     "vmmtest.mem=" + std::to_string(128 * kMiB)};
  for (const std::string& t : initrd.tokens()) tokens.push_back(t);
  const std::string cmdline = guest_cmdline(tokens);

  const Boot b = boot({"--kernel", kTinyGuestImage, "--mem", "128M", "--initrd",
                       initrd.file.path(), "--cmdline", cmdline});
  expect_all_passed(b);
  EXPECT_EQ(b.report.detail("cmdline").rfind("len=" + std::to_string(cmdline.size()) + " ", 0), 0u)
      << b.report.detail("cmdline");
  EXPECT_NE(b.report.detail("initrd").find("fnv=0x" + hex32(fnv1a32(initrd.bytes))),
            std::string::npos)
      << b.report.detail("initrd");
}

// No initrd and no command line: what someone typing `vmm --kernel tiny-guest.bzImage`
// sees. The guest then checks that ramdisk_size is 0.
TEST_F(TinyGuestBoot, BootsWithoutCmdlineOrInitrd) {
  expect_all_passed(boot({"--kernel", kTinyGuestImage}));
}

// The command line at the longest the image's cmdline_size (2047) allows.
TEST_F(TinyGuestBoot, CmdlineAtCmdlineSizeLimit) {
  const std::size_t kCmdlineSize = 2047;
  // guest_cmdline adds " vmmtest.end=<K>" after the padding token; grow the padding until
  // the whole line is exactly kCmdlineSize.
  std::string cmdline;
  for (std::size_t fill = 0; cmdline.size() < kCmdlineSize; fill++)
    cmdline = guest_cmdline({"vmmtest.pad=" + std::string(fill, 'x')});
  ASSERT_EQ(cmdline.size(), kCmdlineSize);
  const Boot b = boot({"--kernel", kTinyGuestImage, "--cmdline", cmdline});
  expect_all_passed(b);
  EXPECT_EQ(b.report.detail("cmdline").rfind("len=2047 ", 0), 0u) << b.report.detail("cmdline");
}

// One byte more than cmdline_size: vmm must refuse rather than truncate, and the guest
// never runs.
TEST_F(TinyGuestBoot, CmdlineLongerThanCmdlineSizeIsRefused) {
  const Boot b = boot({"--kernel", kTinyGuestImage, "--cmdline", std::string(2048, 'x')});
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, 1) << b.run.describe();
  EXPECT_TRUE(b.report.checks.empty()) << b.run.describe();
}

// Guest RAM sizes around the layout's edges: small, ordinary, exactly 3 GiB (no RAM above
// the MMIO hole yet) and 3.5 GiB (512 MiB of it at 4 GiB). Host memory is reserved lazily,
// so the large guests cost nothing. With an initrd, so that it must land below the image's
// initrd_addr_max (2 GiB) even when RAM goes higher.
class TinyGuestMemory : public TinyGuestBoot, public ::testing::WithParamInterface<int> {};

TEST_P(TinyGuestMemory, E820DescribesAllRam) {
  const std::uint64_t mem = static_cast<std::uint64_t>(GetParam()) * kMiB;
  Initrd initrd;
  std::vector<std::string> tokens = {"vmmtest.mem=" + std::to_string(mem)};
  for (const std::string& t : initrd.tokens()) tokens.push_back(t);

  const Boot b = boot({"--kernel", kTinyGuestImage, "--mem", std::to_string(GetParam()) + "M",
                       "--initrd", initrd.file.path(), "--cmdline", guest_cmdline(tokens)});
  expect_all_passed(b);
  const std::uint64_t three_gib = 3072 * kMiB;
  const std::uint64_t top = mem > three_gib ? (4096 * kMiB) + (mem - three_gib) : mem;
  char want[64];
  std::snprintf(want, sizeof want, "top=0x%llx", static_cast<unsigned long long>(top));
  EXPECT_NE(b.report.detail("e820").find(want), std::string::npos) << b.report.detail("e820");
}

INSTANTIATE_TEST_SUITE_P(MiB, TinyGuestMemory, ::testing::Values(16, 128, 3072, 3584));

// vmmtest.fail makes the guest report one check failed: vmm must pass the guest's status
// through, and the other checks still run and pass.
TEST_F(TinyGuestBoot, ForcedFailureIsReported) {
  Initrd initrd;
  std::vector<std::string> tokens = {"vmmtest.mem=" + std::to_string(128 * kMiB),
                                     "vmmtest.fail=initrd"};
  for (const std::string& t : initrd.tokens()) tokens.push_back(t);

  const Boot b = boot({"--kernel", kTinyGuestImage, "--mem", "128M", "--initrd",
                       initrd.file.path(), "--cmdline", guest_cmdline(tokens)});
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, kGuestCheckFailed) << b.run.describe();
  EXPECT_TRUE(b.report.failed("initrd")) << b.run.describe();
  EXPECT_EQ(b.report.detail("initrd").rfind("forced by vmmtest.fail", 0), 0u)
      << b.report.detail("initrd");
  for (const std::string& name : kAllChecks) {
    if (name == "initrd") continue;
    EXPECT_TRUE(b.report.passed(name)) << name << "\n" << b.run.describe();
  }
  ASSERT_TRUE(b.report.done) << b.run.describe();
  EXPECT_EQ(b.report.done_failed, 1);
  EXPECT_EQ(b.report.done_passed, static_cast<int>(kAllChecks.size()) - 1);
}

// A CPU exception in the guest goes through its IDT: the guest names it and exits 0x7f.
TEST_F(TinyGuestBoot, GuestExceptionIsReportedByTheGuest) {
  const Boot b = boot({"--kernel", kTinyGuestImage, "--cmdline", "vmmtest.crash=ud"});
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, kGuestException) << b.run.describe();
  ASSERT_EQ(b.report.exceptions.size(), 1u) << b.run.describe();
  EXPECT_NE(b.report.exceptions[0].find("vector=6 (#UD)"), std::string::npos)
      << b.report.exceptions[0];
}

// With no IDT the exception cannot be delivered: the CPU shuts down (triple fault) and vmm
// reports the VM failed, on stderr and in its status.
TEST_F(TinyGuestBoot, TripleFaultIsAVmFailure) {
  const Boot b = boot({"--kernel", kTinyGuestImage, "--cmdline", "vmmtest.crash=triple"});
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, kVmmVmFailed) << b.run.describe();
  EXPECT_FALSE(b.run.err.empty()) << b.run.describe();
  // The guest got as far as saying what it was about to do.
  EXPECT_NE(b.run.out.find("TINY-GUEST CRASH triple fault"), std::string::npos)
      << b.run.describe();
}

// vmm forwards its stdin to COM1: the guest reads the line back through RBR/LSR.
TEST_F(TinyGuestBoot, StdinReachesTheGuestSerialPort) {
  const std::string text = "hello-from-stdin";
  const std::string line = text + "\n";
  TempFile input("stdin.txt", std::span(reinterpret_cast<const std::uint8_t*>(line.data()), line.size()));
  Boot b{run_vmm({"--kernel", kTinyGuestImage, "--cmdline", guest_cmdline({"vmmtest.serial_in=" + text})},
                 input.path()),
         {}};
  b.report = parse_guest_report(b.run.out);
  std::vector<std::string> checks = kBaseChecks;
  checks.push_back("serial.input");
  expect_all_passed(b, checks);

  TempFile wrong("stdin.txt", std::span(reinterpret_cast<const std::uint8_t*>("other\n"), 6));
  const ProcessResult mismatch =
      run_vmm({"--kernel", kTinyGuestImage, "--cmdline", guest_cmdline({"vmmtest.serial_in=" + text})},
              wrong.path());
  EXPECT_EQ(mismatch.exit_code, 1) << mismatch.describe();
  EXPECT_NE(mismatch.out.find("TEST serial.input FAIL"), std::string::npos) << mismatch.describe();
}

// Linux's reboot=k path: 0xFE to port 0x64 resets the machine, and vmm ends with status 0.
TEST_F(TinyGuestBoot, I8042ResetEndsTheVmWithStatusZero) {
  const Boot b = boot({"--kernel", kTinyGuestImage, "--cmdline", "vmmtest.crash=reset"});
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, 0) << b.run.describe();
  EXPECT_NE(b.run.out.find("TINY-GUEST CRASH i8042 reset"), std::string::npos) << b.run.describe();
  EXPECT_EQ(b.run.out.find("TINY-GUEST DONE"), std::string::npos) << "it never reached the end";
  EXPECT_NE(b.run.err.find("i8042"), std::string::npos) << b.run.describe();
}

}  // namespace
}  // namespace vmm::test
