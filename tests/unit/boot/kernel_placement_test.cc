#include "boot/kernel_placement.h"

#include <gtest/gtest.h>

#include "tests/unit/boot/boot_test_util.h"
#include "tests/unit/boot/test_bzimage.h"

namespace vmm {
namespace {

using testing::make_bzimage;

// Where a kernel made to SPEC (tests/unit/boot/test_bzimage.h) is placed when loaded at 1 MiB.
KernelPlacement placed(const testing::ImageSpec& spec) {
  return place_kernel(parse_bzimage(make_bzimage(spec), "k"), 0x100000);
}

TEST(KernelPlacement, NonRelocatableRunsAtPrefAddress) {
  const auto p = placed({.init_size = 0x300000});
  EXPECT_EQ(p.load_addr, 0x100000u);
  EXPECT_EQ(p.entry64, 0x100200u);
  EXPECT_EQ(p.runtime_start, 0x100000u);
  EXPECT_EQ(p.end, 0x400000u);
}

TEST(KernelPlacement, RelocatableRisesToPrefAddressAndAligns) {
  // Like a distribution kernel: pref_address 16 MiB, 2 MiB alignment.
  const auto p = placed({.init_size = 0x2000000, .pref_address = 0x1000000, .relocatable = 1});
  EXPECT_EQ(p.runtime_start, 0x1000000u);
  EXPECT_EQ(p.end, 0x3000000u);
}

TEST(KernelPlacement, RelocatableBelowLoadAddressAlignsUp) {
  const auto p = placed({.init_size = 0x100000, .pref_address = 0, .relocatable = 1});
  EXPECT_EQ(p.runtime_start, 0x200000u);  // 1 MiB aligned up to 2 MiB
  EXPECT_EQ(p.end, 0x300000u);
}

TEST(KernelPlacement, CopyLargerThanInitSizeCounts) {
  EXPECT_EQ(placed({.kernel_size = 0x4000, .init_size = 0}).end, 0x104000u);
}

TEST(KernelPlacement, NonRelocatableBelowLoadAddressIsRefused) {
  const auto image = parse_bzimage(make_bzimage({.pref_address = 0x80000}), "k");
  EXPECT_BOOT_ERROR(place_kernel(image, 0x100000),
                    "kernel 'k' is not relocatable and wants to run at 0x80000");
}

}  // namespace
}  // namespace vmm
