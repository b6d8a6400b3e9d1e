// vmm's virtio-gpu as the tiny guest drives it (vmmtest.gpu=1, tests/guest/check_gpu*.c):
// PCI discovery, the virtio transport, 2D commands, host-memory blobs mapped into the
// host-visible region and the device's error codes; then vmm's memslot trace must agree
// with what the guest saw: blob slots are CacheNonCoherent, lie in the region the guest
// found, come and go with each map/unmap, and hold what the guest wrote.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/detail_numbers.h"
#include "tests/integration/guest_boot.h"
#include "tests/integration/memslot_trace.h"
#include "tests/integration/test_env.h"

namespace vmm::test {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kGuestMem = 128 * kMiB;
constexpr std::uint64_t kHostmem = 16 * kMiB;
// GPU_TEST_BLOB_SIZE in tests/guest/check_gpu.h.
constexpr std::uint64_t kBlobSize = 64 * 1024;

// "gpa=0x<addr> ... fnv=0x<8 hex>" from gpu.blob_map0/1.
struct GuestMapping {
  std::uint64_t gpa = 0;
  std::uint32_t fnv = 0;
};

std::optional<GuestMapping> parse_mapping(const std::string& detail) {
  static const std::regex re("gpa=(0x[0-9a-f]+) .*fnv=(0x[0-9a-f]{8})");
  const auto n = detail_numbers<2>(detail, re);
  if (!n) return std::nullopt;
  return GuestMapping{(*n)[0], static_cast<std::uint32_t>((*n)[1])};
}

std::vector<std::string> gpu_args(const std::string& trace_path,
                                  const std::vector<std::string>& tokens) {
  return {"--kernel",        kTinyGuestImage, "--mem",    "128M",
          "--gpu",           "--gpu-hostmem", "16M",      "--memslot-trace",
          trace_path,        "--cmdline",     guest_cmdline(tokens)};
}

class VirtioGpuBoot : public TinyGuestBoot {};

TEST_F(VirtioGpuBoot, GuestDrivesGpuAndMemslotTraceAgrees) {
  TempFile trace_file("memslot-trace", {});
  const Boot b = boot(gpu_args(trace_file.path(),
                               {"vmmtest.mem=" + std::to_string(kGuestMem), "vmmtest.gpu=1",
                                "vmmtest.gpu_hostmem=" + std::to_string(kHostmem)}));
  expect_all_passed(b, concat(kBaseChecks, kGpuChecks));
  if (HasFailure()) return;

  const auto shm = parse_shm(b.report.detail("gpu.caps"));
  ASSERT_TRUE(shm) << "gpu.caps: " << b.report.detail("gpu.caps");
  EXPECT_EQ(shm->size, kHostmem);
  const auto map0 = parse_mapping(b.report.detail("gpu.blob_map0"));
  const auto map1 = parse_mapping(b.report.detail("gpu.blob_map1"));
  ASSERT_TRUE(map0 && map1) << b.report.detail("gpu.blob_map0") << "\n"
                            << b.report.detail("gpu.blob_map1");
  EXPECT_EQ(map0->gpa, shm->base);
  EXPECT_NE(map0->fnv, map1->fnv) << "the two mappings were written with different patterns";

  const MemslotTraceFile trace = read_memslot_trace(trace_file.path());
  ASSERT_TRUE(trace.errors.empty()) << trace.errors.front();
  std::vector<std::string> errors;
  const std::vector<SlotLifetime> lives = slot_lifetimes(trace, &errors);
  EXPECT_TRUE(errors.empty()) << errors.front();

  // RAM: present, and never asks KVM to honour the guest's memory type.
  bool ram_low = false;
  for (const TraceEvent& e : trace.events) {
    EXPECT_FALSE(e.applied.empty()) << e.describe();
    if (!e.is_ram()) continue;
    ram_low |= e.owner == "ram-low" && e.event == "add";
    EXPECT_EQ(e.requested, "CacheCoherent") << e.describe();
  }
  EXPECT_TRUE(ram_low) << "no ram-low slot in the trace";

  // Blobs: one slot per successful RESOURCE_MAP_BLOB, in order: map0 (A at 0), map1 (A at
  // half the region), then A at 0 again in gpu.err_map_overlap, its contents unchanged
  // since map1. The error checks must have created no slot.
  std::vector<const SlotLifetime*> blobs;
  for (const SlotLifetime& life : lives)
    if (life.add.is_gpu_blob()) blobs.push_back(&life);
  for (const SlotLifetime* life : blobs) {
    const TraceEvent& add = life->add;
    EXPECT_EQ(add.requested, "CacheNonCoherent") << add.describe();
    EXPECT_TRUE(shm->contains(add.guest_addr, add.size))
        << add.describe() << " lies outside the host-visible region the guest found";
    EXPECT_EQ(add.size, kBlobSize) << add.describe();
    EXPECT_TRUE(life->moves.empty()) << life->moves.front().describe();
    ASSERT_TRUE(life->remove) << add.describe() << " is never removed";
    EXPECT_EQ(life->remove->guest_addr, add.guest_addr) << life->remove->describe();
    EXPECT_EQ(life->remove->size, add.size) << life->remove->describe();
    EXPECT_TRUE(life->remove->fnv1a) << life->remove->describe() << " carries no fnv1a";
  }
  ASSERT_EQ(blobs.size(), 3u) << "want gpu-blob slots for map0, map1 and the overlap check";
  const struct {
    const char* what;
    std::uint64_t gpa;
    std::uint32_t fnv;
  } want[] = {{"gpu.blob_map0", map0->gpa, map0->fnv},
              {"gpu.blob_map1", map1->gpa, map1->fnv},
              {"gpu.err_map_overlap (blob A again)", map0->gpa, map1->fnv}};
  for (std::size_t i = 0; i < blobs.size(); ++i) {
    EXPECT_EQ(blobs[i]->add.guest_addr, want[i].gpa) << want[i].what << ": " << blobs[i]->add.describe();
    if (blobs[i]->remove && blobs[i]->remove->fnv1a) {
      EXPECT_EQ(*blobs[i]->remove->fnv1a, want[i].fnv)
          << want[i].what << ": the guest hashed 0x" << hex32(want[i].fnv)
          << ", the host memory behind the slot hashes otherwise: " << blobs[i]->remove->describe();
    }
  }
}

// --gpu-blob-mapping fixed: the whole region is one memslot and blobs are mmap'd into it.
// The guest sees the same device; the trace shows one CacheNonCoherent slot over exactly
// the region the guest found, and no per-blob slots.
TEST_F(VirtioGpuBoot, FixedBlobMappingServesTheSameGuest) {
  TempFile trace_file("memslot-trace", {});
  std::vector<std::string> args = gpu_args(
      trace_file.path(), {"vmmtest.gpu=1", "vmmtest.gpu_hostmem=" + std::to_string(kHostmem)});
  args.insert(args.end(), {"--gpu-blob-mapping", "fixed"});
  const Boot b = boot(args);
  expect_all_passed(b, concat(kBaseChecks, kGpuChecks));
  if (HasFailure()) return;
  const auto shm = parse_shm(b.report.detail("gpu.caps"));
  ASSERT_TRUE(shm) << "gpu.caps: " << b.report.detail("gpu.caps");

  const MemslotTraceFile trace = read_memslot_trace(trace_file.path());
  ASSERT_TRUE(trace.errors.empty()) << trace.errors.front();
  std::size_t region_slots = 0;
  for (const TraceEvent& e : trace.events) {
    EXPECT_FALSE(e.is_gpu_blob()) << e.describe();
    if (e.is_ram()) continue;
    EXPECT_EQ(e.requested, "CacheNonCoherent") << e.describe();
    EXPECT_EQ(e.guest_addr, shm->base) << e.describe();
    EXPECT_EQ(e.size, shm->size) << e.describe();
    region_slots += e.event == "add";
  }
  EXPECT_EQ(region_slots, 1u) << "the region is mapped once, at the first RESOURCE_MAP_BLOB";
}

// In fixed mode one slot serves the whole region, so a blob asking for another MemCacheType
// (cached map_info: CacheCoherent, in a CacheNonCoherent region) is refused rather than
// silently given the region's type: the guest gets ERR_INVALID_PARAMETER, and the trace and
// the report both carry a `refuse` event saying why.
TEST_F(VirtioGpuBoot, FixedMappingRefusesABlobOfAnotherMemCacheType) {
  TempFile trace_file("memslot-trace", {});
  TempFile report_file("report.json", {});
  std::vector<std::string> args = gpu_args(
      trace_file.path(), {"vmmtest.gpu=1", "vmmtest.gpu_hostmem=" + std::to_string(kHostmem)});
  args.insert(args.end(), {"--gpu-blob-mapping", "fixed", "--gpu-blob-cache", "cached",
                           "--report", report_file.path()});
  const Boot b = boot(args);
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, kGuestCheckFailed) << b.run.describe();
  EXPECT_TRUE(b.report.passed("gpu.blob_create")) << b.run.describe();
  EXPECT_TRUE(b.report.failed("gpu.blob_map0")) << b.run.describe();
  EXPECT_NE(b.report.detail("gpu.blob_map0").find("0x1205"), std::string::npos)
      << "ERR_INVALID_PARAMETER: " << b.report.detail("gpu.blob_map0");

