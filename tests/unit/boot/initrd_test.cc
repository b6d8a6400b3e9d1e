#include "boot/initrd.h"

#include <gtest/gtest.h>

#include "memory/layout.h"
#include "tests/unit/boot/boot_test_util.h"

namespace vmm {
namespace {

using layout::kMiB;

TEST(Initrd, GoesToTopOfRamPageAligned) {
  const auto addr = place_initrd(10000, {.floor = 2 * kMiB, .initrd_addr_max = 0x7fffffff,
                                         .ram_end = 64 * kMiB},
                                 "i");
  EXPECT_EQ(addr % 4096, 0u);
  EXPECT_EQ(addr, 64 * kMiB - 12288);  // 10000 bytes need 3 pages
  EXPECT_LE(addr + 10000, 64 * kMiB);
}

TEST(Initrd, StaysBelowInitrdAddrMax) {
  // The last byte may sit at initrd_addr_max itself.
  const auto addr = place_initrd(4096, {.floor = 2 * kMiB, .initrd_addr_max = 0x7fffffff,
                                        .ram_end = 3ull << 30},
                                 "i");
  EXPECT_EQ(addr, 0x80000000u - 4096);
}

TEST(Initrd, ExactFitAboveKernel) {
  const auto addr = place_initrd(62 * kMiB, {.floor = 2 * kMiB, .initrd_addr_max = 0x7fffffff,
                                             .ram_end = 64 * kMiB},
                                 "i");
  EXPECT_EQ(addr, 2 * kMiB);
}

TEST(Initrd, DoesNotFit) {
  EXPECT_BOOT_ERROR(
      place_initrd(40 * kMiB,
                   {.floor = 0x1e00000, .initrd_addr_max = 0x7fffffff, .ram_end = 32 * kMiB},
                   "i.img"),
      "initrd 'i.img' (40 MiB) does not fit below initrd_addr_max 0x7fffffff in 32 MiB of RAM: "
      "the kernel uses memory up to 0x1e00000, leaving 2 MiB; give the guest more memory");
}

TEST(Initrd, DoesNotFitBelowAddrMax) {
  EXPECT_BOOT_ERROR(
      place_initrd(2 * kMiB,
                   {.floor = 3 * kMiB, .initrd_addr_max = 4 * kMiB - 1, .ram_end = 64 * kMiB},
                   "i"),
      "leaving 1 MiB");
}

TEST(Initrd, FloorNearTheTopOfTheAddressSpaceLeavesNoRoom) {
  // Found by tests/fuzz/bzimage_fuzz: rounding this floor up to a page wrapped to 0, and
  // the initrd went below the kernel's end (corpus/bzimage/place-initrd-floor-wraps).
  EXPECT_BOOT_ERROR(
      place_initrd(0xff, {.floor = ~0ull, .initrd_addr_max = 0xffffffff, .ram_end = 0xffffff},
                   "i"),
      "does not fit");
  EXPECT_BOOT_ERROR(
      place_initrd(4096, {.floor = ~0ull - 4094, .initrd_addr_max = 0x7fffffff, .ram_end = 64 * kMiB},
                   "i"),
      "leaving 0 bytes");
}

}  // namespace
}  // namespace vmm
