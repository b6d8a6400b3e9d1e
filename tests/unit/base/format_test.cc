#include "base/format.h"

#include <gtest/gtest.h>

namespace vmm {
namespace {

TEST(Format, Hex) {
  EXPECT_EQ(hex(0), "0x0");
  EXPECT_EQ(hex(0x7fffffff), "0x7fffffff");
  EXPECT_EQ(hex(~0ull), "0xffffffffffffffff");
}

TEST(Format, HumanSize) {
  EXPECT_EQ(human_size(300), "300 bytes");
  EXPECT_EQ(human_size(1), "1 byte");
  EXPECT_EQ(human_size(4096), "4 KiB");
  EXPECT_EQ(human_size(40ull << 20), "40 MiB");
  EXPECT_EQ(human_size(3ull << 19), "1.5 MiB");
  EXPECT_EQ(human_size(3ull << 30), "3 GiB");
}

}  // namespace
}  // namespace vmm