  const std::string want = "asks for CacheCoherent, but the fixed region's slot is CacheNonCoherent";
  const std::string trace = [&] {
    const auto bytes = read_file(trace_file.path());
    return std::string(bytes.begin(), bytes.end());
  }();
  EXPECT_NE(trace.find("\"event\":\"refuse\""), std::string::npos) << trace;
  EXPECT_NE(trace.find(want), std::string::npos) << trace;
  const MemslotTraceFile parsed = read_memslot_trace(trace_file.path());
  EXPECT_TRUE(parsed.errors.empty()) << parsed.errors.front();
  const auto report_bytes = read_file(report_file.path());
  const std::string report(report_bytes.begin(), report_bytes.end());
  EXPECT_NE(report.find("\"refuse\""), std::string::npos) << "the report's events";
  EXPECT_NE(report.find(want), std::string::npos);
}

// The host-visible region's length is what --gpu-hostmem says: a mismatch is caught (so the
// check above is not vacuous), and the checks that need the device set up say "not run".
TEST_F(VirtioGpuBoot, HostmemMismatchIsCaught) {
  TempFile trace_file("memslot-trace", {});
  const Boot b = boot(gpu_args(trace_file.path(),
                               {"vmmtest.gpu=1", "vmmtest.gpu_hostmem=" + std::to_string(2 * kHostmem)}));
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, kGuestCheckFailed) << b.run.describe();
  EXPECT_TRUE(b.report.passed("gpu.pci")) << b.run.describe();
  EXPECT_TRUE(b.report.failed("gpu.caps")) << b.run.describe();
  EXPECT_NE(b.report.detail("gpu.caps").find("want 0x2000000"), std::string::npos)
      << b.report.detail("gpu.caps");
  EXPECT_TRUE(b.report.failed("gpu.features")) << b.run.describe();
  ASSERT_TRUE(b.report.done) << b.run.describe();
}

