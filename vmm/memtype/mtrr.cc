#include "vmm/memtype/mtrr.h"

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>

#include "base/format.h"

namespace vmm::memtype {

namespace {

constexpr std::uint64_t kDefTypeFe = 1ull << 10;  // fixed-range MTRRs enabled
constexpr std::uint64_t kDefTypeE = 1ull << 11;   // MTRRs enabled
constexpr std::uint64_t kCapFix = 1ull << 8;      // fixed-range MTRRs supported
constexpr std::uint64_t kPhysMaskValid = 1ull << 11;
constexpr std::uint64_t kFixedEnd = 0x100000;     // the fixed ranges cover the first 1 MiB
// Non-contiguous masks can put a boundary at every multiple of their lowest bit; past this
// many (over all such MTRRs) the range is sampled instead of checked at each one.
constexpr std::size_t kMaxNonContiguousPoints = 256;

std::string name(MemoryType type) { return std::string(to_string(type)); }

// An MTRR type field: as a PAT entry, but 7 (UC-) is reserved here too.
std::optional<MemoryType> mtrr_type_from_field(std::uint64_t field) {
  auto type = memory_type_from_encoding(field & 0xff);
  if (type == MemoryType::UCMinus) return std::nullopt;
  return type;
}

// What one point resolved to: a type, or nullopt with the reason.
struct PointType {
  std::optional<MemoryType> type;
  std::string explanation;
};

// Which fixed MTRR (index into kMsrMtrrFixed), which byte of it, and its sub-range, for an
// address below 1 MiB (SDM Table 11-9).
struct FixedSlot {
  std::size_t msr;
  unsigned byte;
  std::uint64_t begin;
  std::uint64_t size;
};

FixedSlot fixed_slot(std::uint64_t addr) {
  if (addr < 0x80000) return {0, unsigned(addr >> 16), addr & ~0xffffull, 0x10000};
  if (addr < 0xc0000) {
    const std::size_t msr = addr < 0xa0000 ? 1 : 2;
    const std::uint64_t base = msr == 1 ? 0x80000 : 0xa0000;
    return {msr, unsigned((addr - base) >> 14), addr & ~0x3fffull, 0x4000};
  }
  const std::uint64_t off = addr - 0xc0000;
  return {3 + std::size_t(off >> 15), unsigned((off >> 12) & 7), addr & ~0xfffull, 0x1000};
}

class Resolver {
 public:
  Resolver(const MtrrState& mtrr, unsigned phys_addr_bits)
      : mtrr_(mtrr),
        // Mask and base bits MAXPHYADDR-1:12; anything above is reserved and ignored here.
        addr_bits_(((1ull << phys_addr_bits) - 1) & ~0xfffull) {}

  bool fixed_active() const {
    return (mtrr_.def_type & kDefTypeFe) && (mtrr_.cap & kCapFix);
  }
  std::uint64_t mask_of(const VariableMtrr& v) const { return v.mask & addr_bits_; }
  std::uint64_t addr_bits() const { return addr_bits_; }

  // The type at one address, MTRRs enabled (SDM 11.11.4.1).
  PointType at(std::uint64_t addr) const {
    if (addr < kFixedEnd && fixed_active()) {
      const FixedSlot s = fixed_slot(addr);
      const std::uint64_t field = (mtrr_.fixed[s.msr] >> (8 * s.byte)) & 0xff;
      const std::string where = "fixed MTRR " + hex(kMsrMtrrFixed[s.msr]) + " byte " +
                                std::to_string(s.byte) + " (" + hex(s.begin) + "-" +
                                hex(s.begin + s.size - 1) + ")";
      auto type = mtrr_type_from_field(field);
      if (!type) return {std::nullopt, where + " holds the reserved type " + std::to_string(field)};
      return {type, where + ": " + name(*type)};
    }
    std::vector<std::pair<unsigned, MemoryType>> matches;
    for (unsigned n = 0; n < mtrr_.variable.size() && n < kMaxVariableMtrrs; ++n) {
      const VariableMtrr& v = mtrr_.variable[n];
      if (!(v.mask & kPhysMaskValid)) continue;
      const std::uint64_t m = mask_of(v);
      if ((addr & m) != (v.base & m)) continue;
      auto type = mtrr_type_from_field(v.base);
      if (!type)
        return {std::nullopt, describe(n) + " holds the reserved type " +
                                  std::to_string(v.base & 0xff)};
      matches.emplace_back(n, *type);
    }
    if (matches.empty()) {
      auto type = mtrr_type_from_field(mtrr_.def_type);
      if (!type)
        return {std::nullopt, "the default type (IA32_MTRR_DEF_TYPE) is the reserved type " +
                                  std::to_string(mtrr_.def_type & 0xff)};
      return {type, "default type (no variable MTRR matches): " + name(*type)};
    }
    if (matches.size() == 1) return {matches[0].second, describe(matches[0].first) + ": " +
                                                            name(matches[0].second)};
    return overlap(matches);
  }

