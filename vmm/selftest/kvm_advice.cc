#include "vmm/selftest/kvm_advice.h"

namespace vmm {

namespace {

std::string module_for(const HostCpu& cpu) {
  if (cpu.vmx()) return "kvm_intel";
  if (cpu.svm()) return "kvm_amd";
  return {};
}

}  // namespace

std::string kvm_source(const HostEnvironment& env) {
  std::string s;
  switch (kvm_flavour(env)) {
    case KvmFlavour::HardwareVmx: s = "native vmx (kvm_intel)"; break;
    case KvmFlavour::HardwareSvm: s = "native svm (kvm_amd)"; break;
    case KvmFlavour::Pvm: s = "pvm (kvm_pvm): KVM without hardware virtualization"; break;
    case KvmFlavour::Unknown: s = "a KVM whose module vmm does not know"; break;
  }
  if (kvm_flavour(env) == KvmFlavour::Pvm)
    s += ", shadow paging";
  else
    s += kvm_uses_tdp(env) ? ", nested paging (EPT/NPT)" : ", shadow paging (ept/npt off)";
  if (env.cpu.emulated())
    s += "; the CPU itself is emulated (QEMU TCG): guests run, timings and measured memory types mean nothing";
  else if (env.cpu.under_hypervisor())
    s += "; this kernel is a guest of " + env.cpu.hypervisor_name() + " (nested KVM)";
  return s;
}

std::vector<std::string> kvm_advice(const HostEnvironment& env) {
  std::vector<std::string> advice;
  const std::string module = module_for(env.cpu);
  switch (env.dev_kvm) {
    case DevKvm::Usable:
      return {};
    case DevKvm::CannotOpen:
      advice.push_back("let this user open /dev/kvm: on Debian, sudo adduser $USER kvm, then log in again");
      break;
    case DevKvm::NotCharacterDevice:
      advice.push_back("remove what is at /dev/kvm (it is not the KVM device) and reload the KVM module" +
                       (module.empty() ? std::string() : " (sudo modprobe -r " + module + " && sudo modprobe " + module + ")"));
      break;
    case DevKvm::Absent:
      if (!module.empty() && !env.has_module(module))
        advice.push_back("load KVM: sudo modprobe " + module);
      else if (!module.empty())
        advice.push_back(module + " is loaded but /dev/kvm was not made: check dmesg for kvm (virtualization disabled in the firmware?)");
      else if (env.cpu.under_hypervisor())
        advice.push_back("this machine is a guest of " + env.cpu.hypervisor_name() +
                         " that passes no VMX or SVM to it: enable nested virtualization on its host, or use a machine that has it");
      else
        advice.push_back("enable virtualization (Intel VT-x or AMD-V/SVM) in the firmware set-up, then sudo modprobe kvm_intel or kvm_amd");
      break;
  }
  advice.push_back("or run vmm in an emulated KVM host (slow, but real KVM): in vmm's source tree, "
                   "scripts/kvm-host run -- vmm --self-test");
  return advice;
}

}  // namespace vmm
