// KvmSystem: the open /dev/kvm, and what it says about itself (API version, capabilities,
// supported CPUID). Creates VMs.
#pragma once

#include "vmm/kvm/kvm_uapi.h"

#include <cstdint>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace vmm {

class KvmVm;

class KvmSystem {
 public:
  // Opens `path` (normally /dev/kvm) and checks the API version. Throws KvmError with the
  // path in the message, e.g. "cannot open /dev/kvm: No such file or directory".
  static KvmSystem open(const std::string& path = "/dev/kvm");

  // KVM_CHECK_EXTENSION on the system fd: 0 when unsupported, else the cap's value.
  int check_extension(long capability) const;
  std::size_t vcpu_mmap_size() const;
  // KVM_GET_SUPPORTED_CPUID: every leaf this host's KVM can expose.
  std::vector<kvm_cpuid_entry2> supported_cpuid() const;

  KvmVm create_vm() const;
  int fd() const { return fd_.get(); }

 private:
  explicit KvmSystem(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace vmm
