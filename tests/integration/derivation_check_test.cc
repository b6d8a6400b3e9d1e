// The boot tests' reference checks of derived memory types (derivation_check.h), each shown
// to fail on a deliberately wrong input: a check that cannot fail checks nothing.
#include "tests/integration/derivation_check.h"

#include <gtest/gtest.h>

namespace vmm::test {
namespace {

constexpr std::uint64_t kLinuxPat = 0x0407050600070106;  // WB WC UC- UC WB WP UC- WT

nlohmann::json report_with(const std::string& wc_guest, const std::string& wc_effective) {
  return nlohmann::json::parse(R"({"guest_probe": {"mappings": [
    {"mapping": "ram-wb", "pat": "WB", "pat_index": "0", "class": "baseline"},
    {"mapping": "blob-wc", "pat": "WC", "pat_index": "1", "class": "not-classified", "agrees": true,
     "derived": {"guest_pat_type": ")" + wc_guest + R"(", "effective": ")" + wc_effective + R"("}},
    {"mapping": "blob-map", "pat": "UC-", "pat_index": "2", "class": "not-classified", "agrees": true,
     "derived": {"guest_pat_type": "UC-", "effective": "UC"}}]}})");
}

TEST(DerivationCheck, PatEntriesAreReadFromTheValue) {
  EXPECT_EQ(pat_entry_name(kLinuxPat, 0), "WB");
  EXPECT_EQ(pat_entry_name(kLinuxPat, 1), "WC");
  EXPECT_EQ(pat_entry_name(kLinuxPat, 2), "UC-");
  EXPECT_EQ(pat_entry_name(kLinuxPat, 3), "UC");
  EXPECT_EQ(pat_entry_name(kLinuxPat, 7), "WT");
  EXPECT_FALSE(pat_entry_name(0x02, 0)) << "2 is reserved";
  EXPECT_FALSE(pat_entry_name(kLinuxPat, 8));
}

TEST(DerivationCheck, ACorrectReportPasses) {
  EXPECT_TRUE(check_probe_derivations(report_with("WC", "WC"), kLinuxPat, "npt").empty());
}

TEST(DerivationCheck, AWrongGuestTypeFails) {
  const auto errors = check_probe_derivations(report_with("WB", "WC"), kLinuxPat, "npt");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("derived guest type WB"), std::string::npos) << errors[0];
}

TEST(DerivationCheck, AWrongEffectiveTypeFailsOnNptOnly) {
  EXPECT_EQ(check_probe_derivations(report_with("WC", "WB"), kLinuxPat, "npt").size(), 1u);
  EXPECT_TRUE(check_probe_derivations(report_with("WC", "WB"), kLinuxPat, "ept").empty())
      << "on EPT the effective type depends on IPAT, which this reference does not model";
}

TEST(DerivationCheck, AMissingDerivationOrADisagreementFails) {
  nlohmann::json r = report_with("WC", "WC");
  r["guest_probe"]["mappings"][1].erase("derived");
  EXPECT_EQ(check_probe_derivations(r, kLinuxPat, "npt").size(), 1u);
  r = report_with("WC", "WC");
  r["guest_probe"]["mappings"][2]["agrees"] = false;
  EXPECT_EQ(check_probe_derivations(r, kLinuxPat, "npt").size(), 1u);
  EXPECT_FALSE(check_probe_derivations(nlohmann::json::object(), kLinuxPat, "npt").empty()) << "nothing to check";
}

TEST(DerivationCheck, AGuestThatLiesAboutItsPatFails) {
  nlohmann::json r = report_with("WC", "WC");
  r["guest_probe"]["mappings"][1]["pat"] = "UC";  // index 1 holds WC
  EXPECT_EQ(check_probe_derivations(r, kLinuxPat, "npt").size(), 1u);
}

}  // namespace
}  // namespace vmm::test
