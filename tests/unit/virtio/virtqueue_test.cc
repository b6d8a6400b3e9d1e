// Virtqueue: ring validation and well-formed chains (direct, multi-buffer, indirect, wrap).
#include "devices/virtio/virtqueue.h"

#include <gtest/gtest.h>

#include <numeric>

#include "tests/unit/virtio/queue_fixture.h"

namespace vmm::test {
namespace {

VirtqueueConfig good_config() {
  return {.size = 16, .desc_addr = 0x1000, .avail_addr = 0x2000, .used_addr = 0x3000};
}

TEST(VirtqueueValidate, AcceptsAlignedRingsInRam) {
  auto mem = GuestMemory::from_ranges({{0, kRamSize, "ram"}});
  EXPECT_EQ(Virtqueue::validate(mem, good_config()), std::nullopt);
  auto max = good_config();
  max.size = 32768;  // 512 KiB table + 64 KiB avail + 256 KiB used
  max.desc_addr = 0;
  max.avail_addr = 0x80000;
  max.used_addr = 0x90000;
  EXPECT_EQ(Virtqueue::validate(mem, max), std::nullopt);
}

TEST(VirtqueueValidate, RejectsSizesThatAreNotPowersOfTwo) {
  auto mem = GuestMemory::from_ranges({{0, kRamSize, "ram"}});
  for (std::uint16_t size : {0, 3, 100, 32767, 65535}) {
    auto config = good_config();
    config.size = size;
    auto error = Virtqueue::validate(mem, config);
    ASSERT_TRUE(error.has_value()) << size;
    EXPECT_NE(error->find("power of two"), std::string::npos) << *error;
  }
}

TEST(VirtqueueValidate, RejectsMisalignedRings) {
  auto mem = GuestMemory::from_ranges({{0, kRamSize, "ram"}});
  auto config = good_config();
  config.desc_addr = 0x1008;
  EXPECT_NE(Virtqueue::validate(mem, config).value_or("").find("descriptor table"),
            std::string::npos);
  config = good_config();
  config.avail_addr = 0x2001;
  EXPECT_NE(Virtqueue::validate(mem, config).value_or("").find("available ring"),
            std::string::npos);
  config = good_config();
  config.used_addr = 0x3002;
  EXPECT_NE(Virtqueue::validate(mem, config).value_or("").find("used ring"),
            std::string::npos);
}

TEST(VirtqueueValidate, RejectsRingsOutsideRam) {
  auto mem = GuestMemory::from_ranges({{0, kRamSize, "ram"}});
  auto config = good_config();
  config.desc_addr = kRamSize - 16 * 16 + 16;  // last descriptor straddles the end
  EXPECT_NE(Virtqueue::validate(mem, config).value_or("").find("not in guest RAM"),
            std::string::npos);
  config = good_config();
  config.avail_addr = kRamSize - (6 + 2 * 16) + 2;  // used_event past the end
  EXPECT_TRUE(Virtqueue::validate(mem, config).has_value());
  config = good_config();
  config.used_addr = kRamSize - (6 + 8 * 16) + 4;  // avail_event past the end
  EXPECT_TRUE(Virtqueue::validate(mem, config).has_value());
  config = good_config();
  config.used_addr = 0xfffffffffffffff0;  // aligned, but the length wraps
  EXPECT_TRUE(Virtqueue::validate(mem, config).has_value());
  config = good_config();
  config.desc_addr = 0x40000000;
  EXPECT_TRUE(Virtqueue::validate(mem, config).has_value());
}

TEST(VirtqueueValidate, ConstructorRefusesAnInvalidConfig) {
  auto mem = GuestMemory::from_ranges({{0, kRamSize, "ram"}});
  auto config = good_config();
  config.used_addr = kRamSize;
  EXPECT_THROW(Virtqueue(mem, config), std::invalid_argument);
}

using VirtqueuePop = QueueTest;

TEST_F(VirtqueuePop, EmptyQueueIsEmpty) {
  EXPECT_EQ(queue->pop().status, Status::Empty);
  EXPECT_EQ(queue->pop().status, Status::Empty);
}

TEST_F(VirtqueuePop, SingleReadableBuffer) {
  auto added = ring->add_chain({FakeBuffer::readable(bytes({1, 2, 3, 4}))});
  auto r = queue->pop();
  ASSERT_EQ(r.status, Status::Chain) << r.error;
  EXPECT_EQ(r.chain.head, added.head);
  ASSERT_EQ(r.chain.readable.size(), 1u);
  EXPECT_EQ(r.chain.readable[0].addr, added.addrs[0]);
  EXPECT_EQ(r.chain.readable[0].len, 4u);
  EXPECT_TRUE(r.chain.writable.empty());
  std::vector<std::uint8_t> out(4);
  EXPECT_EQ(read_from_chain(mem, r.chain, 0, out), 4u);
  EXPECT_EQ(out, bytes({1, 2, 3, 4}));
  EXPECT_EQ(queue->pop().status, Status::Empty);
}

TEST_F(VirtqueuePop, RequestAndResponseRoundTrip) {
  auto added = ring->add_chain(
      {FakeBuffer::readable(bytes({7, 8})), FakeBuffer::writable(3)});
  auto r = queue->pop();
  ASSERT_EQ(r.status, Status::Chain) << r.error;
  ASSERT_EQ(r.chain.writable.size(), 1u);
  EXPECT_EQ(r.chain.writable[0].addr, added.addrs[1]);
  const auto reply = bytes({9, 9, 9});
  EXPECT_EQ(write_to_chain(mem, r.chain, 0, reply), 3u);
  EXPECT_FALSE(ring->take_used().has_value()) << "nothing is used before push_used";
  queue->push_used(r.chain.head, 3);
  auto used = ring->take_used();
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(used->id, added.head);
  EXPECT_EQ(used->len, 3u);
  EXPECT_EQ(ring->used_idx(), 1u);
  EXPECT_EQ(ring->read(added.addrs[1], 3), reply);
}

TEST_F(VirtqueuePop, MultiBufferChainKeepsOrderAndDirection) {
  auto added = ring->add_chain({FakeBuffer::readable(bytes({1})),
                                FakeBuffer::readable(bytes({2, 3})),
                                FakeBuffer::readable(bytes({4, 5, 6})),
                                FakeBuffer::writable(10), FakeBuffer::writable(20)});
  auto r = queue->pop();
  ASSERT_EQ(r.status, Status::Chain) << r.error;
  ASSERT_EQ(r.chain.readable.size(), 3u);
  ASSERT_EQ(r.chain.writable.size(), 2u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(r.chain.readable[i].addr, added.addrs[i]);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(r.chain.writable[i].addr, added.addrs[3 + i]);
  EXPECT_EQ(r.chain.readable_bytes(), 6u);
  EXPECT_EQ(r.chain.writable_bytes(), 30u);
}

TEST_F(VirtqueuePop, ChainsComeOutInAvailOrder) {
  std::vector<std::uint16_t> heads;
  for (std::uint8_t i = 0; i < 5; ++i)
    heads.push_back(ring->add_chain({FakeBuffer::readable(bytes({i}))}).head);
  for (std::uint8_t i = 0; i < 5; ++i) {
    auto r = queue->pop();
    ASSERT_EQ(r.status, Status::Chain);
    EXPECT_EQ(r.chain.head, heads[i]);
    std::uint8_t b = 0;
    ASSERT_EQ(read_from_chain(mem, r.chain, 0, std::span(&b, 1)), 1u);
    EXPECT_EQ(b, i);
  }
  EXPECT_EQ(queue->pop().status, Status::Empty);
}

TEST_F(VirtqueuePop, FullQueueSizeChainIsAccepted) {
  make_queue({.size = 4});
  ring->add_chain({FakeBuffer::readable(bytes({1})), FakeBuffer::readable(bytes({2})),
                   FakeBuffer::writable(1), FakeBuffer::writable(1)});
  auto r = queue->pop();
  ASSERT_EQ(r.status, Status::Chain) << r.error;
  EXPECT_EQ(r.chain.readable.size() + r.chain.writable.size(), 4u);
}

TEST_F(VirtqueuePop, IndirectTable) {
  auto added = ring->add_chain({FakeBuffer::readable(bytes({1, 2})),
                                FakeBuffer::readable(bytes({3})), FakeBuffer::writable(8)},
                               /*indirect=*/true);
  auto r = queue->pop();
  ASSERT_EQ(r.status, Status::Chain) << r.error;
  EXPECT_EQ(r.chain.head, added.head);
  ASSERT_EQ(r.chain.readable.size(), 2u);
  ASSERT_EQ(r.chain.writable.size(), 1u);
  EXPECT_EQ(r.chain.readable[1].addr, added.addrs[1]);
  EXPECT_EQ(r.chain.writable[0].addr, added.addrs[2]);
  EXPECT_EQ(r.chain.writable[0].len, 8u);
  std::vector<std::uint8_t> out(3);
  EXPECT_EQ(read_from_chain(mem, r.chain, 0, out), 3u);
  EXPECT_EQ(out, bytes({1, 2, 3}));
}

TEST_F(VirtqueuePop, IndirectTableLongerThanQueueSize) {
  make_queue({.size = 2});
  std::vector<FakeBuffer> buffers(40, FakeBuffer::writable(4));
  ring->add_chain(buffers, /*indirect=*/true);
  auto r = queue->pop();
  ASSERT_EQ(r.status, Status::Chain) << r.error;
  EXPECT_EQ(r.chain.writable.size(), 40u);
}

TEST_F(VirtqueuePop, DirectDescriptorsMayLeadIntoAnIndirectTable) {
  const std::uint64_t header = ring->alloc(16), reply = ring->alloc(32), table = ring->alloc(32);
  ring->write_table(table, {{reply, 32, virtq::kDescFWrite, 0}});
  ring->write_desc(0, {header, 16, virtq::kDescFNext, 1});
  ring->write_desc(1, {table, 16, virtq::kDescFIndirect, 0});
  auto r = pop_head(0);
  ASSERT_EQ(r.status, Status::Chain) << r.error;
  ASSERT_EQ(r.chain.readable.size(), 1u);
  ASSERT_EQ(r.chain.writable.size(), 1u);
  EXPECT_EQ(r.chain.writable[0].addr, reply);
}

TEST_F(VirtqueuePop, WriteFlagOnTheIndirectDescriptorIsIgnored) {
  const std::uint64_t buf = ring->alloc(8), table = ring->alloc(16);
  ring->write_table(table, {{buf, 8, 0, 0}});
  ring->write_desc(0, {table, 16, virtq::kDescFIndirect | virtq::kDescFWrite, 0});
  auto r = pop_head(0);
  ASSERT_EQ(r.status, Status::Chain) << r.error;
  EXPECT_EQ(r.chain.readable.size(), 1u);
}

TEST_F(VirtqueuePop, ZeroLengthBuffersAreDroppedWithoutAddressCheck) {
  const std::uint64_t buf = ring->alloc(8);
  ring->write_desc(0, {0xdead00000000, 0, virtq::kDescFNext, 1});
  ring->write_desc(1, {buf, 8, virtq::kDescFWrite, 0});
  auto r = pop_head(0);
  ASSERT_EQ(r.status, Status::Chain) << r.error;
  EXPECT_TRUE(r.chain.readable.empty());
  ASSERT_EQ(r.chain.writable.size(), 1u);
}

TEST_F(VirtqueuePop, PushUsedFillsRingSlotsInOrder) {
  make_queue({.size = 4});
  for (std::uint16_t i = 0; i < 4; ++i) ring->add_chain({FakeBuffer::writable(4)});
  std::vector<std::uint16_t> heads;
  for (int i = 0; i < 4; ++i) heads.push_back(queue->pop().chain.head);
  // Out of order completion is allowed: used entries carry the head.
  for (int i : {2, 0, 3, 1}) queue->push_used(heads[i], 100 + i);
  for (int i : {2, 0, 3, 1}) {
    auto used = ring->take_used();
    ASSERT_TRUE(used.has_value());
    EXPECT_EQ(used->id, heads[i]);
    EXPECT_EQ(used->len, 100u + i);
  }
  EXPECT_EQ(ring->used_idx(), 4u);
}

// Takes the device's and the driver's indices to `n` with zero-length one-descriptor chains.
void cycle(FakeDriverRing& ring, Virtqueue& queue, std::uint32_t n) {
  ring.write_desc(0, {0, 0, 0, 0});
  for (std::uint32_t i = 0; i < n; ++i) {
    ring.publish(0);
    auto r = queue.pop();
    ASSERT_EQ(r.status, Status::Chain) << i;
    queue.push_used(r.chain.head, 0);
    ASSERT_TRUE(ring.take_used().has_value());
  }
}

TEST_F(VirtqueuePop, IndicesWrapAround16Bits) {
  make_queue({.size = 8});
  cycle(*ring, *queue, 65533);
  ASSERT_EQ(ring->avail_idx(), 65533u);
  ASSERT_EQ(ring->used_idx(), 65533u);
  // Eight chains in flight across the wrap: avail idx goes 65533 -> 5.
  std::vector<FakeDriverRing::Added> added;
  for (std::uint8_t i = 0; i < 8; ++i)
    added.push_back(ring->add_chain({FakeBuffer::readable(bytes({i}))}));
  EXPECT_EQ(ring->avail_idx(), 5u);
  for (std::uint8_t i = 0; i < 8; ++i) {
    auto r = queue->pop();
    ASSERT_EQ(r.status, Status::Chain) << int(i) << ": " << r.error;
    EXPECT_EQ(r.chain.head, added[i].head);
    std::uint8_t b = 0xff;
    read_from_chain(mem, r.chain, 0, std::span(&b, 1));
    EXPECT_EQ(b, i);
    queue->push_used(r.chain.head, i);
  }
  EXPECT_EQ(queue->pop().status, Status::Empty);
  EXPECT_EQ(ring->used_idx(), 5u);
  for (std::uint8_t i = 0; i < 8; ++i) {
    auto used = ring->take_used();
    ASSERT_TRUE(used.has_value());
    EXPECT_EQ(used->id, added[i].head);
    EXPECT_EQ(used->len, i);
  }
}

}  // namespace
}  // namespace vmm::test
