#include "vmm/kvm/kvm_probe_target.h"

#include "vmm/kvm/kvm_memslot_backend.h"

namespace vmm {

int KvmVmProbeTarget::try_memslot_flags(std::uint32_t flags) {
  return KvmMemslotBackend::try_flags(vm_, flags);
}

}  // namespace vmm
