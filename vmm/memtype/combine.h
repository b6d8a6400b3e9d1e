// How the memory type of an access is decided from its inputs: the pure functions behind
// vmm's derived effective type. Each follows one table of the manuals, cited where it is
// defined, and returns the rule it applied in words, so a report can show the derivation
// rather than only its result.
#pragma once

#include <optional>
#include <string>

#include "vmm/memtype/memory_type.h"

namespace vmm::memtype {

struct Combined {
  MemoryType type = MemoryType::UC;
  // One sentence: which table and row decided, e.g. "SDM Table 11-7: MTRR WB x PAT WC = WC",
  // "EPT IPAT set: the EPT type WB is used, the guest's PAT WC is ignored".
  std::string rule;
  // Footnote 3 to Table 11-7 marks some rows as "undefined" in earlier SDM editions and now
  // given as what every processor with PAT and MTRRs does: the result is what the table says,
  // but it rests on that footnote. Said, not hidden. (Footnotes 1 and 2 only say where a UC
  // came from; they are named in `rule` and do not set this.)
  bool implementation_defined = false;
};

// Bare metal, and the guest's own view of its mapping: an MTRR type combined with a PAT
// type by Intel SDM Vol. 3A Table 11-7 (Effective Page-Level Memory Types for Pentium III and
// More Recent Processor Families), CR0.CD and CR0.NW clear.
// `mtrr` is never UC- (MTRRs have no such type); UC- passed as MTRR is treated as UC.
// With `cr0_cd` set the result is UC (SDM 11.5.1: caching disabled; no new line is filled).
Combined combine_mtrr_pat(MemoryType mtrr, MemoryType pat, bool cr0_cd = false);

// Intel EPT, SDM Vol. 3C 28.2.6.2 (Memory Type Used for Translated Guest-Physical
// Addresses): with the guest's CR0.CD set, UC; else, with IPAT (bit 6 of the last EPT entry)
// set, the EPT type (bits 5:3); else the EPT type combined with the guest PAT type by Table
// 11-7, the EPT type taking the MTRR's place. The guest's MTRRs play no part.
Combined combine_ept(MemoryType ept_type, bool ipat, MemoryType guest_pat, bool guest_cr0_cd);

// AMD nested paging, APM Vol. 2 15.25.8 (Combining Memory Types, MTRRs): the guest PAT type
// (gPAT and the guest's entry) is combined with the host PAT type (hPAT and the nested
// entry), and the result with the host MTRR type for the system-physical address as on bare
// metal. Only the rows vmm can stand behind are modelled: a host type of WB leaves the guest
// type as it is (what KVM writes on AMD: nested entries select hPAT index 0, WB), and a host
// type of UC makes the access UC. For any other host type the result is nullopt, never a
// guess. With the guest's CR0.CD set, UC.
std::optional<Combined> combine_npt(MemoryType guest_pat, MemoryType host_pat, MemoryType host_mtrr,
                                    bool guest_cr0_cd);

}  // namespace vmm::memtype
