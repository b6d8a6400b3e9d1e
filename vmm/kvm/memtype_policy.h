// The memtype policy: given HostFacts and what the user asked for (--noncoherent-dma,
// --require-noncoherent), decide how CacheNonCoherent memslots are carried out on this
// host, and for every slot what KVM is told and which rule then decides the memory type
// the guest really gets. Pure functions: unit-tested against every kind of host.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "base/enum_names.h"
#include "memory/mem_cache_type.h"
#include "memory/memslot.h"
#include "vmm/kvm/host_facts.h"

namespace vmm {

enum class NonCoherentDmaMode { Auto, SlotFlag, VmQuirk, Off };
inline constexpr EnumNames<NonCoherentDmaMode, 4> kNonCoherentDmaModeNames({{
    {NonCoherentDmaMode::Auto, "auto"},
    {NonCoherentDmaMode::SlotFlag, "slot-flag"},
    {NonCoherentDmaMode::VmQuirk, "vm-quirk"},
    {NonCoherentDmaMode::Off, "off"},
}});
std::string_view to_string(NonCoherentDmaMode mode);
std::optional<NonCoherentDmaMode> parse_noncoherent_dma_mode(std::string_view text);

// How CacheNonCoherent is carried out.
enum class NonCoherentMechanism {
  SlotFlag,          // KVM_MEM_NON_COHERENT_DMA on each such slot (downstream kernels)
  VmQuirkDisabled,   // KVM_X86_QUIRK_IGNORE_GUEST_PAT disabled for the whole VM (upstream)
  ArchitectureHonoursPat,  // AMD NPT always combines guest PAT: nothing to do
  Unknown,           // PVM / unrecognised KVM: shadow paging, unknown until measured
  None,              // cannot be honoured here, or --noncoherent-dma off
};
inline constexpr EnumNames<NonCoherentMechanism, 5> kNonCoherentMechanismNames({{
    {NonCoherentMechanism::SlotFlag, "slot-flag"},
    {NonCoherentMechanism::VmQuirkDisabled, "vm-quirk-disabled"},
    {NonCoherentMechanism::ArchitectureHonoursPat, "architecture"},
    {NonCoherentMechanism::Unknown, "unknown"},
    {NonCoherentMechanism::None, "none"},
}});
std::string_view to_string(NonCoherentMechanism mechanism);

class MemtypePolicyError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct MemtypePlan {
  NonCoherentDmaMode mode = NonCoherentDmaMode::Auto;
  NonCoherentMechanism mechanism = NonCoherentMechanism::None;
  bool honoured = false;     // true when CacheNonCoherent slots really get guest PAT
  std::string explanation;   // one or two sentences for logs and reports
  bool disables_quirk() const { return mechanism == NonCoherentMechanism::VmQuirkDisabled; }
};

// Throws MemtypePolicyError with the reason when a forced mode is impossible on this host,
// or when `require_noncoherent` is set and the request cannot be honoured.
MemtypePlan plan_memtype(const HostFacts& facts, NonCoherentDmaMode mode, bool require_noncoherent);

// What one slot gets under `plan`: the extra KVM flags, their names, and the resulting rule
// in words ("host type wins (IPAT)", "guest PAT honoured (slot flag)", ...).
AppliedFlags slot_memtype(const MemtypePlan& plan, const HostFacts& facts, MemCacheType requested);

}  // namespace vmm
