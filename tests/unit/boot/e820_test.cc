#include "boot/e820.h"

#include <gtest/gtest.h>

#include "memory/layout.h"

namespace vmm {
namespace {

using layout::kGiB;
using layout::kMiB;
// Using-declarations, not constants of our own: CI's unity build may compile both test
// files that name them as one source.
using E820Type::kRam;
using E820Type::kReserved;

TEST(E820, SmallGuest) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const std::vector<E820Entry> expected = {
      {0, 0x9fc00, kRam},
      {0x9fc00, 0x100000 - 0x9fc00, kReserved},
      {0x100000, 64 * kMiB - 0x100000, kRam},
  };
  EXPECT_EQ(build_e820(mem, {}), expected);
}

TEST(E820, SplitGuestHasHighRam) {
  const auto mem = GuestMemory::from_ranges(
      {{0, 3 * kGiB, "ram-low"}, {4 * kGiB, 2 * kGiB, "ram-high"}});
  const std::vector<E820Entry> expected = {
      {0, 0x9fc00, kRam},
      {0x9fc00, 0x100000 - 0x9fc00, kReserved},
      {0x100000, 3 * kGiB - 0x100000, kRam},
      {4 * kGiB, 2 * kGiB, kRam},
  };
  EXPECT_EQ(build_e820(mem, {}), expected);
}

TEST(E820, ReservedRangeSplitsRam) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const AddrRange reserved[] = {{0x30000, 0x2000}};
  const std::vector<E820Entry> expected = {
      {0, 0x30000, kRam},
      {0x30000, 0x2000, kReserved},
      {0x32000, 0x9fc00 - 0x32000, kRam},
      {0x9fc00, 0x100000 - 0x9fc00, kReserved},
      {0x100000, 64 * kMiB - 0x100000, kRam},
  };
  EXPECT_EQ(build_e820(mem, reserved), expected);
}

TEST(E820, AdjacentReservedRangesMerge) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const AddrRange reserved[] = {{0x90000, 0xfc00}, {0, 0}};  // ends where legacy begins
  const auto map = build_e820(mem, reserved);
  ASSERT_EQ(map.size(), 3u);
  EXPECT_EQ(map[1], (E820Entry{0x90000, 0x100000 - 0x90000, kReserved}));
}

}  // namespace
}  // namespace vmm
