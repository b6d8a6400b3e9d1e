#include "memory/memslot_table.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <memory>
#include <vector>

#include "base/fnv1a.h"
#include "tests/unit/memory/fake_memslot_backend.h"

namespace vmm {
namespace {

using testing::FakeMemslotBackend;

// A host buffer the requests can point at; the fake never touches it.
alignas(4096) std::uint8_t host_page[4096];

// A slot named "ram-*" is guest RAM, as the machine maps it; any other name is a device's.
MemslotRequest ram(std::uint64_t addr, std::uint64_t size, std::string owner = "ram-low") {
  MemslotRequest r;
  r.guest_addr = addr;
  r.size = size;
  r.host_addr = host_page;
  r.kind = owner.starts_with("ram-") ? SlotKind::GuestRam : SlotKind::Device;
  r.owner = std::move(owner);
  return r;
}

class MemslotTableTest : public ::testing::Test {
 protected:
  FakeMemslotBackend backend{4};
  MemslotTable table{backend};
  std::vector<MemslotEvent> events;

  void SetUp() override {
    table.subscribe([this](const MemslotEvent& e) { events.push_back(e); });
  }
};

TEST_F(MemslotTableTest, AddRecordsRequestAndAppliedFlagsAndEmitsEvent) {
  auto request = ram(0, 0x100000);
  request.read_only = true;
  auto result = table.map(request);
  ASSERT_TRUE(result) << result.error;
  EXPECT_EQ(result.slot, 0u);
  auto slot = table.find(0);
  ASSERT_TRUE(slot);
  EXPECT_EQ(slot->request.owner, "ram-low");
  EXPECT_EQ(slot->request.cache_type, MemCacheType::CacheCoherent);
  EXPECT_EQ(slot->applied.names, "KVM_MEM_READONLY");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, MemslotEventKind::Added);
  EXPECT_EQ(events[0].slot.request.size, 0x100000u);
  EXPECT_EQ(backend.installed.at(0), 0u);
}

// The table's indexes (by address, free numbers) against the plain definitions: a slot
// overlaps when any live slot shares a byte; the number given is the lowest not in use.
TEST(MemslotTableIndexes, AgreeWithBruteForceOverThousandsOfRandomChanges) {
  FakeMemslotBackend backend{512};
  MemslotTable table{backend};
  std::map<std::uint32_t, std::pair<std::uint64_t, std::uint64_t>> model;  // number -> [start, end)
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto random = [&state](std::uint64_t below) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state % below;
  };
  auto overlaps = [&](std::uint64_t start, std::uint64_t end, std::optional<std::uint32_t> skip) {
    for (const auto& [n, r] : model)
      if ((!skip || n != *skip) && start < r.second && r.first < end) return true;
    return false;
  };
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t start = random(1024) * 0x1000, end = start + (1 + random(8)) * 0x1000;
    const int op = static_cast<int>(random(3));
    if (op == 0) {
      std::uint32_t lowest = 0;
      while (model.count(lowest)) ++lowest;
      const bool expect_ok = !overlaps(start, end, std::nullopt) && lowest < 512;
      auto result = table.map(ram(start, end - start));
      ASSERT_EQ(result.ok, expect_ok) << "step " << step << ": " << result.error;
      if (!expect_ok) continue;
      ASSERT_EQ(result.slot, lowest) << "step " << step;
      model[lowest] = {start, end};
    } else if (!model.empty()) {
      auto it = std::next(model.begin(), static_cast<long>(random(model.size())));
      if (op == 1) {
        ASSERT_TRUE(table.unmap(it->first)) << "step " << step;
        model.erase(it);
      } else {
        const std::uint64_t size = it->second.second - it->second.first;
        const bool expect_ok = !overlaps(start, start + size, it->first);
        ASSERT_EQ(bool(table.move(it->first, start)), expect_ok) << "step " << step;
        if (expect_ok) it->second = {start, start + size};
      }
    }
  }
  const auto slots = table.slots();
  ASSERT_EQ(slots.size(), model.size());
  for (std::size_t i = 1; i < slots.size(); ++i)
    EXPECT_LT(slots[i - 1].request.guest_addr, slots[i].request.guest_addr) << "ordered by address";
}