 private:
  std::string describe(unsigned n) const {
    const VariableMtrr& v = mtrr_.variable[n];
    return "variable MTRR " + std::to_string(n) + " (base " + hex(v.base) + ", mask " +
           hex(v.mask) + ")";
  }

  // Several variable MTRRs match: SDM 11.11.4.1 decides some overlaps and leaves the rest
  // undefined.
  PointType overlap(const std::vector<std::pair<unsigned, MemoryType>>& matches) const {
    std::string which = "variable MTRRs";
    bool all_same = true, any_uc = false, only_wt_wb = true;
    for (const auto& [n, type] : matches) {
      which += (n == matches.front().first ? " " : ", ") + std::to_string(n) + " (" +
               name(type) + ")";
      all_same &= type == matches.front().second;
      any_uc |= type == MemoryType::UC;
      only_wt_wb &= type == MemoryType::WT || type == MemoryType::WB;
    }
    which += " overlap";
    if (all_same) return {matches.front().second, which + ", all " + name(matches.front().second)};
    if (any_uc) return {MemoryType::UC, which + ": UC wins (SDM 11.11.4.1)"};
    if (only_wt_wb) return {MemoryType::WT, which + ": WT and WB give WT (SDM 11.11.4.1)"};
    return {std::nullopt, which + ": the SDM leaves this combination undefined (11.11.4.1)"};
  }

