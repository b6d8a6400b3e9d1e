// KvmMemslotBackend: carries out the memslot table's requests with
// KVM_SET_USER_MEMORY_REGION. It is the one place that turns a MemslotRequest into KVM
// flags, so what it reports as applied is exactly what KVM was told.
//
// Today it applies KVM_MEM_READONLY only: a CacheNonCoherent request is recorded by the
// table and reaches KVM as "no flag" until the memtype policy decides per host how to honour
// it. The applied names say so ("none"), so nothing claims more than was done.
#pragma once

#include "memory/memslot_backend.h"
#include "vmm/kvm/kvm_vm.h"

namespace vmm {

class KvmMemslotBackend : public MemslotBackend {
 public:
  explicit KvmMemslotBackend(KvmVm& vm);

  std::uint32_t slot_limit() const override { return slot_limit_; }
  InstallResult install(std::uint32_t slot, const MemslotRequest& request) override;
  int uninstall(std::uint32_t slot, const Memslot& current) override;

 private:
  KvmVm& vm_;
  std::uint32_t slot_limit_;
};

}  // namespace vmm
