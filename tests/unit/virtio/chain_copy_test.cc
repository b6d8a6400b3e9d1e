// read_from_chain / write_to_chain: a chain's buffers as one stream, with offsets.
#include <gtest/gtest.h>

#include <numeric>

#include "devices/virtio/virtqueue.h"
#include "tests/unit/virtio/queue_fixture.h"

namespace vmm::test {
namespace {

class ChainCopy : public QueueTest {
 protected:
  // Readable buffers of 3, 5 and 2 bytes holding 0..9; writable buffers of 4, 1 and 3 bytes.
  void SetUp() override {
    QueueTest::SetUp();
    added = ring->add_chain({FakeBuffer::readable(bytes({0, 1, 2})),
                             FakeBuffer::readable(bytes({3, 4, 5, 6, 7})),
                             FakeBuffer::readable(bytes({8, 9})), FakeBuffer::writable(4),
                             FakeBuffer::writable(1), FakeBuffer::writable(3)});
    auto r = queue->pop();
    ASSERT_EQ(r.status, Status::Chain) << r.error;
    chain = r.chain;
  }

  // The 8 writable bytes as the driver sees them.
  std::vector<std::uint8_t> written() {
    std::vector<std::uint8_t> all;
    for (int i = 3; i < 6; ++i) {
      auto part = ring->read(added.addrs[i], i == 3 ? 4 : i == 4 ? 1 : 3);
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  }

  FakeDriverRing::Added added;
  DescriptorChain chain;
};

constexpr std::uint8_t P = FakeDriverRing::kPoison;

TEST_F(ChainCopy, ReadsTheWholeStream) {
  std::vector<std::uint8_t> out(10);
  EXPECT_EQ(read_from_chain(mem, chain, 0, out), 10u);
  EXPECT_EQ(out, bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_F(ChainCopy, ReadsFromAnOffsetAcrossBuffers) {
  std::vector<std::uint8_t> out(6);
  EXPECT_EQ(read_from_chain(mem, chain, 2, out), 6u);
  EXPECT_EQ(out, bytes({2, 3, 4, 5, 6, 7}));
  std::vector<std::uint8_t> one(1);
  EXPECT_EQ(read_from_chain(mem, chain, 8, one), 1u);  // exactly a buffer boundary
  EXPECT_EQ(one[0], 8);
}

TEST_F(ChainCopy, ReadStopsAtTheEnd) {
  std::vector<std::uint8_t> out(8, 0xee);
  EXPECT_EQ(read_from_chain(mem, chain, 7, out), 3u);
  EXPECT_EQ(out, bytes({7, 8, 9, 0xee, 0xee, 0xee, 0xee, 0xee}));
  EXPECT_EQ(read_from_chain(mem, chain, 10, out), 0u);
  EXPECT_EQ(read_from_chain(mem, chain, ~0ull, out), 0u);
  EXPECT_EQ(read_from_chain(mem, chain, 0, std::span<std::uint8_t>()), 0u);
}

TEST_F(ChainCopy, ReadIgnoresWritableBuffers) {
  DescriptorChain only_writable = chain;
  only_writable.readable.clear();
  std::vector<std::uint8_t> out(4);
  EXPECT_EQ(read_from_chain(mem, only_writable, 0, out), 0u);
}

TEST_F(ChainCopy, WritesFromAnOffsetAcrossBuffers) {
  const auto in = bytes({10, 11, 12, 13});
  EXPECT_EQ(write_to_chain(mem, chain, 3, in), 4u);  // last byte of the first buffer on
  EXPECT_EQ(written(), bytes({P, P, P, 10, 11, 12, 13, P}));
}

TEST_F(ChainCopy, WriteStopsAtTheEndWithoutTouchingAnythingElse) {
  std::vector<std::uint8_t> in(20);
  std::iota(in.begin(), in.end(), 100);
  EXPECT_EQ(write_to_chain(mem, chain, 6, in), 2u);
  EXPECT_EQ(written(), bytes({P, P, P, P, P, P, 100, 101}));
  EXPECT_EQ(write_to_chain(mem, chain, 8, in), 0u);
  // The readable buffers were not written to.
  std::vector<std::uint8_t> out(10);
  EXPECT_EQ(read_from_chain(mem, chain, 0, out), 10u);
  EXPECT_EQ(out, bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_F(ChainCopy, WriteFillsEverything) {
  std::vector<std::uint8_t> in(8);
  std::iota(in.begin(), in.end(), 1);
  EXPECT_EQ(write_to_chain(mem, chain, 0, in), 8u);
  EXPECT_EQ(written(), in);
}

TEST_F(ChainCopy, ByteCounts) {
  EXPECT_EQ(chain.readable_bytes(), 10u);
  EXPECT_EQ(chain.writable_bytes(), 8u);
  EXPECT_EQ(DescriptorChain{}.readable_bytes(), 0u);
}

}  // namespace
}  // namespace vmm::test
