#include "vmm/kvm/host_environment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/unique_fd.h"

namespace vmm {

namespace {

constexpr const char* kKvmModules[] = {"kvm", "kvm_intel", "kvm_amd", "kvm_pvm"};

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string s;
  for (const auto& item : items) s += (s.empty() ? "" : separator) + item;
  return s;
}

// Why the machine has no usable KVM, as short phrases.
std::vector<std::string> obstacles(const HostEnvironment& env) {
  std::vector<std::string> why;
  if (!env.cpu.vmx() && !env.cpu.svm()) why.push_back("the CPU offers neither VMX nor SVM");
  if (env.has_module("kvm_pvm") && !env.kvm_device_registered)
    why.push_back("kvm_pvm is present but did not register /dev/kvm");
  else if (env.kvm_modules.empty())
    why.push_back("no KVM module is loaded");
  if (env.cpu.under_hypervisor())
    why.push_back("this kernel runs under a hypervisor (" + env.cpu.hypervisor_name() + ")");
  return why;
}

}  // namespace

std::string_view to_string(DevKvm state) { return kDevKvmNames.name(state); }

bool HostEnvironment::has_module(const std::string& name) const {
  return std::find(kvm_modules.begin(), kvm_modules.end(), name) != kvm_modules.end();
}

HostEnvironment read_host_environment(const HostCpu& cpu, const HostPaths& paths) {
  HostEnvironment env;
  env.cpu = cpu;
  struct stat st {};
  if (::stat(paths.dev_kvm.c_str(), &st) != 0) {
    env.dev_kvm = DevKvm::Absent;
  } else if (!S_ISCHR(st.st_mode)) {
    env.dev_kvm = DevKvm::NotCharacterDevice;
  } else if (UniqueFd fd(::open(paths.dev_kvm.c_str(), O_RDWR | O_CLOEXEC)); !fd.valid()) {
    env.dev_kvm = DevKvm::CannotOpen;
    env.dev_kvm_error = std::strerror(errno);
  } else {
    env.dev_kvm = DevKvm::Usable;
  }
  std::error_code error;
  const std::filesystem::path sys(paths.sys);
  for (const char* name : kKvmModules)
    if (std::filesystem::is_directory(sys / "module" / name, error)) env.kvm_modules.push_back(name);
  env.kvm_device_registered = std::filesystem::exists(sys / "class" / "misc" / "kvm", error);
  for (const auto& [module, parameter] : {std::pair{"kvm_intel", "ept"}, std::pair{"kvm_amd", "npt"}}) {
    if (!env.has_module(module)) continue;
    std::ifstream in(sys / "module" / module / "parameters" / parameter);
    std::getline(in, env.tdp_parameter);
  }
  return env;
}

bool kvm_uses_tdp(const HostEnvironment& env) {
  const KvmFlavour flavour = kvm_flavour(env);
  if (flavour != KvmFlavour::HardwareVmx && flavour != KvmFlavour::HardwareSvm) return false;
  return env.tdp_parameter == "Y" || env.tdp_parameter == "1";
}

KvmFlavour kvm_flavour(const HostEnvironment& env) {
  if (env.has_module("kvm_intel") && env.cpu.vmx()) return KvmFlavour::HardwareVmx;
  if (env.has_module("kvm_amd") && env.cpu.svm()) return KvmFlavour::HardwareSvm;
  if (env.has_module("kvm_pvm")) return KvmFlavour::Pvm;
  if (env.has_module("kvm_intel")) return KvmFlavour::HardwareVmx;
  if (env.has_module("kvm_amd")) return KvmFlavour::HardwareSvm;
  return KvmFlavour::Unknown;
}

std::string missing_kvm_message(const HostEnvironment& env) {
  std::string what;
  switch (env.dev_kvm) {
    case DevKvm::Usable: return {};
    case DevKvm::Absent: what = "no /dev/kvm on this machine"; break;
    case DevKvm::NotCharacterDevice: what = "/dev/kvm is not a character device (a file left by some program?)"; break;
    case DevKvm::CannotOpen: what = "cannot open /dev/kvm: " + env.dev_kvm_error; break;
  }
  if (auto why = obstacles(env); !why.empty()) what += " (" + join(why, "; ") + ")";
  return what + ". The vmm repository's scripts/kvm-host runs vmm in an emulated KVM host: "
                "scripts/kvm-host run -- vmm ...";
}

void to_json(nlohmann::json& j, const HostEnvironment& env) {
  j = {
      {"dev_kvm", std::string(to_string(env.dev_kvm))},
      {"kvm_modules", env.kvm_modules},
      {"kvm_device_registered", env.kvm_device_registered},
      {"kvm_flavour", env.dev_kvm == DevKvm::Usable ? std::string(to_string(kvm_flavour(env))) : "none"},
      {"cpu_vendor_id", env.cpu.vendor_id},
      {"cpu_vmx", env.cpu.vmx()},
      {"cpu_svm", env.cpu.svm()},
      {"under_hypervisor", env.cpu.under_hypervisor()},
      {"hypervisor", env.cpu.hypervisor_name()},
      {"cpu_emulated", env.cpu.emulated()},
      {"kvm_tdp", kvm_uses_tdp(env)},
  };
  if (env.dev_kvm == DevKvm::CannotOpen) j["dev_kvm_error"] = env.dev_kvm_error;
}

std::string host_environment_text(const HostEnvironment& env) {
  std::ostringstream out;
  out << "machine\n"
      << "  /dev/kvm              " << to_string(env.dev_kvm)
      << (env.dev_kvm == DevKvm::CannotOpen ? ": " + env.dev_kvm_error : std::string()) << "\n"
      << "  kvm modules           " << (env.kvm_modules.empty() ? "none" : join(env.kvm_modules, ", "))
      << "; /dev/kvm " << (env.kvm_device_registered ? "registered" : "not registered") << "\n"
      << "  cpu virtualization    " << (env.cpu.vmx() ? "vmx" : env.cpu.svm() ? "svm" : "none")
      << " (" << env.cpu.vendor_id << ")\n"
      << "  kernel is a guest     "
      << (env.cpu.under_hypervisor() ? "yes, of " + env.cpu.hypervisor_name() : std::string("no"))
      << "\n"
      << "  cpu emulated          "
      << (env.cpu.emulated()
              ? "yes (QEMU TCG): no caches are modelled, so memory types cannot be measured here"
              : "no")
      << "\n";
  return out.str();
}

}  // namespace vmm
