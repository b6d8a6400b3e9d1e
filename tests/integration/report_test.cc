// --report FILE.json after a boot that runs the guest's memtype probe: the document is
// complete (host facts, policy, memslot events and table, probe, derived memory types), every
// blob mapping the guest measured has a derivation and a verdict that compares what there
// is to compare, with MB/s derived from KVM's TSC frequency.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <set>
#include <string>

#include "tests/integration/derivation_check.h"
#include "tests/integration/guest_boot.h"
#include "tests/integration/test_env.h"

namespace vmm::test {
namespace {

class ReportBoot : public TinyGuestBoot {};

TEST_F(ReportBoot, ReportIsCompleteAndEveryProbedMappingIsClassified) {
  const std::uint8_t nothing[] = {0};
  TempFile report("report.json", std::span<const std::uint8_t>(nothing, 0));
  const Boot b = boot({"--kernel", kTinyGuestImage, "--mem", "128M", "--gpu", "--gpu-hostmem", "16M",
                       "--report", report.path(), "--cmdline",
                       guest_cmdline({"vmmtest.gpu=1", "vmmtest.memtype=1"})});
  ASSERT_EQ(b.run.exit_code, 0) << b.run.describe();

  const auto bytes = read_file(report.path());
  const auto doc = nlohmann::json::parse(bytes.begin(), bytes.end());
  EXPECT_TRUE(doc.at("complete").get<bool>()) << doc.at("missing").dump();
  EXPECT_TRUE(doc.at("missing").empty());

  const auto& host = doc.at("host");
  for (const char* key : {"cpu_vendor", "kvm_flavour", "cpu_self_snoop", "slot_flag_non_coherent_dma",
                          "disable_quirks2", "quirk_ignore_guest_pat_listed", "cpu_emulated"})
    EXPECT_TRUE(host.contains(key)) << key;
  // The launcher knows whether it ran this in its QEMU TCG machine; vmm must have found out.
  EXPECT_EQ(host.at("cpu_emulated").get<bool>(), host_cpu_emulated());
  EXPECT_FALSE(doc.at("policy").at("explanation").get<std::string>().empty());

  // Every slot in the table carries what was requested, applied and the rule; the blob
  // the probe used came and went.
  std::set<std::string> owners;
  for (const auto& event : doc.at("memslots").at("events")) {
    owners.insert(event.at("owner").get<std::string>());
    EXPECT_FALSE(event.at("applied").get<std::string>().empty());
    EXPECT_FALSE(event.at("rule").get<std::string>().empty());
  }
  EXPECT_TRUE(owners.count("ram-low"));
  EXPECT_TRUE(std::any_of(owners.begin(), owners.end(),
                          [](const std::string& o) { return o.rfind("gpu-blob ", 0) == 0; }));
  ASSERT_FALSE(doc.at("memslots").at("at_exit").empty());
  EXPECT_EQ(doc.at("memslots").at("at_exit")[0].at("requested"), "CacheCoherent");

  const auto& probe = doc.at("guest_probe");
  EXPECT_GT(probe.at("tsc_khz").get<std::uint32_t>(), 0u);
  const std::string paging = kvm_paging_here();
  std::set<std::string> mappings;
  for (const auto& m : probe.at("mappings")) {
    mappings.insert(m.at("mapping").get<std::string>());
    const std::string cls = m.at("class").get<std::string>();
    const std::string verdict = m.at("verdict").get<std::string>();
    EXPECT_FALSE(verdict.empty()) << m.dump();
    EXPECT_GT(m.at("read_mbps_host_tsc").get<std::uint64_t>(), 0u);
    EXPECT_GT(m.at("write_mbps_host_tsc").get<std::uint64_t>(), 0u);
    if (cls == "baseline") {
      EXPECT_EQ(m.at("mapping"), "ram-wb");
      EXPECT_TRUE(m.at("agrees").is_null()) << "the baseline is not judged";
      continue;
    }
    EXPECT_FALSE(m.at("rule").get<std::string>().empty()) << "the slot the mapping went through";
    ASSERT_TRUE(m.at("derived").is_object()) << m.dump();
    if (host_cpu_emulated()) {
      // Nothing is measured where the CPU is emulated, and nothing claims to be.
      EXPECT_EQ(cls, "not-classified");
      EXPECT_NE(verdict.find("not measurable here: the CPU is emulated"), std::string::npos) << m.dump();
      EXPECT_EQ(verdict.find("measured WB"), std::string::npos) << m.dump();
    } else {
      EXPECT_TRUE(cls == "WB-like" || cls == "WC/UC-like") << cls;
    }
    if (paging == "npt") {
      // The rule (guest PAT honoured by NPT) and the derivation are both answers here: they
      // must agree, and any measurement too.
      EXPECT_EQ(m.at("agrees"), true) << m.dump();
    } else {
      EXPECT_NE(m.at("agrees"), false) << m.dump();
    }
  }
  EXPECT_EQ(mappings, (std::set<std::string>{"ram-wb", "blob-wc", "blob-uc", "blob-map"}));
  EXPECT_FALSE(doc.at("derived_memtypes").at("derivations").empty());
  EXPECT_EQ(doc.at("stop").at("exit_status"), 0);
}

TEST_F(ReportBoot, ReportSaysWhatIsMissingWithoutTheProbe) {
  const std::uint8_t nothing[] = {0};
  TempFile report("report.json", std::span<const std::uint8_t>(nothing, 0));
  const Boot b = boot({"--kernel", kTinyGuestImage, "--gpu", "--report", report.path()});
  ASSERT_EQ(b.run.exit_code, 0) << b.run.describe();
  const auto bytes = read_file(report.path());
  const auto doc = nlohmann::json::parse(bytes.begin(), bytes.end());
  EXPECT_FALSE(doc.at("complete").get<bool>());
  ASSERT_EQ(doc.at("missing").size(), 1u);
  EXPECT_NE(doc.at("missing")[0].get<std::string>().find("guest probe"), std::string::npos);
}

}  // namespace
}  // namespace vmm::test
