#include "vmm/kvm/kvm_probe_target.h"

#include "memory/mmap_region.h"

namespace vmm {

namespace {
// A guest-physical page far above anything vmm maps.
constexpr std::uint64_t kScratchGuestAddr = 1ull << 40;
constexpr std::size_t kPage = 4096;
}  // namespace

int KvmVmProbeTarget::try_memslot_flags(std::uint32_t flags) {
  MmapRegion page = MmapRegion::anonymous(kPage);
  kvm_userspace_memory_region region{};
  // The highest slot number: valid on every KVM, and the last one vmm would hand out.
  const int limit = vm_.check_extension(KVM_CAP_NR_MEMSLOTS);
  region.slot = limit > 0 ? static_cast<std::uint32_t>(limit - 1) : 0;
  region.flags = flags;
  region.guest_phys_addr = kScratchGuestAddr;
  region.memory_size = kPage;
  region.userspace_addr = reinterpret_cast<std::uint64_t>(page.data());
  if (int error = vm_.set_user_memory_region(region); error != 0) return error;
  region.memory_size = 0;  // delete it again before the mapping goes away
  return vm_.set_user_memory_region(region);
}

}  // namespace vmm
