// What --self-test says about KVM on this machine: where it comes from (native VMX or SVM,
// PVM, an emulated CPU) and, where there is none, how to get it. Pure functions of the
// HostEnvironment, so every kind of machine is unit-tested with a fake /sys and /dev.
#pragma once

#include <string>
#include <vector>

#include "vmm/kvm/host_environment.h"

namespace vmm {

// "native svm (kvm_amd), nested paging", "pvm (kvm_pvm): shadow paging", with the
// emulated CPU named where there is one. Only for a usable /dev/kvm.
std::string kvm_source(const HostEnvironment& env);

// Where /dev/kvm cannot be used: what would give this machine one, most likely first,
// each a line a user can act on. Empty when /dev/kvm is usable.
std::vector<std::string> kvm_advice(const HostEnvironment& env);

}  // namespace vmm
