// Fuzzes find_mappings (vmm/memtype/page_walk.h): the guest's page tables are the input, as
// hostile as the fuzzer makes them, and the result is held against a plain recursive model
// of the same rules written here (no budget, no merging until the end, ranges scanned
// linearly).
//
// Input:
//   u8   mode: bit 0 clears CR0.PG, bit 1 clears EFER.LMA, bit 2 clears CR4.PAE, bit 3 sets
//        CR4.LA57 (0: 4-level paging, 8: 5-level)
//   u8   guest RAM: 1 + n % 64 zeroed pages at guest-physical 0; every other page is outside
//   u8   CR3 page (pages from n on are outside RAM), u16 CR3 bits 11:0, u8 bit 0: CR3 bit 63
//   u8   limits: bit 7 set: max_entries = u16 (else 1 << 16); bits 3:0: max_runs = that
//        value when below 8, else 64
//   u8   1 + n % 4 ranges, each a gap after the previous one and a length (either may be 0),
//        each an amount: u8 shift (% 41) and u16, the u16 shifted left
//   then, until the input ends, writes into the RAM (page u8 % n, index u16 % 512):
//   0 entry  page, index, u64 value
//   1 fill   page, first index, u16 count (% 513, up to entry 511), u64 value, u8 step
//            (% 4: 0, 4 KiB, 2 MiB, 1 GiB): entry k gets value + k * step
//   2 table  page, index, u8 target page (any: outside RAM from n on), u8 flags (bits 7:0)
//   3 leaf   page, index, u32 page frame, u16 flags (bits 12:0)
//
// Invariants:
//  - the mode follows CR0.PG, EFER.LMA, CR4.PAE and CR4.LA57; a mode other than 4- or 5-level
//    paging, or a root outside RAM, walks nothing and says why;
//  - only page-aligned addresses below 2^52 are read, each at most once per level, and every
//    read is a table visited or one outside RAM;
//  - entries_visited <= max_entries; a complete walk examined all 512 entries of every table
//    it read; an incomplete one stopped at max_entries with fewer than 512 entries left
//    unexamined per level;
//  - runs lie in their ranges and start in their leaf page at the matching offset, are
//    sorted and disjoint in VA, carry the leaf's PAT index, and no two stored runs could
//    have been merged; at most max_runs, and runs_dropped only when that many are stored;
//  - the runs and counters equal the model's: exactly when the walk completed, its prefix
//    when the budget stopped it.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/fuzz/fuzz_support.h"
#include "vmm/memtype/page_walk.h"

namespace vmm::fuzz {
namespace {

using memtype::GpaRange;
using memtype::MappingRun;
using memtype::PagingMode;
using memtype::PagingRegisters;
using memtype::WalkLimits;
using memtype::WalkResult;
using u128 = unsigned __int128;
using Table = std::array<std::uint64_t, 512>;

constexpr std::uint64_t kAddressBits = 0x000ffffffffff000ull;

struct Ram : memtype::GuestTableReader {
  std::vector<Table> pages;
  mutable std::map<std::uint64_t, int> reads;  // successful reads by address
  mutable std::uint64_t failed_reads = 0;

  bool read_table(std::uint64_t gpa, std::span<std::uint64_t, 512> out) const override {
    FUZZ_CHECK(gpa % 4096 == 0 && gpa >> 52 == 0, "asked for a table at a bad address");
    if (gpa / 4096 >= pages.size()) {
      ++failed_reads;
      return false;
    }
    ++reads[gpa];
    std::copy(pages[gpa / 4096].begin(), pages[gpa / 4096].end(), out.begin());
    return true;
  }
};

std::uint64_t amount(ByteReader& in) {
  const unsigned shift = in.u8() % 41;
  return std::uint64_t{in.u16()} << shift;
}

// The model: every leaf-range intersection in walk order, and the counters.
struct Model {
  const Ram& ram;
  const std::vector<GpaRange>& ranges;
  unsigned levels;
  std::set<std::pair<unsigned, std::uint64_t>> walked;
  std::vector<MappingRun> pieces;
  std::uint64_t tables = 0, outside = 0, aliased = 0, reserved = 0;

