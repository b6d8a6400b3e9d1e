#include "memory/guest_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "memory/layout.h"

namespace vmm {
namespace {

using layout::kGiB;
using layout::kMiB;

TEST(GuestMemory, SmallRamIsOneLowRange) {
  auto mem = GuestMemory::create(64 * kMiB);
  ASSERT_EQ(mem.ranges().size(), 1u);
  EXPECT_EQ(mem.ranges()[0].guest_addr, 0u);
  EXPECT_EQ(mem.ranges()[0].size, 64 * kMiB);
  EXPECT_EQ(mem.ranges()[0].owner, "ram-low");
  EXPECT_EQ(mem.total_size(), 64 * kMiB);
}

TEST(GuestMemory, RamLargerThanHoleStartIsSplitAroundTheHole) {
  auto mem = GuestMemory::create(5 * kGiB);  // reserved lazily: costs no host memory
  ASSERT_EQ(mem.ranges().size(), 2u);
  EXPECT_EQ(mem.ranges()[0].size, layout::kMmioHoleStart);
  EXPECT_EQ(mem.ranges()[1].guest_addr, layout::kHighRamStart);
  EXPECT_EQ(mem.ranges()[1].size, 5 * kGiB - layout::kMmioHoleStart);
  EXPECT_EQ(mem.ranges()[1].owner, "ram-high");
  EXPECT_EQ(mem.total_size(), 5 * kGiB);
  EXPECT_FALSE(mem.contains(layout::kMmioHoleStart, 1)) << "the hole is not RAM";
  EXPECT_TRUE(mem.contains(layout::kHighRamStart, 4096));
}

TEST(GuestMemory, RejectsTooSmallAndUnalignedSizes) {
  EXPECT_THROW(GuestMemory::create(1 * kMiB), std::invalid_argument);
  EXPECT_THROW(GuestMemory::create(64 * kMiB + 1), std::invalid_argument);
}

TEST(GuestMemory, ReadsBackWhatWasWritten) {
  auto mem = GuestMemory::create(16 * kMiB);
  ASSERT_TRUE(mem.write_obj<std::uint64_t>(0x1000, 0x1122334455667788ull));
  EXPECT_EQ(mem.read_obj<std::uint64_t>(0x1000), 0x1122334455667788ull);
  EXPECT_EQ(mem.read_obj<std::uint8_t>(0x1000), 0x88);
  auto view = mem.span(0x1000, 8);
  ASSERT_TRUE(view);
  EXPECT_EQ((*view)[7], 0x11);
}

TEST(GuestMemory, AccessAtTheEdgeOfRamIsExact) {
  auto mem = GuestMemory::create(16 * kMiB);
  const std::uint64_t end = 16 * kMiB;
  EXPECT_TRUE(mem.write_obj<std::uint32_t>(end - 4, 7));
  EXPECT_FALSE(mem.write_obj<std::uint32_t>(end - 3, 7)) << "one byte past the end";
  EXPECT_FALSE(mem.read_obj<std::uint8_t>(end));
  EXPECT_TRUE(mem.span(end, 0)) << "empty span at the end is valid";
}

TEST(GuestMemory, HostileAddressesAndLengthsAreErrorsNotCrashes) {
  auto mem = GuestMemory::create(16 * kMiB);
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  EXPECT_FALSE(mem.span(kMax, 1));
  EXPECT_FALSE(mem.span(1, kMax)) << "gpa + len overflows";
  EXPECT_FALSE(mem.span(kMax - 3, 8));
  EXPECT_FALSE(mem.contains(0, 16 * kMiB + 1));
  std::uint8_t buffer[16] = {};
  EXPECT_FALSE(mem.read(kMax - 8, buffer));
}

TEST(GuestMemory, AccessSpanningTheHoleIsRefused) {
  auto mem = GuestMemory::from_ranges(
      {{0, 16 * kMiB, "ram-low"}, {16 * kMiB, 16 * kMiB, "ram-next"}});
  EXPECT_TRUE(mem.contains(16 * kMiB - 8, 8));
  EXPECT_FALSE(mem.contains(16 * kMiB - 8, 16)) << "contiguous ranges are still two mappings";
}

TEST(GuestMemory, FromRangesValidatesItsInput) {
  EXPECT_THROW(GuestMemory::from_ranges({{0, 0, "empty"}}), std::invalid_argument);
  EXPECT_THROW(GuestMemory::from_ranges({{0x800, 4096, "unaligned"}}), std::invalid_argument);
  EXPECT_THROW(GuestMemory::from_ranges({{0, 8192, "a"}, {4096, 4096, "b"}}),
               std::invalid_argument);
}

// An empty span may carry a null pointer; copying zero bytes from or to it is fine and
// must not reach memcpy (undefined behaviour, which UBSan reports; found by fuzzing).
TEST(GuestMemory, EmptyReadsAndWritesAreNoOps) {
  const auto mem = GuestMemory::create(16ull << 20);
  EXPECT_TRUE(mem.write(0x1000, std::span<const std::uint8_t>{}));
  EXPECT_TRUE(mem.read(0x1000, std::span<std::uint8_t>{}));
}

}  // namespace
}  // namespace vmm
