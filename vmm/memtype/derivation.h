// The derivation of the memory type a guest really gets for a device-memory slot, as a
// record of its inputs: the guest mappings found by walking the guest's page tables (which
// CR3, which entry, which PAT index), the guest's IA32_PAT, MTRRs and CR0.CD, what KVM's
// second level gives the slot's pages (its own entry when the tracepoint reported one, else
// the policy's rule), and the result of the manuals' combination for each mapping. Pure:
// everything is passed in, so each row is unit-tested and the report shows the inputs with
// the result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/memtype/combine.h"
#include "vmm/memtype/memory_type.h"
#include "vmm/memtype/mtrr.h"
#include "vmm/memtype/page_walk.h"
#include "vmm/memtype/spte.h"

namespace vmm::memtype {

// What a vCPU's state says about typing, read when the derivation is made.
struct GuestTypeInputs {
  std::uint32_t vcpu = 0;
  PagingRegisters regs;
  std::optional<std::uint64_t> pat;  // IA32_PAT; nullopt when KVM would not give it
  std::optional<MtrrState> mtrr;     // nullopt when KVM would not give the MTRRs
  unsigned phys_addr_bits = 36;      // the guest's CPUID.80000008H:EAX[7:0]
  bool cr0_cd() const { return (regs.cr0 >> 30) & 1; }
};

// The second level for one slot's pages.
struct SecondLevelView {
  enum class Source { Spte, Rule };
  Source source = Source::Rule;
  SecondLevel paging = SecondLevel::Shadow;
  // The type the second level gives and whether it overrides the guest's PAT (EPT IPAT):
  // decoded from KVM's entry (Spte) or predicted by the policy (Rule); nullopt: unknown
  // (shadow paging, PVM: KVM's entries carry no type vmm can read).
  std::optional<MemoryType> host_type;
  bool ipat = false;
  // Source::Spte: the entry the decode used, its level and gfn, how many of the slot's pages
  // had an entry reported, and the decodes that differ from the first one, if any.
  std::uint64_t spte = 0;
  int level = 0;
  std::uint64_t gfn = 0;
  std::uint64_t entries = 0;
  std::string decoded;                 // SpteDecode::describe of the entry used
  std::vector<std::string> variants;   // other decodes among the slot's entries
  // Source::Rule: the policy's rule, and why no entry was used.
  std::string rule;
  std::string note;
  // A host MTRR type is not read (it needs the host's MSRs); every blob vmm maps is host RAM,
  // for which firmware sets WB. Said in the derivation.
  MemoryType host_mtrr = MemoryType::WB;
};

const char* to_string(SecondLevelView::Source source);  // "spte", "rule"

// What the policy's rule says KVM writes for a slot of `requested` coherence, for the user
// when no entry was reported: EPT WB with IPAT for a coherent slot, WB without IPAT where
// the guest's PAT is honoured; NPT host PAT index 0 (WB); shadow: unknown.
// `guest_pat_honoured`: the policy's verdict for this slot (AppliedFlags::guest_pat ==
// Honoured), `rule` its words.
SecondLevelView predict_second_level(SecondLevel paging, bool guest_pat_honoured, bool guest_pat_unknown,
                                     std::string rule);

// One guest mapping of the slot and what it gets.
struct MappingDerivation {
  MappingRun run;
  std::optional<MemoryType> guest_pat_type;  // IA32_PAT[run.pat_index]
  MtrrLookup guest_mtrr;                     // the guest's MTRRs over the run
  // Table 11-7 with the guest's own MTRR: what the guest kernel believes it mapped.
  std::optional<Combined> guest_view;
  // With the second level (EPT/NPT): what the access really gets; nullopt with `unknown`
  // saying why (shadow paging, a host type not modelled, an unreadable PAT).
  std::optional<Combined> effective;
  std::string unknown;
};

MappingDerivation derive_mapping(const MappingRun& run, const GuestTypeInputs& guest,
                                 const SecondLevelView& second);

// Every mapping of a slot, summed up in one phrase for tables and logs: "WC", "WC, UC"
// (mappings differ), "no guest mapping found", "unknown (shadow paging)".
std::string summarize_effective(const std::vector<MappingDerivation>& mappings);

}  // namespace vmm::memtype
