#include "vmm/cli/size_arg.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>

namespace vmm {
namespace {

// Each case: the text, what parse_size must make of it, and why when it is not plain.
struct SizeCase {
  const char* text;
  std::optional<std::uint64_t> bytes;
  const char* why = "";
};

void expect_parses(std::initializer_list<SizeCase> cases) {
  for (const SizeCase& c : cases)
    EXPECT_EQ(parse_size(c.text), c.bytes) << '"' << c.text << "\" " << c.why;
}

TEST(ParseSize, AcceptsPlainBytesAndBinarySuffixes) {
  expect_parses({{"4096", 4096}, {"4K", 4096}, {"256M", 256ull << 20}, {"256m", 256ull << 20},
                 {"2G", 2ull << 30}, {"2GiB", 2ull << 30}, {"2GB", 2ull << 30},
                 {"1T", 1ull << 40}, {"512B", 512}});
}

TEST(ParseSize, RejectsGarbageAndOverflow) {
  expect_parses({{"", std::nullopt}, {"M", std::nullopt}, {"12Q", std::nullopt},
                 {"-1G", std::nullopt}, {"1.5G", std::nullopt}, {"1 G", std::nullopt},
                 {"1Gx", std::nullopt},
                 {"18446744073709551616", std::nullopt, "2^64"},
                 {"18446744073709551615", 18446744073709551615ull, "2^64 - 1 fits"},
                 {"16777216T", std::nullopt, "2^24 TiB overflows"}});
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
