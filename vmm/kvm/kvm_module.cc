#include "vmm/kvm/kvm_module.h"

#include <filesystem>

namespace vmm {

KvmModule detect_kvm_module(const std::string& sysfs_modules) {
  std::error_code error;
  auto present = [&](const char* name) {
    return std::filesystem::is_directory(std::filesystem::path(sysfs_modules) / name, error);
  };
  if (present("kvm_pvm")) return KvmModule::Pvm;
  if (present("kvm_intel")) return KvmModule::Intel;
  if (present("kvm_amd")) return KvmModule::Amd;
  return KvmModule::Unknown;
}

std::string_view to_string(KvmModule module) {
  switch (module) {
    case KvmModule::Intel:
      return "kvm_intel";
    case KvmModule::Amd:
      return "kvm_amd";
    case KvmModule::Pvm:
      return "kvm_pvm";
    case KvmModule::Unknown:
      return "unknown (no kvm_intel, kvm_amd or kvm_pvm under /sys/module)";
  }
  return "?";
}

}  // namespace vmm