TEST_F(MemslotTableTest, EveryChangeSaysWhenItWasAskedAndHowLongItTook) {
  ASSERT_TRUE(table.map(ram(0, 0x100000)));
  ASSERT_TRUE(table.move(0, 0x200000));
  ASSERT_TRUE(table.unmap(0));
  ASSERT_EQ(events.size(), 3u);
  for (const MemslotEvent& e : events) {
    EXPECT_GT(e.began_ns, 0u) << to_string(e.kind);
    // A fake backend answers at once; a minute would mean the duration is garbage.
    EXPECT_LT(e.took_ns, 60'000'000'000ull) << to_string(e.kind);
    EXPECT_LE(e.backend_ns, e.took_ns) << "the hypervisor call is part of the change";
  }
  EXPECT_LE(events[0].began_ns, events[1].began_ns);
  EXPECT_LE(events[1].began_ns, events[2].began_ns);
}

TEST_F(MemslotTableTest, RejectsZeroSizeUnalignedAndWrapping) {
  EXPECT_FALSE(table.map(ram(0, 0)));
  EXPECT_FALSE(table.map(ram(0x800, 0x1000)));
  EXPECT_FALSE(table.map(ram(0, 0x1800)));
  auto wrap = table.map(ram(0xfffffffffffff000ull, 0x2000));
  EXPECT_FALSE(wrap);
  EXPECT_NE(wrap.error.find("wraps"), std::string::npos) << wrap.error;
  EXPECT_TRUE(backend.calls.empty()) << "nothing reached the hypervisor";
  EXPECT_TRUE(events.empty());
}

TEST_F(MemslotTableTest, RejectsOverlapButAllowsAdjacency) {
  ASSERT_TRUE(table.map(ram(0x100000, 0x100000, "a")));
  auto overlap = table.map(ram(0x1ff000, 0x2000, "b"));
  ASSERT_FALSE(overlap);
  EXPECT_NE(overlap.error.find("overlaps slot 0 (a"), std::string::npos) << overlap.error;
  EXPECT_FALSE(table.map(ram(0, 0x101000, "c")));
  EXPECT_FALSE(table.map(ram(0x80000, 0x400000, "covering")));
  EXPECT_TRUE(table.map(ram(0x200000, 0x1000, "after")));
  EXPECT_TRUE(table.map(ram(0xff000, 0x1000, "before")));
}

TEST_F(MemslotTableTest, ReusesLowestFreeSlotNumber) {
  ASSERT_EQ(table.map(ram(0x0000, 0x1000)).slot, 0u);
  ASSERT_EQ(table.map(ram(0x1000, 0x1000)).slot, 1u);
  ASSERT_EQ(table.map(ram(0x2000, 0x1000)).slot, 2u);
  ASSERT_TRUE(table.unmap(1));
  EXPECT_EQ(table.map(ram(0x5000, 0x1000)).slot, 1u);
  EXPECT_EQ(table.map(ram(0x6000, 0x1000)).slot, 3u);
}

TEST_F(MemslotTableTest, RespectsTheHypervisorSlotLimit) {
  for (std::uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(table.map(ram(i * 0x1000, 0x1000)));
  auto full = table.map(ram(0x10000, 0x1000, "one-too-many"));
  ASSERT_FALSE(full);
  EXPECT_NE(full.error.find("allows 4"), std::string::npos) << full.error;
}

TEST_F(MemslotTableTest, RemoveUninstallsAndEmitsEvent) {
  ASSERT_TRUE(table.map(ram(0, 0x1000)));
  ASSERT_TRUE(table.unmap(0));
  EXPECT_TRUE(backend.installed.empty());
  EXPECT_FALSE(table.find(0));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, MemslotEventKind::Removed);
  EXPECT_FALSE(table.unmap(0)) << "removing twice is an error, not a crash";
}

TEST_F(MemslotTableTest, MoveChecksOverlapIgnoringItselfAndReportsOldAddress) {
  ASSERT_TRUE(table.map(ram(0x0000, 0x2000, "a")));
  ASSERT_TRUE(table.map(ram(0x8000, 0x2000, "b")));
  EXPECT_FALSE(table.move(1, 0x1000)) << "would overlap a";
  ASSERT_TRUE(table.move(1, 0x9000)) << "overlapping its own old range is fine";
  EXPECT_EQ(backend.installed.at(1), 0x9000u);
  EXPECT_EQ(table.find(1)->request.guest_addr, 0x9000u);
  ASSERT_EQ(events.back().kind, MemslotEventKind::Moved);
  EXPECT_EQ(events.back().old_guest_addr, 0x8000u);
  EXPECT_FALSE(table.move(7, 0x20000));
}

TEST_F(MemslotTableTest, HypervisorRefusalLeavesTableUnchanged) {
  backend.fail_next_install = EINVAL;
  auto result = table.map(ram(0, 0x1000, "refused"));
  ASSERT_FALSE(result);
  EXPECT_NE(result.error.find("Invalid argument"), std::string::npos) << result.error;
  EXPECT_TRUE(table.slots().empty());
  EXPECT_TRUE(events.empty());
  ASSERT_TRUE(table.map(ram(0, 0x1000)));
  backend.fail_next_uninstall = EBUSY;
  EXPECT_FALSE(table.unmap(0));
  EXPECT_TRUE(table.find(0)) << "a slot KVM still has stays in the table";
}

TEST_F(MemslotTableTest, SlotsAreListedByGuestAddress) {
  ASSERT_TRUE(table.map(ram(0x9000, 0x1000, "high")));
  ASSERT_TRUE(table.map(ram(0x1000, 0x1000, "low")));
  auto slots = table.slots();
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[0].request.owner, "low");
  EXPECT_EQ(slots[1].request.owner, "high");
}

