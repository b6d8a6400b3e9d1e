// KvmMemslotBackend: carries out the memslot table's requests with
// KVM_SET_USER_MEMORY_REGION. It is the one place that turns a MemslotRequest into KVM
// flags: KVM_MEM_READONLY from the request, and the memory-type part from the memtype plan
// (the downstream KVM_MEM_NON_COHERENT_DMA flag where that is how this host honours
// CacheNonCoherent). What it reports as applied is exactly what KVM was told, plus the rule
// that then decides the guest's memory type.
#pragma once

#include "memory/memslot_backend.h"
#include "vmm/kvm/host_facts.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/kvm/memtype_policy.h"

namespace vmm {

class KvmMemslotBackend : public MemslotBackend {
 public:
  KvmMemslotBackend(KvmVm& vm, const HostFacts& facts, const MemtypePlan& plan);

  std::uint32_t slot_limit() const override { return slot_limit_; }
  AppliedFlags describe(const MemslotRequest& request) const override;
  InstallResult install(std::uint32_t slot, const MemslotRequest& request) override;
  int uninstall(std::uint32_t slot, const Memslot& current) override;

  // The host probe's question, asked the same way: installs a one-page scratch slot with
  // `flags` in the highest slot number, far above guest memory, and removes it again.
  // 0 or the errno KVM refused it with. Needs no facts or plan, so it runs before them.
  static int try_flags(KvmVm& vm, std::uint32_t flags);

 private:
  KvmVm& vm_;
  const HostFacts& facts_;
  const MemtypePlan& plan_;
  std::uint32_t slot_limit_;
};

}  // namespace vmm
