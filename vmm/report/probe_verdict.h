// The verdict on one mapping the tiny guest's memtype probe timed: three independent
// answers to "what type does this access get", set side by side, any disagreement named.
//   predicted  the policy's rule for the slot (what vmm expected KVM to do: host type wins
//              -> WB; guest PAT honoured -> the guest's type over host WB);
//   derived    the derivation (vmm/memtype): the guest's own page-table entry and PAT, and
//              KVM's second-level entry or the rule, combined by the manuals' tables;
//   measured   the guest's timing class (WB-like, WC/UC-like), where a CPU with caches ran
//              it ("not-classified" on an emulated CPU, "baseline" for the RAM reference).
// Pure, so it is tested with each side deliberately wrong.
#pragma once

#include <optional>
#include <string>

#include "vmm/memtype/memory_type.h"

namespace vmm {

struct ProbeVerdictInput {
  std::string mapping;                              // "blob-wc"
  std::optional<memtype::MemoryType> guest_type;    // the type the guest asked for (pat=)
  std::string measured_class;                       // the probe's class=
  std::string rule;                                 // the slot's rule in words; empty: no slot
  enum class Rule { HostTypeWins, Honoured, Unknown } rule_says = Rule::Unknown;
  std::optional<memtype::MemoryType> derived;       // the derivation's effective type
  std::string derived_from;                         // one phrase on where it came from
  std::string derivation_missing;                   // why there is none, when there is none
  bool cpu_emulated = false;
  std::string hypervisor;
};

struct ProbeVerdict {
  std::optional<memtype::MemoryType> predicted;  // by the rule
  std::optional<bool> agrees;                     // nullopt: fewer than two answers to compare
  std::string verdict;
};

// The class a type should measure as: "WB-like" when reads fill cache lines, else "WC/UC-like".
std::string expected_class(memtype::MemoryType type);

ProbeVerdict judge_probe(const ProbeVerdictInput& in);

}  // namespace vmm
