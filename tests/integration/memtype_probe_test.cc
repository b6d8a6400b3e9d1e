// The guest-side memtype probe (vmmtest.memtype=1, tests/guest/check_memtype.c): the tiny
// guest programs its PAT, maps 2 MiB of RAM write-back and a 2 MiB HOST3D blob
// write-combining, uncached and as its map_info asks, times streaming reads and writes over
// each in ring 3 and classifies each blob mapping against the RAM baseline. What class the
// blob gets is a measurement, so it is reported, never asserted. What is asserted: the probe
// ran and printed well-formed lines, the blob came and went as a memslot (installed at its
// first touch), and vmm's derived memory type for every mapping is right by references the
// test works out itself (tests/integration/derivation_check.h): the guest type is the PAT
// entry the guest programmed and selected, and on AMD NPT the effective type is what NPT
// with KVM's host WB gives it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/derivation_check.h"
#include "tests/integration/detail_numbers.h"
#include "tests/integration/guest_boot.h"
#include "tests/integration/memslot_trace.h"
#include "tests/integration/parse_number.h"
#include "tests/integration/test_env.h"

namespace vmm::test {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kGuestMem = 128 * kMiB;
// PROBE_BYTES and SLOW_READ_FACTOR in tests/guest/check_memtype.c.
constexpr std::uint64_t kProbeBytes = 2 * kMiB;
constexpr std::uint64_t kSlowReadFactor = 4;

const std::vector<std::string> kMemtypeChecks = {"memtype.pat", "memtype.probe"};
// IA32_PAT as the guest programs it: WB WC UC- UC WB WP UC- WT.
constexpr const char* kProbePat = "0x0407050600070106";

std::vector<std::string> probe_args(const std::vector<std::string>& extra_tokens,
                                    const std::string& trace_path = "", const std::string& report_path = "") {
  std::vector<std::string> tokens = {"vmmtest.mem=" + std::to_string(kGuestMem), "vmmtest.gpu=1",
                                     "vmmtest.memtype=1"};
  tokens.insert(tokens.end(), extra_tokens.begin(), extra_tokens.end());
  std::vector<std::string> args = {"--kernel", kTinyGuestImage, "--mem", "128M",
                                   "--gpu",    "--gpu-hostmem", "16M"};
  if (!trace_path.empty()) args.insert(args.end(), {"--memslot-trace", trace_path});
  if (!report_path.empty()) args.insert(args.end(), {"--report", report_path});
  args.insert(args.end(), {"--cmdline", guest_cmdline(tokens)});
  return args;
}

// A decimal field, or 0x-prefixed hex; nullopt when absent or not a number.
std::optional<std::uint64_t> number(const ProbeFields& f, const std::string& key) {
  auto it = f.find(key);
  if (it == f.end()) return std::nullopt;
  return parse_number(it->second);
}

std::string describe(const ProbeFields& f) {
  std::string out = "MEMTYPE-PROBE";
  for (const auto& [k, v] : f) out += " " + k + "=" + v;
  return out;
}

// The four lines, in order, each well-formed; the blob's classes follow the guest's rule,
// except on an emulated CPU (QEMU TCG: no caches are modelled), where vmm's device tree tells
// the guest so and nothing may be classified; RAM is the baseline, never classified.
void expect_probe_lines(const Boot& b) {
  const std::vector<ProbeFields>& probes = b.report.memtype_probes;
  ASSERT_EQ(probes.size(), 4u) << b.run.describe();
  const struct {
    const char* mapping;
    const char* pat;
  } want[] = {{"ram-wb", "WB"}, {"blob-wc", "WC"}, {"blob-uc", "UC"}, {"blob-map", "WC"}};
  const std::optional<std::uint64_t> ram_read = number(probes[0], "read_cpb_x1000");
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const ProbeFields& p = probes[i];
    SCOPED_TRACE(describe(p));
    EXPECT_EQ(p.count("mapping") ? p.at("mapping") : "", want[i].mapping);
    EXPECT_EQ(p.count("pat") ? p.at("pat") : "", want[i].pat);
    const auto gpa = number(p, "gpa");
    ASSERT_TRUE(gpa && p.at("gpa").starts_with("0x"));
    EXPECT_EQ(*gpa % kProbeBytes, 0u) << "a 2 MiB page maps it";
    EXPECT_EQ(number(p, "size"), kProbeBytes);
    for (const char* key : {"read_cpb_x1000", "write_cpb_x1000", "read_bytes", "write_bytes",
                            "read_vs_ram_x100", "write_vs_ram_x100"}) {
      const auto v = number(p, key);
      ASSERT_TRUE(v) << key;
      EXPECT_GT(*v, 0u) << key;
    }
    EXPECT_GE(*number(p, "read_bytes"), 64u * 1024) << "at least the calibration size";
    ASSERT_TRUE(p.count("class"));
    const std::string& cls = p.at("class");
    ::testing::Test::RecordProperty(std::string(want[i].mapping) + ".class", cls);
    if (i == 0) {
      EXPECT_EQ(cls, "baseline") << "RAM is what the others are timed against";
      continue;
    }
    if (host_cpu_emulated()) {
      EXPECT_EQ(cls, "not-classified") << "an emulated CPU measures no memory type";
      continue;
    }
    EXPECT_TRUE(cls == "WB-like" || cls == "WC/UC-like") << cls;
    ASSERT_TRUE(ram_read);
    const bool slow = *number(p, "read_cpb_x1000") > kSlowReadFactor * *ram_read;
    EXPECT_EQ(cls, slow ? "WC/UC-like" : "WB-like") << "the guest's rule: read cost > "
                                                    << kSlowReadFactor << "x ram-wb's";
    ::testing::Test::RecordProperty(std::string(want[i].mapping) + ".read_cpb_x1000",
                                    p.at("read_cpb_x1000"));
    ::testing::Test::RecordProperty(std::string(want[i].mapping) + ".write_cpb_x1000",
                                    p.at("write_cpb_x1000"));
  }
}