  const MtrrState& mtrr_;
  std::uint64_t addr_bits_;
};

// Whether the mask bits, within MAXPHYADDR, are all ones from the top down to their lowest
// set bit: then the MTRR covers one naturally aligned region (or all memory when none is set).
bool contiguous(std::uint64_t mask, std::uint64_t addr_bits) {
  if (mask == 0) return true;
  const std::uint64_t low = mask & -mask;
  return mask == (addr_bits & ~(low - 1));
}

// Adds `point` when it starts a new piece of [first, last], i.e. lies in (first, last].
void add_boundary(std::vector<std::uint64_t>& out, std::uint64_t point, std::uint64_t first,
                  std::uint64_t last) {
  if (point > first && point <= last) out.push_back(point);
}

}  // namespace

std::vector<std::uint32_t> mtrr_msr_indices(unsigned variable_count) {
  std::vector<std::uint32_t> out = {kMsrMtrrCap, kMsrMtrrDefType};
  out.insert(out.end(), kMsrMtrrFixed.begin(), kMsrMtrrFixed.end());
  for (unsigned n = 0; n < std::min(variable_count, kMaxVariableMtrrs); ++n) {
    out.push_back(kMsrMtrrPhysBase0 + 2 * n);
    out.push_back(kMsrMtrrPhysBase0 + 2 * n + 1);
  }
  return out;
}

MtrrLookup mtrr_type(const MtrrState& mtrr, std::uint64_t gpa, std::uint64_t size,
                     unsigned phys_addr_bits) {
  if (size == 0) return {std::nullopt, "empty range at " + hex(gpa)};
  if (size - 1 > ~0ull - gpa)
    return {std::nullopt, "range " + hex(gpa) + "+" + hex(size) + " wraps the address space"};
  // The last byte, not the end: a range may end exactly at 2^64.
  const std::uint64_t last = gpa + (size - 1);
  if (phys_addr_bits < 32 || phys_addr_bits > 52)
    return {std::nullopt, "MAXPHYADDR of " + std::to_string(phys_addr_bits) +
                              " bits is outside 32..52"};
  if (last >> phys_addr_bits)
    return {std::nullopt, "range " + hex(gpa) + "-" + hex(last) + " reaches past MAXPHYADDR (" +
                              std::to_string(phys_addr_bits) + " bits)"};
  if (!(mtrr.def_type & kDefTypeE))
    return {MemoryType::UC, "MTRRs disabled (IA32_MTRR_DEF_TYPE.E=0): UC"};

  const Resolver resolve(mtrr, phys_addr_bits);
  // Every address at which the type may change inside the range; the type is constant from
  // each boundary to the next, so one lookup per piece decides.
  std::vector<std::uint64_t> bounds;
  if (resolve.fixed_active() && gpa < kFixedEnd) {
    for (std::uint64_t a = 0; a < kFixedEnd; a += fixed_slot(a).size)
      add_boundary(bounds, a, gpa, last);
    add_boundary(bounds, kFixedEnd, gpa, last);
  }
  std::vector<unsigned> scattered;  // valid variable MTRRs with non-contiguous masks
  for (unsigned n = 0; n < mtrr.variable.size() && n < kMaxVariableMtrrs; ++n) {
    const VariableMtrr& v = mtrr.variable[n];
    if (!(v.mask & kPhysMaskValid)) continue;
    const std::uint64_t m = resolve.mask_of(v);
    if (!contiguous(m, resolve.addr_bits())) {
      scattered.push_back(n);
      continue;
    }
    if (m == 0) continue;  // matches every address: no boundary
    const std::uint64_t begin = v.base & m;
    add_boundary(bounds, begin, gpa, last);
    add_boundary(bounds, begin + (m & -m), gpa, last);
  }
  // A non-contiguous mask matches a set of blocks of its lowest bit's size, possibly many:
  // each block start is a boundary. Where there are too many, evenly spread ones are checked
  // (an odd stride, so as not to fall in step with the power-of-two pattern) and the answer
  // says it was sampled.
  bool sampled = false;
  if (!scattered.empty()) {
    const std::uint64_t allowance = kMaxNonContiguousPoints / scattered.size();
    for (unsigned n : scattered) {
      const std::uint64_t m = resolve.mask_of(mtrr.variable[n]);
      const unsigned shift = std::countr_zero(m);
      const std::uint64_t first_block = (gpa >> shift) + 1;  // the first block start past gpa
      const std::uint64_t last_block = last >> shift;
      if (first_block > last_block) continue;
      const std::uint64_t count = last_block - first_block + 1;
      std::uint64_t stride = 1;
      if (count > allowance) {
        sampled = true;
        stride = std::max<std::uint64_t>(1, count / allowance) | 1;
      }
      for (std::uint64_t b = first_block, taken = 0; b <= last_block && taken < allowance;
           b += stride, ++taken)
        add_boundary(bounds, b << shift, gpa, last);
      add_boundary(bounds, last_block << shift, gpa, last);
    }
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());

  const std::string sample_note =
      sampled ? " (sampled: a variable MTRR with a non-contiguous mask was checked at " +
                    std::to_string(bounds.size() + 1) + " points, not at every block)"
              : "";
  const PointType head = resolve.at(gpa);
  if (!head.type) return {std::nullopt, "at " + hex(gpa) + ": " + head.explanation + sample_note};
  std::vector<std::string> reasons = {head.explanation};
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    const PointType piece = resolve.at(bounds[i]);
    if (!piece.type)
      return {std::nullopt, "at " + hex(bounds[i]) + ": " + piece.explanation + sample_note};
    if (*piece.type != *head.type) {
      return {std::nullopt, "the range spans several types: " + name(*head.type) + " at " +
                                hex(gpa) + " (" + head.explanation + "), " + name(*piece.type) +
                                " from " + hex(bounds[i]) + " (" + piece.explanation + ")" +
                                sample_note};
    }
    if (std::find(reasons.begin(), reasons.end(), piece.explanation) == reasons.end())
      reasons.push_back(piece.explanation);
  }
  std::string explanation = reasons.front();
  constexpr std::size_t kShown = 4;
  for (std::size_t i = 1; i < reasons.size() && i < kShown; ++i) explanation += "; " + reasons[i];
  if (reasons.size() > kShown)
    explanation += "; and " + std::to_string(reasons.size() - kShown) + " more";
  return {head.type, explanation + sample_note};
}

}  // namespace vmm::memtype#include "base/format.h"

