// 2D resources: create, backing, transfer into the host image, scanout, flush, unref, and
// every way a guest can get them wrong.
#include <gtest/gtest.h>

#include <numeric>

#include "devices/gpu/gpu_limits.h"
#include "tests/unit/gpu/gpu_fixture.h"

namespace vmm::test {
namespace {

using namespace gpu;

class Gpu2dTest : public GpuTest {
 protected:
  // A 4x3 B8G8R8X8 resource (48 bytes) backed by two separate 24-byte guest buffers.
  static constexpr std::uint64_t kPartA = kBackingBase + 0x10000;
  static constexpr std::uint64_t kPartB = kBackingBase + 0x20000;

  std::vector<std::uint8_t> pattern(std::uint8_t first) {
    std::vector<std::uint8_t> bytes(48);
    std::iota(bytes.begin(), bytes.end(), first);
    return bytes;
  }

  void fill_backing(const std::vector<std::uint8_t>& bytes) {
    poke(kPartA, {bytes.begin(), bytes.begin() + 24});
    poke(kPartB, {bytes.begin() + 24, bytes.end()});
  }

  void make_backed_resource(std::uint32_t id = 1) {
    ASSERT_EQ(create_2d(id, 4, 3), resp::kOkNodata);
    ASSERT_EQ(attach_backing(id, {{kPartA, 24, 0}, {kPartB, 24, 0}}), resp::kOkNodata);
  }
};

TEST_F(Gpu2dTest, TransferCopiesTheBackingIntoTheHostImage) {
  make_backed_resource();
  fill_backing(pattern(1));
  EXPECT_EQ(transfer(1, {0, 0, 4, 3}, 0), resp::kOkNodata);
  EXPECT_EQ(gpu->resource_image(1), pattern(1));
}

TEST_F(Gpu2dTest, PartialTransferTouchesOnlyItsRectangle) {
  make_backed_resource();
  fill_backing(pattern(1));
  ASSERT_EQ(transfer(1, {0, 0, 4, 3}, 0), resp::kOkNodata);
  fill_backing(pattern(101));
  // Pixels (1,1) and (2,1): offset = y * stride + x * 4 = 16 + 4.
  EXPECT_EQ(transfer(1, {1, 1, 2, 1}, 20), resp::kOkNodata);
  auto expected = pattern(1);
  for (int i = 20; i < 28; ++i) expected[i] = static_cast<std::uint8_t>(101 + i);
  EXPECT_EQ(gpu->resource_image(1), expected);
}

TEST_F(Gpu2dTest, ScanoutAndFlush) {
  make_backed_resource();
  EXPECT_FALSE(gpu->scanout().has_value());
  EXPECT_EQ(set_scanout(1, {0, 0, 4, 3}), resp::kOkNodata);
  ASSERT_TRUE(gpu->scanout().has_value());
  EXPECT_EQ(gpu->scanout()->resource_id, 1u);
  ResourceFlush flush{header(cmd::kResourceFlush), {0, 0, 4, 3}, 1, 0};
  EXPECT_EQ(send(flush).type(), resp::kOkNodata);
  EXPECT_EQ(gpu->stats().flushes, 1u);
  // Resource 0 disables the scanout.
  EXPECT_EQ(set_scanout(0, {0, 0, 0, 0}), resp::kOkNodata);
  EXPECT_FALSE(gpu->scanout().has_value());
}

TEST_F(Gpu2dTest, UnrefFreesTheResourceAndItsScanout) {
  make_backed_resource();
  ASSERT_EQ(set_scanout(1, {0, 0, 4, 3}), resp::kOkNodata);
  EXPECT_EQ(resource_cmd(cmd::kResourceUnref, 1), resp::kOkNodata);
  EXPECT_EQ(gpu->resource_count(), 0u);
  EXPECT_FALSE(gpu->scanout().has_value());
  EXPECT_EQ(resource_cmd(cmd::kResourceUnref, 1), resp::kErrInvalidResourceId);
}

TEST_F(Gpu2dTest, DetachBackingStopsTransfers) {
  make_backed_resource();
  EXPECT_EQ(resource_cmd(cmd::kResourceDetachBacking, 1), resp::kOkNodata);
  EXPECT_EQ(transfer(1, {0, 0, 4, 3}, 0), resp::kErrInvalidParameter);
  EXPECT_EQ(resource_cmd(cmd::kResourceDetachBacking, 1), resp::kErrInvalidParameter);
  EXPECT_EQ(resource_cmd(cmd::kResourceDetachBacking, 9), resp::kErrInvalidResourceId);
  // A new backing can be attached after a detach.
  EXPECT_EQ(attach_backing(1, {{kPartA, 48, 0}}), resp::kOkNodata);
}

TEST_F(Gpu2dTest, CreateRefusesBadIdsFormatsAndSizes) {
  EXPECT_EQ(create_2d(0, 4, 4), resp::kErrInvalidResourceId);
  EXPECT_EQ(create_2d(1, 0, 4), resp::kErrInvalidParameter);
  EXPECT_EQ(create_2d(1, 4, 0), resp::kErrInvalidParameter);
  EXPECT_EQ(create_2d(1, 4, 4, 99), resp::kErrInvalidParameter);
  EXPECT_EQ(create_2d(1, limits::kMaxDimension + 1, 1), resp::kErrOutOfMemory);
  EXPECT_EQ(create_2d(1, 0xffffffffu, 0xffffffffu), resp::kErrOutOfMemory);
  EXPECT_EQ(create_2d(1, limits::kMaxDimension, limits::kMaxDimension), resp::kErrOutOfMemory);
  EXPECT_EQ(gpu->resource_count(), 0u);
  EXPECT_EQ(create_2d(1, 4, 4), resp::kOkNodata);
  EXPECT_EQ(create_2d(1, 4, 4), resp::kErrInvalidResourceId);  // duplicate id
  EXPECT_EQ(gpu->stats().errors, 8u);
}

TEST_F(Gpu2dTest, AllFourByteFormatsAreAccepted) {
  std::uint32_t id = 1;
  for (std::uint32_t f : {format::kB8G8R8A8, format::kB8G8R8X8, format::kA8R8G8B8,
                          format::kX8R8G8B8, format::kR8G8B8A8, format::kX8B8G8R8,
                          format::kA8B8G8R8, format::kR8G8B8X8})
    EXPECT_EQ(create_2d(id++, 2, 2, f), resp::kOkNodata) << f;
}

TEST_F(Gpu2dTest, ResourceCountIsCapped) {
  for (std::uint32_t id = 1; id <= limits::kMaxResources; ++id)
    ASSERT_EQ(create_2d(id, 1, 1), resp::kOkNodata) << id;
  EXPECT_EQ(create_2d(limits::kMaxResources + 1, 1, 1), resp::kErrOutOfMemory);
}

TEST_F(Gpu2dTest, AttachBackingRefusesEntriesOutsideRam) {
  ASSERT_EQ(create_2d(1, 4, 3), resp::kOkNodata);
  EXPECT_EQ(attach_backing(2, {{kPartA, 48, 0}}), resp::kErrInvalidResourceId);
  EXPECT_EQ(attach_backing(1, {{0x40000000, 48, 0}}), resp::kErrInvalidParameter);
  // Crossing the end of a RAM range, and wrapping the address space.
  EXPECT_EQ(attach_backing(1, {{kBackingBase + kBackingSize - 16, 48, 0}}),
            resp::kErrInvalidParameter);
  EXPECT_EQ(attach_backing(1, {{0xfffffffffffff000ull, 0x2000, 0}}), resp::kErrInvalidParameter);
  // One good entry does not excuse a bad one.
  EXPECT_EQ(attach_backing(1, {{kPartA, 24, 0}, {0x40000000, 24, 0}}),
            resp::kErrInvalidParameter);
  // Nothing was attached by the refused requests.
  EXPECT_EQ(transfer(1, {0, 0, 4, 3}, 0), resp::kErrInvalidParameter);
}

TEST_F(Gpu2dTest, AttachBackingRefusesBadEntryCounts) {
  ASSERT_EQ(create_2d(1, 4, 3), resp::kOkNodata);
  EXPECT_EQ(attach_backing(1, {}), resp::kErrInvalidParameter);  // nr_entries 0
  EXPECT_EQ(attach_backing(1, {{kPartA, 48, 0}}, 0xffffffffu), resp::kErrOutOfMemory);
  EXPECT_EQ(attach_backing(1, {{kPartA, 48, 0}}, limits::kMaxBackingEntries + 1),
            resp::kErrOutOfMemory);
  // Claims more entries than the request carries.
  EXPECT_EQ(attach_backing(1, {{kPartA, 48, 0}}, 1000), resp::kErrUnspec);
  EXPECT_EQ(attach_backing(1, {{kPartA, 48, 0}}), resp::kOkNodata);
  EXPECT_EQ(attach_backing(1, {{kPartA, 48, 0}}), resp::kErrInvalidParameter);  // twice
}

// 24 bytes of host memory per entry: without an overall cap, 4096 resources x 65536 entries
// would be ~6 GiB. The cap covers all resources together and frees with DETACH.
TEST_F(Gpu2dTest, BackingEntriesOfAllResourcesTogetherAreCapped) {
  constexpr std::uint32_t kPerAttach = 8192;
  const std::vector<gpu::MemEntry> entries(kPerAttach, gpu::MemEntry{kPartA, 4, 0});
  const std::uint32_t fit = limits::kMaxTotalBackingEntries / kPerAttach;
  for (std::uint32_t id = 1; id <= fit + 1; ++id) ASSERT_EQ(create_2d(id, 1, 1), resp::kOkNodata);
  for (std::uint32_t id = 1; id <= fit; ++id) ASSERT_EQ(attach_backing(id, entries), resp::kOkNodata) << id;
  EXPECT_EQ(attach_backing(fit + 1, entries), resp::kErrOutOfMemory);
  EXPECT_EQ(attach_backing(fit + 1, {{kPartA, 4, 0}}), resp::kErrOutOfMemory) << "not even one more";
  ASSERT_EQ(resource_cmd(gpu::cmd::kResourceDetachBacking, 1), resp::kOkNodata);
  EXPECT_EQ(attach_backing(fit + 1, entries), resp::kOkNodata) << "detaching gave the entries back";
}

TEST_F(Gpu2dTest, TransferOutsideTheResourceOrBackingIsRefused) {
  make_backed_resource();
  fill_backing(pattern(1));
  EXPECT_EQ(transfer(7, {0, 0, 4, 3}, 0), resp::kErrInvalidResourceId);
  EXPECT_EQ(transfer(1, {0, 0, 5, 3}, 0), resp::kErrInvalidParameter);
  EXPECT_EQ(transfer(1, {1, 0, 4, 3}, 0), resp::kErrInvalidParameter);
  EXPECT_EQ(transfer(1, {0, 3, 4, 1}, 0), resp::kErrInvalidParameter);
  EXPECT_EQ(transfer(1, {0xffffffffu, 0, 2, 1}, 0), resp::kErrInvalidParameter);  // x+w wraps
  EXPECT_EQ(transfer(1, {0, 0xffffffffu, 1, 2}, 0), resp::kErrInvalidParameter);
  EXPECT_EQ(transfer(1, {0, 0, 4, 3}, 4), resp::kErrInvalidParameter);  // runs past backing
  EXPECT_EQ(transfer(1, {0, 0, 1, 1}, 48), resp::kErrInvalidParameter);
  EXPECT_EQ(transfer(1, {0, 0, 1, 1}, ~0ull), resp::kErrInvalidParameter);
  EXPECT_EQ(transfer(1, {0, 0, 1, 1}, ~0ull - 2), resp::kErrInvalidParameter);
  // The host image was not touched by any of them.
  EXPECT_EQ(gpu->resource_image(1), std::vector<std::uint8_t>(48, 0));
  // An empty rectangle is a no-op.
  EXPECT_EQ(transfer(1, {0, 0, 0, 0}, 0), resp::kOkNodata);
}

TEST_F(Gpu2dTest, TransferNeedsEnoughBacking) {
  ASSERT_EQ(create_2d(1, 4, 3), resp::kOkNodata);
  ASSERT_EQ(attach_backing(1, {{kPartA, 40, 0}}), resp::kOkNodata);  // 8 bytes short
  EXPECT_EQ(transfer(1, {0, 0, 4, 3}, 0), resp::kErrInvalidParameter);
  EXPECT_EQ(transfer(1, {0, 0, 4, 2}, 0), resp::kOkNodata);  // the first two rows fit
}

TEST_F(Gpu2dTest, SetScanoutRefusesBadScanoutsResourcesAndRectangles) {
  make_backed_resource();
  EXPECT_EQ(set_scanout(1, {0, 0, 4, 3}, 1), resp::kErrInvalidScanoutId);
  EXPECT_EQ(set_scanout(1, {0, 0, 4, 3}, 16), resp::kErrInvalidScanoutId);
  EXPECT_EQ(set_scanout(9, {0, 0, 4, 3}), resp::kErrInvalidResourceId);
  EXPECT_EQ(set_scanout(1, {0, 0, 5, 3}), resp::kErrInvalidParameter);
  EXPECT_EQ(set_scanout(1, {0, 0, 0, 3}), resp::kErrInvalidParameter);
  EXPECT_EQ(set_scanout(1, {0xfffffffeu, 0, 4, 3}), resp::kErrInvalidParameter);
  EXPECT_FALSE(gpu->scanout().has_value());
}

TEST_F(Gpu2dTest, FlushRefusesUnknownResourcesAndBadRectangles) {
  make_backed_resource();
  ResourceFlush flush{header(cmd::kResourceFlush), {0, 0, 4, 3}, 5, 0};
  EXPECT_EQ(send(flush).type(), resp::kErrInvalidResourceId);
  flush.resource_id = 1;
  flush.r = {2, 2, 4, 3};
  EXPECT_EQ(send(flush).type(), resp::kErrInvalidParameter);
  EXPECT_EQ(gpu->stats().flushes, 0u);
}

TEST_F(Gpu2dTest, BlobResourcesAreNotTwoDimensional) {
  ASSERT_EQ(ctx_create(1), resp::kOkNodata);
  ASSERT_EQ(create_host_blob(2, 4096), resp::kOkNodata);
  EXPECT_EQ(attach_backing(2, {{kPartA, 48, 0}}), resp::kErrInvalidParameter);
  EXPECT_EQ(transfer(2, {0, 0, 1, 1}, 0), resp::kErrInvalidParameter);
  EXPECT_EQ(set_scanout(2, {0, 0, 1, 1}), resp::kErrInvalidParameter);
}

}  // namespace
}  // namespace vmm::test
