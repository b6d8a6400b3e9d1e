#include "vmm/memtype/combine.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmm::memtype {
namespace {

constexpr MemoryType UC = MemoryType::UC, UCm = MemoryType::UCMinus, WC = MemoryType::WC,
                     WT = MemoryType::WT, WB = MemoryType::WB, WP = MemoryType::WP;
constexpr MemoryType kAllPat[] = {UC, UCm, WC, WT, WB, WP};
constexpr MemoryType kAllMtrr[] = {UC, WC, WT, WB, WP};

struct Row {
  MemoryType mtrr;
  MemoryType pat;
  MemoryType effective;
  bool footnote3;  // "undefined in previous editions": implementation_defined
};

// Intel SDM Vol. 3A Table 11-7 (Effective Page-Level Memory Types for Pentium III and More
// Recent Processor Families), CR0.CD = CR0.NW = 0, all 30 rows, typed in from the manual.
// Footnotes: 1 = UC from the MTRRs; 2 = UC from the page entry (caches still checked);
// 3 = undefined in earlier editions, given as what all PAT+MTRR processors do. Only footnote 3
// makes a row implementation-defined.
const std::vector<Row> kTable11_7 = {
    {UC, UC, UC, false},  {UC, UCm, UC, false}, {UC, WC, WC, false},
    {UC, WT, UC, false},  {UC, WB, UC, false},  {UC, WP, UC, false},  // footnote 1
    {WC, UC, UC, false},  {WC, UCm, WC, false}, {WC, WC, WC, false},
    {WC, WT, UC, true},   {WC, WB, WC, false},  {WC, WP, UC, true},   // 2,3
    {WT, UC, UC, false},  {WT, UCm, UC, false}, {WT, WC, WC, false},
    {WT, WT, WT, false},  {WT, WB, WT, false},  {WT, WP, WP, true},   // 3
    {WB, UC, UC, false},  {WB, UCm, UC, false}, {WB, WC, WC, false},
    {WB, WT, WT, false},  {WB, WB, WB, false},  {WB, WP, WP, false},
    {WP, UC, UC, false},  {WP, UCm, WC, true},  {WP, WC, WC, false},
    {WP, WT, WT, true},   {WP, WB, WP, false},  {WP, WP, WP, false},
};

TEST(CombineMtrrPat, EveryRowOfTable11_7) {
  ASSERT_EQ(kTable11_7.size(), 30u);
  for (const Row& row : kTable11_7) {
    SCOPED_TRACE(std::string("MTRR ") + std::string(to_string(row.mtrr)) + " x PAT " +
                 std::string(to_string(row.pat)));
    const Combined c = combine_mtrr_pat(row.mtrr, row.pat);
    EXPECT_EQ(c.type, row.effective);
    EXPECT_EQ(c.implementation_defined, row.footnote3);
    EXPECT_NE(c.rule.find("Table 11-7"), std::string::npos) << c.rule;
    EXPECT_EQ(c.rule.find("footnote 3") != std::string::npos, row.footnote3) << c.rule;
  }
}

TEST(CombineMtrrPat, RuleNamesTheRowAndWhereTheUcCameFrom) {
  EXPECT_EQ(combine_mtrr_pat(WB, WC).rule, "SDM Table 11-7: MTRR WB x PAT WC = WC");
  const Combined from_mtrr = combine_mtrr_pat(UC, WB);
  EXPECT_NE(from_mtrr.rule.find("footnote 1"), std::string::npos) << from_mtrr.rule;
  EXPECT_EQ(from_mtrr.rule.find("footnote 2"), std::string::npos) << from_mtrr.rule;
  const Combined from_page = combine_mtrr_pat(WB, UC);
  EXPECT_NE(from_page.rule.find("footnote 2"), std::string::npos) << from_page.rule;
  EXPECT_EQ(from_page.rule.find("footnote 1"), std::string::npos) << from_page.rule;
}

TEST(CombineMtrrPat, UcMinusAsMtrrIsReadAsUc) {
  // MTRRs have no UC-: read as the UC row, and said.
  EXPECT_EQ(combine_mtrr_pat(UCm, WC).type, WC);
  EXPECT_EQ(combine_mtrr_pat(UCm, WB).type, UC);
  EXPECT_EQ(combine_mtrr_pat(UCm, UCm).type, UC);
  EXPECT_NE(combine_mtrr_pat(UCm, WB).rule.find("UC-"), std::string::npos);
}

TEST(CombineMtrrPat, Cr0CdGivesUcWhateverTheTypes) {
  for (MemoryType mtrr : kAllMtrr)
    for (MemoryType pat : kAllPat) {
      const Combined c = combine_mtrr_pat(mtrr, pat, true);
      EXPECT_EQ(c.type, UC);
      EXPECT_FALSE(c.implementation_defined);
      EXPECT_NE(c.rule.find("CR0.CD"), std::string::npos) << c.rule;
    }
}

// SDM Vol. 3C 28.2.6.2.
TEST(CombineEpt, GuestCr0CdGivesUc) {
  EXPECT_EQ(combine_ept(WB, true, WB, true).type, UC);
  EXPECT_EQ(combine_ept(WB, false, WC, true).type, UC);
  EXPECT_EQ(combine_ept(WC, false, WB, true).type, UC);
  EXPECT_NE(combine_ept(WB, true, WB, true).rule.find("CR0.CD"), std::string::npos);
}

TEST(CombineEpt, IpatSetIgnoresTheGuestsWc) {
  // The classic bug: KVM sets IPAT with WB, so a guest WC framebuffer is cached.
  const Combined c = combine_ept(WB, true, WC, false);
  EXPECT_EQ(c.type, WB);
  EXPECT_FALSE(c.implementation_defined);
  EXPECT_NE(c.rule.find("IPAT set"), std::string::npos) << c.rule;
  EXPECT_EQ(combine_ept(WB, true, UC, false).type, WB);
  EXPECT_EQ(combine_ept(UC, true, WB, false).type, UC);
  EXPECT_EQ(combine_ept(WC, true, WB, false).type, WC);
}

TEST(CombineEpt, IpatClearCombinesByTable11_7) {
  const Combined c = combine_ept(WB, false, WC, false);
  EXPECT_EQ(c.type, WC);
  EXPECT_NE(c.rule.find("IPAT clear"), std::string::npos) << c.rule;
  EXPECT_NE(c.rule.find("Table 11-7: EPT WB x PAT WC = WC"), std::string::npos) << c.rule;
  EXPECT_EQ(combine_ept(WB, false, WB, false).type, WB);
  EXPECT_EQ(combine_ept(UC, false, WB, false).type, UC);
}

TEST(CombineEpt, GuestUcMinusAndUcDifferUnderEptWc) {
  // Table 11-7 row WC: UC- gives WC, UC gives UC.
  EXPECT_EQ(combine_ept(WC, false, UCm, false).type, WC);
  EXPECT_EQ(combine_ept(WC, false, UC, false).type, UC);
}

TEST(CombineEpt, FootnoteThreeRowsAreMarked) {
  const Combined c = combine_ept(WC, false, WT, false);
  EXPECT_EQ(c.type, UC);
  EXPECT_TRUE(c.implementation_defined);
  EXPECT_FALSE(combine_ept(WB, false, WT, false).implementation_defined);
}

// APM Vol. 2 15.25.8, as far as combine.h models it.
TEST(CombineNpt, GuestCr0CdGivesUc) {
  const auto c = combine_npt(WB, WB, WB, true);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, UC);
  EXPECT_NE(c->rule.find("CR0.CD"), std::string::npos) << c->rule;
}

