// Finds every guest mapping of some guest-physical ranges by walking the guest's own page
// tables from a CR3, as the CPU would translate, but in the other direction: all of the
// address space is visited and the leaf entries that point into the ranges are reported.
//
// The guest is hostile: its tables may point outside RAM, at themselves (a recursive slot),
// or many entries at one table. The walk therefore
//   - reads tables only through GuestTableReader (bounds-checked guest RAM; a table outside
//     it is counted and skipped),
//   - visits each (level, table) at most once: an alias of a table already walked at that
//     level is counted, not walked again (so a loop cannot recurse past the paging depth and
//     a table shared by many entries is read once),
//   - stops after WalkLimits::max_entries entries and keeps WalkLimits::max_runs runs,
//     saying so in the result.
// Its cost is therefore at most max_entries 8-byte reads plus one 4 KiB copy per table, and
// its memory a fixed 20 KiB of table copies plus the set of walked tables: a table is read
// only when an entry can still be examined and is left only when all 512 were, so at most
// max_entries / 512 + 1 tables per level (4097 with the default limit).
//
// Skipping aliases bounds the walk but is not what the CPU does: a table reached twice at
// one level maps its pages at two places, and only the first (lowest VA) is reported.
// tables_aliased > 0 says that more mappings may exist. A recursive slot (a root entry
// pointing at the root) is not an alias: the root is walked once per level, as the CPU
// would translate through it, and the tables show up mapped as pages.
//
// Long mode only (4-level and 5-level paging, 4 KiB, 2 MiB and 1 GiB pages); 32-bit and PAE
// paging and paging off are reported as not walked.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vmm::memtype {

// A guest-physical range [begin, end).
struct GpaRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

class GuestTableReader {
 public:
  virtual ~GuestTableReader() = default;
  // Copies the 4 KiB table at page-aligned `gpa` into `out`; false when the page is not
  // entirely in guest RAM.
  virtual bool read_table(std::uint64_t gpa, std::span<std::uint64_t, 512> out) const = 0;
};

// The registers that define the guest's paging, as KVM_GET_SREGS gives them.
struct PagingRegisters {
  std::uint64_t cr0 = 0;
  std::uint64_t cr3 = 0;
  std::uint64_t cr4 = 0;
  std::uint64_t efer = 0;
};

// From CR0.PG (bit 31), EFER.LMA (bit 10), CR4.PAE (bit 5) and CR4.LA57 (bit 12).
enum class PagingMode { Off, Bits32, Pae, Level4, Level5 };
PagingMode paging_mode(const PagingRegisters& regs);
const char* to_string(PagingMode mode);  // "off", "32-bit", "PAE", "4-level", "5-level"
// The root table's guest-physical address: CR3 bits 51:12 (PCID or PWT/PCD below them; bit
// 63, the no-flush bit of a MOV to CR3, is masked too).
std::uint64_t root_table(const PagingRegisters& regs);

struct WalkLimits {
  std::uint64_t max_entries = 1ull << 21;  // 2M entries read: 16 MiB, a few ms
  std::size_t max_runs = 256;
};

// Consecutive leaf entries that map consecutive virtual pages to consecutive guest-physical
// pages with the same attributes, merged into one run.
struct MappingRun {
  std::size_t range_index = 0;   // which of the ranges asked for it falls in
  std::uint64_t va = 0;          // canonical virtual address of the first page
  std::uint64_t gpa = 0;
  std::uint64_t size = 0;        // bytes
  unsigned page_shift = 12;      // 12, 21 or 30
  std::uint64_t leaf_entry = 0;  // the first page's raw leaf entry
  unsigned pat_index = 0;        // PAT << 2 | PCD << 1 | PWT of that entry
  bool user = false;             // U/S set at every level
  bool writable = false;         // R/W set at every level
};

struct WalkResult {
  PagingMode mode = PagingMode::Off;
  std::string not_walked;  // why nothing was walked (paging off, not long mode, root outside RAM)
  std::vector<MappingRun> runs;   // in virtual-address order
  std::uint64_t runs_dropped = 0;        // beyond max_runs
  std::uint64_t entries_visited = 0;
  std::uint64_t tables_visited = 0;
  std::uint64_t tables_outside_ram = 0;  // entries pointing at a table not in guest RAM (or the root)
  std::uint64_t tables_aliased = 0;      // entries pointing at a table already walked at that level
  std::uint64_t entries_reserved = 0;    // PML5/PML4 entries with bit 7 (PS) set: a fault, skipped
  bool budget_exhausted = false;         // an entry was left unexamined: the walk is incomplete
};

// `ranges` must be sorted and must not overlap; they need not be page-aligned (runs are
// clipped to them byte for byte). Runs of different ranges are never merged.
WalkResult find_mappings(const GuestTableReader& memory, const PagingRegisters& regs,
                         std::span<const GpaRange> ranges, const WalkLimits& limits = {});

}  // namespace vmm::memtype
