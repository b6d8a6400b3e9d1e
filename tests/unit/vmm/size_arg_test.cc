#include "vmm/cli/size_arg.h"

#include <gtest/gtest.h>

namespace vmm {
namespace {

TEST(ParseSize, AcceptsPlainBytesAndBinarySuffixes) {
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("4K"), 4096u);
  EXPECT_EQ(parse_size("256M"), 256ull << 20);
  EXPECT_EQ(parse_size("256m"), 256ull << 20);
  EXPECT_EQ(parse_size("2G"), 2ull << 30);
  EXPECT_EQ(parse_size("2GiB"), 2ull << 30);
  EXPECT_EQ(parse_size("2GB"), 2ull << 30);
  EXPECT_EQ(parse_size("1T"), 1ull << 40);
  EXPECT_EQ(parse_size("512B"), 512u);
}

TEST(ParseSize, RejectsGarbageAndOverflow) {
  EXPECT_EQ(parse_size(""), std::nullopt);
  EXPECT_EQ(parse_size("M"), std::nullopt);
  EXPECT_EQ(parse_size("12Q"), std::nullopt);
  EXPECT_EQ(parse_size("-1G"), std::nullopt);
  EXPECT_EQ(parse_size("1.5G"), std::nullopt);
  EXPECT_EQ(parse_size("1 G"), std::nullopt);
  EXPECT_EQ(parse_size("1Gx"), std::nullopt);
  EXPECT_EQ(parse_size("18446744073709551616"), std::nullopt) << "2^64";
  EXPECT_EQ(parse_size("18446744073709551615"), 18446744073709551615ull);
  EXPECT_EQ(parse_size("16777216T"), std::nullopt) << "2^24 TiB overflows";
}

TEST(FormatSize, UsesTheLargestExactUnit) {
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_size(1000), "1000");
  EXPECT_EQ(format_size(4096), "4K");
  EXPECT_EQ(format_size(3ull << 30), "3G");
  EXPECT_EQ(format_size((3ull << 30) + 4096), "3145732K");
  for (const char* text : {"4K", "256M", "3G", "1T"}) EXPECT_EQ(format_size(*parse_size(text)), text);
}

}  // namespace
}  // namespace vmm
