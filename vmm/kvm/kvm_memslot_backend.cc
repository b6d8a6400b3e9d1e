#include "vmm/kvm/kvm_memslot_backend.h"

#include <string>

namespace vmm {

namespace {
// KVM's documented default when KVM_CAP_NR_MEMSLOTS is not reported.
constexpr std::uint32_t kDefaultSlotLimit = 32;
}  // namespace

KvmMemslotBackend::KvmMemslotBackend(KvmVm& vm, const HostFacts& facts, const MemtypePlan& plan)
    : vm_(vm), facts_(facts), plan_(plan) {
  int limit = vm_.check_extension(KVM_CAP_NR_MEMSLOTS);
  slot_limit_ = limit > 0 ? static_cast<std::uint32_t>(limit) : kDefaultSlotLimit;
}

InstallResult KvmMemslotBackend::install(std::uint32_t slot, const MemslotRequest& request) {
  AppliedFlags applied = slot_memtype(plan_, facts_, request.cache_type);
  if (request.read_only) {
    applied.kvm_flags |= KVM_MEM_READONLY;
    applied.names = applied.kvm_flags == KVM_MEM_READONLY ? "KVM_MEM_READONLY"
                                                          : "KVM_MEM_READONLY|" + applied.names;
  }
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.flags = applied.kvm_flags;
  region.guest_phys_addr = request.guest_addr;
  region.memory_size = request.size;
  region.userspace_addr = reinterpret_cast<std::uint64_t>(request.host_addr);
  if (int error = vm_.set_user_memory_region(region); error != 0) return {error, {}};
  return {0, applied};
}

int KvmMemslotBackend::uninstall(std::uint32_t slot, const Memslot& current) {
  // KVM deletes a slot when it is set again with size 0.
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = current.request.guest_addr;
  region.memory_size = 0;
  return vm_.set_user_memory_region(region);
}

}  // namespace vmm
