// A 1 MiB guest with one fake driver ring and the device's Virtqueue on it, shared by the
// virtqueue tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "devices/virtio/virtqueue.h"
#include "tests/unit/virtio/fake_driver_ring.h"

namespace vmm::test {

using Status = Virtqueue::PopResult::Status;

inline constexpr std::uint64_t kRamSize = 1 << 20;

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override { make_queue({}); }

  void make_queue(FakeDriverRing::Options options) {
    queue.reset();
    ring = std::make_unique<FakeDriverRing>(mem, options);
    queue = std::make_unique<Virtqueue>(mem, ring->config());
  }

  // Publishes a hand-made chain: descriptors are written by the caller.
  Virtqueue::PopResult pop_head(std::uint16_t head) {
    ring->publish(head);
    return queue->pop();
  }

  static void expect_bad(const Virtqueue::PopResult& r, std::uint16_t head,
                         const std::string& why) {
    EXPECT_EQ(r.status, Status::BadChain) << r.error;
    EXPECT_EQ(r.chain.head, head);
    EXPECT_NE(r.error.find(why), std::string::npos) << "error was: " << r.error;
    EXPECT_TRUE(r.chain.readable.empty());
    EXPECT_TRUE(r.chain.writable.empty());
  }

  GuestMemory mem = GuestMemory::from_ranges({{0, kRamSize, "ram"}});
  std::unique_ptr<FakeDriverRing> ring;
  std::unique_ptr<Virtqueue> queue;
};

inline std::vector<std::uint8_t> bytes(std::initializer_list<std::uint8_t> list) {
  return list;
}

}  // namespace vmm::test
