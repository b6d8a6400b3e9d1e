// Virtqueue against a hostile or broken driver: every malformed chain is a BadChain that
// still consumes its avail entry, and the queue keeps working afterwards.
#include "devices/virtio/virtqueue.h"

#include <gtest/gtest.h>

#include "tests/unit/virtio/queue_fixture.h"

namespace vmm::test {
namespace {

using virtq::kDescFIndirect;
using virtq::kDescFNext;
using virtq::kDescFWrite;

class VirtqueueHostile : public QueueTest {
 protected:
  // After a BadChain the device answers with zero length and the next chain must work.
  void expect_queue_still_works(const Virtqueue::PopResult& bad) {
    queue->push_used(bad.chain.head, 0);
    auto used = ring->take_used();
    ASSERT_TRUE(used.has_value());
    EXPECT_EQ(used->id, bad.chain.head);
    EXPECT_EQ(used->len, 0u);
    auto added = ring->add_chain({FakeBuffer::readable(bytes({42}))});
    auto r = queue->pop();
    ASSERT_EQ(r.status, Status::Chain) << r.error;
    EXPECT_EQ(r.chain.head, added.head);
  }
  std::uint64_t buf() { return ring->alloc(64); }
};

TEST_F(VirtqueueHostile, HeadIndexOutOfRange) {
  auto r = pop_head(16);  // queue size 16
  expect_bad(r, 16, "head index");
  expect_queue_still_works(r);
  EXPECT_EQ(pop_head(0xffff).status, Status::BadChain);
}

TEST_F(VirtqueueHostile, NextIndexOutOfRange) {
  ring->write_desc(3, {buf(), 8, kDescFNext, 16});
  auto r = pop_head(3);
  expect_bad(r, 3, "next index 16");
  expect_queue_still_works(r);
}

TEST_F(VirtqueueHostile, TwoDescriptorLoop) {
  ring->write_desc(1, {buf(), 8, kDescFNext, 2});
  ring->write_desc(2, {buf(), 8, kDescFNext, 1});
  auto r = pop_head(1);
  expect_bad(r, 1, "longer than the queue size");
  expect_queue_still_works(r);
}

TEST_F(VirtqueueHostile, SelfLoop) {
  ring->write_desc(5, {buf(), 8, kDescFWrite | kDescFNext, 5});
  expect_bad(pop_head(5), 5, "longer than the queue size");
}

TEST_F(VirtqueueHostile, ChainThroughEveryDescriptorAndBackIsTooLong) {
  make_queue({.size = 4});
  for (std::uint16_t i = 0; i < 4; ++i)
    ring->write_desc(i, {buf(), 8, kDescFNext, static_cast<std::uint16_t>((i + 1) % 4)});
  expect_bad(pop_head(0), 0, "longer than the queue size");
}

TEST_F(VirtqueueHostile, SizeOneQueueWithNextIsTooLong) {
  make_queue({.size = 1});
  ring->write_desc(0, {buf(), 8, kDescFNext, 0});
  expect_bad(pop_head(0), 0, "longer than the queue size");
}

TEST_F(VirtqueueHostile, IndirectInsideIndirect) {
  const std::uint64_t inner = ring->alloc(16), outer = ring->alloc(32);
  ring->write_table(inner, {{buf(), 8, 0, 0}});
  ring->write_table(outer, {{buf(), 8, kDescFNext, 1}, {inner, 16, kDescFIndirect, 0}});
  ring->write_desc(0, {outer, 32, kDescFIndirect, 0});
  auto r = pop_head(0);
  expect_bad(r, 0, "indirect descriptor inside a table");
  expect_queue_still_works(r);
}

TEST_F(VirtqueueHostile, IndirectWithNext) {
  const std::uint64_t table = ring->alloc(16);
  ring->write_table(table, {{buf(), 8, 0, 0}});
  ring->write_desc(0, {table, 16, kDescFIndirect | kDescFNext, 1});
  ring->write_desc(1, {buf(), 8, 0, 0});
  expect_bad(pop_head(0), 0, "also has NEXT");
}

TEST_F(VirtqueueHostile, IndirectLengthZeroOrNotMultipleOf16) {
  const std::uint64_t table = ring->alloc(64);
  ring->write_table(table, {{buf(), 8, 0, 0}, {buf(), 8, 0, 0}});
  for (std::uint32_t len : {0u, 8u, 17u, 31u}) {
    ring->write_desc(0, {table, len, kDescFIndirect, 0});
    expect_bad(pop_head(0), 0, "multiple of 16");
  }
}

TEST_F(VirtqueueHostile, IndirectTableTooLarge) {
  // 32769 entries: larger than any queue could describe, though it fits in RAM.
  ring->write_desc(0, {0, 32769 * 16, kDescFIndirect, 0});
  expect_bad(pop_head(0), 0, "too large");
}

TEST_F(VirtqueueHostile, IndirectTableOutsideRam) {
  ring->write_desc(0, {kRamSize - 16, 32, kDescFIndirect, 0});
  expect_bad(pop_head(0), 0, "indirect table");
  ring->write_desc(0, {0xfffffffffffffff0, 32, kDescFIndirect, 0});
  expect_bad(pop_head(0), 0, "indirect table");
}

TEST_F(VirtqueueHostile, IndirectLoop) {
  const std::uint64_t table = ring->alloc(48);
  ring->write_table(table, {{buf(), 8, kDescFNext, 1},
                            {buf(), 8, kDescFNext, 2},
                            {buf(), 8, kDescFNext, 1}});
  ring->write_desc(0, {table, 48, kDescFIndirect, 0});
  expect_bad(pop_head(0), 0, "longer than its table");
}

TEST_F(VirtqueueHostile, IndirectNextOutsideTable) {
  const std::uint64_t table = ring->alloc(32);
  ring->write_table(table, {{buf(), 8, kDescFNext, 2}, {buf(), 8, 0, 0}});
  ring->write_desc(0, {table, 32, kDescFIndirect, 0});
  expect_bad(pop_head(0), 0, "outside the table");
}

TEST_F(VirtqueueHostile, BufferOutsideRam) {
  ring->write_desc(0, {0x10000000, 8, 0, 0});
  expect_bad(pop_head(0), 0, "not in guest RAM");
}

TEST_F(VirtqueueHostile, BufferStraddlingTheEndOfRam) {
  ring->write_desc(0, {kRamSize - 4, 8, kDescFWrite, 0});
  expect_bad(pop_head(0), 0, "not in guest RAM");
  ring->write_desc(0, {kRamSize - 8, 8, kDescFWrite, 0});  // ends exactly at the end: fine
  EXPECT_EQ(pop_head(0).status, Status::Chain);
}

TEST_F(VirtqueueHostile, BufferAddressPlusLengthOverflows) {
  ring->write_desc(0, {0xffffffffffffff00, 0x200, 0, 0});
  expect_bad(pop_head(0), 0, "not in guest RAM");
}

TEST_F(VirtqueueHostile, BadBufferInsideIndirectTable) {
  const std::uint64_t table = ring->alloc(32);
  ring->write_table(table, {{buf(), 8, kDescFNext, 1}, {kRamSize, 1, kDescFWrite, 0}});
  ring->write_desc(0, {table, 32, kDescFIndirect, 0});
  expect_bad(pop_head(0), 0, "not in guest RAM");
}

TEST_F(VirtqueueHostile, HugeLengthsAreCapped) {
  // 512 MiB of RAM, reserved lazily; buffers may overlap, lengths still add up.
  GuestMemory big = GuestMemory::from_ranges({{0, 512ull << 20, "ram"}});
  FakeDriverRing big_ring(big, {.size = 8});
  Virtqueue big_queue(big, big_ring.config());
  const std::uint64_t data = 1 << 20;
  // Exactly 256 MiB is allowed.
  for (std::uint16_t i = 0; i < 4; ++i)
    big_ring.write_desc(i, {data, 64u << 20, static_cast<std::uint16_t>(i < 3 ? kDescFNext : 0),
                            static_cast<std::uint16_t>(i + 1)});
  big_ring.publish(0);
  auto ok = big_queue.pop();
  ASSERT_EQ(ok.status, Status::Chain) << ok.error;
  EXPECT_EQ(ok.chain.readable_bytes(), 256ull << 20);
  // One byte more is not.
  big_ring.write_desc(3, {data, (64u << 20) + 1, 0, 0});
  big_ring.publish(0);
  expect_bad(big_queue.pop(), 0, "256 MiB");
  // Nor is a single 4 GiB - 1 length (it does not fit in RAM).
  big_ring.write_desc(0, {data, 0xffffffff, kDescFWrite, 0});
  big_ring.publish(0);
  expect_bad(big_queue.pop(), 0, "not in guest RAM");
}

TEST_F(VirtqueueHostile, ReadableAfterWritable) {
  ring->write_desc(0, {buf(), 8, kDescFWrite | kDescFNext, 1});
  ring->write_desc(1, {buf(), 8, 0, 0});
  auto r = pop_head(0);
  expect_bad(r, 0, "readable descriptor after a writable");
  expect_queue_still_works(r);
}

TEST_F(VirtqueueHostile, ReadableAfterWritableAcrossIndirect) {
  const std::uint64_t table = ring->alloc(16);
  ring->write_table(table, {{buf(), 8, 0, 0}});
  ring->write_desc(0, {buf(), 8, kDescFWrite | kDescFNext, 1});
  ring->write_desc(1, {table, 16, kDescFIndirect, 0});
  expect_bad(pop_head(0), 0, "readable descriptor after a writable");
}

TEST_F(VirtqueueHostile, AvailIndexJumpingPastQueueSizeBreaksTheQueue) {
  ring->add_chain({FakeBuffer::readable(bytes({1}))});
  ASSERT_EQ(queue->pop().status, Status::Chain);
  ring->set_avail_idx(1 + 17);  // 17 new entries in a 16-entry ring
  auto r = queue->pop();
  EXPECT_EQ(r.status, Status::BrokenQueue);
  EXPECT_FALSE(r.error.empty());
  ring->set_avail_idx(2);  // even a sane index later does not revive it
  EXPECT_EQ(queue->pop().status, Status::BrokenQueue);
}

TEST_F(VirtqueueHostile, AvailIndexMovingBackwardsBreaksTheQueue) {
  ring->add_chain({FakeBuffer::readable(bytes({1}))});
  ASSERT_EQ(queue->pop().status, Status::Chain);
  ring->set_avail_idx(0);  // 0 - 1 == 65535 new entries
  EXPECT_EQ(queue->pop().status, Status::BrokenQueue);
}

TEST_F(VirtqueueHostile, AvailIndexExactlyQueueSizeAheadIsFine) {
  for (int i = 0; i < 16; ++i) ring->add_chain({FakeBuffer::writable(1)});
  for (int i = 0; i < 16; ++i) ASSERT_EQ(queue->pop().status, Status::Chain) << i;
  EXPECT_EQ(queue->pop().status, Status::Empty);
}

}  // namespace
}  // namespace vmm::test
