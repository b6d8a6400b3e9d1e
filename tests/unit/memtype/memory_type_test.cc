#include "vmm/memtype/memory_type.h"

#include <gtest/gtest.h>

namespace vmm::memtype {
namespace {

// Encodings from SDM Vol. 3A Table 11-10: 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-.
TEST(MemoryType, DecodesEveryArchitecturalEncoding) {
  EXPECT_EQ(memory_type_from_encoding(0), MemoryType::UC);
  EXPECT_EQ(memory_type_from_encoding(1), MemoryType::WC);
  EXPECT_EQ(memory_type_from_encoding(4), MemoryType::WT);
  EXPECT_EQ(memory_type_from_encoding(5), MemoryType::WP);
  EXPECT_EQ(memory_type_from_encoding(6), MemoryType::WB);
  EXPECT_EQ(memory_type_from_encoding(7), MemoryType::UCMinus);
}

TEST(MemoryType, RejectsReservedEncodings) {
  for (std::uint64_t reserved : {2ull, 3ull, 8ull, 0x0eull, 0xffull, 0x106ull, 1ull << 32})
    EXPECT_EQ(memory_type_from_encoding(reserved), std::nullopt) << reserved;
}

TEST(MemoryType, EncodesAsTheArchitectureDoes) {
  EXPECT_EQ(encoding_of(MemoryType::UC), 0);
  EXPECT_EQ(encoding_of(MemoryType::WC), 1);
  EXPECT_EQ(encoding_of(MemoryType::WT), 4);
  EXPECT_EQ(encoding_of(MemoryType::WP), 5);
  EXPECT_EQ(encoding_of(MemoryType::WB), 6);
  EXPECT_EQ(encoding_of(MemoryType::UCMinus), 7);
}

TEST(MemoryType, PrintsTheSdmAbbreviations) {
  EXPECT_EQ(to_string(MemoryType::UC), "UC");
  EXPECT_EQ(to_string(MemoryType::WC), "WC");
  EXPECT_EQ(to_string(MemoryType::WT), "WT");
  EXPECT_EQ(to_string(MemoryType::WP), "WP");
  EXPECT_EQ(to_string(MemoryType::WB), "WB");
  EXPECT_EQ(to_string(MemoryType::UCMinus), "UC-");
}

TEST(MemoryType, ParsesNamesInAnyCaseAndUcMinusSpelledOut) {
  EXPECT_EQ(parse_memory_type("wb"), MemoryType::WB);
  EXPECT_EQ(parse_memory_type("Wc"), MemoryType::WC);
  EXPECT_EQ(parse_memory_type("UC"), MemoryType::UC);
  EXPECT_EQ(parse_memory_type("wp"), MemoryType::WP);
  EXPECT_EQ(parse_memory_type("WT"), MemoryType::WT);
  EXPECT_EQ(parse_memory_type("uc-"), MemoryType::UCMinus);
  EXPECT_EQ(parse_memory_type("UC_MINUS"), MemoryType::UCMinus);
  EXPECT_EQ(parse_memory_type("uc_minus"), MemoryType::UCMinus);
  EXPECT_EQ(parse_memory_type(""), std::nullopt);
  EXPECT_EQ(parse_memory_type("UCM"), std::nullopt);
  EXPECT_EQ(parse_memory_type("write-back"), std::nullopt);
  EXPECT_EQ(parse_memory_type("WB "), std::nullopt);
}

// The strings Linux prints in /sys/kernel/debug/x86/pat_memtype_list.
TEST(MemoryType, UsesLinuxPatMemtypeListNames) {
  EXPECT_EQ(linux_pat_name(MemoryType::UC), "uncached");
  EXPECT_EQ(linux_pat_name(MemoryType::WC), "write-combining");
  EXPECT_EQ(linux_pat_name(MemoryType::WT), "write-through");
  EXPECT_EQ(linux_pat_name(MemoryType::WP), "write-protect");
  EXPECT_EQ(linux_pat_name(MemoryType::WB), "write-back");
  EXPECT_EQ(linux_pat_name(MemoryType::UCMinus), "uncached-minus");
}

TEST(MemoryType, ParsesLinuxPatMemtypeListNames) {
  EXPECT_EQ(parse_linux_pat_name("uncached"), MemoryType::UC);
  EXPECT_EQ(parse_linux_pat_name("write-combining"), MemoryType::WC);
  EXPECT_EQ(parse_linux_pat_name("write-through"), MemoryType::WT);
  EXPECT_EQ(parse_linux_pat_name("write-protect"), MemoryType::WP);
  EXPECT_EQ(parse_linux_pat_name("write-back"), MemoryType::WB);
  EXPECT_EQ(parse_linux_pat_name("uncached-minus"), MemoryType::UCMinus);
  EXPECT_EQ(parse_linux_pat_name("WB"), std::nullopt);
  EXPECT_EQ(parse_linux_pat_name("write back"), std::nullopt);
  EXPECT_EQ(parse_linux_pat_name(""), std::nullopt);
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