TEST_F(MemslotTableTest, RequestedCacheTypeIsKept) {
  auto request = ram(0x4000, 0x1000, "gpu-blob 7");
  request.cache_type = MemCacheType::CacheNonCoherent;
  ASSERT_TRUE(table.map(request));
  EXPECT_EQ(table.slots()[0].request.cache_type, MemCacheType::CacheNonCoherent);
}

}  // namespace
}  // namespace vmm

namespace vmm {
namespace {

// A device's refusal is an event of its own: the request, the slot that would have served
// it (with that slot's applied flags and rule) and why; no slot changes.
TEST(MemslotTableRefusal, RefusedRequestIsAnEventAndChangesNothing) {
  testing::FakeMemslotBackend backend{4};
  MemslotTable table{backend};
  std::vector<MemslotEvent> events;
  table.subscribe([&](const MemslotEvent& e) { events.push_back(e); });
  MemslotRequest region = ram(0x100000000ull, 0x1000000, "gpu-hostmem");
  region.cache_type = MemCacheType::CacheNonCoherent;
  const auto slot = table.map(region);
  ASSERT_TRUE(slot);
  MemslotRequest blob = ram(0x100010000ull, 0x10000, "gpu-blob 7");
  blob.cache_type = MemCacheType::CacheCoherent;
  table.refused(blob, slot.slot, "gpu-blob 7 asks for CacheCoherent");
  ASSERT_EQ(events.size(), 2u);
  const MemslotEvent& e = events[1];
  EXPECT_EQ(e.kind, MemslotEventKind::Refused);
  EXPECT_EQ(to_string(e.kind), "refuse");
  EXPECT_EQ(e.slot.slot, slot.slot);
  EXPECT_EQ(e.slot.request.owner, "gpu-blob 7");
  EXPECT_EQ(e.slot.request.cache_type, MemCacheType::CacheCoherent);
  EXPECT_EQ(e.slot.applied.rule, table.find(slot.slot)->applied.rule) << "the serving slot's rule";
  EXPECT_EQ(e.reason, "gpu-blob 7 asks for CacheCoherent");
  EXPECT_EQ(table.slots().size(), 1u);
}

}  // namespace
}  // namespace vmm

namespace vmm {
namespace {

// First touch: a device slot asked for with install_on_first_touch is numbered and listed
// at once but reaches the hypervisor only when the guest's access exits to vmm; that access
// is served from the slot's memory, the callback sees the slot before it goes live.
class FirstTouchTest : public ::testing::Test {
 protected:
  FakeMemslotBackend backend{8};
  MemslotTable table{backend};
  std::vector<MemslotEvent> events;
  alignas(4096) std::uint8_t blob[2 * 4096] = {};

  void SetUp() override {
    table.subscribe([this](const MemslotEvent& e) { events.push_back(e); });
    table.install_device_slots_on_first_touch();
  }
  MemslotRequest device(std::uint64_t addr) {
    MemslotRequest r;
    r.guest_addr = addr;
    r.size = sizeof blob;
    r.host_addr = blob;
    r.owner = "gpu-blob 7";
    return r;
  }
};

TEST_F(FirstTouchTest, PendingSlotIsListedButNotInstalledUntilTouched) {
  ASSERT_TRUE(table.map(device(0x100000000)));
  ASSERT_TRUE(table.has_pending());
  auto slot = table.find(0);
  ASSERT_TRUE(slot);
  EXPECT_TRUE(slot->pending);
  EXPECT_EQ(slot->applied.names, "none") << "listed with what it will be told";
  EXPECT_TRUE(backend.calls.empty()) << "the hypervisor has not been told";
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, MemslotEventKind::Added);
  EXPECT_TRUE(events[0].slot.pending);

