// Which kernel module provides /dev/kvm here. PVM (kvm_pvm) runs guest ring 0 through an
// emulator, so a user must be told up front why a Linux guest crawls.
#pragma once

#include <string>
#include <string_view>

namespace vmm {

enum class KvmModule { Intel, Amd, Pvm, Unknown };

// Looks for kvm_pvm, kvm_intel and kvm_amd under `sysfs_modules` (/sys/module: present for
// loaded modules and for built-in ones with parameters, and readable in containers where
// /proc/modules is not). Prefers kvm_pvm when several are there, since /dev/kvm then
// belongs to it.
KvmModule detect_kvm_module(const std::string& sysfs_modules = "/sys/module");
std::string_view to_string(KvmModule module);

}  // namespace vmm
