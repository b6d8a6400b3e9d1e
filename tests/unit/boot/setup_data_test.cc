#include "boot/setup_data.h"

#include <asm/bootparam.h>
#include <gtest/gtest.h>

#include "tests/unit/boot/boot_test_util.h"

namespace vmm {
namespace {

constexpr std::uint64_t kBase = 0x30000;

TEST(SetupData, EmptyAreaHasNoHeadAndReservesNothing) {
  const auto mem = GuestMemory::create(16 << 20);
  SetupDataArea area(mem, kBase, 0x10000);
  EXPECT_EQ(area.head(), 0u);
  EXPECT_EQ(area.used(), 0u);
  EXPECT_EQ(area.reserved_size(), 0u);
}

TEST(SetupData, TwoEntriesChain) {
  const auto mem = GuestMemory::create(16 << 20);
  SetupDataArea area(mem, kBase, 0x10000);
  const std::vector<std::uint8_t> first = {1, 2, 3};  // odd length: next node is realigned
  const std::vector<std::uint8_t> second(100, 0x5a);
  const auto a = area.append(SETUP_DTB, first);
  const auto b = area.append(SETUP_RNG_SEED, second);
  EXPECT_EQ(a, kBase);
  EXPECT_EQ(b, kBase + 24);  // 16-byte header + 3 bytes, rounded up to 8
  EXPECT_EQ(area.head(), a);
  EXPECT_EQ(area.used(), 24u + 16u + 100u);
  EXPECT_EQ(area.reserved_size(), 0x1000u);

  // Walk the chain the way the kernel does.
  const auto seen = testing::read_setup_chain(mem, area.head(), 2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, std::uint32_t{SETUP_DTB});
  EXPECT_EQ(seen[0].second, first);
  EXPECT_EQ(seen[1].first, std::uint32_t{SETUP_RNG_SEED});
  EXPECT_EQ(seen[1].second, second);
}

TEST(SetupData, FullAreaIsRefused) {
  const auto mem = GuestMemory::create(16 << 20);
  SetupDataArea area(mem, kBase, 0x1000);
  area.append(SETUP_DTB, std::vector<std::uint8_t>(0x1000 - 16));  // exactly fills it
  EXPECT_BOOT_ERROR(area.append(SETUP_DTB, std::vector<std::uint8_t>(1)),
                    "setup_data entry of type 2 (1 byte) does not fit: 0 bytes of the 4 KiB");
}

TEST(SetupData, TooLargeEntryIsRefused) {
  const auto mem = GuestMemory::create(16 << 20);
  SetupDataArea area(mem, kBase, 0x10000);
  EXPECT_BOOT_ERROR(area.append(SETUP_DTB, std::vector<std::uint8_t>(0x10000)),
                    "(64 KiB) does not fit: 64 KiB of the 64 KiB setup_data area left");
}

TEST(SetupData, AreaOutsideRamIsRefused) {
  const auto mem = GuestMemory::create(16 << 20);
  EXPECT_BOOT_ERROR(SetupDataArea(mem, (16 << 20) - 0x1000, 0x2000), "is not in guest RAM");
}

}  // namespace
}  // namespace vmm