TEST(CombineNpt, HostWbLeavesEveryGuestTypeOverHostMtrrWb) {
  // Host PAT WB passes the guest type on; host MTRR WB then combines as Table 11-7's WB row:
  // UC- becomes UC there, the rest stay.
  const std::pair<MemoryType, MemoryType> rows[] = {{UC, UC}, {UCm, UC}, {WC, WC},
                                                    {WT, WT}, {WB, WB},  {WP, WP}};
  for (const auto& [guest, expected] : rows) {
    const auto c = combine_npt(guest, WB, WB, false);
    ASSERT_TRUE(c) << to_string(guest);
    EXPECT_EQ(c->type, expected) << to_string(guest);
    EXPECT_NE(c->rule.find("15.25.8"), std::string::npos) << c->rule;
    EXPECT_NE(c->rule.find("Table 11-7"), std::string::npos) << c->rule;
  }
}

TEST(CombineNpt, HostWbThenHostMtrrCombinesAsOnBareMetal) {
  // Table 11-7 row UC: PAT WC gives WC, PAT WB gives UC.
  EXPECT_EQ(combine_npt(WC, WB, UC, false)->type, WC);
  EXPECT_EQ(combine_npt(WB, WB, UC, false)->type, UC);
  // Row WP, PAT UC-: WC, a footnote-3 row.
  const auto c = combine_npt(UCm, WB, WP, false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, WC);
  EXPECT_TRUE(c->implementation_defined);
}

TEST(CombineNpt, HostUcMakesEveryAccessUc) {
  for (MemoryType guest : kAllPat) {
    const auto c = combine_npt(guest, UC, WB, false);
    ASSERT_TRUE(c) << to_string(guest);
    EXPECT_EQ(c->type, UC) << to_string(guest);
    EXPECT_NE(c->rule.find("15.25.8"), std::string::npos) << c->rule;
  }
}

TEST(CombineNpt, OtherHostTypesAreNotGuessed) {
  for (MemoryType host : {UCm, WC, WT, WP})
    for (MemoryType guest : kAllPat)
      EXPECT_EQ(combine_npt(guest, host, WB, false), std::nullopt)
          << "host " << to_string(host) << " guest " << to_string(guest);
}

}  // namespace
}  // namespace vmm::memtype