  blob[4096 + 8] = 0x5a;
  std::uint8_t data[4] = {};
  std::vector<std::pair<std::uint64_t, bool>> seen;  // gpa, pending when called
  const auto access = table.serve_device_access(
      0x100000000 + 4096 + 8, data, false,
      [&](const Memslot& s, std::uint64_t gpa) { seen.emplace_back(gpa, s.pending); });
  ASSERT_TRUE(access.served);
  EXPECT_TRUE(access.install_error.empty()) << access.install_error;
  EXPECT_EQ(data[0], 0x5a) << "the read is served from the slot's memory";
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, 0x100000000u + 4096 + 8);
  EXPECT_TRUE(seen[0].second) << "called before the slot goes live";
  EXPECT_EQ(backend.installed.at(0), 0x100000000u);
  EXPECT_FALSE(table.has_pending());
  EXPECT_FALSE(table.find(0)->pending);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, MemslotEventKind::Installed);
  EXPECT_EQ(events[1].touched_gpa, 0x100000000u + 4096 + 8);
  EXPECT_EQ(to_string(events[1].kind), "install");

  // A later exit on the installed slot (an emulated instruction in flight) is still served,
  // but installs nothing and calls nothing.
  const std::uint8_t value[2] = {0x11, 0x22};
  std::uint8_t write[2] = {value[0], value[1]};
  ASSERT_TRUE(table.serve_device_access(0x100000000 + 2, write, true,
                                        [&](const Memslot&, std::uint64_t) { seen.emplace_back(0, false); })
                  .served);
  EXPECT_EQ(blob[2], 0x11);
  EXPECT_EQ(blob[3], 0x22);
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(backend.calls.size(), 1u);
}

TEST_F(FirstTouchTest, AccessesOutsideDeviceSlotsAreNotServed) {
  ASSERT_TRUE(table.map(ram(0, 0x100000)));
  EXPECT_FALSE(table.find(0)->pending) << "RAM is installed at once";
  EXPECT_EQ(backend.installed.count(0), 1u);
  ASSERT_TRUE(table.map(device(0x100000000)));
  std::uint8_t data[8] = {};
  EXPECT_FALSE(table.serve_device_access(0x1000, data, false, nullptr).served) << "RAM is not a device slot";
  EXPECT_FALSE(table.serve_device_access(0x100000000 + sizeof blob, data, false, nullptr).served) << "past the end";
  EXPECT_TRUE(table.has_pending());
}

TEST_F(FirstTouchTest, AnAccessOverTheSlotsEndReadsOnesAndWritesNothingBeyond) {
  ASSERT_TRUE(table.map(device(0x100000000)));
  std::uint8_t data[8];
  std::fill(std::begin(data), std::end(data), 0);
  blob[sizeof blob - 4] = 0x77;
  ASSERT_TRUE(table.serve_device_access(0x100000000 + sizeof blob - 4, data, false, nullptr).served);
  EXPECT_EQ(data[0], 0x77);
  EXPECT_EQ(data[4], 0xff);
  EXPECT_EQ(data[7], 0xff);
}

TEST_F(FirstTouchTest, RemovingOrMovingAPendingSlotNeverTellsTheHypervisor) {
  ASSERT_TRUE(table.map(device(0x100000000)));
  ASSERT_TRUE(table.move(0, 0x200000000));
  EXPECT_TRUE(backend.calls.empty());
  EXPECT_EQ(table.find(0)->request.guest_addr, 0x200000000u);
  ASSERT_TRUE(table.unmap(0));
  EXPECT_TRUE(backend.calls.empty());
  EXPECT_FALSE(table.has_pending());
}

TEST_F(FirstTouchTest, ARefusedInstallLeavesTheSlotPendingAndServed) {
  ASSERT_TRUE(table.map(device(0x100000000)));
  backend.fail_next_install = 22;
  std::uint8_t data[1] = {0x42};
  const auto refused = table.serve_device_access(0x100000000, data, true, nullptr);
  ASSERT_TRUE(refused.served);
  EXPECT_NE(refused.install_error.find("Invalid argument"), std::string::npos) << refused.install_error;
  EXPECT_EQ(blob[0], 0x42);
  EXPECT_TRUE(table.find(0)->pending);
  EXPECT_TRUE(table.has_pending());
  ASSERT_TRUE(table.serve_device_access(0x100000000, data, true, nullptr).served);
  EXPECT_FALSE(table.find(0)->pending) << "the next touch tries again";
}

