#include "vmm/memtype/mtrr.h"

#include <gtest/gtest.h>

#include <chrono>

namespace vmm::memtype {
namespace {

// IA32_MTRRCAP: VCNT 8, FIX (bit 8), WC (bit 10).
constexpr std::uint64_t kCap = 0x508;
constexpr std::uint64_t kFe = 1ull << 10;
constexpr std::uint64_t kE = 1ull << 11;
constexpr std::uint64_t kValid = 1ull << 11;
// Type encodings, as the MSRs hold them.
constexpr std::uint64_t kUC = 0, kWC = 1, kWT = 4, kWP = 5, kWB = 6;
// A fixed-range MSR with the same type in all eight bytes.
constexpr std::uint64_t all8(std::uint64_t type) { return type * 0x0101010101010101ull; }

bool mentions(const MtrrLookup& r, const std::string& text) {
  return r.explanation.find(text) != std::string::npos;
}

MtrrState enabled(std::uint64_t default_type) {
  MtrrState s;
  s.cap = kCap;
  s.def_type = kE | default_type;
  return s;
}

TEST(MtrrMsrIndices, CapDefTypeFixedThenPairs) {
  const std::vector<std::uint32_t> none = {0xfe,  0x2ff, 0x250, 0x258, 0x259, 0x268, 0x269,
                                           0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f};
  EXPECT_EQ(mtrr_msr_indices(0), none);
  std::vector<std::uint32_t> two = none;
  two.insert(two.end(), {0x200, 0x201, 0x202, 0x203});
  EXPECT_EQ(mtrr_msr_indices(2), two);
}

TEST(MtrrMsrIndices, AtMost32Pairs) {
  const auto indices = mtrr_msr_indices(255);
  ASSERT_EQ(indices.size(), 13u + 64u);
  EXPECT_EQ(indices[13], 0x200u);
  EXPECT_EQ(indices.back(), 0x23fu);
}

TEST(MtrrType, DisabledMeansUc) {
  MtrrState s;
  s.cap = kCap;
  s.def_type = kFe | kWB;  // E clear: the WB default and FE do not count
  s.fixed.fill(all8(kWB));
  s.variable = {{0x0 | kWB, 0xf'0000'0000ull | kValid}};
  const MtrrLookup r = mtrr_type(s, 0x1000, 0x1000, 36);
  EXPECT_EQ(r.type, MemoryType::UC);
  EXPECT_TRUE(mentions(r, "E=0")) << r.explanation;
}

TEST(MtrrType, NoMatchGivesTheDefaultType) {
  const MtrrLookup r = mtrr_type(enabled(kWB), 0x1'0000'0000ull, 0x20'0000, 36);
  EXPECT_EQ(r.type, MemoryType::WB);
  EXPECT_TRUE(mentions(r, "default")) << r.explanation;
  EXPECT_EQ(mtrr_type(enabled(kUC), 0x1000, 0x1000, 36).type, MemoryType::UC);
}

TEST(MtrrType, ReservedDefaultTypeIsReported) {
  for (std::uint64_t reserved : {2ull, 3ull, 7ull, 8ull}) {
    const MtrrLookup r = mtrr_type(enabled(reserved), 0x1000, 0x1000, 36);
    EXPECT_EQ(r.type, std::nullopt) << reserved;
    EXPECT_TRUE(mentions(r, "reserved")) << r.explanation;
  }
}

// A PC layout: 0-0x9ffff WB, 0xa0000-0xbffff UC (VGA), 0xc0000-0xfffff WP (ROMs); above 1 MiB
// a variable WB MTRR over the first 2 GiB, default UC.
MtrrState pc_layout() {
  MtrrState s = enabled(kUC);
  s.def_type |= kFe;
  s.fixed = {all8(kWB), all8(kWB), all8(kUC), all8(kWP), all8(kWP), all8(kWP),
             all8(kWP), all8(kWP), all8(kWP), all8(kWP), all8(kWP)};
  s.variable = {{0x0 | kWB, 0xf'8000'0000ull | kValid}};
  return s;
}

TEST(MtrrType, FixedRangesBelowOneMiB) {
  const MtrrState s = pc_layout();
  const MtrrLookup low = mtrr_type(s, 0x0, 0x1000, 36);
  EXPECT_EQ(low.type, MemoryType::WB);
  EXPECT_TRUE(mentions(low, "fixed MTRR 0x250")) << low.explanation;
  EXPECT_EQ(mtrr_type(s, 0x0, 0xa0000, 36).type, MemoryType::WB);
  const MtrrLookup vga = mtrr_type(s, 0xa0000, 0x20000, 36);
  EXPECT_EQ(vga.type, MemoryType::UC);
  EXPECT_TRUE(mentions(vga, "fixed MTRR 0x259")) << vga.explanation;
  EXPECT_EQ(mtrr_type(s, 0xc0000, 0x40000, 36).type, MemoryType::WP);
  // Across the WB/UC edge at 0xa0000: two types.
  EXPECT_EQ(mtrr_type(s, 0x9f000, 0x2000, 36).type, std::nullopt);
  // Across 1 MiB: WP below, the variable WB above.
  EXPECT_EQ(mtrr_type(s, 0xff000, 0x2000, 36).type, std::nullopt);
  const MtrrLookup above = mtrr_type(s, 0x100000, 0x1000, 36);
  EXPECT_EQ(above.type, MemoryType::WB);
  EXPECT_TRUE(mentions(above, "variable MTRR 0")) << above.explanation;
}

TEST(MtrrType, EachByteOfAFixedMsrIsOneSubRange) {
  MtrrState s = pc_layout();
  s.fixed[0] = all8(kWB) & ~(0xffull << 24);  // byte 3 UC: 0x30000-0x3ffff
  s.fixed[1] = (all8(kWB) & ~(0xffull << 16)) | (kWC << 16);  // byte 2 WC: 0x88000-0x8bfff
  s.fixed[10] = all8(kWP) & ~(0xffull << 56);  // byte 7 UC: 0xff000-0xfffff
  EXPECT_EQ(mtrr_type(s, 0x30000, 0x10000, 36).type, MemoryType::UC);
  EXPECT_EQ(mtrr_type(s, 0x2f000, 0x2000, 36).type, std::nullopt);
  EXPECT_EQ(mtrr_type(s, 0x40000, 0x1000, 36).type, MemoryType::WB);
  EXPECT_EQ(mtrr_type(s, 0x88000, 0x4000, 36).type, MemoryType::WC);
  EXPECT_EQ(mtrr_type(s, 0x87000, 0x1000, 36).type, MemoryType::WB);
  EXPECT_EQ(mtrr_type(s, 0x8c000, 0x1000, 36).type, MemoryType::WB);
  EXPECT_EQ(mtrr_type(s, 0xff000, 0x1000, 36).type, MemoryType::UC);
  EXPECT_EQ(mtrr_type(s, 0xfe000, 0x1000, 36).type, MemoryType::WP);
}

TEST(MtrrType, FixedRangesOffWithoutFeOrFix) {
  MtrrState s = pc_layout();
  s.def_type &= ~kFe;
  const MtrrLookup r = mtrr_type(s, 0xa0000, 0x1000, 36);
  EXPECT_EQ(r.type, MemoryType::WB);  // the variable MTRR, not the fixed UC
  EXPECT_TRUE(mentions(r, "variable MTRR 0")) << r.explanation;
  EXPECT_EQ(mtrr_type(s, 0x0, 0x200000, 36).type, MemoryType::WB);
  s = pc_layout();
  s.cap &= ~(1ull << 8);  // FE set, but the CPU has no fixed ranges
  EXPECT_EQ(mtrr_type(s, 0xa0000, 0x1000, 36).type, MemoryType::WB);
}

TEST(MtrrType, UniformAcrossFixedAndVariable) {
  MtrrState s = pc_layout();
  s.fixed.fill(all8(kWB));
  EXPECT_EQ(mtrr_type(s, 0x0, 0x4000'0000, 36).type, MemoryType::WB);
}

TEST(MtrrType, ReservedFixedTypeIsReported) {
  MtrrState s = pc_layout();
  s.fixed[2] = all8(7);
  const MtrrLookup r = mtrr_type(s, 0xa0000, 0x1000, 36);
  EXPECT_EQ(r.type, std::nullopt);
  EXPECT_TRUE(mentions(r, "reserved")) << r.explanation;
}

// SDM 11.11.4.1, several variable ranges matching.
TEST(MtrrType, OverlapUcWins) {
  MtrrState s = enabled(kWB);
  s.variable = {{0x0 | kWB, 0xf'0000'0000ull | kValid},               // 0-4 GiB WB
                {0xc000'0000ull | kUC, 0xf'c000'0000ull | kValid}};   // 3-4 GiB UC
  const MtrrLookup r = mtrr_type(s, 0xc000'0000ull, 0x1000, 36);
  EXPECT_EQ(r.type, MemoryType::UC);
  EXPECT_TRUE(mentions(r, "UC wins")) << r.explanation;
  EXPECT_EQ(mtrr_type(s, 0x0, 0x1000, 36).type, MemoryType::WB);
  s.variable.push_back({0xc000'0000ull | kWC, 0xf'f000'0000ull | kValid});
  EXPECT_EQ(mtrr_type(s, 0xc000'0000ull, 0x1000, 36).type, MemoryType::UC);
}

// Default UC; WB over the first 2 GiB and TYPE over the first 1 GiB: two variable ranges
// overlapping at address 0 (36-bit physical addresses).
MtrrState wb_overlapped_by(std::uint64_t type) {
  MtrrState s = enabled(kUC);
  s.variable = {{0x0 | kWB, 0xf'8000'0000ull | kValid}, {0x0 | type, 0xf'c000'0000ull | kValid}};
  return s;
}

TEST(MtrrType, OverlapWtAndWbGiveWt) {
  const MtrrState s = wb_overlapped_by(kWT);
  const MtrrLookup r = mtrr_type(s, 0x1000, 0x1000, 36);
  EXPECT_EQ(r.type, MemoryType::WT);
  EXPECT_TRUE(mentions(r, "WT")) << r.explanation;
  EXPECT_EQ(mtrr_type(s, 0x4000'0000ull, 0x1000, 36).type, MemoryType::WB);
}

TEST(MtrrType, OverlapWcAndWbIsUndefined) {
  const MtrrState s = wb_overlapped_by(kWC);
  const MtrrLookup r = mtrr_type(s, 0x1000, 0x1000, 36);
  EXPECT_EQ(r.type, std::nullopt);
  EXPECT_TRUE(mentions(r, "undefined")) << r.explanation;
}

TEST(MtrrType, OverlapOfOneTypeIsThatType) {
  MtrrState s = enabled(kUC);
  s.variable = {{0x0 | kWC, 0xf'8000'0000ull | kValid},
                {0x0 | kWC, 0xf'c000'0000ull | kValid}};
  EXPECT_EQ(mtrr_type(s, 0x1000, 0x1000, 36).type, MemoryType::WC);
}

TEST(MtrrType, InvalidPairsAreIgnored) {
  MtrrState s = enabled(kWB);
  s.variable = {{0x0 | kUC, 0xf'0000'0000ull},  // valid bit clear
                {0x0 | 2, 0xf'0000'0000ull}};   // reserved type, but not valid either
  EXPECT_EQ(mtrr_type(s, 0x1000, 0x1000, 36).type, MemoryType::WB);
}

TEST(MtrrType, ReservedVariableTypeIsReported) {
  for (std::uint64_t reserved : {2ull, 3ull, 7ull, 0x10ull}) {
    MtrrState s = enabled(kWB);
    s.variable = {{0x0 | reserved, 0xf'0000'0000ull | kValid}};
    const MtrrLookup r = mtrr_type(s, 0x1000, 0x1000, 36);
    EXPECT_EQ(r.type, std::nullopt) << reserved;
    EXPECT_TRUE(mentions(r, "reserved")) << r.explanation;
    // Outside its range the entry plays no part.
    EXPECT_EQ(mtrr_type(s, 0x1'0000'0000ull, 0x1000, 36).type, MemoryType::WB);
  }
}

TEST(MtrrType, RangeStraddlingTwoTypes) {
  MtrrState s = enabled(kUC);
  s.variable = {{0x0 | kWB, 0xf'8000'0000ull | kValid},             // 0-2 GiB WB
                {0x8000'0000ull | kWC, 0xf'f000'0000ull | kValid}};  // 2 GiB + 256 MiB WC
  const MtrrLookup r = mtrr_type(s, 0x7fff'f000ull, 0x2000, 36);
  EXPECT_EQ(r.type, std::nullopt);
  EXPECT_TRUE(mentions(r, "WB")) << r.explanation;
  EXPECT_TRUE(mentions(r, "WC")) << r.explanation;
  EXPECT_TRUE(mentions(r, "0x80000000")) << r.explanation;
  EXPECT_EQ(mtrr_type(s, 0x7fff'f000ull, 0x1000, 36).type, MemoryType::WB);
  EXPECT_EQ(mtrr_type(s, 0x8000'0000ull, 0x1000'0000, 36).type, MemoryType::WC);
  // One byte too many runs into the default UC.
  EXPECT_EQ(mtrr_type(s, 0x8000'0000ull, 0x1000'0001, 36).type, std::nullopt);
}

TEST(MtrrType, HugeRangesCostLittle) {
  // 2^46 bytes, 16 million times more than a page-by-page walk could afford.
  const auto start = std::chrono::steady_clock::now();
  MtrrState s = enabled(kUC);
  s.def_type |= kFe;
  s.fixed.fill(all8(kWB));
  // WB over the whole 64 TiB in two halves, and a WB island inside: uniform WB.
  s.variable = {{0x0 | kWB, 0x2000'0000'0000ull | kValid},
                {0x2000'0000'0000ull | kWB, 0x2000'0000'0000ull | kValid},
                {0x1234'0000'0000ull | kWB, 0x3fff'ffff'f000ull | kValid}};
  const MtrrLookup uniform = mtrr_type(s, 0, 1ull << 46, 46);
  EXPECT_EQ(uniform.type, MemoryType::WB) << uniform.explanation;
  // A 4 KiB UC page somewhere in the middle spoils it.
  s.variable.push_back({0x3000'0000'5000ull | kUC, 0x3fff'ffff'f000ull | kValid});
  const MtrrLookup spoiled = mtrr_type(s, 0, 1ull << 46, 46);
  EXPECT_EQ(spoiled.type, std::nullopt);
  EXPECT_TRUE(mentions(spoiled, "0x300000005000")) << spoiled.explanation;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(MtrrType, WrapAroundAndEmptyRanges) {
  const MtrrState s = enabled(kWB);
  const MtrrLookup wrap = mtrr_type(s, 0xffff'ffff'ffff'f000ull, 0x2000, 52);
  EXPECT_EQ(wrap.type, std::nullopt);
  EXPECT_TRUE(mentions(wrap, "wraps")) << wrap.explanation;
  EXPECT_EQ(mtrr_type(s, 1, ~0ull, 52).type, std::nullopt);
  // Ending exactly at 2^64 does not wrap, but lies past any MAXPHYADDR.
  const MtrrLookup top = mtrr_type(s, 0xffff'ffff'ffff'f000ull, 0x1000, 52);
  EXPECT_EQ(top.type, std::nullopt);
  EXPECT_TRUE(mentions(top, "MAXPHYADDR")) << top.explanation;
  EXPECT_EQ(mtrr_type(s, 0x1000, 0, 36).type, std::nullopt);
}

TEST(MtrrType, MaskIsMaxPhysAddrWide) {
  // 2 GiB WB at 0 with a mask written for 36 address bits (bits 35:31).
  MtrrState s = enabled(kUC);
  s.variable = {{0x0 | kWB, 0xf'8000'0000ull | kValid}};
  // On a 36-bit CPU, 64 GiB is past the end of physical memory.
  const MtrrLookup beyond = mtrr_type(s, 0x10'0000'0000ull, 0x1000, 36);
  EXPECT_EQ(beyond.type, std::nullopt);
  EXPECT_TRUE(mentions(beyond, "MAXPHYADDR")) << beyond.explanation;
  // On a 40-bit CPU mask bits 39:36 are clear, so the range repeats every 64 GiB.
  EXPECT_EQ(mtrr_type(s, 0x10'0000'0000ull, 0x1000, 40).type, MemoryType::WB);
  EXPECT_EQ(mtrr_type(s, 0x10'8000'0000ull, 0x1000, 40).type, MemoryType::UC);
  // The same range written for 40 bits matches only the first 2 GiB.
  s.variable = {{0x0 | kWB, 0xff'8000'0000ull | kValid}};
  EXPECT_EQ(mtrr_type(s, 0x10'0000'0000ull, 0x1000, 40).type, MemoryType::UC);
  EXPECT_EQ(mtrr_type(s, 0x7fff'f000ull, 0x1000, 40).type, MemoryType::WB);
  // Mask and base bits above MAXPHYADDR are ignored.
  s.variable = {{0xf0'8000'0000ull | kWB, 0xffff'ffff'8000'0000ull | kValid}};
  EXPECT_EQ(mtrr_type(s, 0x8000'0000ull, 0x1000, 36).type, MemoryType::WB);
  EXPECT_EQ(mtrr_type(s, 0x0, 0x1000, 36).type, MemoryType::UC);
}

TEST(MtrrType, ImplausibleMaxPhysAddr) {
  EXPECT_EQ(mtrr_type(enabled(kWB), 0x1000, 0x1000, 20).type, std::nullopt);
  EXPECT_EQ(mtrr_type(enabled(kWB), 0x1000, 0x1000, 64).type, std::nullopt);
}

TEST(MtrrType, NonContiguousMaskExactWhenFewBlocks) {
  // Bit 30 clear in the mask: 4 KiB at 0 and its alias at 1 GiB (and at 2 GiB + 1 GiB ...).
  MtrrState s = enabled(kUC);
  s.variable = {{0x0 | kWB, 0xf'bfff'f000ull | kValid}};
  EXPECT_EQ(mtrr_type(s, 0x4000'0000ull, 0x1000, 36).type, MemoryType::WB);
  EXPECT_EQ(mtrr_type(s, 0x4000'1000ull, 0x1000, 36).type, MemoryType::UC);
  const MtrrLookup r = mtrr_type(s, 0x0, 0x2000, 36);
  EXPECT_EQ(r.type, std::nullopt);
  EXPECT_FALSE(mentions(r, "sampled")) << r.explanation;
}

TEST(MtrrType, NonContiguousMaskOverAHugeRangeIsSampled) {
  // Everything WB anyway, but the check could not visit all 2^24 blocks, and says so.
  MtrrState s = enabled(kWB);
  s.variable = {{0x0 | kWB, 0xf'bfff'f000ull | kValid}};
  const auto start = std::chrono::steady_clock::now();
  const MtrrLookup r = mtrr_type(s, 0x0, 1ull << 36, 36);
  EXPECT_EQ(r.type, MemoryType::WB);
  EXPECT_TRUE(mentions(r, "sampled")) << r.explanation;
  // With a UC default, the first block edge after the WB page is found.
  s.def_type = kE | kUC;
  EXPECT_EQ(mtrr_type(s, 0x0, 1ull << 36, 36).type, std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace vmm::memtype
