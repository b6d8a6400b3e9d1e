// The real KvmProbeTarget: asks a freshly created VM, before any guest memory is
// registered, so the scratch slot cannot collide with anything.
#pragma once

#include "vmm/kvm/host_probe.h"
#include "vmm/kvm/kvm_vm.h"

namespace vmm {

class KvmVmProbeTarget : public KvmProbeTarget {
 public:
  explicit KvmVmProbeTarget(KvmVm& vm) : vm_(vm) {}
  int check_extension(long capability) override { return vm_.check_extension(capability); }
  int try_memslot_flags(std::uint32_t flags) override;

 private:
  KvmVm& vm_;
};

}  // namespace vmm
