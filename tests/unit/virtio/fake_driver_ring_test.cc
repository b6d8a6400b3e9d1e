// The fake driver itself: its layout is one a device accepts, and its data area stays put.
#include "tests/unit/virtio/fake_driver_ring.h"

#include <gtest/gtest.h>

namespace vmm::test {
namespace {

TEST(FakeDriverRing, LayoutPassesValidation) {
  auto mem = GuestMemory::from_ranges({{0, 4 << 20, "ram"}});
  for (std::uint16_t size : {1, 16, 256, 32768}) {
    FakeDriverRing ring(mem, {.size = size});
    EXPECT_EQ(Virtqueue::validate(mem, ring.config()), std::nullopt) << size;
    EXPECT_GE(ring.data_begin(), ring.config().used_addr + 6 + 8u * size);
    EXPECT_EQ(ring.data_end(), 4u << 20);
  }
}

TEST(FakeDriverRing, TwoRingsShareARangeWithDataSize) {
  auto mem = GuestMemory::from_ranges({{0, 1 << 20, "ram"}});
  FakeDriverRing first(mem, {.size = 16, .ring_base = 0x1000, .data_size = 0x10000});
  FakeDriverRing second(mem, {.size = 16, .ring_base = 0x40000});
  EXPECT_LE(first.data_end(), 0x40000u);
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t at = first.alloc(0x1000);
    EXPECT_GE(at, first.data_begin());
    EXPECT_LE(at + 0x1000, first.data_end());
  }
  EXPECT_THROW(FakeDriverRing(mem, {.size = 16, .ring_base = 0x80000, .data_size = 1 << 20}),
               std::invalid_argument);
}

TEST(FakeDriverRing, ChainsUseConsecutiveDescriptorsAndPoisonWritableBuffers) {
  auto mem = GuestMemory::from_ranges({{0, 1 << 20, "ram"}});
  FakeDriverRing ring(mem, {.size = 4});
  auto added = ring.add_chain({FakeBuffer::readable(std::vector<std::uint8_t>{5, 6}),
                               FakeBuffer::writable(3)});
  EXPECT_EQ(added.head, 0u);
  auto d0 = ring.read_obj<virtq::Desc>(ring.config().desc_addr);
  auto d1 = ring.read_obj<virtq::Desc>(ring.config().desc_addr + 16);
  EXPECT_EQ(d0.addr, added.addrs[0]);
  EXPECT_EQ(d0.len, 2u);
  EXPECT_EQ(d0.flags, virtq::kDescFNext);
  EXPECT_EQ(d0.next, 1u);
  EXPECT_EQ(d1.flags, virtq::kDescFWrite);
  EXPECT_EQ(ring.read(added.addrs[1], 3), std::vector<std::uint8_t>(3, FakeDriverRing::kPoison));
  EXPECT_EQ(ring.avail_idx(), 1u);
  EXPECT_EQ(ring.add_chain({FakeBuffer::writable(1)}).head, 2u);
  EXPECT_FALSE(ring.take_used().has_value());
}

}  // namespace
}  // namespace vmm::test
