// memslot_table/...: vmm's own bookkeeping for memslots (MemslotTable), with a backend that
// does nothing, so no hypervisor cost is in the figures: validation (alignment, overlap
// against every live slot), choosing the lowest free slot number, the std::map, the event.
//
// The tests' FakeMemslotBackend (tests/unit/memory) is not used: it appends every call to a
// vector, which would grow without bound over millions of iterations and put allocation
// into the figures.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>

#include "bench/micro/micro.h"
#include "memory/memslot_table.h"

namespace vmm::bench {
namespace {

// KVM's KVM_USER_MEM_SLOTS on x86-64 (KVM_CAP_NR_MEMSLOTS answers this on current kernels).
constexpr std::uint32_t kSlotLimit = 32764;
constexpr std::uint64_t k2MiB = 2ull << 20;
constexpr std::uint64_t kDeviceSlotAddr = 1ull << 40;  // above every live slot

// The hypervisor side reduced to nothing: accepts every slot, reports no flags.
class NullMemslotBackend : public MemslotBackend {
 public:
  std::uint32_t slot_limit() const override { return kSlotLimit; }
  AppliedFlags describe(const MemslotRequest&) const override { return {0u, "none", "bench"}; }
  InstallResult install(std::uint32_t, const MemslotRequest& request) override { return {0, describe(request)}; }
  int uninstall(std::uint32_t, const Memslot&) override { return 0; }
};

// Host memory the requests point at; the null backend never touches it, and the table only
// reads it when removal checksums are on (they are not here).
alignas(4096) std::uint8_t host_page[4096];

MemslotRequest request(std::uint64_t guest_addr, std::string owner, MemCacheType type) {
  MemslotRequest r;
  r.guest_addr = guest_addr;
  r.size = k2MiB;
  r.host_addr = host_page;
  r.owner = std::move(owner);
  r.cache_type = type;
  return r;
}

// A table with `live` 2 MiB slots side by side from guest address 0 (slots 0..live-1),
// like RAM split into many slots, plus nothing else.
struct LiveTable {
  NullMemslotBackend backend;
  MemslotTable table{backend};
  bool ok = true;

  explicit LiveTable(std::int64_t live) {
    for (std::int64_t i = 0; i < live && ok; ++i)
      ok = static_cast<bool>(table.map(request(static_cast<std::uint64_t>(i) * k2MiB,
                                               "live " + std::to_string(i),
                                               MemCacheType::CacheCoherent)));
  }
};

const MemslotRequest kDeviceSlot =
    request(kDeviceSlotAddr, "gpu-blob 1", MemCacheType::CacheNonCoherent);

// One device slot (a GPU blob mapped and unmapped by the guest) while `live` others exist.
void map_unmap(benchmark::State& state) {
  auto live = std::make_unique<LiveTable>(state.range(0));
  if (!live->ok) {
    state.SkipWithError("cannot set up the live slots");
    return;
  }
  for (auto _ : state) {
    MemslotResult mapped = live->table.map(kDeviceSlot);
    if (!mapped || !live->table.unmap(mapped.slot)) {
      state.SkipWithError("map or unmap of the device slot failed");
      break;
    }
    benchmark::DoNotOptimize(mapped);
  }
  state.SetItemsProcessed(state.iterations());  // one map + one unmap
}

// The device slot moved back and forth between two places (a guest moving a BAR whose
// memory is a slot) while `live` others exist.
void move(benchmark::State& state) {
  auto live = std::make_unique<LiveTable>(state.range(0));
  MemslotResult mapped = live->table.map(kDeviceSlot);
  if (!live->ok || !mapped) {
    state.SkipWithError("cannot set up the slots");
    return;
  }
  std::uint64_t places[2] = {kDeviceSlotAddr + k2MiB, kDeviceSlotAddr};
  std::size_t next = 0;
  for (auto _ : state) {
    MemslotResult moved = live->table.move(mapped.slot, places[next]);
    if (!moved) {
      state.SkipWithError("move of the device slot failed");
      break;
    }
    next ^= 1;
    benchmark::DoNotOptimize(moved);
  }
  state.SetItemsProcessed(state.iterations());
}

// MemslotTable::find(slot number), the table's only lookup (there is none by guest
// address): a copy of the slot out of the map, under the lock.
void find(benchmark::State& state) {
  auto live = std::make_unique<LiveTable>(state.range(0));
  if (!live->ok) {
    state.SkipWithError("cannot set up the live slots");
    return;
  }
  const auto slot = static_cast<std::uint32_t>(state.range(0) / 2);
  for (auto _ : state) {
    auto found = live->table.find(slot);
    if (!found) {
      state.SkipWithError("slot not found");
      break;
    }
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

void register_memslot_benchmarks() {
  for (auto [name, fn] : {std::pair{"memslot_table/map_unmap", &map_unmap},
                          std::pair{"memslot_table/move", &move},
                          std::pair{"memslot_table/find", &find}}) {
    auto* b = benchmark::RegisterBenchmark(name, fn)->ArgName("live");
    for (std::int64_t live : {1, 16, 256, 4096}) b->Arg(live);
  }
}

}  // namespace vmm::bench
