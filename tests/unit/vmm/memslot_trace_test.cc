#include "vmm/report/memslot_trace.h"

#include "base/fnv1a.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace vmm {
namespace {

MemslotEvent event(MemslotEventKind kind, std::string owner, void* host, std::uint64_t size) {
  MemslotEvent e{.kind = kind};
  e.slot.slot = 3;
  e.slot.request.guest_addr = 0x800000000ull;
  e.slot.request.size = size;
  e.slot.request.host_addr = host;
  e.slot.request.owner = std::move(owner);
  e.slot.request.cache_type = MemCacheType::CacheNonCoherent;
  e.slot.applied = {0, "none", "host type wins (IPAT)", GuestPat::HostTypeWins};
  return e;
}

TEST(MemslotTrace, Fnv1aMatchesKnownVectors) {
  EXPECT_EQ(fnv1a32({}), 0x811c9dc5u);
  const std::uint8_t a[] = {'a'};
  EXPECT_EQ(fnv1a32(a), 0xe40c292cu);
  const std::uint8_t foobar[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  EXPECT_EQ(fnv1a32(foobar), 0xbf9cf968u);
}

TEST(MemslotTrace, EventJsonCarriesRequestedAndApplied) {
  std::vector<std::uint8_t> blob(4096, 0xab);
  auto j = memslot_event_json(event(MemslotEventKind::Added, "gpu-blob 7", blob.data(), blob.size()));
  EXPECT_EQ(j["event"], "add");
  EXPECT_EQ(j["slot"], 3);
  EXPECT_EQ(j["guest_addr"], "0x800000000");
  EXPECT_EQ(j["size"], "0x1000");
  EXPECT_EQ(j["owner"], "gpu-blob 7");
  EXPECT_EQ(j["requested"], "CacheNonCoherent");
  EXPECT_EQ(j["applied"], "none");
  EXPECT_EQ(j["rule"], "host type wins (IPAT)");
  EXPECT_FALSE(j.contains("fnv1a")) << "checksums only at removal";
  EXPECT_FALSE(j.contains("t_ns")) << "an event the table did not time carries no time";
  auto timed = event(MemslotEventKind::Added, "gpu-blob 7", blob.data(), blob.size());
  timed.began_ns = 123456789;
  timed.took_ns = 4200;
  timed.backend_ns = 4000;
  j = memslot_event_json(timed);
  EXPECT_EQ(j["kvm_ns"], 4000u);
  EXPECT_EQ(j["t_ns"], 123456789u);
  EXPECT_EQ(j["took_ns"], 4200u);
}

TEST(MemslotTrace, RemovalPrintsTheChecksumTakenByTheTableNeverReadsMemory) {
  // The event's host pointer is deliberately bogus: printing must not dereference it.
  auto removed = event(MemslotEventKind::Removed, "gpu-blob 7", reinterpret_cast<void*>(0x10), 4096);
  removed.removal_checksum.fnv1a = 0x1234abcd;
  EXPECT_EQ(memslot_event_json(removed)["fnv1a"], "0x1234abcd");
  auto skipped = event(MemslotEventKind::Removed, "gpu-blob 8", reinterpret_cast<void*>(0x10), 1ull << 30);
  skipped.removal_checksum.skipped = "slot larger than 16 MiB";
  auto j = memslot_event_json(skipped);
  EXPECT_FALSE(j.contains("fnv1a"));
  EXPECT_EQ(j["fnv1a_skipped"], "slot larger than 16 MiB");
}

TEST(MemslotTrace, StopsAtItsLineLimitAndSaysHowManyItDropped) {
  auto path = std::filesystem::temp_directory_path() / ("vmm-trace-cap-" + std::to_string(::getpid()));
  {
    MemslotTrace trace(path.string());
    for (std::uint64_t i = 0; i < MemslotTrace::kMaxLines + 5; ++i)
      trace.write(event(MemslotEventKind::Added, "gpu-blob 1", nullptr, 4096));
  }
  std::ifstream in(path);
  std::string line, last;
  std::uint64_t count = 0;
  while (std::getline(in, line)) {
    ++count;
    last = line;
  }
  std::filesystem::remove(path);
  EXPECT_EQ(count, MemslotTrace::kMaxLines + 1);
  auto j = nlohmann::json::parse(last);
  EXPECT_EQ(j["event"], "dropped");
  EXPECT_EQ(j["count"], 5);
}

TEST(MemslotTrace, WritesOneJsonLinePerEvent) {
  auto path = std::filesystem::temp_directory_path() / ("vmm-trace-" + std::to_string(::getpid()));
  std::vector<std::uint8_t> blob(4096, 1);
  {
    MemslotTrace trace(path.string());
    trace.write(event(MemslotEventKind::Added, "gpu-blob 1", blob.data(), blob.size()));
    auto moved = event(MemslotEventKind::Moved, "gpu-blob 1", blob.data(), blob.size());
    moved.old_guest_addr = 0x1000;
    trace.write(moved);
  }
  std::ifstream in(path);
  std::string line;
  std::vector<nlohmann::json> lines;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  std::filesystem::remove(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["event"], "move");
  EXPECT_EQ(lines[1]["old_guest_addr"], "0x1000");
}

TEST(MemslotTrace, UnwritablePathIsAClearError) {
  try {
    MemslotTrace trace("/nonexistent-dir/trace.jsonl");
    FAIL();
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/trace.jsonl"), std::string::npos);
  }
}

}  // namespace
}  // namespace vmm
