#include "vmm/memtype/page_walk.h"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_set>

#include "base/format.h"
#include "vmm/memtype/pat.h"

namespace vmm::memtype {

namespace {

constexpr std::uint64_t kCr0Pg = 1ull << 31;
constexpr std::uint64_t kCr4Pae = 1ull << 5;
constexpr std::uint64_t kCr4La57 = 1ull << 12;
constexpr std::uint64_t kEferLma = 1ull << 10;

constexpr std::uint64_t kPresent = 1ull << 0;
constexpr std::uint64_t kWritable = 1ull << 1;
constexpr std::uint64_t kUser = 1ull << 2;
constexpr std::uint64_t kPs = 1ull << 7;
// Bits 51:12 (the architectural maximum physical address width is 52 bits).
constexpr std::uint64_t kTableMask = 0x000ffffffffff000ull;

constexpr std::size_t kEntries = 512;
constexpr unsigned kMaxLevels = 5;

// The page a leaf at `level` maps: 4 KiB at level 1, 2 MiB at 2, 1 GiB at 3.
constexpr unsigned page_shift_at(unsigned level) { return 12 + 9 * (level - 1); }
constexpr std::uint64_t leaf_address(std::uint64_t entry, unsigned shift) {
  return entry & kTableMask & ~((1ull << shift) - 1);
}

class Walker {
 public:
  Walker(const GuestTableReader& memory, std::span<const GpaRange> ranges,
         const WalkLimits& limits, unsigned levels, WalkResult& result)
      : memory_(memory), ranges_(ranges), limits_(limits), levels_(levels), result_(result),
        tables_(levels) {}

  void walk(std::uint64_t root) {
    if (!memory_.read_table(root, tables_[levels_ - 1])) {
      ++result_.tables_outside_ram;
      result_.not_walked = "the root table at " + hex(root) + " is not in guest RAM";
      return;
    }
    ++result_.tables_visited;
    walked_[levels_ - 1].insert(root);
    walk_table(levels_, 0, true, true);
    flush();
  }

 private:
  // Walks the table already copied into tables_[level - 1]; false when the budget ran out.
  bool walk_table(unsigned level, std::uint64_t va_base, bool user, bool writable) {
    const auto& table = tables_[level - 1];
    const unsigned index_shift = page_shift_at(level);
    for (std::size_t i = 0; i < kEntries; ++i) {
      if (result_.entries_visited >= limits_.max_entries) {
        result_.budget_exhausted = true;
        return false;
      }
      ++result_.entries_visited;
      const std::uint64_t entry = table[i];
      if (!(entry & kPresent)) continue;
      const std::uint64_t va = va_base | std::uint64_t{i} << index_shift;
      const bool path_user = user && (entry & kUser);
      const bool path_writable = writable && (entry & kWritable);
      if (level == 1 || ((level == 2 || level == 3) && (entry & kPs))) {
        leaf(entry, level, va, path_user, path_writable);
        continue;
      }
      if (entry & kPs) {  // PS in a PML4E or PML5E is reserved: the CPU faults
        ++result_.entries_reserved;
        continue;
      }
      const std::uint64_t next = entry & kTableMask;
      auto& walked = walked_[level - 2];
      if (walked.contains(next)) {
        ++result_.tables_aliased;
        continue;
      }
      // Read the next table only if one of its entries can still be examined: that is what
      // keeps every walked set within max_entries / 512 + 1 tables.
      if (result_.entries_visited >= limits_.max_entries) {
        result_.budget_exhausted = true;
        return false;
      }
      if (!memory_.read_table(next, tables_[level - 2])) {
        ++result_.tables_outside_ram;
        continue;
      }
      ++result_.tables_visited;
      walked.insert(next);
      if (!walk_table(level - 1, va, path_user, path_writable)) return false;
    }
    return true;
  }

