#include "vmm/memtype/combine.h"

#include <array>
#include <cstdint>

namespace vmm::memtype {

namespace {

// The footnotes of Table 11-7, as bits of Cell::notes.
constexpr std::uint8_t kUcFromMtrr = 1;     // 1: the UC comes from the MTRRs
constexpr std::uint8_t kUcFromPage = 2;     // 2: the UC comes from the page entry
constexpr std::uint8_t kOnceUndefined = 4;  // 3: undefined in earlier editions

struct Cell {
  MemoryType type;
  std::uint8_t notes;
};

constexpr MemoryType UC = MemoryType::UC, WC = MemoryType::WC, WT = MemoryType::WT,
                     WB = MemoryType::WB, WP = MemoryType::WP;

// Intel SDM Vol. 3A Table 11-7 (Effective Page-Level Memory Types for Pentium III and More
// Recent Processor Families), CR0.CD = CR0.NW = 0, transcribed row by row.
// Rows: the MTRR type in the table's order, UC, WC, WT, WB, WP.
// Columns: the PAT type, UC, UC-, WC, WT, WB, WP.
constexpr std::array<std::array<Cell, 6>, 5> kTable11_7 = {{
    // MTRR UC
    {{{UC, kUcFromMtrr}, {UC, kUcFromMtrr}, {WC, 0}, {UC, kUcFromMtrr}, {UC, kUcFromMtrr},
      {UC, kUcFromMtrr}}},
    // MTRR WC
    {{{UC, kUcFromPage}, {WC, 0}, {WC, 0}, {UC, kUcFromPage | kOnceUndefined}, {WC, 0},
      {UC, kUcFromPage | kOnceUndefined}}},
    // MTRR WT
    {{{UC, kUcFromPage}, {UC, kUcFromPage}, {WC, 0}, {WT, 0}, {WT, 0}, {WP, kOnceUndefined}}},
    // MTRR WB
    {{{UC, kUcFromPage}, {UC, kUcFromPage}, {WC, 0}, {WT, 0}, {WB, 0}, {WP, 0}}},
    // MTRR WP
    {{{UC, kUcFromPage}, {WC, kOnceUndefined}, {WC, 0}, {WT, kOnceUndefined}, {WP, 0},
      {WP, 0}}},
}};

// Row and column of a type; UC- has no row (an MTRR never holds it: the caller maps it to UC).
std::size_t row_of(MemoryType mtrr) {
  switch (mtrr) {
    case MemoryType::WC: return 1;
    case MemoryType::WT: return 2;
    case MemoryType::WB: return 3;
    case MemoryType::WP: return 4;
    default: return 0;  // UC (and UC-, already reported)
  }
}

std::size_t column_of(MemoryType pat) {
  switch (pat) {
    case MemoryType::UCMinus: return 1;
    case MemoryType::WC: return 2;
    case MemoryType::WT: return 3;
    case MemoryType::WB: return 4;
    case MemoryType::WP: return 5;
    default: return 0;  // UC
  }
}

std::string name(MemoryType type) { return std::string(to_string(type)); }

// Table 11-7 with `row_type` in the MTRR's place; `row_label` is "MTRR" on bare metal and in
// the guest's view, "EPT" under EPT, "host MTRR" under NPT.
Combined table_11_7(const std::string& row_label, MemoryType row_type, MemoryType pat) {
  std::string caveat;
  if (row_type == MemoryType::UCMinus) {
    caveat = " (UC- is a PAT-only type; as " + row_label + " type it was read as UC)";
    row_type = MemoryType::UC;
  }
  const Cell cell = kTable11_7[row_of(row_type)][column_of(pat)];
  Combined out;
  out.type = cell.type;
  out.rule = "SDM Table 11-7: " + row_label + " " + name(row_type) + " x PAT " + name(pat) +
             " = " + name(cell.type) + caveat;
  // Footnotes 1 and 2 do not change the type; they say whether the UC is known from the
  // MTRRs alone or must still look up the caches for a line cached through another mapping.
  if (cell.notes & kUcFromMtrr) out.rule += "; footnote 1: the UC comes from the " + row_label;
  if (cell.notes & kUcFromPage)
    out.rule += "; footnote 2: the UC comes from the page entry, so the caches are still "
                "checked for lines cached through an alias";
  if (cell.notes & kOnceUndefined) {
    out.rule += "; footnote 3: undefined in earlier SDM editions, given as what every "
                "processor with both PAT and MTRRs does (implementation-defined)";
    out.implementation_defined = true;
  }
  return out;
}

}  // namespace

Combined combine_mtrr_pat(MemoryType mtrr, MemoryType pat, bool cr0_cd) {
  if (cr0_cd)
    return {MemoryType::UC, "CR0.CD set: caching disabled, UC whatever MTRR " + name(mtrr) +
                                " and PAT " + name(pat) + " say (SDM 11.5.1)"};
  return table_11_7("MTRR", mtrr, pat);
}

Combined combine_ept(MemoryType ept_type, bool ipat, MemoryType guest_pat, bool guest_cr0_cd) {
  if (guest_cr0_cd)
    return {MemoryType::UC, "guest CR0.CD set: UC whatever EPT " + name(ept_type) +
                                " and guest PAT " + name(guest_pat) + " say (SDM 28.2.6.2)"};
  if (ipat) {
    // UC- cannot come from a real EPT entry (encoding 7 is reserved there); read it as UC.
    const bool ucminus = ept_type == MemoryType::UCMinus;
    const MemoryType type = ucminus ? MemoryType::UC : ept_type;
    return {type, "EPT IPAT set: the EPT type " + name(type) + " is used, the guest's PAT " +
                      name(guest_pat) + " is ignored (SDM 28.2.6.2)" +
                      (ucminus ? " (UC- is not an EPT type; read as UC)" : "")};
  }
  Combined out = table_11_7("EPT", ept_type, guest_pat);
  out.rule = "EPT IPAT clear, the EPT type in the MTRR's place (SDM 28.2.6.2): " + out.rule;
  return out;
}

std::optional<Combined> combine_npt(MemoryType guest_pat, MemoryType host_pat, MemoryType host_mtrr,
                                    bool guest_cr0_cd) {
  if (guest_cr0_cd)
    return Combined{MemoryType::UC, "guest CR0.CD set: UC whatever the guest PAT " +
                                        name(guest_pat) + " says (APM Vol. 2 15.25.8)"};
  if (host_pat == MemoryType::UC)
    return Combined{MemoryType::UC, "APM Vol. 2 15.25.8: the host PAT type UC makes the access "
                                    "UC, whatever the guest PAT " + name(guest_pat) + " says"};
  // Only the WB row of the guest-by-host combination is modelled: other host types are not
  // transcribed here, and a guessed answer would be worse than none.
  if (host_pat != MemoryType::WB) return std::nullopt;
  Combined out = table_11_7("host MTRR", host_mtrr, guest_pat);
  out.rule = "APM Vol. 2 15.25.8: the host PAT type WB leaves the guest PAT type " +
             name(guest_pat) + ", then with the host MTRR as on bare metal: " + out.rule;
  return out;
}

}  // namespace vmm::memtype
