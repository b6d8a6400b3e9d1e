#include "vmm/kvm/kvm_memslot_backend.h"

#include <string>

#include "base/mapping.h"
#include "base/page.h"

namespace vmm {

namespace {
// KVM's documented default when KVM_CAP_NR_MEMSLOTS is not reported.
constexpr std::uint32_t kDefaultSlotLimit = 32;
// Where the flag probe's scratch page goes: far above anything vmm maps.
constexpr std::uint64_t kScratchGuestAddr = 1ull << 40;

std::uint32_t slot_limit_of(KvmVm& vm) {
  const int limit = vm.check_extension(KVM_CAP_NR_MEMSLOTS);
  return limit > 0 ? static_cast<std::uint32_t>(limit) : kDefaultSlotLimit;
}

// The one KVM_SET_USER_MEMORY_REGION of vmm; size 0 deletes the slot.
int set_region(KvmVm& vm, std::uint32_t slot, std::uint32_t flags, std::uint64_t guest_addr,
               std::uint64_t size, const void* host_addr) {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.flags = flags;
  region.guest_phys_addr = guest_addr;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<std::uint64_t>(host_addr);
  return vm.set_user_memory_region(region);
}
}  // namespace

KvmMemslotBackend::KvmMemslotBackend(KvmVm& vm, const HostFacts& facts, const MemtypePlan& plan)
    : vm_(vm), facts_(facts), plan_(plan), slot_limit_(slot_limit_of(vm)) {}

int KvmMemslotBackend::try_flags(KvmVm& vm, std::uint32_t flags) {
  const Mapping page = Mapping::anonymous(kPageSize, "the memslot-flag probe page");
  const std::uint32_t slot = slot_limit_of(vm) - 1;  // the last number vmm would hand out
  if (int error = set_region(vm, slot, flags, kScratchGuestAddr, kPageSize, page.data()); error != 0)
    return error;
  return set_region(vm, slot, 0, kScratchGuestAddr, 0, nullptr);  // gone before the page is
}

AppliedFlags KvmMemslotBackend::describe(const MemslotRequest& request) const {
  AppliedFlags applied = slot_memtype(plan_, facts_, request.cache_type);
  if (request.read_only) {
    applied.kvm_flags |= KVM_MEM_READONLY;
    applied.names = applied.kvm_flags == KVM_MEM_READONLY ? "KVM_MEM_READONLY"
                                                          : "KVM_MEM_READONLY|" + applied.names;
  }
  return applied;
}

InstallResult KvmMemslotBackend::install(std::uint32_t slot, const MemslotRequest& request) {
  const AppliedFlags applied = describe(request);
  if (int error = set_region(vm_, slot, applied.kvm_flags, request.guest_addr, request.size,
                             request.host_addr);
      error != 0)
    return {error, {}};
  return {0, applied};
}

int KvmMemslotBackend::uninstall(std::uint32_t slot, const Memslot& current) {
  return set_region(vm_, slot, 0, current.request.guest_addr, 0, nullptr);
}

}  // namespace vmm
