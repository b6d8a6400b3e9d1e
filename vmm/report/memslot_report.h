// The human-readable memslot table printed by --memslots: one row per slot with its guest
// range, owner, the MemCacheType that was requested, the KVM flags actually applied, and
// the rule that then decides what memory type the guest gets.
#pragma once

#include <string>
#include <vector>

#include "memory/memslot.h"

namespace vmm {

std::string format_memslot_table(const std::vector<Memslot>& slots);

}  // namespace vmm
