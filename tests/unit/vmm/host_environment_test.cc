#include "vmm/kvm/host_environment.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>

namespace vmm {
namespace {

constexpr std::uint32_t kVmx = 1u << 5, kHypervisor = 1u << 31, kSvm = 1u << 2;

HostCpu cpu(const char* vendor, std::uint32_t leaf1_ecx, std::uint32_t ext1_ecx,
            const char* hypervisor = "") {
  return HostCpu{.vendor_id = vendor, .leaf1_ecx = leaf1_ecx, .ext1_ecx = ext1_ecx, .hypervisor = hypervisor};
}

// A fake machine in a temp dir: sys/module/<name> per module, sys/class/misc/kvm when the
// device is registered, and dev/kvm as whatever `dev_kvm` says.
class FakeMachine {
 public:
  enum class Dev { None, RegularFile, CharDevice };
  FakeMachine(std::initializer_list<const char*> modules, bool registered, Dev dev) {
    root_ = std::filesystem::path(::testing::TempDir()) /
            ("vmm-host-env-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "sys" / "module");
    std::filesystem::create_directories(root_ / "sys" / "class" / "misc");
    std::filesystem::create_directories(root_ / "dev");
    for (const char* m : modules) std::filesystem::create_directories(root_ / "sys" / "module" / m);
    if (registered) std::filesystem::create_directories(root_ / "sys" / "class" / "misc" / "kvm");
    paths_.sys = (root_ / "sys").string();
    switch (dev) {
      case Dev::None: paths_.dev_kvm = (root_ / "dev" / "kvm").string(); break;
      case Dev::RegularFile:
        paths_.dev_kvm = (root_ / "dev" / "kvm").string();
        std::ofstream(paths_.dev_kvm) << "left by a test";
        break;
      case Dev::CharDevice: paths_.dev_kvm = "/dev/null"; break;  // a character device anyone may open
    }
  }
  ~FakeMachine() { std::filesystem::remove_all(root_); }
  HostEnvironment read(const HostCpu& c) const { return read_host_environment(c, paths_); }
  const HostPaths& paths() const { return paths_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path root_;
  HostPaths paths_;
};

using Dev = FakeMachine::Dev;

TEST(HostEnvironment, HardwareModuleNeedsItsCpuFeature) {
  EXPECT_EQ(kvm_flavour(FakeMachine({"kvm", "kvm_intel"}, true, Dev::CharDevice).read(cpu("GenuineIntel", kVmx, 0))),
            KvmFlavour::HardwareVmx);
  EXPECT_EQ(kvm_flavour(FakeMachine({"kvm", "kvm_amd"}, true, Dev::CharDevice).read(cpu("AuthenticAMD", 0, kSvm))),
            KvmFlavour::HardwareSvm);
  // The PVM development machines: kvm_amd present, but the CPU offers no SVM, so the device
  // is kvm_pvm's.
  EXPECT_EQ(kvm_flavour(FakeMachine({"kvm", "kvm_amd", "kvm_pvm"}, true, Dev::CharDevice)
                            .read(cpu("AuthenticAMD", kHypervisor, 0, "KVMKVMKVM"))),
            KvmFlavour::Pvm);
  EXPECT_EQ(kvm_flavour(FakeMachine({}, false, Dev::None).read(cpu("AuthenticAMD", 0, 0))), KvmFlavour::Unknown);
}

TEST(HostEnvironment, UsableCharacterDeviceSaysNothingIsMissing) {
  FakeMachine m({"kvm", "kvm_amd"}, true, Dev::CharDevice);
  const auto env = m.read(cpu("AuthenticAMD", 0, kSvm));
  EXPECT_EQ(env.dev_kvm, DevKvm::Usable);
  EXPECT_TRUE(env.kvm_device_registered);
  EXPECT_EQ(missing_kvm_message(env), "");
}

// This machine today: a PVM guest kernel with kvm_pvm built in but not bound, no /dev/kvm.
TEST(HostEnvironment, PvmGuestWithoutDeviceSaysWhyAndWhereToGo) {
  FakeMachine m({"kvm", "kvm_pvm"}, false, Dev::None);
  const auto env = m.read(cpu("AuthenticAMD", kHypervisor, 0, "bhyve bhyve "));
  EXPECT_EQ(env.dev_kvm, DevKvm::Absent);
  EXPECT_FALSE(env.kvm_device_registered);
  const std::string msg = missing_kvm_message(env);
  EXPECT_NE(msg.find("no /dev/kvm on this machine"), std::string::npos) << msg;
  EXPECT_NE(msg.find("neither VMX nor SVM"), std::string::npos) << msg;
  EXPECT_NE(msg.find("kvm_pvm is present but did not register /dev/kvm"), std::string::npos) << msg;
  EXPECT_NE(msg.find("runs under a hypervisor (bhyve bhyve)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("scripts/kvm-host"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
  // Where there is no device, the PVM module is not what serves it: no PVM claims here.
  EXPECT_EQ(nlohmann::json(env)["kvm_flavour"], "none");
  const auto text = host_environment_text(env);
  EXPECT_NE(text.find("/dev/kvm              absent"), std::string::npos) << text;
  EXPECT_NE(text.find("kvm, kvm_pvm; /dev/kvm not registered"), std::string::npos) << text;
}

TEST(HostEnvironment, RegularFileAtDevKvmIsNotOpened) {
  FakeMachine m({"kvm"}, false, Dev::RegularFile);
  const auto env = m.read(cpu("GenuineIntel", 0, 0));
  EXPECT_EQ(env.dev_kvm, DevKvm::NotCharacterDevice);
  EXPECT_NE(missing_kvm_message(env).find("not a character device"), std::string::npos);
}

TEST(HostEnvironment, MissingDeviceIsNeverCreated) {
  FakeMachine m({}, false, Dev::None);
  (void)m.read(cpu("GenuineIntel", 0, 0));
  struct stat st {};
  EXPECT_NE(::stat(m.paths().dev_kvm.c_str(), &st), 0) << "reading the machine created " << m.paths().dev_kvm;
}

TEST(HostEnvironment, TcgIsReportedAsEmulated) {
  const HostCpu tcg = cpu("AuthenticAMD", kHypervisor, kSvm, "TCGTCGTCGTCG");
  EXPECT_TRUE(tcg.emulated());
  EXPECT_EQ(tcg.hypervisor_name(), "QEMU TCG");
  EXPECT_FALSE(cpu("AuthenticAMD", kHypervisor, kSvm, "KVMKVMKVM").emulated());
  FakeMachine m({"kvm", "kvm_amd"}, true, Dev::CharDevice);
  const auto env = m.read(tcg);
  EXPECT_EQ(kvm_flavour(env), KvmFlavour::HardwareSvm) << "the KVM is SVM, emulated or not";
  EXPECT_NE(host_environment_text(env).find("cpu emulated          yes (QEMU TCG)"), std::string::npos);
  EXPECT_EQ(nlohmann::json(env)["cpu_emulated"], true);
}

}  // namespace
}  // namespace vmm
