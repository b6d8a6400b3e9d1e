// MemCacheType: what a memslot asks of the hypervisor about memory types.
//
// On x86 the memory type a guest access finally gets is decided in the second-level
// translation (EPT on Intel, NPT on AMD). The host page behind a slot is almost always
// write-back (WB); the guest may map the same page write-combining (WC) or uncached through
// its own PAT. Which of the two types counts is what this enum requests, per memslot.
//
//   CacheCoherent    Give KVM no instruction. On Intel VMX, KVM sets the "ignore PAT" bit
//                    (IPAT) in the EPT entries, so the host's WB wins and a guest WC mapping
//                    silently becomes WB. That is right for RAM: the host and every device
//                    model read it through the CPU caches.
//   CacheNonCoherent Ask KVM to honour the guest's type, so a guest WC or UC mapping stays WC
//                    or UC. Needed where something outside the CPU caches reads the memory
//                    (a device scanning memory it does not snoop); forcing WB there loses data.
//                    On Intel it is carried out by the downstream per-slot flag
//                    KVM_MEM_NON_COHERENT_DMA or, VM-wide, by disabling the upstream
//                    KVM_X86_QUIRK_IGNORE_GUEST_PAT. On AMD SVM the guest PAT is always
//                    combined with the host type, so there is nothing to ask.
//
// The value is a request, not a guarantee: where a host offers no way to carry it out,
// the slot is still created and the memslot table records that nothing was applied, so the
// user is told instead of being left to guess. Ordinary RAM is always CacheCoherent.
#pragma once

#include <iosfwd>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/enum_names.h"

namespace vmm {

enum class MemCacheType { CacheCoherent, CacheNonCoherent };

// The canonical names, "CacheCoherent" and "CacheNonCoherent"; parsing also accepts the
// short forms "coherent" / "noncoherent", in any letter case.
inline constexpr EnumNames<MemCacheType, 4> kMemCacheTypeNames({{
    {MemCacheType::CacheCoherent, "CacheCoherent"},
    {MemCacheType::CacheNonCoherent, "CacheNonCoherent"},
    {MemCacheType::CacheCoherent, "coherent"},
    {MemCacheType::CacheNonCoherent, "noncoherent"},
}});

std::string_view to_string(MemCacheType type);
std::optional<MemCacheType> parse_mem_cache_type(std::string_view name);

std::ostream& operator<<(std::ostream& out, MemCacheType type);

// JSON: a string holding the canonical name. from_json throws nlohmann::json::other_error
// naming the bad value and the accepted ones.
void to_json(nlohmann::json& j, MemCacheType type);
void from_json(const nlohmann::json& j, MemCacheType& type);

}  // namespace vmm