class MemtypeProbeBoot : public TinyGuestBoot {};

TEST_F(MemtypeProbeBoot, GuestMeasuresRamWbBlobWcAndBlobUc) {
  TempFile trace_file("memslot-trace", {});
  TempFile report_file("report.json", {});
  const Boot b = boot(probe_args({}, trace_file.path(), report_file.path()));
  expect_all_passed(b, concat(concat(kBaseChecks, kGpuChecks), kMemtypeChecks));
  if (HasFailure()) return;
  EXPECT_NE(b.report.detail("memtype.pat").find(std::string("read=") + kProbePat),
            std::string::npos)
      << b.report.detail("memtype.pat");
  expect_probe_lines(b);
  if (HasFailure()) return;
  if (host_cpu_emulated()) {
    EXPECT_NE(b.report.detail("memtype.probe").find("not classified: the host CPU is emulated (QEMU TCG)"),
              std::string::npos)
        << b.report.detail("memtype.probe");
  }

  const std::vector<ProbeFields>& probes = b.report.memtype_probes;
  for (const ProbeFields& p : probes)
    EXPECT_FALSE(p.count("read_mbps") || p.count("write_mbps"))
        << "MB/s only with vmmtest.tsc_khz: " << describe(p);
  const std::uint64_t ram = *number(probes[0], "gpa");
  const std::uint64_t blob = *number(probes[1], "gpa");
  EXPECT_EQ(*number(probes[2], "gpa"), blob) << "WC and UC map the same blob";
  EXPECT_EQ(*number(probes[3], "gpa"), blob) << "so does the mapping its map_info asks for";
  EXPECT_LE(ram + kProbeBytes, kGuestMem) << "the RAM buffer lies in guest RAM";
  const auto shm = parse_shm(b.report.detail("gpu.caps"));
  ASSERT_TRUE(shm) << b.report.detail("gpu.caps");
  EXPECT_TRUE(shm->contains(blob, kProbeBytes))
      << "blob 0x" << std::hex << blob << " outside the host-visible region";

  // vmm's derived memory type for each mapping, against the test's own references.
  const auto bytes = read_file(report_file.path());
  const auto report = nlohmann::json::parse(bytes.begin(), bytes.end());
  const std::string paging = kvm_paging_here();
  RecordProperty("kvm_paging", paging);
  for (const std::string& error : check_probe_derivations(report, std::stoull(kProbePat, nullptr, 16), paging))
    ADD_FAILURE() << error;
  // Where vmm could read KVM's tracepoint, the second level came from KVM's own entries.
  const std::string entries = report.at("derived_memtypes").at("kvm_entries").get<std::string>();
  RecordProperty("kvm_entries", entries);
  if (paging == "npt" && entries.rfind("kvmmmu:kvm_mmu_set_spte:", 0) == 0) {
    for (const auto& m : report.at("guest_probe").at("mappings")) {
      if (m.contains("derived") && m["derived"].is_object()) {
        EXPECT_EQ(m["derived"].at("second_level_source"), "spte") << m.dump();
      }
    }
  }

  // The probe's blob is one CacheNonCoherent slot at that address, added and removed.
  const MemslotTraceFile trace = read_memslot_trace(trace_file.path());
  ASSERT_TRUE(trace.errors.empty()) << trace.errors.front();
  std::vector<std::string> errors;
  const std::vector<SlotLifetime> lives = slot_lifetimes(trace, &errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  std::vector<const SlotLifetime*> probe_slots;
  for (const SlotLifetime& life : lives)
    if (life.add.is_gpu_blob() && life.add.size == kProbeBytes) probe_slots.push_back(&life);
  ASSERT_EQ(probe_slots.size(), 1u) << "one 2 MiB blob slot, the probe's";
  const SlotLifetime& life = *probe_slots.front();
  EXPECT_EQ(life.add.guest_addr, blob) << life.add.describe();
  EXPECT_EQ(life.add.requested, "CacheNonCoherent") << life.add.describe();
  EXPECT_TRUE(life.remove) << life.add.describe() << " is never removed";
  // Added pending, installed at the probe's first access, derived there from the ring-3
  // window's tables, which map it three times.
  EXPECT_EQ(life.add.json.value("pending", ""), "first touch") << life.add.describe();
  ASSERT_TRUE(life.install) << life.add.describe() << " never reached KVM";
  ASSERT_FALSE(life.derives.empty());
  EXPECT_EQ(life.derives.front().json.value("moment", ""), "first touch");
}

// vmmtest.tsc_khz lets the guest print MB/s itself; they must agree with its cycles per
// byte: mbps = floor(tsc_khz / c) where cpb_x1000 = floor(c).
TEST_F(MemtypeProbeBoot, TscKhzAddsMegabytesPerSecond) {
  constexpr std::uint64_t kTscKhz = 2000000;
  const Boot b = boot(probe_args({"vmmtest.tsc_khz=" + std::to_string(kTscKhz)}));
  expect_all_passed(b, concat(concat(kBaseChecks, kGpuChecks), kMemtypeChecks));
  if (HasFailure()) return;
  expect_probe_lines(b);
  for (const ProbeFields& p : b.report.memtype_probes) {
    SCOPED_TRACE(describe(p));
    for (const std::string kind : {"read", "write"}) {
      const auto mbps = number(p, kind + "_mbps");
      const auto cpb = number(p, kind + "_cpb_x1000");
      ASSERT_TRUE(mbps && cpb) << kind;
      EXPECT_LE(*mbps, kTscKhz / *cpb) << kind;
      EXPECT_GE(*mbps + 1, kTscKhz / (*cpb + 1)) << kind;
    }
  }
}

// Without the gpu the probe has no blob: memtype.pat still runs, memtype.probe says why it
// did not, and no MEMTYPE-PROBE line is printed.
TEST_F(MemtypeProbeBoot, ProbeIsNotRunWithoutGpu) {
  const Boot b =
      boot({"--kernel", kTinyGuestImage, "--cmdline", guest_cmdline({"vmmtest.memtype=1"})});
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, kGuestCheckFailed) << b.run.describe();
  for (const std::string& name : kBaseChecks) EXPECT_TRUE(b.report.passed(name)) << name;
  EXPECT_TRUE(b.report.passed("memtype.pat")) << b.report.detail("memtype.pat");
  EXPECT_TRUE(b.report.failed("memtype.probe")) << b.run.describe();
  EXPECT_EQ(b.report.detail("memtype.probe").rfind("not run: ", 0), 0u)
      << b.report.detail("memtype.probe");
  EXPECT_TRUE(b.report.memtype_probes.empty()) << b.run.describe();
  ASSERT_TRUE(b.report.done) << b.run.describe();
  EXPECT_EQ(b.report.done_failed, 1);
}

}  // namespace
}  // namespace vmm::test
