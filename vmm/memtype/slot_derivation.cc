#include "vmm/memtype/slot_derivation.h"

namespace vmm::memtype {

SlotDerivation derive_slot(const SlotFacts& slot, const GuestTypeInputs& guest, const WalkResult& walk,
                           std::size_t range_index, const SecondLevelView& second_level) {
  SlotDerivation d;
  d.slot = slot;
  d.guest = guest;
  d.walk = walk;
  d.walk.runs.clear();
  d.second_level = second_level;
  for (const MappingRun& run : walk.runs)
    if (run.range_index == range_index) d.mappings.push_back(derive_mapping(run, guest, second_level));
  d.effective = summarize_effective(d.mappings);
  return d;
}

void rederive(SlotDerivation& d, const SecondLevelView& second_level) {
  d.second_level = second_level;
  for (MappingDerivation& m : d.mappings) m = derive_mapping(m.run, d.guest, second_level);
  d.effective = summarize_effective(d.mappings);
}

}  // namespace vmm::memtype
