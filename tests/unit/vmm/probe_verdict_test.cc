// The verdict on a probed mapping sets three answers side by side — the policy's rule, the
// derivation, the guest's measurement — and must name a disagreement between any two; each
// test below makes one side deliberately wrong and expects the verdict to say so.
#include "vmm/report/probe_verdict.h"

#include <gtest/gtest.h>

namespace vmm {
namespace {

using memtype::MemoryType;

ProbeVerdictInput wc_blob_on_npt() {
  ProbeVerdictInput in;
  in.mapping = "blob-wc";
  in.guest_type = MemoryType::WC;
  in.measured_class = "WC/UC-like";
  in.rule = "guest PAT honoured (AMD NPT)";
  in.rule_says = ProbeVerdictInput::Rule::Honoured;
  in.derived = MemoryType::WC;
  in.derived_from = "PAT index 1, NPT from its spte";
  return in;
}

TEST(ProbeVerdict, AllThreeAgree) {
  const ProbeVerdict v = judge_probe(wc_blob_on_npt());
  EXPECT_EQ(v.predicted, MemoryType::WC);
  EXPECT_EQ(v.agrees, true);
  EXPECT_EQ(v.verdict.rfind("agree: derived WC", 0), 0u) << v.verdict;
}

TEST(ProbeVerdict, ADerivationThatContradictsTheRuleIsADisagreement) {
  ProbeVerdictInput in = wc_blob_on_npt();
  in.derived = MemoryType::WB;  // deliberately wrong
  in.measured_class = "not-classified";
  const ProbeVerdict v = judge_probe(in);
  EXPECT_EQ(v.agrees, false);
  EXPECT_NE(v.verdict.find("DISAGREEMENT: the rule 'guest PAT honoured (AMD NPT)' predicts WC, but the derivation gives WB"),
            std::string::npos)
      << v.verdict;
}

TEST(ProbeVerdict, AMeasurementThatContradictsTheDerivationIsADisagreement) {
  ProbeVerdictInput in = wc_blob_on_npt();
  in.measured_class = "WB-like";  // deliberately wrong
  const ProbeVerdict v = judge_probe(in);
  EXPECT_EQ(v.agrees, false);
  EXPECT_NE(v.verdict.find("the derivation gives WC (WC/UC-like), but the guest measured WB-like"), std::string::npos)
      << v.verdict;
}

TEST(ProbeVerdict, ARuleThatContradictsTheMeasurementIsADisagreementWhenNothingWasDerived) {
  ProbeVerdictInput in = wc_blob_on_npt();
  in.derived.reset();
  in.derivation_missing = "no derivation found this mapping";
  in.rule_says = ProbeVerdictInput::Rule::HostTypeWins;  // deliberately wrong: predicts WB
  in.rule = "host type wins (IPAT)";
  const ProbeVerdict v = judge_probe(in);
  EXPECT_EQ(v.predicted, MemoryType::WB);
  EXPECT_EQ(v.agrees, false);
  EXPECT_NE(v.verdict.find("predicts WB (WB-like), but the guest measured WC/UC-like"), std::string::npos) << v.verdict;
}

TEST(ProbeVerdict, AnUnknownRuleOnAnEmulatedCpuStillComparesNothingItDoesNotHave) {
  ProbeVerdictInput in = wc_blob_on_npt();
  in.rule_says = ProbeVerdictInput::Rule::Unknown;
  in.rule = "unknown (PVM)";
  in.measured_class = "not-classified";
  in.cpu_emulated = true;
  in.hypervisor = "QEMU TCG";
  const ProbeVerdict v = judge_probe(in);
  EXPECT_FALSE(v.predicted);
  EXPECT_FALSE(v.agrees.has_value()) << "one answer (the derivation) is nothing to agree with";
  EXPECT_NE(v.verdict.find("derived WC"), std::string::npos) << v.verdict;
  EXPECT_NE(v.verdict.find("not measurable here: the CPU is emulated (QEMU TCG)"), std::string::npos) << v.verdict;
  EXPECT_EQ(v.verdict.find("(measured)"), std::string::npos) << "nothing claims a measurement: " << v.verdict;
}

TEST(ProbeVerdict, TheBaselineIsNotJudged) {
  ProbeVerdictInput in = wc_blob_on_npt();
  in.measured_class = "baseline";
  const ProbeVerdict v = judge_probe(in);
  EXPECT_FALSE(v.agrees.has_value());
  EXPECT_EQ(v.verdict.rfind("baseline", 0), 0u);
}

TEST(ProbeVerdict, UcMinusOverHostWbIsPredictedUc) {
  ProbeVerdictInput in = wc_blob_on_npt();
  in.guest_type = MemoryType::UCMinus;
  in.derived = MemoryType::UC;
  const ProbeVerdict v = judge_probe(in);
  EXPECT_EQ(v.predicted, MemoryType::UC) << "SDM Table 11-7: MTRR WB x PAT UC- = UC";
  EXPECT_EQ(v.agrees, true) << v.verdict;
}

TEST(ExpectedClass, FollowsWhetherReadsAreCached) {
  EXPECT_EQ(expected_class(MemoryType::WB), "WB-like");
  EXPECT_EQ(expected_class(MemoryType::WT), "WB-like");
  EXPECT_EQ(expected_class(MemoryType::WC), "WC/UC-like");
  EXPECT_EQ(expected_class(MemoryType::UC), "WC/UC-like");
  EXPECT_EQ(expected_class(MemoryType::UCMinus), "WC/UC-like");
}

}  // namespace
}  // namespace vmm
