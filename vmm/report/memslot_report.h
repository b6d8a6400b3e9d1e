// The human-readable memslot table printed by --memslots: one row per slot with its guest
// range, owner, the MemCacheType that was requested, the KVM flags actually applied, and
// the rule that then decides what memory type the guest gets; at exit also the memory type
// derived for it (vmm/memtype), where one was.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "memory/memslot.h"

namespace vmm {

// `derived`, when given, maps a slot's serial to its derived effective type ("WC", "no
// guest mapping found", ...): a column "derived" is added, "-" where there is none.
std::string format_memslot_table(const std::vector<Memslot>& slots,
                                 const std::map<std::uint64_t, std::string>* derived = nullptr);

}  // namespace vmm
