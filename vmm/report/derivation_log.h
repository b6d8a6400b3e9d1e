// DerivationLog: every derived memory type made while the VM runs (at a device slot's first
// touch, at the stop), for the trace (as they are made) and the report (at the end).
//
// Bounded: the first kMaxKept derivations are kept, later ones only counted (full() tells
// the deriver to stop walking at all); each keeps at most kMaxMappings guest mappings, the
// rest counted in its walk's runs_dropped.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "vmm/memtype/slot_derivation.h"
#include "vmm/report/kept_first.h"

namespace vmm {

class DerivationLog {
 public:
  static constexpr std::size_t kMaxKept = 1024;
  static constexpr std::size_t kMaxMappings = 16;
  using Listener = std::function<void(const memtype::SlotDerivation&)>;

  void subscribe(Listener listener);
  void add(memtype::SlotDerivation derivation);
  bool full() const { return kept_.full(); }
  std::vector<memtype::SlotDerivation> derivations() const { return kept_.items(); }
  std::uint64_t dropped() const { return kept_.dropped(); }

 private:
  mutable std::mutex mutex_;  // guards listeners_
  std::vector<Listener> listeners_;
  KeptFirst<memtype::SlotDerivation> kept_{kMaxKept};
};

}  // namespace vmm
