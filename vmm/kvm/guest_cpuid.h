// The CPUID a vCPU shows its guest: what this host's KVM supports, with the per-CPU fields
// (APIC ids, logical CPU count) filled in and the hypervisor bit set.
#pragma once

#include "vmm/kvm/kvm_uapi.h"

#include <cstdint>
#include <vector>

namespace vmm {

std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> supported,
                                          std::uint32_t vcpu_index, std::uint32_t vcpu_count);

}  // namespace vmm
