// The JSON of a derived memory type, the same object in the trace ("event": "derive") and
// in the report: every input with its raw value, the rule each step applied, the result.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "vmm/memtype/slot_derivation.h"

namespace vmm {

nlohmann::json derivation_json(const memtype::SlotDerivation& derivation);

}  // namespace vmm
