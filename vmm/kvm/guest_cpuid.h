// The CPUID a vCPU shows its guest: what this host's KVM supports, with the per-CPU fields
// (APIC ids, logical CPU count) filled in, the hypervisor bit set, and the features KVM
// emulates but leaves out of KVM_GET_SUPPORTED_CPUID because userspace must opt in.
#pragma once

#include "vmm/kvm/kvm_uapi.h"

#include <cstdint>
#include <vector>

namespace vmm {

// What the host's KVM can emulate beyond its supported-CPUID list (capabilities, asked once).
struct GuestCpuidHost {
  // KVM_CAP_TSC_DEADLINE_TIMER: the in-kernel LAPIC emulates the TSC-deadline timer mode.
  // KVM never lists it in KVM_GET_SUPPORTED_CPUID (it needs the in-kernel LAPIC, which is
  // userspace's choice). Without CPUID.01H:ECX[24] Linux calibrates the LAPIC timer against
  // the PIT for 100 ms of ticks and then verifies it, which under a loaded or emulated host
  // fails ("APIC timer disabled due to verification failure") and leaves the guest ticking
  // on the PIT; with it, the LAPIC timer needs no calibration at all.
  bool tsc_deadline_timer = false;
};

inline constexpr std::uint32_t kCpuidTscDeadlineBit = 1u << 24;  // CPUID.01H:ECX[24]

std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> supported,
                                          std::uint32_t vcpu_index, std::uint32_t vcpu_count,
                                          const GuestCpuidHost& host = {});

}  // namespace vmm
