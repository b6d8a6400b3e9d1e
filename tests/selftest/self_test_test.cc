// vmm --self-test's parts that need no KVM: what it says about each kind of machine, how it
// reads the tiny guest's console, where it finds the guest, and how it runs its child.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "vmm/selftest/child_process.h"
#include "vmm/selftest/guest_checks.h"
#include "vmm/selftest/guest_locator.h"
#include "vmm/selftest/kvm_advice.h"
#include "vmm/selftest/self_test_screen.h"

namespace vmm {
namespace {

constexpr std::uint32_t kVmx = 1u << 5, kHypervisor = 1u << 31, kSvm = 1u << 2;

HostEnvironment machine(DevKvm dev, std::vector<std::string> modules, std::uint32_t leaf1_ecx,
                        std::uint32_t ext1_ecx, const char* vendor = "AuthenticAMD", const char* hypervisor = "") {
  HostEnvironment env;
  env.dev_kvm = dev;
  env.kvm_modules = std::move(modules);
  env.kvm_device_registered = dev != DevKvm::Absent;
  env.cpu = HostCpu{.vendor_id = vendor, .leaf1_ecx = leaf1_ecx, .ext1_ecx = ext1_ecx, .hypervisor = hypervisor};
  return env;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(KvmAdvice, UsableKvmNeedsNoAdvice) {
  EXPECT_TRUE(kvm_advice(machine(DevKvm::Usable, {"kvm", "kvm_amd"}, 0, kSvm)).empty());
}

TEST(KvmAdvice, EachMissingPieceGetsItsOwnRemedyAndTheEmulatedHostLast) {
  const auto unloaded = kvm_advice(machine(DevKvm::Absent, {}, kVmx, 0, "GenuineIntel"));
  ASSERT_EQ(unloaded.size(), 2u);
  EXPECT_EQ(unloaded[0], "load KVM: sudo modprobe kvm_intel");
  EXPECT_TRUE(contains(unloaded[1], "scripts/kvm-host run -- vmm --self-test")) << unloaded[1];

  EXPECT_TRUE(contains(kvm_advice(machine(DevKvm::CannotOpen, {"kvm", "kvm_amd"}, 0, kSvm))[0], "adduser $USER kvm"));
  EXPECT_TRUE(contains(kvm_advice(machine(DevKvm::Absent, {"kvm", "kvm_amd"}, 0, kSvm))[0], "kvm_amd is loaded"));
  // This machine: a guest of bhyve that passes neither VMX nor SVM on.
  EXPECT_TRUE(contains(kvm_advice(machine(DevKvm::Absent, {"kvm", "kvm_pvm"}, kHypervisor, 0, "AuthenticAMD",
                                          "bhyve bhyve"))[0],
                       "guest of bhyve bhyve that passes no VMX or SVM to it: enable nested virtualization"));
  EXPECT_TRUE(contains(kvm_advice(machine(DevKvm::Absent, {}, 0, 0))[0], "in the firmware set-up"));
  EXPECT_TRUE(contains(kvm_advice(machine(DevKvm::NotCharacterDevice, {"kvm", "kvm_intel"}, kVmx, 0))[0],
                       "remove what is at /dev/kvm"));
}

TEST(KvmLines, WithoutKvmTheyNameWhatIsMissingAndHowToGetIt) {
  const std::string lines =
      kvm_lines(machine(DevKvm::Absent, {"kvm", "kvm_pvm"}, kHypervisor, 0, "AuthenticAMD", "bhyve bhyve"));
  EXPECT_EQ(lines.rfind("KVM           none: no /dev/kvm on this machine (", 0), 0u) << lines;
  EXPECT_TRUE(contains(lines, "\n  to get it   this machine is a guest of bhyve bhyve")) << lines;
  EXPECT_TRUE(contains(lines, "\n              or run vmm in an emulated KVM host")) << lines;
  // The diagnosis's pointer to the source tree is said once, as advice, not twice.
  EXPECT_FALSE(contains(lines, "The vmm repository's")) << lines;
}

TEST(KvmLines, WithKvmTheySayWhereItComesFrom) {
  auto svm = machine(DevKvm::Usable, {"kvm", "kvm_amd"}, 0, kSvm);
  svm.tdp_parameter = "1";
  EXPECT_EQ(kvm_lines(svm), "KVM           native svm (kvm_amd), nested paging (EPT/NPT)\n");
  auto emulated = machine(DevKvm::Usable, {"kvm", "kvm_amd"}, kHypervisor, kSvm, "AuthenticAMD", "TCGTCGTCGTCG");
  emulated.tdp_parameter = "1";
  EXPECT_TRUE(contains(kvm_lines(emulated), "the CPU itself is emulated (QEMU TCG)")) << kvm_lines(emulated);
  const auto pvm = machine(DevKvm::Usable, {"kvm", "kvm_pvm"}, kHypervisor, 0, "AuthenticAMD", "KVMKVMKVM");
  EXPECT_TRUE(contains(kvm_lines(pvm), "pvm (kvm_pvm): KVM without hardware virtualization, shadow paging"))
      << kvm_lines(pvm);
}

// A host with hardware KVM and two-dimensional paging, whose KVM refuses the downstream
// non-coherent slot flag.
HostFacts hardware_host(CpuVendor vendor) {
  HostFacts facts;
  facts.vendor = vendor;
  facts.vendor_id = vendor == CpuVendor::Amd ? "AuthenticAMD" : "GenuineIntel";
  facts.flavour = vendor == CpuVendor::Amd ? KvmFlavour::HardwareSvm : KvmFlavour::HardwareVmx;
  facts.tdp = true;
  facts.slot_flag_errno = EINVAL;
  return facts;
}

TEST(MemtypeLines, AmdNptHonoursTheGuestsPat) {
  const std::string lines = memtype_lines(hardware_host(CpuVendor::Amd));
  EXPECT_TRUE(contains(lines, "\n  RAM         guest PAT honoured (AMD NPT)")) << lines;
  EXPECT_TRUE(contains(lines, "\n  GPU blobs   guest PAT honoured (AMD NPT)  [KVM flags: none]\n")) << lines;
  EXPECT_TRUE(contains(lines, "KVM_MEM_NON_COHERENT_DMA refused (Invalid argument)")) << lines;
  EXPECT_FALSE(contains(lines, "measuring")) << lines;
}

TEST(MemtypeLines, IntelWithNeitherFlagNorQuirkWarnsThatWcBecomesWb) {
  HostFacts facts = hardware_host(CpuVendor::Intel);
  facts.self_snoop = true;
  const std::string lines = memtype_lines(facts);
  EXPECT_TRUE(contains(lines, "host type wins (IPAT)")) << lines;
  EXPECT_TRUE(contains(lines, "a guest's WC or UC mapping of a blob may become WB")) << lines;
}

TEST(GuestChecks, ReadsPassesFailuresAndTheEnd) {
  const auto ok = read_guest_checks(
      "TINY-GUEST START zero_page=0x7000\r\nTEST serial PASS console on COM1 works\r\n"
      "TEST gpu.2d PASS resource 1\r\nTINY-GUEST DONE 2 passed 0 failed\r\n");
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.passed, 2);
  const auto failed = read_guest_checks(
      "TINY-GUEST START\nTEST serial PASS x\nTEST gpu.pci FAIL no device at 00:01.0\nTINY-GUEST DONE 1 passed 1 failed\n");
  EXPECT_FALSE(failed.ok());
  ASSERT_EQ(failed.failures.size(), 1u);
  EXPECT_EQ(failed.failures[0], "gpu.pci no device at 00:01.0");
  // A guest that stopped half-way, or never started, has not passed.
  EXPECT_FALSE(read_guest_checks("TINY-GUEST START\nTEST serial PASS x\n").ok());
  EXPECT_FALSE(read_guest_checks("").ok());
}

TEST(GuestLines, SayWhatHappenedToTheGuest) {
  GuestBoot boot;
  boot.image = "/usr/share/vmm/tiny-guest.bzImage";
  boot.run.started = true;
  boot.run.status = 1;
  boot.run.seconds = 0.25;
  boot.run.err = "vmm: info: something\nvmm: error: --gpu: KVM refused the BAR memslot\n";
  boot.checks = read_guest_checks(boot.run.out);
  const std::string lines = guest_lines(boot);
  EXPECT_FALSE(boot.ok());
  EXPECT_TRUE(contains(lines, "  booted      no: vmm exited with status 1 after 0.2 s")) << lines;
  EXPECT_TRUE(contains(lines, "  vmm said    vmm: error: --gpu: KVM refused the BAR memslot")) << lines;

  boot.run.status = 0;
  boot.run.out = "TINY-GUEST START\nTEST a PASS\nTEST b FAIL why\nTINY-GUEST DONE 1 passed 1 failed\n";
  boot.checks = read_guest_checks(boot.run.out);
  EXPECT_FALSE(boot.ok());
  EXPECT_TRUE(contains(guest_lines(boot), "  checks      1 passed, 1 failed\n              FAIL b why\n"))
      << guest_lines(boot);

  boot.run.timed_out = true;
  EXPECT_TRUE(contains(guest_lines(boot), "  booted      no answer: stopped after")) << guest_lines(boot);
}

class TempTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) / ("vmm-self-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string touch(const std::string& relative) {
    const auto path = root_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << "x";
    return path.string();
  }
  std::filesystem::path root_;
};

