#include "boot/bzimage.h"

#include <gtest/gtest.h>

#include "tests/unit/boot/boot_test_util.h"
#include "tests/unit/boot/test_bzimage.h"

namespace vmm {
namespace {

using testing::ImageSpec;
using testing::make_bzimage;
using testing::packed_value;
using testing::poke;

TEST(BzImage, ValidImageParses) {
  const BzImage image = parse_bzimage(make_bzimage(), "bz");
  EXPECT_EQ(image.name, "bz");
  EXPECT_EQ(image.protocol, 0x020f);
  EXPECT_EQ(image.setup_sects, 4u);
  EXPECT_EQ(image.setup_size, 2560u);
  EXPECT_EQ(image.kernel_offset, 2560u);
  EXPECT_EQ(image.kernel_size, 8192u);
  EXPECT_EQ(image.header_end, 0x26cu);
  EXPECT_EQ(image.init_size, 0x100000u);
  EXPECT_EQ(image.pref_address, 0x100000u);
  EXPECT_EQ(image.kernel_alignment, 0x200000u);
  EXPECT_FALSE(image.relocatable);
  EXPECT_EQ(image.cmdline_max, 2047u);
  EXPECT_EQ(image.initrd_addr_max, 0x7fffffffu);
  ASSERT_EQ(image.kernel().size(), 8192u);
  for (std::size_t i = 0; i < image.kernel().size(); ++i)
    ASSERT_EQ(image.kernel()[i], testing::kernel_byte(i)) << i;
  EXPECT_EQ(image.setup_header_bytes().size(), 0x26cu - 0x1f1u);
  EXPECT_EQ(image.setup_header_bytes()[0], 4);  // setup_sects is the header's first byte
}

TEST(BzImage, ZeroSetupSectsMeansFour) {
  auto bytes = make_bzimage();
  poke<std::uint8_t>(bytes, 0x1f1, 0);
  const BzImage image = parse_bzimage(std::move(bytes), "bz");
  EXPECT_EQ(image.setup_sects, 4u);
  EXPECT_EQ(image.kernel_offset, 2560u);
}

TEST(BzImage, TrailingBytesAreNotKernel) {
  auto bytes = make_bzimage();
  bytes.resize(bytes.size() + 100, 0xee);  // e.g. an appended signature
  const BzImage image = parse_bzimage(std::move(bytes), "bz");
  EXPECT_EQ(image.kernel().size(), 8192u);
}

TEST(BzImage, ShortHeaderIsCutAtHeaderEnd) {
  auto bytes = make_bzimage();
  // A header ending right after handover_offset (0x268): kernel_info_offset is setup code.
  poke<std::uint8_t>(bytes, 0x201, 0x268 - 0x202);
  poke<std::uint32_t>(bytes, 0x268, 0xdeadbeef);
  const BzImage image = parse_bzimage(std::move(bytes), "bz");
  EXPECT_EQ(image.header_end, 0x268u);
  EXPECT_EQ(packed_value(image.header.kernel_info_offset), 0u);
  EXPECT_EQ(image.setup_header_bytes().size(), 0x268u - 0x1f1u);
}

TEST(BzImage, EmptyFileIsNotABzImage) {
  EXPECT_BOOT_ERROR(parse_bzimage({}, "x"), "kernel 'x' is not a bzImage (no HdrS magic at 0x202)");
}

TEST(BzImage, ShortFileIsNotABzImage) {
  EXPECT_BOOT_ERROR(parse_bzimage(std::vector<std::uint8_t>(300, 0x90), "x"),
                    "kernel 'x' is not a bzImage (no HdrS magic at 0x202)");
}

TEST(BzImage, WrongMagic) {
  auto bytes = make_bzimage();
  bytes[0x202] = 'X';
  EXPECT_BOOT_ERROR(parse_bzimage(std::move(bytes), "x"), "no HdrS magic at 0x202");
}

TEST(BzImage, WrongBootFlag) {
  auto bytes = make_bzimage();
  poke<std::uint16_t>(bytes, 0x1fe, 0x1234);
  EXPECT_BOOT_ERROR(parse_bzimage(std::move(bytes), "x"),
                    "boot_flag 0x1234 at 0x1fe, expected 0xaa55");
}

TEST(BzImage, ProtocolTooOld) {
  EXPECT_BOOT_ERROR(parse_bzimage(make_bzimage({.version = 0x0205}), "x"),
                    "kernel 'x': boot protocol 2.05 is too old: vmm needs 2.12 or newer "
                    "(64-bit entry, XLF_KERNEL_64)");
  EXPECT_BOOT_ERROR(parse_bzimage(make_bzimage({.version = 0x020b}), "x"),
                    "boot protocol 2.11 is too old");
  EXPECT_NO_THROW(parse_bzimage(make_bzimage({.version = 0x020c}), "x"));
}

TEST(BzImage, TruncatedSetup) {
  auto bytes = make_bzimage();
  poke<std::uint8_t>(bytes, 0x1f1, 30);  // 31 sectors of setup, more than the file
  const std::string expected =
      "kernel 'x' is truncated: setup needs 15872 bytes, file has " + std::to_string(bytes.size());
  EXPECT_BOOT_ERROR(parse_bzimage(std::move(bytes), "x"), expected);
}

TEST(BzImage, TruncatedKernel) {
  auto bytes = make_bzimage();
  // syssize now claims 16 bytes more than the file has (erase, not resize: gcc 12 -O1 warns
  // about resize's growing path when it cannot see the size stays above 16)
  bytes.erase(bytes.end() - 16, bytes.end());
  EXPECT_BOOT_ERROR(parse_bzimage(std::move(bytes), "x"),
                    "kernel 'x' is truncated: setup (2560 bytes) plus kernel (syssize 0x200 = "
                    "8192 bytes) needs 10752 bytes, file has 10736");
}

TEST(BzImage, NoKernel64) {
  EXPECT_BOOT_ERROR(parse_bzimage(make_bzimage({.xloadflags = 0x02}), "x"),
                    "kernel 'x' has no 64-bit entry point (XLF_KERNEL_64 not set");
}

TEST(BzImage, NotLoadedHigh) {
  EXPECT_BOOT_ERROR(parse_bzimage(make_bzimage({.loadflags = 0}), "x"),
                    "kernel 'x' is a zImage (LOADED_HIGH not set");
}

TEST(BzImage, ZeroSyssize) {
  auto bytes = make_bzimage();
  poke<std::uint32_t>(bytes, 0x1f4, 0);
  EXPECT_BOOT_ERROR(parse_bzimage(std::move(bytes), "x"), "syssize is 0");
}

TEST(BzImage, KernelTooSmallForEntry64) {
  EXPECT_BOOT_ERROR(parse_bzimage(make_bzimage({.kernel_size = 0x200}), "x"),
                    "too small for a 64-bit entry at offset 0x200");
}

TEST(BzImage, HeaderTooShortForProtocol) {
  auto bytes = make_bzimage();
  poke<std::uint8_t>(bytes, 0x201, 0x3a);  // header ends at 0x23c, before init_size
  EXPECT_BOOT_ERROR(parse_bzimage(std::move(bytes), "x"),
                    "setup header ending at 0x23c (jump byte at 0x201)");
}

TEST(BzImage, RelocatableNeedsPowerOfTwoAlignment) {
  EXPECT_BOOT_ERROR(
      parse_bzimage(make_bzimage({.kernel_alignment = 0x300000, .relocatable = 1}), "x"),
      "kernel_alignment 0x300000 is not a power of two");
  EXPECT_NO_THROW(
      parse_bzimage(make_bzimage({.kernel_alignment = 0x200000, .relocatable = 1}), "x"));
}

TEST(BzImage, ZeroInitrdAddrMaxMeansLegacyDefault) {
  const BzImage image = parse_bzimage(make_bzimage({.initrd_addr_max = 0}), "x");
  EXPECT_EQ(image.initrd_addr_max, 0x37ffffffu);
}

TEST(BzImage, CopyKeepsKernelView) {
  const BzImage a = parse_bzimage(make_bzimage(), "x");
  const BzImage b = a;  // spans are derived from offsets, so a copy views its own bytes
  EXPECT_EQ(b.kernel().data(), b.file.data() + b.kernel_offset);
}

}  // namespace
}  // namespace vmm