// Without --gpu the guest finds no device: every gpu.* check is reported FAIL (none hangs,
// none is silently skipped) and the guest exits 1.
TEST_F(VirtioGpuBoot, GpuChecksFailCleanlyWithoutDevice) {
  const Boot b = boot({"--kernel", kTinyGuestImage, "--cmdline", guest_cmdline({"vmmtest.gpu=1"})});
  ASSERT_TRUE(b.run.exited) << b.run.describe();
  EXPECT_EQ(b.run.exit_code, kGuestCheckFailed) << b.run.describe();
  for (const std::string& name : kBaseChecks) EXPECT_TRUE(b.report.passed(name)) << name;
  for (const std::string& name : kGpuChecks) EXPECT_TRUE(b.report.failed(name)) << name;
  EXPECT_NE(b.report.detail("gpu.pci").find("no virtio-gpu 1af4:1050"), std::string::npos)
      << b.report.detail("gpu.pci");
  EXPECT_EQ(b.report.detail("gpu.blob_map0").rfind("not run: ", 0), 0u)
      << b.report.detail("gpu.blob_map0");
  ASSERT_TRUE(b.report.done) << b.run.describe();
  EXPECT_EQ(b.report.done_failed, static_cast<int>(kGpuChecks.size()));
  EXPECT_TRUE(b.report.exceptions.empty()) << b.run.describe();
}

// The optional checks run only when their token asks: a plain boot reports exactly the
// base checks, in order.
TEST_F(TinyGuestBoot, OptionalChecksRunOnlyWhenAsked) {
  const Boot b = boot({"--kernel", kTinyGuestImage, "--cmdline", guest_cmdline({})});
  expect_all_passed(b);
  EXPECT_EQ(b.report.order, kBaseChecks) << b.run.describe();
}

}  // namespace
}  // namespace vmm::test
