// The `fixed` blob mapping mode: the whole host-visible region is one memslot over an
// anonymous reservation, and blobs are mmap'd into it with MAP_FIXED.
#include <gtest/gtest.h>

#include "tests/unit/gpu/gpu_fixture.h"

namespace vmm::test {
namespace {

using namespace gpu;

class GpuFixedTest : public GpuBlobFixture {
 protected:
  void SetUp() override {
    auto config = default_config();
    config.mapping = BlobMappingMode::Fixed;
    make_gpu_with_context(config);
  }

  // The host view of the region, as the one memslot names it.
  const std::uint8_t* region() {
    auto maps = mapper.calls_of(Call::Map);
    EXPECT_EQ(maps.size(), 1u);
    return maps.empty() ? nullptr : static_cast<const std::uint8_t*>(maps[0].request.host_addr);
  }

  // Blob 1, mapped at the region's start with `data` written at its own start: what the
  // tests of taking a mapped blob away start from. The region's view, or nullptr (with a
  // failure) when a step was refused.
  const std::uint8_t* map_blob_holding(const std::vector<std::uint8_t>& data) {
    if (create_host_blob(1, kBlobSize) != resp::kOkNodata || map_blob(1, 0).type() != resp::kOkMapInfo ||
        !gpu->write_blob_bytes(1, 0, data)) {
      ADD_FAILURE() << "blob 1 was not created, mapped at 0 and written";
      return nullptr;
    }
    return region();
  }
};

TEST_F(GpuFixedTest, FirstMapMakesTheWholeRegionOneMemslot) {
  ASSERT_EQ(create_host_blob(1, kBlobSize), resp::kOkNodata);
  ASSERT_EQ(create_host_blob(2, kBlobSize), resp::kOkNodata);
  EXPECT_TRUE(mapper.calls.empty());  // nothing until the first map
  auto response = map_blob(1, 0);
  ASSERT_EQ(response.type(), resp::kOkMapInfo);
  EXPECT_EQ(response.obj<RespMapInfo>().map_info, kMapCacheWc);
  ASSERT_EQ(mapper.calls.size(), 1u);
  const MemslotRequest request = mapper.calls[0].request;
  EXPECT_EQ(request.owner, "gpu-hostmem");
  EXPECT_EQ(request.guest_addr, kBarBase);
  EXPECT_EQ(request.size, kHostmemSize);
  EXPECT_EQ(request.cache_type, MemCacheType::CacheNonCoherent);
  EXPECT_NE(request.host_addr, nullptr);
  EXPECT_FALSE(request.backing.has_value());

  ASSERT_EQ(map_blob(2, 1 << 20).type(), resp::kOkMapInfo);
  EXPECT_EQ(mapper.calls.size(), 1u);  // no second memslot
  EXPECT_TRUE(gpu->blob_mapped(2));
}

TEST_F(GpuFixedTest, BlobBytesAppearInTheReservationAtTheirOffset) {
  ASSERT_EQ(create_host_blob(1, kBlobSize), resp::kOkNodata);
  ASSERT_EQ(map_blob(1, 2 * kBlobSize).type(), resp::kOkMapInfo);
  const std::uint8_t* view = region();
  ASSERT_NE(view, nullptr);

  // Written through the blob's own mapping, read through the reservation...
  const std::vector<std::uint8_t> hello{'h', 'e', 'l', 'l', 'o'};
  ASSERT_TRUE(gpu->write_blob_bytes(1, 100, hello));
  EXPECT_EQ(std::vector<std::uint8_t>(view + 2 * kBlobSize + 100, view + 2 * kBlobSize + 105),
            hello);
  EXPECT_EQ(view[100], 0);  // other offsets still read zeros
  // ...and the other way round, as a guest store through the memslot.
  const_cast<std::uint8_t*>(view)[2 * kBlobSize + kBlobSize - 1] = 0x77;
  EXPECT_EQ(gpu->blob_bytes(1)->back(), 0x77);
}

TEST_F(GpuFixedTest, UnmapPutsZerosBackAndKeepsTheSlot) {
  const std::uint8_t* view = map_blob_holding(std::vector<std::uint8_t>(16, 0xab));
  ASSERT_NE(view, nullptr);
  ASSERT_EQ(view[0], 0xab);

  EXPECT_EQ(unmap_blob(1), resp::kOkNodata);
  EXPECT_EQ(view[0], 0);  // the guest sees zeros
  EXPECT_EQ(gpu->blob_bytes(1)->at(0), 0xab);  // the blob keeps its data
  EXPECT_TRUE(mapper.calls_of(Call::Unmap).empty());

  // Mapped again elsewhere, the data follows.
  ASSERT_EQ(map_blob(1, 4 * kBlobSize).type(), resp::kOkMapInfo);
  EXPECT_EQ(view[4 * kBlobSize], 0xab);
  EXPECT_EQ(view[0], 0);
  EXPECT_EQ(mapper.calls_of(Call::Map).size(), 1u);
}

TEST_F(GpuFixedTest, SameValidationAsPerBlob) {
  ASSERT_EQ(create_host_blob(1, kBlobSize), resp::kOkNodata);
  ASSERT_EQ(create_host_blob(2, kBlobSize), resp::kOkNodata);
  EXPECT_EQ(map_blob(1, 0x800).type(), resp::kErrInvalidParameter);
  EXPECT_EQ(map_blob(1, kHostmemSize - 4096).type(), resp::kErrInvalidParameter);
  EXPECT_EQ(map_blob(1, ~0ull & ~0xfffull).type(), resp::kErrInvalidParameter);
  ASSERT_EQ(map_blob(1, 0).type(), resp::kOkMapInfo);
  EXPECT_EQ(map_blob(1, kBlobSize).type(), resp::kErrInvalidParameter);  // twice
  EXPECT_EQ(map_blob(2, kBlobSize / 2).type(), resp::kErrInvalidParameter);  // overlap
  EXPECT_EQ(unmap_blob(2), resp::kErrInvalidParameter);
}

TEST_F(GpuFixedTest, RegionSlotRefusedIsUnspecAndRetried) {
  ASSERT_EQ(create_host_blob(1, kBlobSize), resp::kOkNodata);
  mapper.refuse_next_map = "no free memslot";
  EXPECT_EQ(map_blob(1, 0).type(), resp::kErrUnspec);
  EXPECT_FALSE(gpu->blob_mapped(1));
  EXPECT_EQ(map_blob(1, 0).type(), resp::kOkMapInfo);
  EXPECT_EQ(mapper.live.size(), 1u);
}

TEST_F(GpuFixedTest, BarMoveMovesTheRegionSlot) {
  ASSERT_EQ(create_host_blob(1, kBlobSize), resp::kOkNodata);
  ASSERT_EQ(map_blob(1, kBlobSize).type(), resp::kOkMapInfo);
  gpu->set_shared_memory_base(kShmIdHostVisible, 0xa00000000ull);
  auto moves = mapper.calls_of(Call::Move);
  ASSERT_EQ(moves.size(), 1u);
  EXPECT_EQ(moves[0].slot, mapper.calls_of(Call::Map)[0].slot);
  EXPECT_EQ(moves[0].new_guest_addr, 0xa00000000ull);
}

TEST_F(GpuFixedTest, ResetRemovesTheRegionSlot) {
  ASSERT_EQ(create_host_blob(1, kBlobSize), resp::kOkNodata);
  ASSERT_EQ(map_blob(1, 0).type(), resp::kOkMapInfo);
  gpu->reset();
  EXPECT_EQ(mapper.calls_of(Call::Unmap).size(), 1u);
  EXPECT_TRUE(mapper.live.empty());
}

TEST_F(GpuFixedTest, UnrefOfAMappedBlobClearsItsRange) {
  const std::uint8_t* view = map_blob_holding(std::vector<std::uint8_t>(4, 0xcd));
  ASSERT_NE(view, nullptr);
  ASSERT_EQ(view[0], 0xcd);
  EXPECT_EQ(resource_cmd(cmd::kResourceUnref, 1), resp::kOkNodata);
  EXPECT_EQ(view[0], 0);
  EXPECT_EQ(mapper.live.size(), 1u);  // the region stays mapped
}

}  // namespace
}  // namespace vmm::test

