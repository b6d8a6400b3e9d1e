// HostEnvironment: what this machine offers for running guests, found without needing
// /dev/kvm: whether /dev/kvm is there and usable, which KVM modules are present and whether
// one of them registered the device, whether the CPU offers VMX or SVM, and whether this
// kernel itself runs under a hypervisor (or an emulator). From it: which KVM serves
// /dev/kvm (hardware VMX, hardware SVM or PVM), and, where there is none, one line saying
// what is missing. Paths are parameters so unit tests can build any machine in a temp dir.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "base/enum_names.h"
#include "vmm/kvm/host_cpu.h"
#include "vmm/kvm/host_facts.h"

namespace vmm {

enum class DevKvm { Usable, Absent, NotCharacterDevice, CannotOpen };
inline constexpr EnumNames<DevKvm, 4> kDevKvmNames({{
    {DevKvm::Usable, "usable"},
    {DevKvm::Absent, "absent"},
    {DevKvm::NotCharacterDevice, "not a character device"},
    {DevKvm::CannotOpen, "cannot be opened"},
}});
std::string_view to_string(DevKvm state);

struct HostEnvironment {
  DevKvm dev_kvm = DevKvm::Absent;
  std::string dev_kvm_error;             // strerror of the failed open, for CannotOpen
  bool kvm_device_registered = false;    // a module registered the kvm misc device
  std::vector<std::string> kvm_modules;  // which of kvm, kvm_intel, kvm_amd, kvm_pvm are present
  // Whether KVM translates guest-physical addresses with the CPU's second-level tables (EPT,
  // NPT) rather than shadow pages: kvm_intel's `ept` or kvm_amd's `npt` parameter ("Y",
  // "1"), empty where neither module is present. PVM always shadows.
  std::string tdp_parameter;
  HostCpu cpu;

  bool has_module(const std::string& name) const;
};

struct HostPaths {
  std::string dev_kvm = "/dev/kvm";
  std::string sys = "/sys";  // module/<name> for present modules, class/misc/kvm when registered
};

// Reads the machine. Never creates anything: /dev/kvm is opened only when it is a
// character device, and then only to see whether it can be.
HostEnvironment read_host_environment(const HostCpu& cpu, const HostPaths& paths = {});

// Which KVM serves /dev/kvm: kvm_intel on a CPU with VMX, kvm_amd on one with SVM, else
// kvm_pvm (which needs neither); Unknown when none of them is present.
KvmFlavour kvm_flavour(const HostEnvironment& env);
// Whether the module serving /dev/kvm uses EPT/NPT (false for PVM, and where the parameter
// says no or cannot be read).
bool kvm_uses_tdp(const HostEnvironment& env);

// One line for `vmm --kernel` where /dev/kvm cannot be used: what is missing and why, and
// where to run vmm instead. Empty when /dev/kvm is usable.
std::string missing_kvm_message(const HostEnvironment& env);

void to_json(nlohmann::json& j, const HostEnvironment& env);
std::string host_environment_text(const HostEnvironment& env);

}  // namespace vmm
