// A guest can free a blob long before the VMM stops (RESOURCE_UNREF, or a device reset after
// MAP_BLOB/UNMAP_BLOB); the report written at exit must then neither read the freed memory
// nor print a checksum of whatever reused the address. These tests free the memory for real
// (munmap) before the report is built: with the old code they crash.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "base/fnv1a.h"
#include "base/format.h"
#include "memory/memslot_table.h"
#include "tests/unit/memory/fake_memslot_backend.h"
#include "vmm/report/memslot_event_log.h"
#include "vmm/report/memslot_trace.h"
#include "vmm/report/run_report.h"

namespace vmm {
namespace {

constexpr std::uint64_t kBlobSize = 64 << 10;

MemslotRequest blob_request(void* host, std::uint64_t size) {
  MemslotRequest r;
  r.guest_addr = 0x800000000ull;
  r.size = size;
  r.host_addr = host;
  r.owner = "gpu-blob 5";
  r.cache_type = MemCacheType::CacheNonCoherent;
  return r;
}

TEST(ReportAfterUnmap, ChecksumIsTakenAtRemovalAndTheReportNeverTouchesFreedMemory) {
  testing::FakeMemslotBackend backend;
  MemslotTable table(backend);
  table.checksum_removals();
  MemslotEventLog log(table);

  void* blob = mmap(nullptr, kBlobSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(blob, MAP_FAILED);
  std::memset(blob, 0x5a, kBlobSize);
  const std::uint32_t expected = fnv1a32({static_cast<const std::uint8_t*>(blob), kBlobSize});

  auto mapped = table.map(blob_request(blob, kBlobSize));
  ASSERT_TRUE(mapped) << mapped.error;
  ASSERT_TRUE(table.unmap(mapped.slot));
  ASSERT_EQ(munmap(blob, kBlobSize), 0);  // RESOURCE_UNREF frees the blob

  RunReportInput in;
  in.events = log.events();
  const nlohmann::json report = run_report_json(in);  // crashed here: hashed freed memory
  const auto& events = report["memslots"]["events"];
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["event"], "remove");
  EXPECT_EQ(events[1]["fnv1a"], hex(expected)) << "the checksum of the memory when it was mapped";
  for (const auto& event : log.events()) EXPECT_EQ(event.slot.request.host_addr, nullptr);
}

TEST(ReportAfterUnmap, LargeSlotsAreNotHashedOnTheGuestsThreadAndSayWhy) {
  testing::FakeMemslotBackend backend;
  MemslotTable table(backend);
  table.checksum_removals();
  std::vector<MemslotEvent> seen;
  table.subscribe([&](const MemslotEvent& e) { seen.push_back(e); });
  const std::uint64_t size = MemslotTable::kMaxRemovalChecksumBytes + 4096;
  // PROT_NONE: hashing it would fault, so the test also proves it is not read.
  void* big = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(big, MAP_FAILED);
  auto mapped = table.map(blob_request(big, size));
  ASSERT_TRUE(mapped) << mapped.error;
  ASSERT_TRUE(table.unmap(mapped.slot));
  munmap(big, size);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[1].removal_checksum.fnv1a);
  EXPECT_EQ(seen[1].removal_checksum.skipped, "slot larger than 16 MiB");
}

TEST(ReportAfterUnmap, WithoutTraceOrReportNothingIsHashed) {
  testing::FakeMemslotBackend backend;
  MemslotTable table(backend);
  std::vector<MemslotEvent> seen;
  table.subscribe([&](const MemslotEvent& e) { seen.push_back(e); });
  void* none = mmap(nullptr, kBlobSize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(none, MAP_FAILED);
  auto mapped = table.map(blob_request(none, kBlobSize));
  ASSERT_TRUE(table.unmap(mapped.slot));  // would fault if it hashed
  munmap(none, kBlobSize);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[1].removal_checksum.fnv1a);
  EXPECT_TRUE(seen[1].removal_checksum.skipped.empty());
}

TEST(ReportAfterUnmap, EventHistoryIsBoundedAndTheReportSaysWhatWasDropped) {
  testing::FakeMemslotBackend backend;
  MemslotTable table(backend);
  MemslotEventLog log(table);
  std::vector<std::uint8_t> page(4096);
  const std::size_t loops = MemslotEventLog::kMaxEvents / 2 + 10;  // two events per loop
  for (std::size_t i = 0; i < loops; ++i) {
    auto mapped = table.map(blob_request(page.data(), page.size()));
    ASSERT_TRUE(mapped) << mapped.error;
    ASSERT_TRUE(table.unmap(mapped.slot));
  }
  EXPECT_EQ(log.events().size(), MemslotEventLog::kMaxEvents);
  EXPECT_EQ(log.dropped(), 20u);
  RunReportInput in;
  in.events = log.events();
  in.events_dropped = log.dropped();
  const nlohmann::json report = run_report_json(in);
  EXPECT_EQ(report["memslots"]["events_dropped"], 20);
  EXPECT_FALSE(report["complete"]);
}

}  // namespace
}  // namespace vmm
