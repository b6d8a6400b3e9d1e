// MemoryType: the x86 memory types, with the encodings the architecture gives them. The same
// numbers are used by IA32_PAT entries, MTRRs, EPT entries (bits 5:3) and IA32_MTRR_DEF_TYPE,
// so a raw field decodes with one function. UC- exists only as a PAT entry.
//
// This is the vocabulary of vmm's memory-type derivation (vmm/memtype/derivation.h): what the
// guest's page tables select, what its MTRRs say, what KVM's second-level entry carries, and
// the combination of them all. MemCacheType (memory/mem_cache_type.h) is the *request* a
// memslot makes of KVM; MemoryType is what the hardware ends up using.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vmm::memtype {

// Intel SDM Vol. 3A, Table 11-10 (Memory Types That Can Be Encoded With PAT; the SDM editions
// cited here are those that number the chapter 11); AMD APM Vol. 2, Table 7-8. Encodings 2, 3
// and 8..255 are reserved.
enum class MemoryType : std::uint8_t {
  UC = 0,       // uncacheable (strong)
  WC = 1,       // write-combining
  WT = 4,       // write-through
  WP = 5,       // write-protected
  WB = 6,       // write-back
  UCMinus = 7,  // uncached, overridable by an MTRR WC (PAT only; AMD calls it CD)
};

// nullopt for a reserved encoding.
std::optional<MemoryType> memory_type_from_encoding(std::uint64_t encoding);
std::uint8_t encoding_of(MemoryType type);

// "UC", "WC", "WT", "WP", "WB", "UC-".
std::string_view to_string(MemoryType type);
// Accepts the names above in any letter case, and "UC_MINUS".
std::optional<MemoryType> parse_memory_type(std::string_view name);

// The names Linux prints in /sys/kernel/debug/x86/pat_memtype_list ("write-back",
// "write-combining", "uncached-minus", "uncached", "write-through", "write-protect"): the
// guest kernel's own record of how it mapped a range, the oracle the tests hold vmm against.
std::string_view linux_pat_name(MemoryType type);
std::optional<MemoryType> parse_linux_pat_name(std::string_view name);

// Whether a CPU reading through this type fills cache lines (WB, WT, WP) or goes to memory
// for every load (UC, UC-, WC): the distinction a timing probe can measure.
bool caches_reads(MemoryType type);

}  // namespace vmm::memtype