  std::uint64_t canonical(std::uint64_t va) const {
    const unsigned top = 12 + 9 * levels - 1;  // 47 or 56
    const std::uint64_t high = ~0ull << top;
    return (va >> top) & 1 ? va | high : va & ~high;
  }

  void table(unsigned level, std::uint64_t gpa, std::uint64_t va, bool user, bool writable) {
    ++tables;
    const Table& t = ram.pages[gpa / 4096];
    const unsigned shift = 12 + 9 * (level - 1);
    for (unsigned i = 0; i < 512; ++i) {
      const std::uint64_t e = t[i];
      if ((e & 1) == 0) continue;
      const std::uint64_t at = va + (std::uint64_t{i} << shift);
      const bool u = user && (e & 4) != 0, w = writable && (e & 2) != 0;
      const bool ps = (e & 0x80) != 0;
      if (level == 1 || (level <= 3 && ps)) {
        const std::uint64_t size = 1ull << shift;
        const std::uint64_t base = e & kAddressBits & ~(size - 1);
        const unsigned pat_bit = level == 1 ? 7 : 12;
        const unsigned pat = static_cast<unsigned>(((e >> pat_bit) & 1) * 4 + ((e >> 4) & 1) * 2 + ((e >> 3) & 1));
        for (std::size_t r = 0; r < ranges.size(); ++r) {
          const std::uint64_t lo = std::max(base, ranges[r].begin);
          const std::uint64_t hi = std::min(base + size, ranges[r].end);
          if (lo < hi)
            pieces.push_back({r, canonical(at + (lo - base)), lo, hi - lo, shift, e, pat, u, w});
        }
        continue;
      }
      if (ps) {
        ++reserved;
        continue;
      }
      const std::uint64_t next = e & kAddressBits;
      if (walked.count({level - 1, next})) {
        ++aliased;
      } else if (next / 4096 >= ram.pages.size()) {
        ++outside;
      } else {
        walked.insert({level - 1, next});
        table(level - 1, next, at, u, w);
      }
    }
  }
};

bool mergeable(const MappingRun& a, const MappingRun& b) {
  return a.range_index == b.range_index && u128{a.va} + a.size == b.va && a.gpa + a.size == b.gpa &&
         a.page_shift == b.page_shift && a.pat_index == b.pat_index && a.user == b.user &&
         a.writable == b.writable;
}

bool same_run(const MappingRun& a, const MappingRun& b) {
  return a.range_index == b.range_index && a.va == b.va && a.gpa == b.gpa && a.size == b.size &&
         a.page_shift == b.page_shift && a.leaf_entry == b.leaf_entry && a.pat_index == b.pat_index &&
         a.user == b.user && a.writable == b.writable;
}

std::string describe(const MappingRun& r) {
  char text[200];
  std::snprintf(text, sizeof text,
                "run va %#llx gpa %#llx size %#llx range %zu leaf %#llx shift %u pat %u%s%s",
                static_cast<unsigned long long>(r.va), static_cast<unsigned long long>(r.gpa),
                static_cast<unsigned long long>(r.size), r.range_index,
                static_cast<unsigned long long>(r.leaf_entry), r.page_shift, r.pat_index,
                r.user ? " user" : "", r.writable ? " writable" : "");
  return text;
}

void run(ByteReader& in) {
  const std::uint8_t mode_bits = in.u8();
  PagingRegisters regs;
  regs.cr0 = 0x11 | ((mode_bits & 1) ? 0 : 1ull << 31);
  regs.efer = 0x100 | ((mode_bits & 2) ? 0 : 1ull << 10);
  regs.cr4 = ((mode_bits & 4) ? 0 : 1ull << 5) | ((mode_bits & 8) ? 1ull << 12 : 0);

  Ram ram;
  ram.pages.resize(1 + in.u8() % 64);
  const std::uint64_t root = std::uint64_t{in.u8()} << 12;
  regs.cr3 = root | (in.u16() & 0xfff);
  if (in.u8() & 1) regs.cr3 |= 1ull << 63;

  WalkLimits limits;
  const std::uint8_t limit_bits = in.u8();
  if (limit_bits & 0x80) limits.max_entries = in.u16();
  else limits.max_entries = 1u << 16;
  limits.max_runs = (limit_bits & 0xf) < 8 ? (limit_bits & 0xf) : 64;

  std::vector<GpaRange> ranges;
  const unsigned range_count = 1 + in.u8() % 4;
  u128 cursor = 0;
  for (unsigned i = 0; i < range_count; ++i) {
    const u128 begin = cursor + amount(in);
    const u128 end = begin + amount(in);
    if (end >= (u128{1} << 64)) break;
    ranges.push_back({static_cast<std::uint64_t>(begin), static_cast<std::uint64_t>(end)});
    cursor = end;
  }

  const std::size_t n = ram.pages.size();
  while (!in.done()) {
    const std::uint8_t op = in.u8() % 4;
    Table& page = ram.pages[in.u8() % n];
    const unsigned index = in.u16() % 512;
    switch (op) {
      case 0: page[index] = in.u64(); break;
      case 1: {
        const unsigned count = in.u16() % 513;
        const std::uint64_t value = in.u64();
        static constexpr std::uint64_t kSteps[] = {0, 1ull << 12, 1ull << 21, 1ull << 30};
        const std::uint64_t step = kSteps[in.u8() % 4];
        for (unsigned k = 0; k < count && index + k < 512; ++k) page[index + k] = value + k * step;
        break;
      }
      case 2: {
        const std::uint64_t target = in.u8();
        page[index] = target << 12 | in.u8();
        break;
      }
      default: {
        const std::uint64_t frame = in.u32();
        page[index] = frame << 12 | (in.u16() & 0x1fff);
        break;
      }
    }
  }

  const WalkResult r = memtype::find_mappings(ram, regs, ranges, limits);

  const bool pg = !(mode_bits & 1), lma = !(mode_bits & 2), pae = !(mode_bits & 4);
  const PagingMode mode = !pg ? PagingMode::Off
                          : !lma ? (pae ? PagingMode::Pae : PagingMode::Bits32)
                          : (mode_bits & 8) ? PagingMode::Level5
                                            : PagingMode::Level4;
  FUZZ_CHECK(r.mode == mode, "the paging mode does not follow the registers");
  FUZZ_CHECK(memtype::root_table(regs) == root, "CR3's low bits or bit 63 moved the root");
  const bool walks = mode == PagingMode::Level4 || mode == PagingMode::Level5;
  const bool root_in_ram = root / 4096 < n;
  FUZZ_CHECK(r.not_walked.empty() == (walks && root_in_ram),
             "not_walked is wrong: '" + r.not_walked + "'");
  if (!r.not_walked.empty()) {
    FUZZ_CHECK(r.runs.empty() && r.runs_dropped == 0 && r.entries_visited == 0 &&
                   r.tables_visited == 0 && r.tables_aliased == 0 && r.entries_reserved == 0 &&
                   !r.budget_exhausted && ram.reads.empty(),
               "a walk that did not happen left traces");
    FUZZ_CHECK(r.tables_outside_ram == (walks ? 1u : 0u) && ram.failed_reads == r.tables_outside_ram,
               "the root outside RAM is not counted once");
    return;
  }
  const unsigned levels = mode == PagingMode::Level5 ? 5 : 4;

  // Reads and the budget.
  std::uint64_t reads = 0;
  for (const auto& [gpa, count] : ram.reads) {
    FUZZ_CHECK(count <= static_cast<int>(levels), "a table was read more than once per level");
    reads += static_cast<std::uint64_t>(count);
  }
  FUZZ_CHECK(reads == r.tables_visited && ram.failed_reads == r.tables_outside_ram,
             "reads do not match the tables visited and outside RAM");
  FUZZ_CHECK(r.entries_visited <= limits.max_entries, "more entries than max_entries");
  FUZZ_CHECK(r.tables_visited <= levels * (limits.max_entries / 512 + 1),
             "more tables than the budget allows");
  if (r.budget_exhausted) {
    FUZZ_CHECK(r.entries_visited == limits.max_entries, "stopped before max_entries");
    FUZZ_CHECK(r.tables_visited * 512 >= r.entries_visited &&
                   r.tables_visited * 512 - r.entries_visited <= 512ull * levels,
               "more entries unexamined than one partial table per level");
  } else {
    FUZZ_CHECK(r.entries_visited == r.tables_visited * 512,
               "a complete walk did not examine every entry of every table");
  }

  // The runs on their own.
  FUZZ_CHECK(r.runs.size() <= limits.max_runs, "more runs than max_runs");
  FUZZ_CHECK(r.runs_dropped == 0 || r.runs.size() == limits.max_runs, "dropped runs with room left");
  const std::uint64_t high = ~0ull << (12 + 9 * levels - 1);
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    const MappingRun& run = r.runs[i];
    FUZZ_CHECK(run.range_index < ranges.size() && run.size > 0, describe(run) + ": no range or empty");
    const GpaRange& range = ranges[run.range_index];
    FUZZ_CHECK(run.gpa >= range.begin && u128{run.gpa} + run.size <= range.end,
               describe(run) + ": outside its range");
    FUZZ_CHECK(run.page_shift == 12 || run.page_shift == 21 || run.page_shift == 30,
               describe(run) + ": page size");
    const std::uint64_t page_size = 1ull << run.page_shift;
    const std::uint64_t page = run.leaf_entry & kAddressBits & ~(page_size - 1);
    FUZZ_CHECK((run.leaf_entry & 1) && (run.page_shift == 12 || (run.leaf_entry & 0x80)),
               describe(run) + ": the leaf entry is not a present leaf");
    FUZZ_CHECK(run.gpa >= page && run.gpa - page < page_size &&
                   (run.va & (page_size - 1)) == run.gpa - page,
               describe(run) + ": does not start in its leaf page at the matching offset");
    FUZZ_CHECK((run.va & high) == 0 || (run.va & high) == high, describe(run) + ": not canonical");
    const std::uint64_t e = run.leaf_entry;
    const unsigned pat = static_cast<unsigned>((e >> (run.page_shift == 12 ? 7 : 12) & 1) << 2 |
                                               (e >> 4 & 1) << 1 | (e >> 3 & 1));
    FUZZ_CHECK(run.pat_index == pat, describe(run) + ": PAT index");
    if (i > 0) {
      const MappingRun& prev = r.runs[i - 1];
      FUZZ_CHECK(u128{prev.va} + prev.size <= run.va, describe(run) + ": unsorted or overlapping");
      FUZZ_CHECK(!mergeable(prev, run), describe(run) + ": should have been merged");
    }
  }

