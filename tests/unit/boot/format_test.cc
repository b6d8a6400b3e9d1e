#include "boot/format.h"

#include <gtest/gtest.h>

namespace vmm {
namespace {

TEST(BootFormat, ProtocolVersion) {
  EXPECT_EQ(boot_format::protocol_version(0x0205), "2.05");
  EXPECT_EQ(boot_format::protocol_version(0x020c), "2.12");
  EXPECT_EQ(boot_format::protocol_version(0x020f), "2.15");
}

}  // namespace
}  // namespace vmm