TEST_F(TempTree, GuestIsFoundInstalledFirstThenInTheBuildTree) {
  const std::string exe = (root_ / "bin" / "vmm").string();
  EXPECT_FALSE(find_tiny_guest(exe));
  const std::string built = touch("tests/guest/tiny-guest.bzImage");
  EXPECT_EQ(find_tiny_guest(exe), built);
  const std::string installed = touch("share/vmm/tiny-guest.bzImage");
  EXPECT_EQ(find_tiny_guest(exe), installed);
}

TEST(RunChild, CapturesBothStreamsAndTheStatus) {
  const auto r = run_child({"/bin/sh", "-c", "echo to-out; echo to-err >&2; exit 3"}, std::chrono::seconds(30));
  EXPECT_TRUE(r.started);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.out, "to-out\n");
  EXPECT_EQ(r.err, "to-err\n");
}

TEST(RunChild, KillsAChildThatOutlivesItsTime) {
  const auto r = run_child({"/bin/sh", "-c", "exec sleep 30"}, std::chrono::milliseconds(200));
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.status, 128 + SIGKILL);
  EXPECT_LT(r.seconds, 10);
}

TEST(RunChild, SaysWhyAProgramCannotRun) {
  const auto r = run_child({"/nonexistent/vmm"}, std::chrono::seconds(5));
  EXPECT_FALSE(r.started);
  EXPECT_TRUE(contains(r.error, "cannot run /nonexistent/vmm")) << r.error;
}

}  // namespace
}  // namespace vmm
