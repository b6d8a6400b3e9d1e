#include "vmm/report/run_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "vmm/report/guest_probe_log.h"

namespace vmm {
namespace {

std::span<const std::uint8_t> bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(GuestProbeLog, ReassemblesLinesFromPiecesAndIgnoresOtherOutput) {
  GuestProbeLog log;
  log.feed(bytes("TEST serial PASS\nMEMTYPE-PROBE mapping=ram-wb read_cpb"));
  log.feed(bytes("_x1000=125 class=WB-like\r\nMEMTYPE-PROBE mapping=blob-wc read_cpb_x1000=9000 "
                 "class=WC/UC-like\nMEMTYPE-PROBE mapping=unfinished"));
  auto probes = log.probes();
  ASSERT_EQ(probes.size(), 2u) << "an unterminated line is not a result";
  EXPECT_EQ(probes[0].at("mapping"), "ram-wb");
  EXPECT_EQ(probes[0].at("read_cpb_x1000"), "125");
  EXPECT_EQ(probes[0].at("class"), "WB-like");
  EXPECT_EQ(probes[1].at("class"), "WC/UC-like");
}

TEST(GuestProbeLog, HostileLinesAreBoundedAndHarmless) {
  GuestProbeLog log;
  log.feed(bytes("MEMTYPE-PROBE " + std::string(100000, 'x') + "\n"));
  log.feed(bytes("MEMTYPE-PROBE =novalue key= plain\n"));
  auto probes = log.probes();
  ASSERT_EQ(probes.size(), 1u) << "the overlong line was cut, so it no longer parses as a probe";
  EXPECT_EQ(probes[0].size(), 1u);
  EXPECT_EQ(probes[0].at("key"), "");
}

TEST(GuestProbeLog, KeepsAtMostItsLimitAndCountsTheRest) {
  GuestProbeLog log;
  std::string many;
  for (std::size_t i = 0; i < GuestProbeLog::kMaxProbes + 7; ++i) many += "MEMTYPE-PROBE n=1\n";
  log.feed(bytes(many));
  EXPECT_EQ(log.probes().size(), GuestProbeLog::kMaxProbes);
  EXPECT_EQ(log.dropped(), 7u);
}

RunReportInput sample() {
  RunReportInput in;
  in.host.vendor_id = "AuthenticAMD";
  in.host.flavour = KvmFlavour::Pvm;
  in.plan = {NonCoherentDmaMode::Auto, NonCoherentMechanism::Unknown, false, "PVM"};
  Memslot ram;
  ram.slot = 0;
  ram.request = {0, 0x10000000, nullptr, std::nullopt, false, "ram-low", MemCacheType::CacheCoherent, std::nullopt};
  ram.applied = {0, "none", "unknown (PVM)", GuestPat::Unknown};
  in.events.push_back({.kind = MemslotEventKind::Added, .slot = ram});
  in.slots_at_exit.push_back(ram);
  in.tsc_khz = 2000000;
  in.stop = {0, "guest wrote 0"};
  in.probe_expected = true;
  return in;
}

TEST(RunReport, CompleteWhenEveryPartIsThereAndConvertsToMbps) {
  auto in = sample();
  in.probes = {{{"mapping", "ram-wb"}, {"read_cpb_x1000", "100"}, {"write_cpb_x1000", "400"},
                {"class", "WB-like"}}};
  auto j = run_report_json(in);
  EXPECT_TRUE(j["complete"].get<bool>()) << j.dump(2);
  EXPECT_EQ(j["host"]["kvm_flavour"], "pvm");
  EXPECT_EQ(j["policy"]["mechanism"], "unknown");
  EXPECT_EQ(j["memslots"]["at_exit"][0]["owner"], "ram-low");
  EXPECT_EQ(j["memslots"]["at_exit"][0]["rule"], "unknown (PVM)");
  EXPECT_EQ(j["memslots"]["events"][0]["event"], "add");
  const auto& probe = j["guest_probe"]["mappings"][0];
  EXPECT_EQ(probe["read_mbps_host_tsc"], 20000) << "2 GHz / 0.1 cycles per byte";
  EXPECT_EQ(probe["write_mbps_host_tsc"], 5000);
  EXPECT_FALSE(probe.contains("verdict")) << "WB RAM needs no verdict";
  EXPECT_EQ(j["stop"]["exit_status"], 0);
}

TEST(RunReport, VerdictSaysWhetherTheGuestTypeWasHonoured) {
  auto in = sample();
  in.probes = {{{"mapping", "blob-wc"}, {"pat", "WC"}, {"class", "WB-like"}},
               {{"mapping", "blob-uc"}, {"pat", "UC"}, {"class", "WC/UC-like"}}};
  auto j = run_report_json(in);
  EXPECT_EQ(j["guest_probe"]["mappings"][0]["verdict"], "guest WC behaves as WB: host type wins (measured)");
  EXPECT_EQ(j["guest_probe"]["mappings"][1]["verdict"], "guest UC honoured (measured)");
}

// A blob slot at 0x100e00000 with the given rule, and the guest's WC and UC mappings of it.
RunReportInput blob_probe(const char* rule, GuestPat prediction, const char* wc_class,
                          const char* uc_class) {
  auto in = sample();
  Memslot blob;
  blob.slot = 1;
  blob.request = {0x100e00000, 0x200000, nullptr, std::nullopt, false, "gpu-blob 9",
                  MemCacheType::CacheNonCoherent, std::nullopt};
  blob.applied = {0, "none", rule, prediction};
  in.events.push_back({.kind = MemslotEventKind::Added, .slot = blob});
  in.probes = {{{"mapping", "ram-wb"}, {"pat", "WB"}, {"gpa", "0xfe00000"}, {"class", "WB-like"}},
               {{"mapping", "blob-wc"}, {"pat", "WC"}, {"gpa", "0x100e00000"}, {"class", wc_class}},
               {{"mapping", "blob-uc"}, {"pat", "UC"}, {"gpa", "0x100e00000"}, {"class", uc_class}}};
  return in;
}

TEST(RunReport, MeasurementThatMatchesTheRuleSaysSo) {
  auto in = blob_probe("host type wins (IPAT)", GuestPat::HostTypeWins, "WB-like", "WB-like");
  const auto m = run_report_json(in)["guest_probe"]["mappings"];
  EXPECT_EQ(m[1]["rule"], "host type wins (IPAT)");
  EXPECT_EQ(m[1]["slot_owner"], "gpu-blob 9");
  EXPECT_EQ(m[1]["predicted_class"], "WB-like");
  EXPECT_EQ(m[1]["agrees"], true);
  EXPECT_EQ(m[1]["verdict"],
            "guest WC behaves as WB: host type wins, as the rule 'host type wins (IPAT)' predicts (measured)");
  EXPECT_EQ(m[0]["predicted_class"], "WB-like") << "guest WB over host WB, whatever the rule";
  EXPECT_EQ(m[0]["agrees"], true);
}

TEST(RunReport, MeasurementThatContradictsTheRuleIsNamedADisagreement) {
  auto in = blob_probe("guest PAT honoured (AMD NPT)", GuestPat::Honoured, "WB-like", "WC/UC-like");
  const auto m = run_report_json(in)["guest_probe"]["mappings"];
  EXPECT_EQ(m[1]["agrees"], false);
  EXPECT_EQ(m[1]["verdict"],
            "DISAGREEMENT: the rule 'guest PAT honoured (AMD NPT)' predicts WC/UC-like for a guest WC "
            "mapping, but the guest measured WB-like");
  EXPECT_EQ(m[2]["agrees"], true);
  EXPECT_EQ(m[2]["verdict"], "guest UC honoured, as the rule 'guest PAT honoured (AMD NPT)' predicts (measured)");
}

TEST(RunReport, NothingIsJudgedOnAnEmulatedCpu) {
  auto in = blob_probe("guest PAT honoured (AMD NPT)", GuestPat::Honoured, "not-classified", "not-classified");
  in.host.cpu_emulated = true;
  in.host.hypervisor = "QEMU TCG";
  const auto j = run_report_json(in);
  const auto m = j["guest_probe"]["mappings"];
  EXPECT_TRUE(m[1]["agrees"].is_null());
  EXPECT_EQ(m[1]["verdict"],
            "not measurable here: the CPU is emulated (QEMU TCG), which models no caches; the rule "
            "'guest PAT honoured (AMD NPT)' predicts WC/UC-like");
  EXPECT_TRUE(j["complete"].get<bool>()) << "an unclassified mapping is an answer, not a gap";
}

TEST(RunReport, SaysWhatIsMissing) {
  auto in = sample();
  auto j = run_report_json(in);
  EXPECT_FALSE(j["complete"].get<bool>());
  EXPECT_NE(j["missing"][0].get<std::string>().find("guest probe"), std::string::npos);
  in.probes = {{{"mapping", "blob-wc"}, {"read_cpb_x1000", "0"}}};
  j = run_report_json(in);
  EXPECT_EQ(j["missing"][0], "class of guest mapping blob-wc");
  EXPECT_FALSE(j["guest_probe"]["mappings"][0].contains("read_mbps_host_tsc")) << "no division by 0";
}

TEST(RunReport, TimelineAndResidentMemoryAreReportedAndTheirAbsenceNamed) {
  auto in = sample();
  in.timeline = ReportTimeline{1000, 1500, 4000};
  in.resident_memory = ResidentMemory{.guest_ram = 8192, .guest_device = 4096, .own_file = 2048,
                                      .own_anonymous = 1024};
  auto j = run_report_json(in);
  EXPECT_EQ(j["timeline"]["clock"], "CLOCK_MONOTONIC");
  EXPECT_EQ(j["timeline"]["first_port_write_ns"], 4000);
  EXPECT_EQ(j["timeline"]["main_to_first_port_write_ns"], 3000);
  EXPECT_EQ(j["resident_memory"]["total_bytes"], 15360);
  EXPECT_EQ(j["resident_memory"]["own_bytes"], 3072);
  EXPECT_EQ(j["resident_memory"]["guest_device_bytes"], 4096);

  in.timeline->first_port_write_ns = 0;
  in.resident_memory.reset();
  in.resident_memory_error = "/proc/self/smaps could not be opened at set-up";
  j = run_report_json(in);
  EXPECT_TRUE(j["timeline"]["first_port_write_ns"].is_null());
  EXPECT_FALSE(j["timeline"].contains("main_to_first_port_write_ns"));
  EXPECT_TRUE(j["resident_memory"].is_null());
  const std::string missing = j["missing"].dump();
  EXPECT_NE(missing.find("first port write"), std::string::npos) << missing;
  EXPECT_NE(missing.find("resident memory: /proc/self/smaps"), std::string::npos) << missing;
}

}  // namespace
}  // namespace vmm
