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
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mutex_);
    if (kept_.size() == kMaxKept) {
      ++dropped_;
      return;
    }
    kept_.push_back(derivation);
    listeners = listeners_;
  }
  for (const auto& listener : listeners) listener(derivation);
}

bool DerivationLog::full() const {
  std::lock_guard lock(mutex_);
  return kept_.size() == kMaxKept;
}

std::vector<memtype::SlotDerivation> DerivationLog::derivations() const {
  std::lock_guard lock(mutex_);
  return kept_;
}

std::uint64_t DerivationLog::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace vmm
