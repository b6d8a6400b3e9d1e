#include "vmm/memtype/page_walk.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <vector>

namespace vmm::memtype {
namespace {

// Guest RAM as a map of page-aligned address -> table; every other page is outside RAM.
class FakeTables : public GuestTableReader {
 public:
  bool read_table(std::uint64_t gpa, std::span<std::uint64_t, 512> out) const override {
    ++reads[gpa];
    auto it = pages.find(gpa);
    if (it == pages.end()) return false;
    std::copy(it->second.begin(), it->second.end(), out.begin());
    return true;
  }
  void set(std::uint64_t table, unsigned index, std::uint64_t entry) { pages[table][index] = entry; }
  std::array<std::uint64_t, 512>& page(std::uint64_t table) { return pages[table]; }

  std::map<std::uint64_t, std::array<std::uint64_t, 512>> pages;
  mutable std::map<std::uint64_t, int> reads;
};

constexpr std::uint64_t P = 1, RW = 2, US = 4, PWT = 8, PCD = 16, PS = 128;
constexpr std::uint64_t kPat4K = 1ull << 7, kPatLarge = 1ull << 12;

constexpr PagingRegisters long_mode(std::uint64_t cr3, bool la57 = false) {
  return {.cr0 = 0x80000011, .cr3 = cr3, .cr4 = 0x20 | (la57 ? 0x1000u : 0u), .efer = 0x500};
}

// The same tree for most tests: PML4 at 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000,
// through index 0 at every level.
constexpr std::uint64_t kPml4 = 0x1000, kPdpt = 0x2000, kPd = 0x3000, kPt = 0x4000;
void basic_tree(FakeTables& t) {
  t.set(kPml4, 0, kPdpt | P | RW | US);
  t.set(kPdpt, 0, kPd | P | RW | US);
  t.set(kPd, 0, kPt | P | RW | US);
}

// What a test expects of one MappingRun: the fields it names; the others are not checked.
struct RunWant {
  std::optional<std::uint64_t> va{}, gpa{}, size{};
  std::optional<unsigned> page_shift{};
  std::optional<std::uint64_t> leaf_entry{};
  std::optional<unsigned> pat_index{};
  std::optional<std::size_t> range_index{};
  std::optional<bool> user{}, writable{};
};
template <typename T, typename U>
void expect_field(const char* name, const T& got, const std::optional<U>& want) {
  if (want) {
    EXPECT_EQ(got, *want) << name;
  }
}
void expect_run(const MappingRun& got, const RunWant& want) {
  expect_field("va", got.va, want.va);
  expect_field("gpa", got.gpa, want.gpa);
  expect_field("size", got.size, want.size);
  expect_field("page_shift", got.page_shift, want.page_shift);
  expect_field("leaf_entry", got.leaf_entry, want.leaf_entry);
  expect_field("pat_index", got.pat_index, want.pat_index);
  expect_field("range_index", got.range_index, want.range_index);
  expect_field("user", got.user, want.user);
  expect_field("writable", got.writable, want.writable);
}

TEST(PagingMode, FollowsPgLmaPaeAndLa57) {
  EXPECT_EQ(paging_mode({.cr0 = 0x11, .cr4 = 0x20, .efer = 0x500}), PagingMode::Off);
  EXPECT_EQ(paging_mode({.cr0 = 0x80000011}), PagingMode::Bits32);
  EXPECT_EQ(paging_mode({.cr0 = 0x80000011, .cr4 = 0x20}), PagingMode::Pae);
  // EFER.LME without LMA (paging not yet enabled in long mode) is not long mode.
  EXPECT_EQ(paging_mode({.cr0 = 0x80000011, .cr4 = 0x20, .efer = 0x100}), PagingMode::Pae);
  EXPECT_EQ(paging_mode(long_mode(0)), PagingMode::Level4);
  EXPECT_EQ(paging_mode(long_mode(0, true)), PagingMode::Level5);
  EXPECT_STREQ(to_string(PagingMode::Off), "off");
  EXPECT_STREQ(to_string(PagingMode::Bits32), "32-bit");
  EXPECT_STREQ(to_string(PagingMode::Pae), "PAE");
  EXPECT_STREQ(to_string(PagingMode::Level4), "4-level");
  EXPECT_STREQ(to_string(PagingMode::Level5), "5-level");
}

TEST(PageWalk, OffPaeAnd32BitAreNotWalked) {
  FakeTables t;
  basic_tree(t);
  t.set(kPt, 0, 0x5000 | P);
  const GpaRange ranges[] = {{0, 1ull << 40}};
  for (const PagingRegisters& regs :
       {PagingRegisters{.cr0 = 0x11, .cr3 = kPml4}, PagingRegisters{.cr0 = 0x80000011, .cr3 = kPml4},
        PagingRegisters{.cr0 = 0x80000011, .cr3 = kPml4, .cr4 = 0x20}}) {
    const WalkResult r = find_mappings(t, regs, ranges);
    EXPECT_FALSE(r.not_walked.empty());
    EXPECT_TRUE(r.runs.empty());
    EXPECT_EQ(r.entries_visited, 0u);
  }
  EXPECT_TRUE(t.reads.empty());
  EXPECT_EQ(find_mappings(t, {.cr0 = 0x11, .cr3 = kPml4}, ranges).not_walked,
            "paging is off (CR0.PG clear)");
  EXPECT_EQ(find_mappings(t, {.cr0 = 0x80000011, .cr3 = kPml4}, ranges).not_walked,
            "32-bit paging is not walked");
  EXPECT_EQ(find_mappings(t, {.cr0 = 0x80000011, .cr3 = kPml4, .cr4 = 0x20}, ranges).not_walked,
            "PAE paging is not walked");
}

TEST(PageWalk, RootTableMasksPcidAndNoFlushBit) {
  EXPECT_EQ(root_table(long_mode(0x8000000000123abcull)), 0x123000u);
  EXPECT_EQ(root_table(long_mode(0xfff0000000001fffull)), 0x1000u);
  FakeTables t;
  basic_tree(t);
  t.set(kPt, 7, 0x9000 | P);
  const GpaRange ranges[] = {{0x9000, 0xa000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4 | 0x5a5 | 1ull << 63), ranges);
  ASSERT_TRUE(r.not_walked.empty()) << r.not_walked;
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].va, 0x7000u);
}

