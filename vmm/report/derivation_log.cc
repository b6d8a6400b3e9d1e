#include "vmm/report/derivation_log.h"

namespace vmm {

void DerivationLog::subscribe(Listener listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

void DerivationLog::add(memtype::SlotDerivation derivation) {
  if (derivation.mappings.size() > kMaxMappings) {
    derivation.walk.runs_dropped += derivation.mappings.size() - kMaxMappings;
    derivation.mappings.resize(kMaxMappings);
  }
  if (!kept_.add(derivation)) return;
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mutex_);
    listeners = listeners_;
  }
  for (const auto& listener : listeners) listener(derivation);
}

}  // namespace vmm
