#include "vmm/memtype/memory_type.h"

#include "base/enum_names.h"

namespace vmm::memtype {

namespace {

// The SDM's abbreviations; "UC_MINUS" is accepted too, as a spelling that needs no quoting.
constexpr EnumNames<MemoryType, 7> kShortNames({{
    {MemoryType::UC, "UC"},
    {MemoryType::WC, "WC"},
    {MemoryType::WT, "WT"},
    {MemoryType::WP, "WP"},
    {MemoryType::WB, "WB"},
    {MemoryType::UCMinus, "UC-"},
    {MemoryType::UCMinus, "UC_MINUS"},
}});

// arch/x86/mm/pat/memtype.c, cattr_name(): what pat_memtype_list prints.
constexpr EnumNames<MemoryType, 6> kLinuxNames({{
    {MemoryType::UC, "uncached"},
    {MemoryType::WC, "write-combining"},
    {MemoryType::WT, "write-through"},
    {MemoryType::WP, "write-protect"},
    {MemoryType::WB, "write-back"},
    {MemoryType::UCMinus, "uncached-minus"},
}});

}  // namespace

std::optional<MemoryType> memory_type_from_encoding(std::uint64_t encoding) {
  switch (encoding) {
    case 0: return MemoryType::UC;
    case 1: return MemoryType::WC;
    case 4: return MemoryType::WT;
    case 5: return MemoryType::WP;
    case 6: return MemoryType::WB;
    case 7: return MemoryType::UCMinus;  // PAT only: MTRR and EPT decoders reject it themselves
    default: return std::nullopt;        // 2, 3 and 8 and up are reserved
  }
}

std::uint8_t encoding_of(MemoryType type) { return static_cast<std::uint8_t>(type); }

std::string_view to_string(MemoryType type) { return kShortNames.name(type); }

std::optional<MemoryType> parse_memory_type(std::string_view name) {
  return kShortNames.parse(name);
}

std::string_view linux_pat_name(MemoryType type) { return kLinuxNames.name(type); }

std::optional<MemoryType> parse_linux_pat_name(std::string_view name) {
  return kLinuxNames.parse(name);
}

bool caches_reads(MemoryType type) {
  switch (type) {
    case MemoryType::WT:
    case MemoryType::WP:
    case MemoryType::WB:
      return true;
    case MemoryType::UC:
    case MemoryType::WC:
    case MemoryType::UCMinus:
      return false;
  }
  return false;  // a value cast from a reserved number
}

}  // namespace vmm::memtype
