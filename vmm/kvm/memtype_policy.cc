#include "vmm/kvm/memtype_policy.h"

#include <cstring>

#include "vmm/kvm/memtype_uapi.h"

namespace vmm {

namespace {

bool intel_vmx(const HostFacts& f) {
  return f.vendor == CpuVendor::Intel && f.flavour == KvmFlavour::HardwareVmx;
}

// Why the VM-wide quirk cannot be disabled here, or empty when it can.
std::string quirk_obstacle(const HostFacts& f) {
  if (!intel_vmx(f)) return "the IGNORE_GUEST_PAT quirk exists only on Intel VMX hosts";
  if (!f.ignore_guest_pat_quirk_listed())
    return "this KVM does not list KVM_X86_QUIRK_IGNORE_GUEST_PAT in KVM_CAP_DISABLE_QUIRKS2 "
           "(needs Linux 6.16 or newer, or a 6.12.y stable kernel with the backport)";
  if (!f.self_snoop) return "KVM refuses to disable IGNORE_GUEST_PAT without CPU self-snoop";
  return {};
}

std::string slot_flag_obstacle(const HostFacts& f) {
  if (f.slot_flag_works) return {};
  return std::string("KVM refused the KVM_MEM_NON_COHERENT_DMA memslot flag (0x8): ") +
         std::strerror(f.slot_flag_errno) + " (caps 236=" + std::to_string(f.cap_236) +
         ", 239=" + std::to_string(f.cap_239) + " are not proof either way)";
}

MemtypePlan plan(NonCoherentDmaMode mode, NonCoherentMechanism mechanism, bool honoured,
                 std::string explanation) {
  return {mode, mechanism, honoured, std::move(explanation)};
}

MemtypePlan plan_auto(const HostFacts& f) {
  const auto mode = NonCoherentDmaMode::Auto;
  if (f.slot_flag_works)
    return plan(mode, NonCoherentMechanism::SlotFlag, true,
                "KVM accepts the per-slot flag KVM_MEM_NON_COHERENT_DMA: only CacheNonCoherent "
                "slots honour guest PAT");
  if (quirk_obstacle(f).empty())
    return plan(mode, NonCoherentMechanism::VmQuirkDisabled, true,
                "no per-slot flag; disabling KVM_X86_QUIRK_IGNORE_GUEST_PAT for the whole VM, "
                "which makes guest PAT count for RAM too");
  if (f.flavour == KvmFlavour::HardwareSvm)
    return plan(mode, NonCoherentMechanism::ArchitectureHonoursPat, true,
                "AMD NPT always combines guest PAT with the host type: nothing to ask of KVM");
  if (f.flavour == KvmFlavour::Pvm)
    return plan(mode, NonCoherentMechanism::Unknown, false,
                "PVM uses shadow paging; whether guest PAT is honoured is unknown until "
                "measured (see the guest-side probe)");
  if (intel_vmx(f))
    return plan(mode, NonCoherentMechanism::None, false,
                "cannot be honoured: " + slot_flag_obstacle(f) + "; and " + quirk_obstacle(f) +
                ". KVM sets IPAT, so guest WC/UC mappings of host memory become WB");
  return plan(mode, NonCoherentMechanism::Unknown, false,
              "unrecognised KVM (" + std::string(to_string(f.flavour)) + ", " +
                  std::string(to_string(f.vendor)) + "): no known way to ask for guest PAT");
}

}  // namespace

std::string_view to_string(NonCoherentDmaMode mode) { return kNonCoherentDmaModeNames.name(mode); }

std::optional<NonCoherentDmaMode> parse_noncoherent_dma_mode(std::string_view text) {
  return kNonCoherentDmaModeNames.parse(text);
}

std::string_view to_string(NonCoherentMechanism mechanism) {
  return kNonCoherentMechanismNames.name(mechanism);
}

MemtypePlan plan_memtype(const HostFacts& f, NonCoherentDmaMode mode, bool require_noncoherent) {
  MemtypePlan result;
  switch (mode) {
    case NonCoherentDmaMode::Auto:
      result = plan_auto(f);
      break;
    case NonCoherentDmaMode::SlotFlag:
      if (auto why = slot_flag_obstacle(f); !why.empty())
        throw MemtypePolicyError("--noncoherent-dma slot-flag: " + why);
      result = plan(mode, NonCoherentMechanism::SlotFlag, true,
                    "forced: KVM_MEM_NON_COHERENT_DMA on each CacheNonCoherent slot");
      break;
    case NonCoherentDmaMode::VmQuirk:
      if (auto why = quirk_obstacle(f); !why.empty())
        throw MemtypePolicyError("--noncoherent-dma vm-quirk: " + why);
      result = plan(mode, NonCoherentMechanism::VmQuirkDisabled, true,
                    "forced: KVM_X86_QUIRK_IGNORE_GUEST_PAT disabled for the whole VM, so guest "
                    "PAT counts for RAM too");
      break;
    case NonCoherentDmaMode::Off:
      result = plan(mode, NonCoherentMechanism::None, false,
                    "off by request: CacheNonCoherent slots get no instruction to KVM");
      break;
  }
  if (require_noncoherent && !result.honoured)
    throw MemtypePolicyError("--require-noncoherent: CacheNonCoherent cannot be honoured on this "
                             "host (" + result.explanation + ")");
  return result;
}

AppliedFlags slot_memtype(const MemtypePlan& p, const HostFacts& f, MemCacheType requested) {
  // The quirk is VM-wide: once it is off, every slot honours guest PAT, RAM included.
  if (p.disables_quirk())
    return {0, "none (IGNORE_GUEST_PAT quirk disabled VM-wide)", "guest PAT honoured (quirk off)",
            GuestPat::Honoured};
  if (f.flavour == KvmFlavour::HardwareSvm)
    return {0, "none", "guest PAT honoured (AMD NPT)", GuestPat::Honoured};
  if (f.flavour == KvmFlavour::Pvm) return {0, "none", "unknown (PVM)", GuestPat::Unknown};
  if (requested == MemCacheType::CacheNonCoherent && p.mechanism == NonCoherentMechanism::SlotFlag)
    return {kvm_memtype::kMemNonCoherentDma, "KVM_MEM_NON_COHERENT_DMA",
            "guest PAT honoured (slot flag)", GuestPat::Honoured};
  if (f.flavour == KvmFlavour::HardwareVmx)
    return {0, "none", "host type wins (IPAT)", GuestPat::HostTypeWins};
  return {0, "none", "unknown", GuestPat::Unknown};
}

}  // namespace vmm
