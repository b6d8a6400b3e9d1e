#include "vmm/memtype/spte.h"

#include <cinttypes>
#include <cstdio>

#include "base/enum_names.h"
#include "base/format.h"
#include "vmm/memtype/pat.h"

namespace vmm::memtype {

namespace {

constexpr EnumNames<SecondLevel, 3> kSecondLevelNames({{
    {SecondLevel::Ept, "EPT"},
    {SecondLevel::Npt, "NPT"},
    {SecondLevel::Shadow, "shadow"},
}});

constexpr std::uint64_t kEptReadWriteExecute = 0x7;  // bits 2:0: any set means present
constexpr unsigned kEptTypeShift = 3;                // bits 5:3
constexpr std::uint64_t kEptIpat = 1ull << 6;
constexpr std::uint64_t kNptPresent = 1ull << 0;

SpteDecode failure(std::string error) {
  SpteDecode out;
  out.error = std::move(error);
  return out;
}

SpteDecode decode_ept(std::uint64_t spte) {
  if (!(spte & kEptReadWriteExecute))
    return failure("EPT entry " + hex(spte) + " is not present (bits 2:0 clear)");
  const std::uint64_t encoding = (spte >> kEptTypeShift) & 7;
  auto type = memory_type_from_encoding(encoding);
  // 7 decodes as UC- for PAT, but is reserved in an EPT entry, as are 2 and 3.
  if (!type || *type == MemoryType::UCMinus)
    return failure("reserved EPT memory type " + std::to_string(encoding) +
                   " (an EPT misconfiguration)");
  SpteDecode out;
  out.ok = true;
  out.host_type = type;
  out.ipat = spte & kEptIpat;
  out.describe = "EPT memtype " + std::string(to_string(*type)) +
                 (out.ipat ? ", IPAT set" : ", IPAT clear");
  return out;
}

SpteDecode decode_npt(std::uint64_t spte, int level, std::uint64_t host_pat) {
  if (!(spte & kNptPresent))
    return failure("NPT entry " + hex(spte) + " is not present (bit 0 clear)");
  const unsigned index = pat_index(spte, level > 1);
  auto type = pat_entry(host_pat, index);
  if (!type)
    return failure("host PAT entry " + std::to_string(index) + " holds the reserved encoding " +
                   hex(pat_field(host_pat, index)) + " (IA32_PAT " + hex(host_pat) + ")");
  SpteDecode out;
  out.ok = true;
  out.host_type = type;
  out.host_pat_index = index;
  out.describe = "NPT host PAT index " + std::to_string(index) + " = " +
                 std::string(to_string(*type));
  return out;
}

}  // namespace

std::string_view to_string(SecondLevel level) { return kSecondLevelNames.name(level); }

SpteDecode decode_spte(SecondLevel paging, std::uint64_t spte, int level, std::uint64_t host_pat) {
  if (paging == SecondLevel::Shadow)
    return failure("shadow paging: the entry maps a guest-virtual page and carries no type of "
                   "the guest's; not decoded");
  if (level < 1 || level > 3)
    return failure("level " + std::to_string(level) +
                   " is not 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB)");
  if (paging == SecondLevel::Ept) return decode_ept(spte);
  return decode_npt(spte, level, host_pat);
}

}  // namespace vmm::memtype
