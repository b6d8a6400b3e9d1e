// Memory type range registers: the guest's MTRR MSRs as KVM_GET_MSRS returns them, and the
// type they give a guest-physical range. Intel SDM Vol. 3A 11.11 (MTRRs), in particular
// 11.11.4.1 (MTRR precedences); AMD APM Vol. 2 7.7.
//
// Under EPT and NPT the guest's MTRRs do not reach the hardware (SDM: "the MTRRs have no effect
// on the memory type used for an access to a guest-physical address"); they still say what the
// guest *believes* its mapping is, and older Intel KVMs copied them into EPT entries for
// non-coherent DMA. So the derivation shows them as an input, never as the hardware's answer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/memtype/memory_type.h"

namespace vmm::memtype {

inline constexpr std::uint32_t kMsrMtrrCap = 0xfe;
inline constexpr std::uint32_t kMsrMtrrDefType = 0x2ff;
inline constexpr std::uint32_t kMsrMtrrPhysBase0 = 0x200;  // base n at 0x200 + 2n, mask at +1
// The eleven fixed-range MTRRs, in address order: 64K_00000, 16K_80000, 16K_A0000,
// 4K_C0000 .. 4K_F8000 (SDM Table 11-9).
inline constexpr std::array<std::uint32_t, 11> kMsrMtrrFixed = {
    0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f};
// At most this many variable pairs are read (IA32_MTRRCAP.VCNT may claim up to 255).
inline constexpr unsigned kMaxVariableMtrrs = 32;

struct VariableMtrr {
  std::uint64_t base = 0;  // IA32_MTRR_PHYSBASEn: type in 7:0, base in MAXPHYADDR-1:12
  std::uint64_t mask = 0;  // IA32_MTRR_PHYSMASKn: valid in bit 11, mask in MAXPHYADDR-1:12
};

struct MtrrState {
  std::uint64_t cap = 0;       // IA32_MTRRCAP: VCNT 7:0, FIX bit 8, WC bit 10
  std::uint64_t def_type = 0;  // IA32_MTRR_DEF_TYPE: type 7:0, FE bit 10, E bit 11
  std::array<std::uint64_t, 11> fixed{};  // in kMsrMtrrFixed order
  std::vector<VariableMtrr> variable;     // min(VCNT, kMaxVariableMtrrs) pairs
};

// The MSRs to read for `variable_count` pairs (after IA32_MTRRCAP told how many).
std::vector<std::uint32_t> mtrr_msr_indices(unsigned variable_count);

struct MtrrLookup {
  // The type every byte of the range gets; nullopt when the range spans several types or
  // the MTRRs overlap in a way the SDM leaves undefined (`explanation` says which).
  std::optional<MemoryType> type;
  // How it was decided, for the user: "MTRRs disabled (IA32_MTRR_DEF_TYPE.E=0): UC",
  // "variable MTRR 2 (base 0x..., mask 0x...)", "default type", "fixed MTRR 0x250", ...
  std::string explanation;
};

// The MTRR type of [gpa, gpa + size) for a CPU with `phys_addr_bits` physical address bits
// (the variable ranges' masks are that wide). The cost is bounded: at most a few hundred
// boundaries are examined, however large the range. The range's pieces are cut at every
// edge of a fixed sub-range and of a variable range, and each piece looked up once; a
// variable MTRR with a non-contiguous mask has an edge at every multiple of its lowest mask
// bit, and past a few hundred of those the range is sampled, which `explanation` says.
// nullopt, explained, for an empty range, one that wraps past 2^64 or reaches past
// MAXPHYADDR, a MAXPHYADDR outside 32..52, and a reserved type in a register that counts.
// A reserved type matters only where its register applies to the range.
MtrrLookup mtrr_type(const MtrrState& mtrr, std::uint64_t gpa, std::uint64_t size,
                     unsigned phys_addr_bits);

}  // namespace vmm::memtype