  void leaf(std::uint64_t entry, unsigned level, std::uint64_t va, bool user, bool writable) {
    const unsigned shift = page_shift_at(level);
    const std::uint64_t gpa = leaf_address(entry, shift);
    const std::uint64_t end = gpa + (1ull << shift);  // below 2^53: no wrap
    // The first range ending above the page, then every one that starts below its end.
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), gpa,
                               [](std::uint64_t a, const GpaRange& r) { return a < r.end; });
    for (; it != ranges_.end() && it->begin < end; ++it) {
      const std::uint64_t lo = std::max(gpa, it->begin);
      const std::uint64_t hi = std::min(end, it->end);
      if (lo >= hi) continue;  // an empty range
      add({.range_index = static_cast<std::size_t>(it - ranges_.begin()),
           .va = canonical(va + (lo - gpa)),
           .gpa = lo,
           .size = hi - lo,
           .page_shift = shift,
           .leaf_entry = entry,
           .pat_index = pat_index(entry, level > 1),
           .user = user,
           .writable = writable});
    }
  }

  // Bits 63:48 (63:57 with 5 levels) copy the top index bit.
  std::uint64_t canonical(std::uint64_t va) const {
    const unsigned unused = 64 - (12 + 9 * levels_);
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(va << unused) >> unused);
  }

  // Leaves arrive in VA order, so a piece can only extend the run before it. The run is
  // stored (or counted as dropped) once the next piece does not extend it.
  void add(const MappingRun& piece) {
    if (pending_ && pending_->range_index == piece.range_index &&
        pending_->va + pending_->size == piece.va && pending_->gpa + pending_->size == piece.gpa &&
        pending_->page_shift == piece.page_shift && pending_->pat_index == piece.pat_index &&
        pending_->user == piece.user && pending_->writable == piece.writable) {
      pending_->size += piece.size;
      return;
    }
    flush();
    pending_ = piece;
  }

  void flush() {
    if (!pending_) return;
    if (result_.runs.size() < limits_.max_runs)
      result_.runs.push_back(*pending_);
    else
      ++result_.runs_dropped;
    pending_.reset();
  }

  const GuestTableReader& memory_;
  std::span<const GpaRange> ranges_;
  const WalkLimits& limits_;
  const unsigned levels_;
  WalkResult& result_;
  std::vector<std::array<std::uint64_t, kEntries>> tables_;  // the one being walked per level
  std::array<std::unordered_set<std::uint64_t>, kMaxLevels> walked_;  // per level, by address
  std::optional<MappingRun> pending_;
};

}  // namespace

PagingMode paging_mode(const PagingRegisters& regs) {
  if (!(regs.cr0 & kCr0Pg)) return PagingMode::Off;
  if (!(regs.efer & kEferLma)) return (regs.cr4 & kCr4Pae) ? PagingMode::Pae : PagingMode::Bits32;
  return (regs.cr4 & kCr4La57) ? PagingMode::Level5 : PagingMode::Level4;
}

const char* to_string(PagingMode mode) {
  switch (mode) {
    case PagingMode::Off: return "off";
    case PagingMode::Bits32: return "32-bit";
    case PagingMode::Pae: return "PAE";
    case PagingMode::Level4: return "4-level";
    case PagingMode::Level5: return "5-level";
  }
  return "?";
}

std::uint64_t root_table(const PagingRegisters& regs) { return regs.cr3 & kTableMask; }

WalkResult find_mappings(const GuestTableReader& memory, const PagingRegisters& regs,
                         std::span<const GpaRange> ranges, const WalkLimits& limits) {
  WalkResult result;
  result.mode = paging_mode(regs);
  switch (result.mode) {
    case PagingMode::Off: result.not_walked = "paging is off (CR0.PG clear)"; return result;
    case PagingMode::Bits32: result.not_walked = "32-bit paging is not walked"; return result;
    case PagingMode::Pae: result.not_walked = "PAE paging is not walked"; return result;
    case PagingMode::Level4:
    case PagingMode::Level5: break;
  }
  Walker(memory, ranges, limits, result.mode == PagingMode::Level5 ? 5 : 4, result)
      .walk(root_table(regs));
  return result;
}

}  // namespace vmm::memtype