TEST_F(FirstTouchTest, InstallPendingByAddressOrAll) {
  ASSERT_TRUE(table.map(device(0x100000000)));
  auto other = device(0x100010000);
  ASSERT_TRUE(table.map(other));
  int calls = 0;
  EXPECT_EQ(table.install_pending(0x100010000 + 5, [&](const Memslot&, std::uint64_t) { ++calls; }), 1u);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(table.find(0)->pending);
  EXPECT_FALSE(table.find(1)->pending);
  EXPECT_EQ(table.install_pending(std::nullopt, [&](const Memslot&, std::uint64_t) { ++calls; }), 1u);
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(table.has_pending());
  EXPECT_EQ(table.install_pending(std::nullopt, nullptr), 0u);
}

TEST_F(FirstTouchTest, SerialsNameEverySlotOnce) {
  ASSERT_TRUE(table.map(device(0x100000000)));
  const std::uint64_t first = table.find(0)->serial;
  ASSERT_TRUE(table.unmap(0));
  ASSERT_TRUE(table.map(device(0x100000000)));
  EXPECT_EQ(table.find(0)->slot, 0u) << "the number is reused";
  EXPECT_GT(table.find(0)->serial, first) << "the serial is not";
}

// A slot owns its host memory while it is live: the table holds the lease until the
// hypervisor has let the slot go, and a refused removal keeps it.
TEST_F(MemslotTableTest, TheLeaseLivesUntilTheHypervisorLetsTheSlotGo) {
  bool released = false;
  std::weak_ptr<const void> watch;
  {
    HostMemoryLease lease = lease_running([&] { released = true; });
    watch = lease;
    ASSERT_TRUE(table.map(ram(0x4000, 0x1000, "gpu-blob 7"), std::move(lease)));
  }
  EXPECT_FALSE(watch.expired()) << "the table holds it once the mapper let go";
  backend.fail_next_uninstall = EBUSY;
  EXPECT_FALSE(table.unmap(0));
  EXPECT_FALSE(released) << "a refused removal must keep the memory";
  ASSERT_TRUE(table.unmap(0));
  EXPECT_TRUE(released);
  EXPECT_TRUE(watch.expired());
  // Events keep Memslots, never the lease.
  for (const auto& e : events) EXPECT_EQ(e.slot.request.owner, "gpu-blob 7");
}

TEST_F(MemslotTableTest, ARefusedMapDropsTheLeaseAndTheTableFreesWhatItStillHolds) {
  bool refused_released = false;
  backend.fail_next_install = EINVAL;
  EXPECT_FALSE(table.map(ram(0x4000, 0x1000, "refused"), lease_running([&] { refused_released = true; })));
  EXPECT_TRUE(refused_released);
  bool kept_released = false;
  {
    FakeMemslotBackend other{4};
    MemslotTable short_lived{other};
    ASSERT_TRUE(short_lived.map(ram(0x4000, 0x1000, "stuck"), lease_running([&] { kept_released = true; })));
    other.fail_next_uninstall = EBUSY;
    EXPECT_FALSE(short_lived.unmap(0));
    EXPECT_FALSE(kept_released);
  }
  EXPECT_TRUE(kept_released) << "the table gives back what it held when it goes";
}

TEST_F(MemslotTableTest, TheRemovalChecksumReadsTheMemoryBeforeTheLeaseGoes) {
  table.checksum_removals();
  auto memory = std::make_shared<std::vector<std::uint8_t>>(4096, 0xab);
  MemslotRequest request = ram(0x4000, 0x1000, "gpu-blob 7");
  request.host_addr = memory->data();
  ASSERT_TRUE(table.map(request, memory));
  const std::uint32_t expected = fnv1a32(*memory);
  memory.reset();  // the table's lease is the last holder
  ASSERT_TRUE(table.unmap(0));
  ASSERT_EQ(events.back().kind, MemslotEventKind::Removed);
  ASSERT_TRUE(events.back().removal_checksum.fnv1a);
  EXPECT_EQ(*events.back().removal_checksum.fnv1a, expected);
}

}  // namespace
}  // namespace vmm
