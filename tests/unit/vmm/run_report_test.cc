#include "vmm/report/run_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "vmm/memtype/slot_derivation.h"
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
  ram.request.kind = SlotKind::GuestRam;
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
                {"class", "baseline"}}};
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
  EXPECT_EQ(probe["verdict"].get<std::string>().rfind("baseline", 0), 0u) << "RAM is the reference, not a result";
  EXPECT_TRUE(probe["agrees"].is_null());
  EXPECT_EQ(j["stop"]["exit_status"], 0);
}

// A blob slot at 0x100e00000 with the given rule, the guest's WC and UC mappings of it (at
// the VAs the tiny guest uses), and, when `derive` is set, derivations for both.
RunReportInput blob_probe(const char* rule, GuestPat prediction, const char* wc_class, const char* uc_class,
                          std::optional<memtype::MemoryType> derived_wc, std::optional<memtype::MemoryType> derived_uc) {
  auto in = sample();
  Memslot blob;
  blob.slot = 1;
  blob.serial = 2;
  blob.request = {0x100e00000, 0x200000, nullptr, std::nullopt, false, "gpu-blob 9",
                  MemCacheType::CacheNonCoherent, std::nullopt};
  blob.applied = {0, "none", rule, prediction};
  in.events.push_back({.kind = MemslotEventKind::Added, .slot = blob});
  in.probes = {{{"mapping", "ram-wb"}, {"pat", "WB"}, {"gpa", "0xfe00000"}, {"class", "baseline"}},
               {{"mapping", "blob-wc"}, {"pat", "WC"}, {"gpa", "0x100e00000"}, {"va", "0x7f0000200000"},
                {"pat_index", "1"}, {"class", wc_class}},
               {{"mapping", "blob-uc"}, {"pat", "UC"}, {"gpa", "0x100e00000"}, {"va", "0x7f0000400000"},
                {"pat_index", "3"}, {"class", uc_class}}};
  in.derivation_mode = "first-touch";
  memtype::SlotDerivation d;
  d.slot = {1, 2, "gpu-blob 9", 0x100e00000, 0x200000, "CacheNonCoherent", "none", rule,
            prediction == GuestPat::Honoured, prediction == GuestPat::Unknown, "WC"};
  d.moment = "first touch";
  auto mapping = [](std::uint64_t va, unsigned index, std::optional<memtype::MemoryType> type) {
    memtype::MappingDerivation m;
    m.run = {.range_index = 0, .va = va, .gpa = 0x100e00000, .size = 0x200000, .page_shift = 21,
             .leaf_entry = 0, .pat_index = index, .user = true, .writable = true};
    if (type) m.effective = memtype::Combined{*type, "test", false};
    else m.unknown = "shadow paging";
    return m;
  };
  d.mappings = {mapping(0x7f0000200000, 1, derived_wc), mapping(0x7f0000400000, 3, derived_uc)};
  in.derivations.push_back(d);
  return in;
}

TEST(RunReport, EachProbedMappingGetsTheRuleTheDerivationAndTheMeasurementSideBySide) {
  auto in = blob_probe("guest PAT honoured (AMD NPT)", GuestPat::Honoured, "WC/UC-like", "WC/UC-like",
                       memtype::MemoryType::WC, memtype::MemoryType::UC);
  const auto j = run_report_json(in);
  const auto m = j["guest_probe"]["mappings"];
  EXPECT_EQ(m[1]["rule"], "guest PAT honoured (AMD NPT)");
  EXPECT_EQ(m[1]["slot_owner"], "gpu-blob 9");
  EXPECT_EQ(m[1]["predicted"], "WC");
  EXPECT_EQ(m[1]["derived"]["effective"], "WC");
  EXPECT_EQ(m[1]["derived"]["va"], "0x7f0000200000");
  EXPECT_EQ(m[1]["agrees"], true) << m[1].dump();
  EXPECT_EQ(m[2]["derived"]["effective"], "UC");
  EXPECT_EQ(m[2]["agrees"], true);
  EXPECT_TRUE(j["complete"].get<bool>()) << j["missing"].dump();
  EXPECT_EQ(j["derived_memtypes"]["derivations"].size(), 1u);
}

TEST(RunReport, AWrongDerivationIsNamedADisagreementAndTheRightOneIsNot) {
  // The derivation says WB where the guest's WC is honoured: one of the three is wrong, and
  // the report must say so rather than pick a side.
  auto in = blob_probe("guest PAT honoured (AMD NPT)", GuestPat::Honoured, "WC/UC-like", "WC/UC-like",
                       memtype::MemoryType::WB, memtype::MemoryType::UC);
  const auto m = run_report_json(in)["guest_probe"]["mappings"];
  EXPECT_EQ(m[1]["agrees"], false);
  EXPECT_NE(m[1]["verdict"].get<std::string>().find("DISAGREEMENT"), std::string::npos) << m[1].dump();
  EXPECT_EQ(m[2]["agrees"], true);
}

TEST(RunReport, AMeasurementAgainstTheDerivationIsNamedADisagreement) {
  auto in = blob_probe("host type wins (IPAT)", GuestPat::HostTypeWins, "WC/UC-like", "WB-like",
                       memtype::MemoryType::WB, memtype::MemoryType::WB);
  const auto m = run_report_json(in)["guest_probe"]["mappings"];
  EXPECT_EQ(m[1]["agrees"], false) << "derived and predicted WB, but measured WC/UC-like";
  EXPECT_NE(m[1]["verdict"].get<std::string>().find("but the guest measured WC/UC-like"), std::string::npos);
  EXPECT_EQ(m[2]["agrees"], true);
}

TEST(RunReport, OnAnEmulatedCpuTheRuleAndTheDerivationAreStillCompared) {
  auto in = blob_probe("guest PAT honoured (AMD NPT)", GuestPat::Honoured, "not-classified", "not-classified",
                       memtype::MemoryType::WC, memtype::MemoryType::UC);
  in.host.cpu_emulated = true;
  in.host.hypervisor = "QEMU TCG";
  const auto j = run_report_json(in);
  const auto m = j["guest_probe"]["mappings"];
  EXPECT_EQ(m[1]["agrees"], true) << "rule and derivation agree; nothing was measured";
  EXPECT_NE(m[1]["verdict"].get<std::string>().find("not measurable here: the CPU is emulated (QEMU TCG)"),
            std::string::npos);
  EXPECT_TRUE(j["complete"].get<bool>()) << "an unclassified mapping is an answer, not a gap";
}

TEST(RunReport, AMappingNoDerivationFoundIsMissingAndNotAgreedOn) {
  auto in = blob_probe("unknown (PVM)", GuestPat::Unknown, "WB-like", "WB-like", std::nullopt, std::nullopt);
  in.derivations.clear();
  const auto j = run_report_json(in);
  const auto m = j["guest_probe"]["mappings"];
  EXPECT_TRUE(m[1]["agrees"].is_null()) << "only the measurement: nothing to compare";
  EXPECT_TRUE(m[1]["derived"].is_null());
  EXPECT_FALSE(j["complete"].get<bool>());
  EXPECT_NE(j["missing"].dump().find("derivation of guest mapping blob-wc"), std::string::npos) << j["missing"].dump();
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
