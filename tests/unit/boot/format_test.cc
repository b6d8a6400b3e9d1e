#include "boot/format.h"

#include <gtest/gtest.h>

namespace vmm {
namespace {

TEST(BootFormat, Hex) {
  EXPECT_EQ(boot_format::hex(0), "0x0");
  EXPECT_EQ(boot_format::hex(0x7fffffff), "0x7fffffff");
}

TEST(BootFormat, Size) {
  EXPECT_EQ(boot_format::size(300), "300 bytes");
  EXPECT_EQ(boot_format::size(1), "1 byte");
  EXPECT_EQ(boot_format::size(4096), "4 KiB");
  EXPECT_EQ(boot_format::size(40ull << 20), "40 MiB");
  EXPECT_EQ(boot_format::size(3ull << 19), "1.5 MiB");
  EXPECT_EQ(boot_format::size(3ull << 30), "3 GiB");
}

TEST(BootFormat, ProtocolVersion) {
  EXPECT_EQ(boot_format::protocol_version(0x0205), "2.05");
  EXPECT_EQ(boot_format::protocol_version(0x020c), "2.12");
  EXPECT_EQ(boot_format::protocol_version(0x020f), "2.15");
}

}  // namespace
}  // namespace vmm
