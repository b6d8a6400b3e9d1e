// One derivation of one device slot's memory type: which slot, when and from which vCPU's
// address space, every guest mapping of it found there with what each gets, and what the
// second level gives its pages. The record the trace prints, the report keeps and the
// memslot table at exit sums up; pure data and pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vmm/memtype/derivation.h"

namespace vmm::memtype {

// The slot as the memslot table described it when the derivation was made.
struct SlotFacts {
  std::uint32_t slot = 0;
  std::uint64_t serial = 0;
  std::string owner;
  std::uint64_t gpa = 0;
  std::uint64_t size = 0;
  std::string requested;  // MemCacheType
  std::string applied;    // what KVM was (or will be) told
  std::string rule;       // the policy's rule for it
  bool rule_honours_guest_pat = false;
  bool rule_unknown = false;
  std::string map_info;   // a blob's map_info, when it has one
};

struct SlotDerivation {
  SlotFacts slot;
  std::string moment;  // "first touch", "stop"
  std::uint64_t touched_gpa = 0;  // first touch: the access that exited
  std::uint64_t t_ns = 0;         // CLOCK_MONOTONIC when it was made
  std::uint64_t walk_ns = 0;      // the page walk's own time
  GuestTypeInputs guest;
  // The walk over the vCPU's address space (its runs are in `mappings`, not here).
  WalkResult walk;
  std::vector<MappingDerivation> mappings;
  SecondLevelView second_level;
  std::string effective;  // summarize_effective(mappings)
};

// The derivation of `slot` from a walk of the guest's tables for several ranges at once:
// the runs whose range_index is `range_index` are the slot's.
SlotDerivation derive_slot(const SlotFacts& slot, const GuestTypeInputs& guest, const WalkResult& walk,
                           std::size_t range_index, const SecondLevelView& second_level);

// The same derivation with another second level (KVM's entries, read later than the walk).
void rederive(SlotDerivation& derivation, const SecondLevelView& second_level);

}  // namespace vmm::memtype