TEST(PageWalk, FourLevelWith4KLeaf) {
  FakeTables t;
  t.set(kPml4, 1, kPdpt | P | RW | US);
  t.set(kPdpt, 2, kPd | P | RW | US);
  t.set(kPd, 3, kPt | P | RW | US);
  t.set(kPt, 4, 0x50000000 | P | RW | US | 0x60);  // accessed and dirty
  t.set(kPt, 5, 0x60000000 | P | RW | US);          // outside the range
  const GpaRange ranges[] = {{0x50000000, 0x50001000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  EXPECT_EQ(r.mode, PagingMode::Level4);
  EXPECT_TRUE(r.not_walked.empty());
  ASSERT_EQ(r.runs.size(), 1u);
  expect_run(r.runs[0], {.va = 0x0000008080604000u,  // 1 << 39 | 2 << 30 | 3 << 21 | 4 << 12
                         .gpa = 0x50000000u, .size = 0x1000u, .page_shift = 12u,
                         .leaf_entry = 0x50000067u, .pat_index = 0u, .range_index = 0u,
                         .user = true, .writable = true});
  EXPECT_EQ(r.tables_visited, 4u);
  EXPECT_EQ(r.entries_visited, 4u * 512);
  EXPECT_FALSE(r.budget_exhausted);
  for (const auto& [gpa, n] : t.reads) EXPECT_EQ(n, 1) << "table " << gpa << " read again";
}

TEST(PageWalk, TwoMiBAndOneGiBLeaves) {
  FakeTables t;
  basic_tree(t);
  t.set(kPd, 5, 0x40200000 | P | PS | RW);          // 2 MiB at 5 << 21
  t.set(kPdpt, 3, 0x80000000 | P | PS | RW | US);   // 1 GiB at 3 << 30
  const GpaRange ranges[] = {{0x40200000, 0x40400000}, {0x80000000, 0xc0000000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  ASSERT_EQ(r.runs.size(), 2u);
  expect_run(r.runs[0], {.va = 0xa00000u, .gpa = 0x40200000u, .size = 0x200000u, .page_shift = 21u,
                         .range_index = 0u,
                         .user = false,  // U/S clear in the PD entry
                         .writable = true});
  expect_run(r.runs[1], {.va = 0xc0000000u, .gpa = 0x80000000u, .size = 0x40000000u,
                         .page_shift = 30u, .range_index = 1u, .user = true});
  // PD[0] points at a PT that was never written: not in this fake's RAM.
  EXPECT_EQ(r.tables_visited, 3u);
  EXPECT_EQ(r.tables_outside_ram, 1u);
}

TEST(PageWalk, FiveLevel) {
  FakeTables t;
  constexpr std::uint64_t kPml5 = 0x8000;
  t.set(kPml5, 1, kPml4 | P | RW | US);
  t.set(kPml5, 511, kPml4 | P | RW);  // the same PML4 again: an alias at level 4
  t.set(kPml4, 2, kPdpt | P | RW | US);
  t.set(kPdpt, 0, 0x40000000 | P | PS | RW | US);
  const GpaRange ranges[] = {{0x40000000, 0x40001000}};
  const WalkResult r = find_mappings(t, long_mode(kPml5, true), ranges);
  EXPECT_EQ(r.mode, PagingMode::Level5);
  ASSERT_EQ(r.runs.size(), 1u);
  expect_run(r.runs[0], {.va = 0x0001010000000000u,  // 1 << 48 | 2 << 39
                         .size = 0x1000u, .page_shift = 30u});
  EXPECT_EQ(r.tables_aliased, 1u);
  EXPECT_EQ(r.tables_visited, 3u);

  // PML5 index 511 is the top of the address space: bits 63:57 copy bit 56.
  FakeTables high;
  high.set(kPml5, 511, kPml4 | P);
  high.set(kPml4, 511, kPdpt | P);
  high.set(kPdpt, 511, 0x40000000 | P | PS);
  const WalkResult h = find_mappings(high, long_mode(kPml5, true), ranges);
  ASSERT_EQ(h.runs.size(), 1u);
  EXPECT_EQ(h.runs[0].va, 0xffffffffc0000000u);
  // As 4-level paging the PML5 is a PML4 and everything moves up a level.
  // There PML4[511] is read as a PDPT and PDPT[511], a 1 GiB leaf, as a 2 MiB one.
  const WalkResult as4 = find_mappings(high, long_mode(kPml5), ranges);
  ASSERT_EQ(as4.runs.size(), 1u);
  EXPECT_EQ(as4.runs[0].va, 0xffffffffffe00000u);
  EXPECT_EQ(as4.runs[0].page_shift, 21u);
}

TEST(PageWalk, MergesContiguousPagesAcrossTables) {
  FakeTables t;
  basic_tree(t);
  constexpr std::uint64_t kPt2 = 0x6000;
  t.set(kPd, 1, kPt2 | P | RW | US);
  // PT[508..511] and PT2[0..3] map 0x100000..0x108000 in order: one run.
  for (unsigned i = 0; i < 4; ++i) t.set(kPt, 508 + i, (0x100000 + i * 0x1000) | P | RW | US);
  for (unsigned i = 0; i < 4; ++i) t.set(kPt2, i, (0x104000 + i * 0x1000) | P | RW | US);
  const GpaRange ranges[] = {{0x100000, 0x200000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  ASSERT_EQ(r.runs.size(), 1u);
  expect_run(r.runs[0], {.va = 0x1fc000u, .gpa = 0x100000u, .size = 0x8000u, .leaf_entry = 0x100007u});
}

TEST(PageWalk, DoesNotMergeAcrossAttributeOrGpaChanges) {
  FakeTables t;
  basic_tree(t);
  t.set(kPt, 0, 0x100000 | P | RW);
  t.set(kPt, 1, 0x101000 | P | RW);
  t.set(kPt, 2, 0x102000 | P | RW | PCD);  // another PAT index
  t.set(kPt, 3, 0x103000 | P | RW);
  t.set(kPt, 4, 0x105000 | P | RW);        // a GPA gap
  t.set(kPt, 5, 0x106000 | P);             // read-only
  t.set(kPt, 6, 0x107000 | P);
  t.set(kPt, 8, 0x1ff000 | P);             // a VA gap
  t.set(kPt, 9, 0x200000 | P);             // contiguous in VA and GPA, but another range
  t.set(kPt, 10, 0x201000 | P);
  const GpaRange ranges[] = {{0x100000, 0x200000}, {0x200000, 0x300000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  auto want = [](std::uint64_t va, std::uint64_t gpa, std::uint64_t size, unsigned pat, bool writable,
                 std::size_t range) {
    return RunWant{.va = va, .gpa = gpa, .size = size, .pat_index = pat, .range_index = range,
                   .writable = writable};
  };
  const RunWant wants[] = {want(0x0000, 0x100000, 0x2000, 0, true, 0), want(0x2000, 0x102000, 0x1000, 2, true, 0),
                           want(0x3000, 0x103000, 0x1000, 0, true, 0), want(0x4000, 0x105000, 0x1000, 0, true, 0),
                           want(0x5000, 0x106000, 0x2000, 0, false, 0), want(0x8000, 0x1ff000, 0x1000, 0, false, 0),
                           want(0x9000, 0x200000, 0x2000, 0, false, 1)};
  ASSERT_EQ(r.runs.size(), std::size(wants));
  for (std::size_t i = 0; i < std::size(wants); ++i) {
    SCOPED_TRACE(i);
    expect_run(r.runs[i], wants[i]);
  }
}

TEST(PageWalk, DoesNotMergeAcrossPageSizes) {
  FakeTables t;
  basic_tree(t);
  t.set(kPt, 511, 0x1ff000 | P);            // VA 0x1ff000 -> 0x1ff000
  t.set(kPd, 1, 0x200000 | P | PS);         // VA 0x200000 -> 0x200000, 2 MiB
  const GpaRange ranges[] = {{0, 0x400000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  ASSERT_EQ(r.runs.size(), 2u);
  expect_run(r.runs[0], {.page_shift = 12u});
  expect_run(r.runs[1], {.va = 0x200000u, .page_shift = 21u});
}

TEST(PageWalk, SameGpaAtTwoVirtualAddressesIsTwoRuns) {
  FakeTables t;
  basic_tree(t);
  t.set(kPt, 3, 0x7000 | P | RW);
  t.set(kPt, 4, 0x7000 | P | RW);  // consecutive VAs, same GPA: not contiguous
  t.set(kPt, 100, 0x7000 | P);
  const GpaRange ranges[] = {{0x7000, 0x8000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  ASSERT_EQ(r.runs.size(), 3u);
  EXPECT_EQ(r.runs[0].va, 0x3000u);
  EXPECT_EQ(r.runs[1].va, 0x4000u);
  EXPECT_EQ(r.runs[2].va, 0x64000u);
  for (const MappingRun& run : r.runs) EXPECT_EQ(run.gpa, 0x7000u);
}

TEST(PageWalk, ClipsLargeLeavesToTheRanges) {
  FakeTables t;
  basic_tree(t);
  t.set(kPd, 2, 0x40000000 | P | PS | PCD);   // 2 MiB at VA 0x400000
  t.set(kPdpt, 1, 0x80000000 | P | PS | RW);  // 1 GiB at VA 0x40000000
  // One range inside the 2 MiB page, unaligned; two inside the 1 GiB page, one running past it.
  const GpaRange ranges[] = {{0x40100800, 0x40103000},
                             {0x80001000, 0x80003000},
                             {0xbff00000, 0xc0100000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  ASSERT_EQ(r.runs.size(), 3u);
  expect_run(r.runs[0], {.va = 0x500800u, .gpa = 0x40100800u, .size = 0x2800u, .page_shift = 21u,
                         .leaf_entry = 0x40000091u, .pat_index = 2u});
  expect_run(r.runs[1], {.va = 0x40001000u, .gpa = 0x80001000u, .size = 0x2000u, .page_shift = 30u,
                         .range_index = 1u});
  expect_run(r.runs[2], {.va = 0x7ff00000u, .gpa = 0xbff00000u, .size = 0x100000u,
                         .leaf_entry = 0x80000083u, .range_index = 2u});
}

TEST(PageWalk, HighHalfAddressesAreCanonical) {
  FakeTables t;
  t.set(kPml4, 511, kPdpt | P | RW);
  t.set(kPml4, 256, kPdpt | P | RW);  // an alias: not walked again
  t.set(kPdpt, 0, kPd | P | RW);
  t.set(kPd, 0, kPt | P | RW);
  t.set(kPt, 0, 0x9000 | P | RW);
  const GpaRange ranges[] = {{0x9000, 0xa000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  ASSERT_EQ(r.runs.size(), 1u);
  // PML4 256 comes first in the walk (0xffff8000'00000000) and takes the PDPT.
  EXPECT_EQ(r.runs[0].va, 0xffff800000000000u);
  EXPECT_EQ(r.tables_aliased, 1u);

  FakeTables top;
  top.set(kPml4, 511, kPdpt | P | RW);
  top.set(kPdpt, 0, kPd | P | RW);
  top.set(kPd, 0, kPt | P | RW);
  top.set(kPt, 0, 0x9000 | P | RW);
  const WalkResult t511 = find_mappings(top, long_mode(kPml4), ranges);
  ASSERT_EQ(t511.runs.size(), 1u);
  EXPECT_EQ(t511.runs[0].va, 0xffffff8000000000u);
}

TEST(PageWalk, PatBitIsBit7In4KAndBit12InLargeLeaves) {
  FakeTables t;
  basic_tree(t);
  t.set(kPt, 0, 0x10000 | P | kPat4K);              // PAT
  t.set(kPt, 1, 0x11000 | P | kPat4K | PCD | PWT);  // PAT PCD PWT
  t.set(kPt, 2, 0x12000 | P | kPatLarge);           // bit 12 is address in a PTE
  t.set(kPd, 1, 0x400000 | P | PS | kPatLarge | PCD);  // 2 MiB: PAT PCD
  t.set(kPd, 2, 0x600000 | P | PS | PWT);              // 2 MiB: bit 7 is PS, not PAT
  t.set(kPdpt, 1, 0x40000000 | P | PS | kPatLarge);    // 1 GiB: PAT
  const GpaRange ranges[] = {{0, 0x80000000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  ASSERT_EQ(r.runs.size(), 6u);
  expect_run(r.runs[0], {.pat_index = 4u});
  expect_run(r.runs[1], {.pat_index = 7u});
  expect_run(r.runs[2], {.gpa = 0x13000u, .pat_index = 0u});  // 0x12000 | bit 12
  expect_run(r.runs[3], {.gpa = 0x400000u, .pat_index = 6u});  // bit 12 is not address in a 2 MiB leaf
  expect_run(r.runs[4], {.pat_index = 1u});
  expect_run(r.runs[5], {.gpa = 0x40000000u, .pat_index = 4u});
}

TEST(PageWalk, TablesOutsideRamAreCountedAndSkipped) {
  FakeTables t;
  basic_tree(t);
  t.set(kPml4, 1, 0x7fff0000 | P);  // nowhere
  t.set(kPml4, 2, 0x7fff0000 | P);  // the same nowhere: not an alias, it was never walked
  t.set(kPt, 0, 0x9000 | P);
  const GpaRange ranges[] = {{0x9000, 0xa000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  EXPECT_EQ(r.tables_outside_ram, 2u);
  EXPECT_EQ(r.tables_aliased, 0u);
  EXPECT_EQ(r.runs.size(), 1u);

  const WalkResult root = find_mappings(t, long_mode(0x5550000), ranges);
  EXPECT_EQ(root.not_walked, "the root table at 0x5550000 is not in guest RAM");
  EXPECT_EQ(root.tables_outside_ram, 1u);
  EXPECT_EQ(root.tables_visited, 0u);
}

TEST(PageWalk, RecursiveSlotIsWalkedOncePerLevelAndMapsTheTables) {
  FakeTables t;
  basic_tree(t);
  t.set(kPt, 0, 0x5000 | P | RW);
  t.set(kPml4, 510, kPml4 | P | RW);  // the self-map
  const GpaRange ranges[] = {{kPml4, kPml4 + 0x1000}, {kPt, kPt + 0x1000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  // The four tables as themselves, the PML4 as PDPT, PD and PT, the PDPT as PD and PT, the
  // PD as PT: 10, none an alias.
  EXPECT_EQ(r.tables_visited, 10u);
  EXPECT_EQ(r.tables_aliased, 0u);
  EXPECT_EQ(r.entries_visited, 10u * 512);
  EXPECT_EQ(t.reads[kPml4], 4);
  ASSERT_EQ(r.runs.size(), 2u);
  // The PT is mapped where the PD is read as a PT: 510, 0, 0, 0.
  expect_run(r.runs[0], {.va = 0xffffff0000000000u, .gpa = kPt, .range_index = 1u});
  // The PML4 itself at 510, 510, 510, 510.
  expect_run(r.runs[1], {.va = 0xffffff7fbfdfe000u, .gpa = kPml4, .range_index = 0u});
}

TEST(PageWalk, TwoRecursiveSlotsAreAliases) {
  FakeTables t;
  t.set(kPml4, 510, kPml4 | P | RW);
  t.set(kPml4, 511, kPml4 | P | RW);
  const GpaRange ranges[] = {{kPml4, kPml4 + 0x1000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  EXPECT_EQ(r.tables_visited, 4u);
  EXPECT_EQ(r.tables_aliased, 3u);  // slot 511 at levels 4, 3 and 2
  ASSERT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.runs[0].va, 0xffffff7fbfdfe000u);
  EXPECT_EQ(r.runs[1].va, 0xffffff7fbfdff000u);  // same GPA: not merged
}

TEST(PageWalk, ManyEntriesToOneTableReadItOnce) {
  FakeTables t;
  basic_tree(t);
  for (unsigned i = 1; i < 512; ++i) t.set(kPd, i, kPt | P | RW);
  t.set(kPt, 0, 0x9000 | P | RW);
  const GpaRange ranges[] = {{0x9000, 0xa000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  EXPECT_EQ(r.tables_aliased, 511u);
  EXPECT_EQ(t.reads[kPt], 1);
  EXPECT_EQ(r.tables_visited, 4u);
  ASSERT_EQ(r.runs.size(), 1u);  // the CPU would see 512: only the first is walked
  EXPECT_EQ(r.runs[0].va, 0u);
}

TEST(PageWalk, StopsWhenTheEntryBudgetIsSpent) {
  FakeTables t;
  basic_tree(t);
  t.set(kPd, 0, 0x200000 | P | PS);  // no PT: PD[0] is a 2 MiB leaf
  constexpr std::uint64_t kPdpt2 = 0x6000;
  t.set(kPml4, 1, kPdpt2 | P);
  t.set(kPdpt2, 0, 0x40000000 | P | PS);
  const GpaRange ranges[] = {{0, 0x80000000}};
  // PML4[0], PDPT[0], PD[0..511], PDPT[1..511], PML4[1]: 1026 entries; then PDPT2 would be
  // read, but none of its entries could be examined.
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges, {.max_entries = 1026});
  EXPECT_TRUE(r.budget_exhausted);
  EXPECT_EQ(r.entries_visited, 1026u);
  EXPECT_EQ(r.tables_visited, 3u);
  EXPECT_EQ(t.reads.count(kPdpt2), 0u);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].gpa, 0x200000u);

  // Exactly enough for the four tables: complete.
  const WalkResult all = find_mappings(t, long_mode(kPml4), ranges, {.max_entries = 2048});
  EXPECT_FALSE(all.budget_exhausted);
  EXPECT_EQ(all.entries_visited, 2048u);
  EXPECT_EQ(all.runs.size(), 2u);

  // Stopping inside a table.
  const WalkResult mid = find_mappings(t, long_mode(kPml4), ranges, {.max_entries = 100});
  EXPECT_TRUE(mid.budget_exhausted);
  EXPECT_EQ(mid.entries_visited, 100u);
  EXPECT_EQ(mid.tables_visited, 3u);
  EXPECT_EQ(mid.runs.size(), 1u);

  const WalkResult none = find_mappings(t, long_mode(kPml4), ranges, {.max_entries = 0});
  EXPECT_TRUE(none.budget_exhausted);
  EXPECT_EQ(none.entries_visited, 0u);
  EXPECT_TRUE(none.runs.empty());
}

TEST(PageWalk, KeepsMaxRunsAndCountsTheRest) {
  FakeTables t;
  basic_tree(t);
  for (unsigned i = 0; i < 5; ++i) t.set(kPt, 2 * i, (0x10000 + 0x2000 * i) | P);  // 5 runs
  const GpaRange ranges[] = {{0, 0x100000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges, {.max_runs = 2});
  ASSERT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.runs[0].va, 0x0u);
  EXPECT_EQ(r.runs[1].va, 0x2000u);
  EXPECT_EQ(r.runs_dropped, 3u);
  EXPECT_FALSE(r.budget_exhausted);

  const WalkResult zero = find_mappings(t, long_mode(kPml4), ranges, {.max_runs = 0});
  EXPECT_TRUE(zero.runs.empty());
  EXPECT_EQ(zero.runs_dropped, 5u);
}

TEST(PageWalk, PsInPml4OrPml5EntryIsReserved) {
  FakeTables t;
  basic_tree(t);
  t.set(kPt, 0, 0x9000 | P);
  t.set(kPml4, 0, kPdpt | P | PS);
  const GpaRange ranges[] = {{0, 1ull << 40}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  EXPECT_EQ(r.entries_reserved, 1u);
  EXPECT_TRUE(r.runs.empty());
  EXPECT_EQ(t.reads.count(kPdpt), 0u);

  t.set(kPml4, 0, kPdpt | P);
  constexpr std::uint64_t kPml5 = 0x8000;
  t.set(kPml5, 0, kPml4 | P | PS);
  t.set(kPml5, 1, kPml4 | P);
  const WalkResult r5 = find_mappings(t, long_mode(kPml5, true), ranges);
  EXPECT_EQ(r5.entries_reserved, 1u);
  ASSERT_EQ(r5.runs.size(), 1u);
  EXPECT_EQ(r5.runs[0].va, 0x0001000000000000u);
}

TEST(PageWalk, UserAndWritableAreAndedOverThePath) {
  FakeTables t;
  t.set(kPml4, 0, kPdpt | P | US);  // read-only from here down
  t.set(kPdpt, 0, kPd | P | RW | US);
  t.set(kPd, 0, kPt | P | RW);     // supervisor from here down
  t.set(kPt, 0, 0x9000 | P | RW | US);
  t.set(kPml4, 1, kPdpt | P | RW | US);  // alias: not walked
  const GpaRange ranges[] = {{0x9000, 0xa000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_FALSE(r.runs[0].user);
  EXPECT_FALSE(r.runs[0].writable);
}

TEST(PageWalk, NotPresentEntriesAreIgnoredWhateverElseTheyHold) {
  FakeTables t;
  basic_tree(t);
  t.set(kPt, 0, 0x9000 | RW | US);                  // not present
  t.set(kPml4, 1, 0xdead000 | RW);                  // would be outside RAM
  t.set(kPml4, 2, kPdpt | PS);                      // would be reserved
  const GpaRange ranges[] = {{0, 1ull << 40}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  EXPECT_TRUE(r.runs.empty());
  EXPECT_EQ(r.tables_outside_ram + r.tables_aliased + r.entries_reserved, 0u);
}

TEST(PageWalk, AddressBitsAbove51AndIgnoredBitsDoNotMoveTables) {
  FakeTables t;
  // NX and bits 62:52 (available to software, protection keys) around the addresses.
  t.set(kPml4, 0, kPdpt | P | 1ull << 63 | 0x7ffull << 52);
  t.set(kPdpt, 0, kPd | P | 0xe00);  // bits 11:9 are ignored
  t.set(kPd, 0, kPt | P);
  t.set(kPt, 0, 0x9000 | P | 1ull << 63);
  const GpaRange ranges[] = {{0x9000, 0xa000}};
  const WalkResult r = find_mappings(t, long_mode(kPml4), ranges);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].gpa, 0x9000u);
  EXPECT_EQ(r.tables_outside_ram, 0u);
}

// A kernel-like tree of 300 tables: the direct map as 2 MiB pages (2 GiB: two PDs) and a
// region of 4 KiB pages (one PD, 294 full PTs: 588 MiB).
// Prints how long a walk takes; checks only that each table is read once.
TEST(PageWalk, CostOfAThreeHundredTableTree) {
  FakeTables t;
  std::uint64_t next = 0x100000;
  auto alloc = [&] { return next += 0x1000; };
  const std::uint64_t pml4 = alloc();
  const std::uint64_t direct_pdpt = alloc(), kernel_pdpt = alloc();
  t.set(pml4, 273, direct_pdpt | P | RW);  // 0xffff888000000000
  t.set(pml4, 511, kernel_pdpt | P | RW);  // 0xffffff8000000000
  for (unsigned pd_index = 0; pd_index < 2; ++pd_index) {
    const std::uint64_t pd = alloc();
    t.set(direct_pdpt, pd_index, pd | P | RW);
    for (unsigned i = 0; i < 512; ++i)
      t.set(pd, i, ((pd_index * 512ull + i) << 21) | P | RW | PS);
  }
  std::uint64_t tables = 5;
  for (unsigned pd_index = 0; pd_index < 3 && tables < 300; ++pd_index) {
    const std::uint64_t pd = alloc();
    ++tables;
    t.set(kernel_pdpt, 510 + pd_index % 2, pd | P | RW);
    for (unsigned i = 0; i < 512 && tables < 300; ++i, ++tables) {
      const std::uint64_t pt = alloc();
      t.set(pd, i, pt | P | RW);
      for (unsigned j = 0; j < 512; ++j)
        t.set(pt, j, (0x100000000ull + ((pd_index * 512ull + i) * 512 + j) * 0x1000) | P | RW);
    }
  }
  // A framebuffer-like range in the direct map and a few pages of the 4 KiB region.
  const GpaRange ranges[] = {{0x40000000, 0x41000000}, {0x100800000, 0x100810000}};
  WalkResult r;
  const auto began = std::chrono::steady_clock::now();
  constexpr int kRounds = 20;
  for (int i = 0; i < kRounds; ++i) r = find_mappings(t, long_mode(pml4), ranges);
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(r.tables_visited, 300u);
  EXPECT_FALSE(r.budget_exhausted);
  ASSERT_EQ(r.runs.size(), 2u);
  expect_run(r.runs[0], {.va = 0xffff888040000000u, .size = 0x1000000u});
  expect_run(r.runs[1], {.gpa = 0x100800000u, .size = 0x10000u});
  for (const auto& [gpa, n] : t.reads) EXPECT_EQ(n, kRounds) << "table " << gpa;
  std::printf("[   info   ] walk of %llu tables, %llu entries: %.3f ms\n",
              static_cast<unsigned long long>(r.tables_visited),
              static_cast<unsigned long long>(r.entries_visited),
              std::chrono::duration<double, std::milli>(took).count() / kRounds);
}

}  // namespace
}  // namespace vmm::memtype
