#include "memory/address_allocator.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace vmm {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST(AddressAllocatorTest, RejectsEmptyOrWrappingWindow) {
  EXPECT_THROW(AddressAllocator(0x1000, 0), std::invalid_argument);
  EXPECT_THROW(AddressAllocator(kMax, 2), std::invalid_argument);
  EXPECT_NO_THROW(AddressAllocator(kMax, 1));  // ends exactly at 2^64
}

TEST(AddressAllocatorTest, FirstFitNaturallyAligned) {
  AddressAllocator window(0xc0000000, 0x10000000);
  EXPECT_EQ(window.allocate(0x1000, 0x1000, "a"), 0xc0000000u);
  // 64 KiB aligned: skips past the first page to the next 64 KiB boundary.
  EXPECT_EQ(window.allocate(0x10000, 0x10000, "b"), 0xc0010000u);
  // A small one fills the gap left below "b".
  EXPECT_EQ(window.allocate(0x1000, 0x1000, "c"), 0xc0001000u);
  const auto list = window.allocations();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].owner, "a");
  EXPECT_EQ(list[1].owner, "c");
  EXPECT_EQ(list[2].addr, 0xc0010000u);
  EXPECT_EQ(list[2].size, 0x10000u);
}

TEST(AddressAllocatorTest, UnalignedWindowBaseIsAlignedUp) {
  AddressAllocator window(0x1800, 0x10000);
  EXPECT_EQ(window.allocate(0x1000, 0x1000, "a"), 0x2000u);
}

TEST(AddressAllocatorTest, RefusesBadRequestsAndExhaustion) {
  AddressAllocator window(0x10000, 0x4000);
  EXPECT_FALSE(window.allocate(0, 0x1000, "zero"));
  EXPECT_FALSE(window.allocate(0x1000, 0, "no alignment"));
  EXPECT_FALSE(window.allocate(0x1000, 0x3000, "alignment not a power of two"));
  EXPECT_FALSE(window.allocate(0x8000, 0x1000, "too big"));
  EXPECT_FALSE(window.allocate(kMax, 1, "huge"));
  EXPECT_TRUE(window.allocate(0x4000, 0x4000, "all"));
  EXPECT_FALSE(window.allocate(0x1000, 0x1000, "full"));
}

TEST(AddressAllocatorTest, HugeAlignmentDoesNotOverflow) {
  AddressAllocator window(0x1000, 0x100000);
  EXPECT_FALSE(window.allocate(0x1000, std::uint64_t{1} << 63, "far away"));
  AddressAllocator top(kMax - 0xffff, 0x10000);
  EXPECT_EQ(top.allocate(0x8000, 0x8000, "a"), kMax - 0xffff);
  EXPECT_EQ(top.allocate(0x8000, 0x8000, "b"), kMax - 0x7fff);
  EXPECT_FALSE(top.allocate(0x1000, 0x1000, "none left"));
  EXPECT_FALSE(top.allocate(0x1000, std::uint64_t{1} << 63, "none aligned"));
}

TEST(AddressAllocatorTest, FreeAndReuse) {
  AddressAllocator window(0x100000, 0x100000);
  const auto a = window.allocate(0x1000, 0x1000, "a");
  const auto b = window.allocate(0x1000, 0x1000, "b");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(window.free(*a + 1));  // only exact starts
  EXPECT_TRUE(window.free(*a));
  EXPECT_FALSE(window.free(*a));
  EXPECT_EQ(window.allocate(0x1000, 0x1000, "c"), *a);
}

TEST(AddressAllocatorTest, ReserveChecksWindowAndOverlap) {
  AddressAllocator window(0x100000, 0x100000);
  ASSERT_TRUE(window.allocate(0x2000, 0x2000, "a"));  // 0x100000..0x101fff
  EXPECT_FALSE(window.reserve(0x101000, 0x1000, "overlaps a"));
  EXPECT_FALSE(window.reserve(0x0ff000, 0x2000, "starts below the window"));
  EXPECT_FALSE(window.reserve(0x1ff000, 0x2000, "ends above the window"));
  EXPECT_FALSE(window.reserve(0x150000, 0, "empty"));
  EXPECT_FALSE(window.reserve(kMax - 0xfff, 0x2000, "wraps"));
  EXPECT_TRUE(window.reserve(0x102000, 0x1000, "adjacent"));
  EXPECT_TRUE(window.reserve(0x1ff000, 0x1000, "last page"));
  // allocate() now goes around both.
  EXPECT_EQ(window.allocate(0x1000, 0x1000, "next"), 0x103000u);
}

TEST(AddressAllocatorTest, ContainsIsOverflowSafe) {
  AddressAllocator window(0x1000, 0x1000);
  EXPECT_TRUE(window.contains(0x1000, 0x1000));
  EXPECT_FALSE(window.contains(0x1000, 0x1001));
  EXPECT_FALSE(window.contains(0x1800, kMax));
  EXPECT_FALSE(window.contains(0x1000, 0));
}

}  // namespace
}  // namespace vmm
