// KVM's second-level entry for a guest page, as the tracepoint kvmmmu:kvm_mmu_set_spte
// carries it raw, decoded for the paging KVM uses on this host:
//   EPT (Intel)   memory type in bits 5:3, "ignore PAT" (IPAT) in bit 6 (SDM Vol. 3C 28.2.2:
//                 the same bits in every entry that maps a page, 4 KiB, 2 MiB or 1 GiB);
//   NPT (AMD)     an ordinary x86 entry: PWT/PCD/PAT select an entry of the *host's* PAT
//                 (APM Vol. 2 15.25.5); KVM leaves them clear, so index 0, WB under Linux.
//   Shadow        KVM's shadow MMU (ept=0/npt=0, or PVM): the entry maps a guest-virtual
//                 page and carries no type of the guest's; not decoded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vmm/memtype/memory_type.h"

namespace vmm::memtype {

enum class SecondLevel { Ept, Npt, Shadow };
std::string_view to_string(SecondLevel level);  // "EPT", "NPT", "shadow"

struct SpteDecode {
  bool ok = false;      // decoded; else `error` says why not (reserved type, shadow, ...)
  std::string error;
  std::optional<MemoryType> host_type;  // EPT: bits 5:3; NPT: host PAT[index]
  bool ipat = false;                    // EPT only
  unsigned host_pat_index = 0;          // NPT only
  // One line for the user: "EPT memtype WB, IPAT set", "NPT host PAT index 0 = WB".
  std::string describe;
};

// `level` as the tracepoint reports it: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB (the PAT bit of an
// NPT entry is bit 7 at level 1 and bit 12 above). `host_pat` is the host's IA32_PAT.
SpteDecode decode_spte(SecondLevel paging, std::uint64_t spte, int level, std::uint64_t host_pat);

}  // namespace vmm::memtype
