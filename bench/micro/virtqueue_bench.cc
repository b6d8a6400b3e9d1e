// virtqueue/...: the device half of a split virtqueue (devices/virtio/virtqueue.h) taking
// one available chain of N descriptors (pop(): avail ring, descriptor table, every bound
// checked, the chain's buffers gathered into a DescriptorChain), looking at each buffer,
// and returning it (push_used()). The driver half is the tests' FakeDriverRing, which lays
// the chain out once; every iteration the driver re-publishes the same head with two
// stores (avail entry, avail idx), as little driver work as a loop can have.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "bench/micro/micro.h"
#include "devices/virtio/virtqueue.h"
#include "devices/virtio/virtqueue_layout.h"
#include "memory/guest_memory.h"
#include "tests/unit/virtio/fake_driver_ring.h"

namespace vmm::bench {
namespace {

constexpr std::uint64_t kRamSize = 1 << 20;
constexpr std::uint16_t kQueueSize = 256;  // room for the longest direct chain (64)
constexpr std::uint32_t kBufferBytes = 256;

using Status = Virtqueue::PopResult::Status;

// One queue with one chain of `descriptors` buffers laid out: the first half (rounded up)
// readable, the rest writable, as a request followed by room for its response. With
// `indirect`, the buffers are described by one table behind a single INDIRECT descriptor.
struct QueueWithChain {
  GuestMemory memory = GuestMemory::from_ranges({{0, kRamSize, "ram"}});
  test::FakeDriverRing ring{memory, {.size = kQueueSize}};
  Virtqueue queue{memory, ring.config()};
  std::uint16_t head = 0;
  std::uint8_t* avail = nullptr;  // host view of the avail ring, for the driver's publish

  QueueWithChain(std::int64_t descriptors, bool indirect) {
    std::vector<test::FakeBuffer> buffers;
    const std::int64_t readable = (descriptors + 1) / 2;
    for (std::int64_t i = 0; i < descriptors; ++i)
      buffers.push_back(i < readable
                            ? test::FakeBuffer::readable(std::vector<std::uint8_t>(kBufferBytes, 0x5a))
                            : test::FakeBuffer::writable(kBufferBytes));
    head = ring.add_chain(buffers, indirect).head;  // published once: pop it in check()
    avail = memory.span(ring.config().avail_addr, virtq::avail_ring_bytes(kQueueSize))->data();
  }

  // The first round trip, checked: the chain comes back whole.
  bool check(std::int64_t descriptors) {
    Virtqueue::PopResult popped = queue.pop();
    if (popped.status != Status::Chain || popped.chain.head != head) return false;
    const auto count = popped.chain.readable.size() + popped.chain.writable.size();
    queue.push_used(head, 0);
    return count == static_cast<std::size_t>(descriptors) && queue.pop().status == Status::Empty;
  }

  // The driver's half of one round: avail->ring[idx % size] = head, then ++avail->idx.
  void publish() {
    std::uint16_t idx;
    std::memcpy(&idx, avail + virtq::kRingIdxOffset, sizeof(idx));
    std::memcpy(avail + virtq::avail_entry_offset(idx % kQueueSize), &head, sizeof(head));
    std::atomic_thread_fence(std::memory_order_release);
    ++idx;
    std::memcpy(avail + virtq::kRingIdxOffset, &idx, sizeof(idx));
  }
};

void pop_walk_push(benchmark::State& state, bool indirect) {
  const std::int64_t descriptors = state.range(0);
  auto q = std::make_unique<QueueWithChain>(descriptors, indirect);
  if (!q->check(descriptors)) {
    state.SkipWithError("the chain did not come back whole");
    return;
  }
  for (auto _ : state) {
    q->publish();
    Virtqueue::PopResult popped = q->queue.pop();
    if (popped.status != Status::Chain) {
      state.SkipWithError("pop() found no chain");
      break;
    }
    // What a device does first with a chain: look at every buffer.
    std::uint64_t readable = 0, writable = 0;
    for (const VirtqBuffer& buffer : popped.chain.readable) readable += buffer.len;
    for (const VirtqBuffer& buffer : popped.chain.writable) writable += buffer.len;
    benchmark::DoNotOptimize(readable);
    q->queue.push_used(popped.chain.head, static_cast<std::uint32_t>(writable));
  }
  state.SetItemsProcessed(state.iterations() * descriptors);  // descriptors walked
}

}  // namespace

void register_virtqueue_benchmarks() {
  auto* direct = benchmark::RegisterBenchmark("virtqueue/pop_walk_push", pop_walk_push, false);
  auto* indirect = benchmark::RegisterBenchmark("virtqueue/pop_walk_push_indirect", pop_walk_push, true);
  for (auto* b : {direct, indirect}) {
    b->ArgName("descriptors");
    for (std::int64_t n : {1, 4, 16, 64}) b->Arg(n);
  }
}

}  // namespace vmm::bench
