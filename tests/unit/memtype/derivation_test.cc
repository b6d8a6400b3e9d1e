// The derivation of one guest mapping: guest PAT entry, guest MTRRs, the second level's
// type, and the manuals' combination, with the cases that bite: a guest WC mapping under
// EPT with IPAT (the host's WB wins), the same without IPAT, NPT leaving the guest's type,
// CR0.CD, shadow paging saying it does not know.
#include "vmm/memtype/derivation.h"

#include <gtest/gtest.h>

#include "vmm/memtype/pat.h"

namespace vmm::memtype {
namespace {

MappingRun wc_run() {
  MappingRun run;
  run.va = 0x7f0000200000;
  run.gpa = 0x100e00000;
  run.size = 0x200000;
  run.page_shift = 21;
  run.pat_index = 1;  // PWT: PAT1, WC in Linux's layout
  return run;
}

GuestTypeInputs linux_guest() {
  GuestTypeInputs g;
  g.regs.cr0 = 0x80050033;  // PG, WP, NE, ET, MP, PE; CD clear
  g.pat = kPatLinux;
  MtrrState mtrr;
  mtrr.cap = 8 | (1 << 8) | (1 << 10);
  mtrr.def_type = (1 << 11) | 6;  // enabled, default WB, no fixed ranges
  g.mtrr = mtrr;
  g.phys_addr_bits = 46;
  return g;
}

TEST(DeriveMapping, EptWithIpatTurnsTheGuestsWcIntoTheHostsWb) {
  const SecondLevelView ept = predict_second_level(SecondLevel::Ept, false, false, "host type wins (IPAT)");
  ASSERT_EQ(ept.host_type, MemoryType::WB);
  EXPECT_TRUE(ept.ipat);
  const MappingDerivation d = derive_mapping(wc_run(), linux_guest(), ept);
  EXPECT_EQ(d.guest_pat_type, MemoryType::WC);
  ASSERT_TRUE(d.guest_view);
  EXPECT_EQ(d.guest_view->type, MemoryType::WC) << "the guest believes WC";
  ASSERT_TRUE(d.effective) << d.unknown;
  EXPECT_EQ(d.effective->type, MemoryType::WB) << d.effective->rule;
}

TEST(DeriveMapping, EptWithoutIpatHonoursTheGuestsWc) {
  const SecondLevelView ept = predict_second_level(SecondLevel::Ept, true, false, "guest PAT honoured (quirk off)");
  EXPECT_FALSE(ept.ipat);
  const MappingDerivation d = derive_mapping(wc_run(), linux_guest(), ept);
  ASSERT_TRUE(d.effective) << d.unknown;
  EXPECT_EQ(d.effective->type, MemoryType::WC);
}

TEST(DeriveMapping, NptLeavesTheGuestsTypeAndUcMinusBecomesUcOverWb) {
  const SecondLevelView npt = predict_second_level(SecondLevel::Npt, true, false, "guest PAT honoured (AMD NPT)");
  MappingRun run = wc_run();
  EXPECT_EQ(derive_mapping(run, linux_guest(), npt).effective->type, MemoryType::WC);
  run.pat_index = 2;  // PCD: PAT2, UC- (Linux's pgprot_noncached)
  const MappingDerivation uc_minus = derive_mapping(run, linux_guest(), npt);
  EXPECT_EQ(uc_minus.guest_pat_type, MemoryType::UCMinus);
  EXPECT_EQ(uc_minus.effective->type, MemoryType::UC) << uc_minus.effective->rule;
}

TEST(DeriveMapping, CacheDisabledMakesEverythingUc) {
  GuestTypeInputs g = linux_guest();
  g.regs.cr0 |= 1u << 30;
  const SecondLevelView npt = predict_second_level(SecondLevel::Npt, true, false, "");
  MappingRun run = wc_run();
  run.pat_index = 0;  // WB
  const MappingDerivation d = derive_mapping(run, g, npt);
  EXPECT_EQ(d.effective->type, MemoryType::UC);
  EXPECT_EQ(d.guest_view->type, MemoryType::UC);
}

// Firmware (OVMF) commonly covers the 64-bit BAR window with a variable MTRR of type UC. The
// guest then believes its WB mapping of a BAR is UC and its WC mapping WC (SDM Table 11-7,
// MTRR UC row); but the guest's MTRRs never reach the hardware under EPT or NPT, so over
// NPT's host WB the WB mapping is really WB: the guest's view and the effective type differ.
TEST(DeriveMapping, AnMtrrUcOverTheBarIsTheGuestsBeliefNotTheHardwares) {
  GuestTypeInputs g = linux_guest();
  g.mtrr->variable.push_back({0x100000000ull | 0 /* UC */, 0x3fff00000000ull | (1u << 11)});  // 4 GiB..8 GiB
  const SecondLevelView npt = predict_second_level(SecondLevel::Npt, true, false, "");
  MappingRun run = wc_run();
  run.pat_index = 0;  // WB
  const MappingDerivation wb = derive_mapping(run, g, npt);
  ASSERT_EQ(wb.guest_mtrr.type, MemoryType::UC) << wb.guest_mtrr.explanation;
  EXPECT_EQ(wb.guest_view->type, MemoryType::UC) << "what the guest believes";
  EXPECT_EQ(wb.effective->type, MemoryType::WB) << "what it gets";
  run.pat_index = 1;  // WC
  const MappingDerivation wc = derive_mapping(run, g, npt);
  EXPECT_EQ(wc.guest_view->type, MemoryType::WC) << "MTRR UC x PAT WC = WC";
  EXPECT_EQ(wc.effective->type, MemoryType::WC);
  // An older Intel KVM that copied the guest's MTRR type into EPT for non-coherent DMA:
  // EPT UC without IPAT, so the guest's belief comes true.
  SecondLevelView ept_uc = predict_second_level(SecondLevel::Ept, true, false, "");
  ept_uc.host_type = MemoryType::UC;
  run.pat_index = 0;
  EXPECT_EQ(derive_mapping(run, g, ept_uc).effective->type, MemoryType::UC);
  run.pat_index = 1;
  EXPECT_EQ(derive_mapping(run, g, ept_uc).effective->type, MemoryType::WC);
}

TEST(DeriveMapping, ShadowPagingSaysItDoesNotKnow) {
  const SecondLevelView shadow = predict_second_level(SecondLevel::Shadow, false, true, "unknown (PVM)");
  EXPECT_FALSE(shadow.host_type);
  const MappingDerivation d = derive_mapping(wc_run(), linux_guest(), shadow);
  EXPECT_EQ(d.guest_pat_type, MemoryType::WC) << "the guest side is still derived";
  EXPECT_FALSE(d.effective);
  EXPECT_NE(d.unknown.find("shadow"), std::string::npos) << d.unknown;
}

TEST(DeriveMapping, UnreadableOrReservedPatIsSaid) {
  GuestTypeInputs g = linux_guest();
  g.pat.reset();
  const SecondLevelView npt = predict_second_level(SecondLevel::Npt, true, false, "");
  MappingDerivation d = derive_mapping(wc_run(), g, npt);
  EXPECT_FALSE(d.effective);
  EXPECT_NE(d.unknown.find("IA32_PAT"), std::string::npos);
  g.pat = 0x0000000000000200ull;  // entry 1 holds 2: reserved
  d = derive_mapping(wc_run(), g, npt);
  EXPECT_FALSE(d.guest_pat_type);
  EXPECT_NE(d.unknown.find("reserved"), std::string::npos) << d.unknown;
}

TEST(SummarizeEffective, NamesEveryTypeOnceAndSaysWhenNothingWasFound) {
  EXPECT_EQ(summarize_effective({}), "no guest mapping found");
  const SecondLevelView npt = predict_second_level(SecondLevel::Npt, true, false, "");
  MappingRun uc = wc_run();
  uc.pat_index = 3;
  const auto wc = derive_mapping(wc_run(), linux_guest(), npt);
  const auto ucd = derive_mapping(uc, linux_guest(), npt);
  EXPECT_EQ(summarize_effective({wc}), "WC");
  EXPECT_EQ(summarize_effective({wc, ucd, wc}), "UC, WC");
  const SecondLevelView shadow = predict_second_level(SecondLevel::Shadow, false, true, "");
  EXPECT_EQ(summarize_effective({derive_mapping(wc_run(), linux_guest(), shadow)}),
            "unknown (shadow paging: KVM's entries map guest-virtual pages and carry no type vmm can read)");
}

}  // namespace
}  // namespace vmm::memtype
