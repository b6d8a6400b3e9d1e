#include "vmm/memtype/memory_type.h"

#include <gtest/gtest.h>

#include <optional>
#include <string_view>
#include <utility>

namespace vmm::memtype {
namespace {

// Every type as the architecture encodes it (SDM Vol. 3A Table 11-10: 0 UC, 1 WC, 4 WT, 5 WP,
// 6 WB, 7 UC-), as the SDM abbreviates it, and as Linux prints it in
// /sys/kernel/debug/x86/pat_memtype_list: the reference each test below checks one column of.
struct TypeRow {
  MemoryType type;
  std::uint8_t encoding;
  std::string_view sdm;
  std::string_view linux_pat;
};

constexpr TypeRow kTypes[] = {
    {MemoryType::UC, 0, "UC", "uncached"},
    {MemoryType::WC, 1, "WC", "write-combining"},
    {MemoryType::WT, 4, "WT", "write-through"},
    {MemoryType::WP, 5, "WP", "write-protect"},
    {MemoryType::WB, 6, "WB", "write-back"},
    {MemoryType::UCMinus, 7, "UC-", "uncached-minus"},
};

TEST(MemoryType, DecodesEveryArchitecturalEncoding) {
  for (const TypeRow& row : kTypes)
    EXPECT_EQ(memory_type_from_encoding(row.encoding), row.type) << row.sdm;
}

TEST(MemoryType, RejectsReservedEncodings) {
  for (std::uint64_t reserved : {2ull, 3ull, 8ull, 0x0eull, 0xffull, 0x106ull, 1ull << 32})
    EXPECT_EQ(memory_type_from_encoding(reserved), std::nullopt) << reserved;
}

TEST(MemoryType, EncodesAsTheArchitectureDoes) {
  for (const TypeRow& row : kTypes) EXPECT_EQ(encoding_of(row.type), row.encoding) << row.sdm;
}

TEST(MemoryType, PrintsTheSdmAbbreviations) {
  for (const TypeRow& row : kTypes) EXPECT_EQ(to_string(row.type), row.sdm);
}

TEST(MemoryType, ParsesNamesInAnyCaseAndUcMinusSpelledOut) {
  const std::pair<std::string_view, std::optional<MemoryType>> cases[] = {
      {"wb", MemoryType::WB},       {"Wc", MemoryType::WC},
      {"UC", MemoryType::UC},       {"wp", MemoryType::WP},
      {"WT", MemoryType::WT},       {"uc-", MemoryType::UCMinus},
      {"UC_MINUS", MemoryType::UCMinus}, {"uc_minus", MemoryType::UCMinus},
      {"", std::nullopt},           {"UCM", std::nullopt},
      {"write-back", std::nullopt}, {"WB ", std::nullopt},
  };
  for (const auto& [text, type] : cases) EXPECT_EQ(parse_memory_type(text), type) << '"' << text << '"';
}

TEST(MemoryType, UsesLinuxPatMemtypeListNames) {
  for (const TypeRow& row : kTypes) EXPECT_EQ(linux_pat_name(row.type), row.linux_pat) << row.sdm;
}

TEST(MemoryType, ParsesLinuxPatMemtypeListNames) {
  for (const TypeRow& row : kTypes) EXPECT_EQ(parse_linux_pat_name(row.linux_pat), row.type) << row.sdm;
  for (std::string_view other : {"WB", "write back", ""})
    EXPECT_EQ(parse_linux_pat_name(other), std::nullopt) << '"' << other << '"';
}

TEST(MemoryType, OnlyWbWtAndWpFillCacheLinesOnReads) {
  EXPECT_TRUE(caches_reads(MemoryType::WB));
  EXPECT_TRUE(caches_reads(MemoryType::WT));
  EXPECT_TRUE(caches_reads(MemoryType::WP));
  EXPECT_FALSE(caches_reads(MemoryType::UC));
  EXPECT_FALSE(caches_reads(MemoryType::UCMinus));
  EXPECT_FALSE(caches_reads(MemoryType::WC));
}

}  // namespace
}  // namespace vmm::memtype
