#include "boot/cmdline.h"

#include <gtest/gtest.h>

#include "tests/unit/boot/boot_test_util.h"

namespace vmm {
namespace {

constexpr std::uint64_t kAddr = 0x20000;
constexpr std::uint64_t kCapacity = 0x10000;

TEST(Cmdline, WritesBytesAndNul) {
  const auto mem = GuestMemory::create(16 << 20);
  ASSERT_TRUE(mem.write_obj<std::uint8_t>(kAddr + 13, 0xff));
  write_cmdline(mem, kAddr, kCapacity, "console=ttyS0", 2047);
  std::string got(14, '?');
  ASSERT_TRUE(mem.read(kAddr, std::span(reinterpret_cast<std::uint8_t*>(got.data()), 14)));
  EXPECT_EQ(got, std::string("console=ttyS0\0", 14));
}

TEST(Cmdline, ExactlyAtKernelLimitIsAccepted) {
  const auto mem = GuestMemory::create(16 << 20);
  EXPECT_NO_THROW(write_cmdline(mem, kAddr, kCapacity, std::string(2047, 'a'), 2047));
  EXPECT_EQ(mem.read_obj<std::uint8_t>(kAddr + 2047), 0);
}

TEST(Cmdline, OverKernelLimitIsRefused) {
  const auto mem = GuestMemory::create(16 << 20);
  EXPECT_BOOT_ERROR(write_cmdline(mem, kAddr, kCapacity, std::string(2048, 'a'), 2047),
                    "command line is 2048 bytes, kernel accepts at most 2047");
  EXPECT_BOOT_ERROR(write_cmdline(mem, kAddr, kCapacity, std::string(3000, 'a'), 2047),
                    "command line is 3000 bytes, kernel accepts at most 2047");
}

TEST(Cmdline, OverBufferIsRefused) {
  const auto mem = GuestMemory::create(16 << 20);
  EXPECT_BOOT_ERROR(write_cmdline(mem, kAddr, 16, std::string(16, 'a'), 2047),
                    "command line is 16 bytes, vmm's buffer holds at most 15");
}

TEST(Cmdline, EmbeddedNulIsRefused) {
  const auto mem = GuestMemory::create(16 << 20);
  EXPECT_BOOT_ERROR(write_cmdline(mem, kAddr, kCapacity, std::string("a\0b", 3), 2047),
                    "NUL byte at offset 1");
}

}  // namespace
}  // namespace vmm