  // Against the model.
  Model model{ram, ranges, levels, {}, {}};
  model.walked.insert({levels, root});
  model.table(levels, root, 0, true, true);
  std::vector<MappingRun> expected;
  for (const MappingRun& piece : model.pieces) {
    if (!expected.empty() && mergeable(expected.back(), piece))
      expected.back().size += piece.size;
    else
      expected.push_back(piece);
  }
  if (!r.budget_exhausted) {
    FUZZ_CHECK(r.tables_visited == model.tables && r.tables_outside_ram == model.outside &&
                   r.tables_aliased == model.aliased && r.entries_reserved == model.reserved,
               "the counters differ from the model's");
    FUZZ_CHECK(r.runs.size() + r.runs_dropped == expected.size(),
               "the model finds " + std::to_string(expected.size()) + " runs, the walk " +
                   std::to_string(r.runs.size()) + " + " + std::to_string(r.runs_dropped) +
                   " dropped");
  } else {
    FUZZ_CHECK(r.tables_visited <= model.tables && r.tables_outside_ram <= model.outside &&
                   r.tables_aliased <= model.aliased && r.entries_reserved <= model.reserved,
               "an incomplete walk counted more than the model");
    FUZZ_CHECK(r.runs.size() + r.runs_dropped <= expected.size(), "more runs than the model");
  }
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    const MappingRun& got = r.runs[i];
    const MappingRun& want = expected[i];
    // Only the last run of a walk the budget stopped may be cut short, and only if it was
    // still open then (no run dropped after it).
    const bool may_be_cut = r.budget_exhausted && i + 1 == r.runs.size() && r.runs_dropped == 0;
    MappingRun want_cut = want;
    if (may_be_cut) want_cut.size = std::min(want.size, got.size);
    FUZZ_CHECK(same_run(got, may_be_cut ? want_cut : want),
               describe(got) + " where the model has " + describe(want));
  }
}

}  // namespace
}  // namespace vmm::fuzz

VMM_FUZZ_TARGET(vmm::fuzz::run)
