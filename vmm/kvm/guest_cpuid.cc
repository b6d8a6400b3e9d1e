#include "vmm/kvm/guest_cpuid.h"

namespace vmm {

namespace {
constexpr std::uint32_t kHypervisorBit = 1u << 31;  // CPUID.01H:ECX[31]
constexpr std::uint32_t kHttBit = 1u << 28;         // CPUID.01H:EDX[28]: EBX[23:16] is valid
}  // namespace

std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> entries,
                                          std::uint32_t vcpu_index, std::uint32_t vcpu_count,
                                          const GuestCpuidHost& host) {
  for (auto& entry : entries) {
    switch (entry.function) {
      case 0x1:
        // Initial APIC id in EBX[31:24] and the package's logical CPU count in EBX[23:16]:
        // Linux matches them against the MP table's processor entries.
        entry.ebx = (entry.ebx & 0x0000ffffu) | (vcpu_index << 24) | ((vcpu_count & 0xff) << 16);
        entry.ecx |= kHypervisorBit;
        if (vcpu_count > 1) entry.edx |= kHttBit;
        if (host.tsc_deadline_timer) entry.ecx |= kCpuidTscDeadlineBit;
        break;
      case 0xb:
      case 0x1f:
        // Extended topology: EDX is the x2APIC id of the CPU executing CPUID.
        entry.edx = vcpu_index;
        break;
      default:
        break;
    }
  }
  return entries;
}

}  // namespace vmm
