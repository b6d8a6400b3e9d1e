// The human-readable memslot table printed by --memslots: one row per slot with its guest
// range, owner, the MemCacheType that was requested and the KVM flags actually applied.
#pragma once

#include <string>
#include <vector>

#include "memory/memslot.h"

namespace vmm {

std::string format_memslot_table(const std::vector<Memslot>& slots);

}  // namespace vmm
