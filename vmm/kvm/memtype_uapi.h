// KVM numbers for memory-type control that Debian 12's 6.1 headers do not define, or that
// exist only in downstream (ChromeOS) kernels. Facts, with where each comes from; the probe
// never trusts a capability number alone because upstream reuses both downstream numbers.
#pragma once

#include <cstdint>

namespace vmm::kvm_memtype {

// Downstream per-memslot flag: "honour the guest's memory type for this slot" (the EPT
// entries of the slot do not get IPAT). Upstream has no such flag; there, bit 3 is
// KVM_MEM_GUEST_MEMFD-adjacent territory and an unknown flag is refused with EINVAL.
inline constexpr std::uint32_t kMemNonCoherentDma = 1u << 3;

// Downstream capability numbers that advertised the flag: 236 in older ChromeOS kernels,
// 239 in the 6.12 branch. Upstream: 236 = KVM_CAP_PRE_FAULT_MEMORY, 239 = another cap.
inline constexpr long kCapNonCoherentDmaOld = 236;
inline constexpr long kCapNonCoherentDma612 = 239;

// Upstream (Linux >= 6.16, commit c9c1e20b4c7d; also in 6.12.y stable): while this quirk
// is enabled (the default), KVM on Intel sets IPAT so the host's type wins; disabling it
// with KVM_ENABLE_CAP(KVM_CAP_DISABLE_QUIRKS2) makes KVM honour guest PAT for the whole VM.
// KVM refuses it without CPU self-snoop.
inline constexpr std::uint64_t kQuirkIgnoreGuestPat = 1ull << 9;
inline constexpr long kCapDisableQuirks2 = 213;

}  // namespace vmm::kvm_memtype