namespace vmm::test {
namespace {

// A blob whose MemCacheType differs from the fixed region's slot cannot get its own type
// there: it is refused (ERR_INVALID_PARAMETER), as crosvm refuses it, and the refusal
// reaches the mapper, so the trace and the report show it.
class GpuFixedCachedTest : public GpuBlobFixture {
 protected:
  void SetUp() override {
    auto config = default_config();
    config.mapping = BlobMappingMode::Fixed;
    config.blob_cache = BlobCacheMode::Cached;  // blobs ask for CacheCoherent
    make_gpu_with_context(config);
  }
};

TEST_F(GpuFixedCachedTest, BlobOfAnotherMemCacheTypeIsRefusedAndRecorded) {
  ASSERT_EQ(create_host_blob(1, kBlobSize), resp::kOkNodata);
  EXPECT_EQ(map_blob(1, 0).type(), resp::kErrInvalidParameter);
  EXPECT_FALSE(gpu->blob_mapped(1));
  const auto maps = mapper.calls_of(Call::Map);
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0].request.cache_type, MemCacheType::CacheNonCoherent) << "the region's slot";
  const auto refused = mapper.calls_of(Call::Refused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].slot, maps[0].slot) << "names the slot that would have served it";
  EXPECT_EQ(refused[0].request.owner, "gpu-blob 1");
  EXPECT_EQ(refused[0].request.cache_type, MemCacheType::CacheCoherent);
  EXPECT_EQ(refused[0].request.guest_addr, kBarBase);
  ASSERT_EQ(mapper.refusals.size(), 1u);
  EXPECT_EQ(mapper.refusals[0],
            "gpu-blob 1 asks for CacheCoherent, but the fixed region's slot is CacheNonCoherent");
}

}  // namespace
}  // namespace vmm::test
