#include "vmm/memtype/pat.h"

#include <gtest/gtest.h>

namespace vmm::memtype {
namespace {

// SDM Vol. 3A Table 11-11: index = PAT << 2 | PCD << 1 | PWT; PWT bit 3, PCD bit 4, PAT bit 7
// in a 4 KiB leaf.
TEST(PatIndex, FourKiBLeafUsesBit7AsPat) {
  EXPECT_EQ(pat_index(0x001, false), 0u);
  EXPECT_EQ(pat_index(0x008, false), 1u);  // PWT
  EXPECT_EQ(pat_index(0x010, false), 2u);  // PCD
  EXPECT_EQ(pat_index(0x018, false), 3u);  // PCD | PWT
  EXPECT_EQ(pat_index(0x080, false), 4u);  // PAT
  EXPECT_EQ(pat_index(0x088, false), 5u);
  EXPECT_EQ(pat_index(0x090, false), 6u);
  EXPECT_EQ(pat_index(0x098, false), 7u);
  // Bit 12 is an address bit of a 4 KiB leaf, not PAT.
  EXPECT_EQ(pat_index(0x1000, false), 0u);
  EXPECT_EQ(pat_index(0x7fff'ffff'f000ull | 0x63, false), 0u);
}

// In a 2 MiB or 1 GiB leaf, PAT is bit 12 and bit 7 is PS, which is always set there.
TEST(PatIndex, LargeLeafUsesBit12AsPatAndBit7IsPs) {
  EXPECT_EQ(pat_index(0x080, true), 0u);   // PS alone: index 0, not 4
  EXPECT_EQ(pat_index(0x088, true), 1u);   // PS | PWT
  EXPECT_EQ(pat_index(0x1080, true), 4u);  // PS | PAT
  EXPECT_EQ(pat_index(0x1098, true), 7u);
  EXPECT_EQ(pat_index(0x1000, true), 4u);
  EXPECT_EQ(pat_index(0x0090, true), 2u);
}

TEST(PatField, ReadsEachByte) {
  // kPatLinux is 0x0407050600070106: byte 0 is the lowest.
  const std::uint8_t expected[8] = {6, 1, 7, 0, 6, 5, 7, 4};
  for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(pat_field(kPatLinux, i), expected[i]) << i;
  EXPECT_EQ(pat_field(0x1122334455667788ull, 0), 0x88);
  EXPECT_EQ(pat_field(0x1122334455667788ull, 7), 0x11);
}

TEST(PatEntry, LinuxLayout) {
  // arch/x86/mm/pat/memtype.c: WB, WC, UC-, UC, WB, WP, UC-, WT.
  const MemoryType expected[8] = {MemoryType::WB, MemoryType::WC, MemoryType::UCMinus,
                                  MemoryType::UC, MemoryType::WB, MemoryType::WP,
                                  MemoryType::UCMinus, MemoryType::WT};
  for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(pat_entry(kPatLinux, i), expected[i]) << i;
}

TEST(PatEntry, PowerOnLayout) {
  // SDM Table 11-12: WB, WT, UC-, UC, WB, WT, UC-, UC.
  const MemoryType expected[8] = {MemoryType::WB, MemoryType::WT, MemoryType::UCMinus,
                                  MemoryType::UC, MemoryType::WB, MemoryType::WT,
                                  MemoryType::UCMinus, MemoryType::UC};
  for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(pat_entry(kPatPowerOn, i), expected[i]) << i;
}

TEST(PatEntry, ReservedFieldsAreNullopt) {
  // Encodings 2 and 3 are reserved, and so is any of bits 7:3 of a field.
  for (std::uint64_t field : {0x02ull, 0x03ull, 0x08ull, 0x0eull, 0x10ull, 0x80ull, 0xffull}) {
    for (unsigned i = 0; i < 8; ++i) {
      // Every other field WB, so only field i is wrong.
      const std::uint64_t pat =
          (0x0606060606060606ull & ~(0xffull << (8 * i))) | (field << (8 * i));
      EXPECT_EQ(pat_entry(pat, i), std::nullopt) << "field " << i << " = " << field;
      EXPECT_EQ(pat_entry(pat, (i + 1) % 8), MemoryType::WB);
    }
  }
}

TEST(PatEntry, IndexPastTheEighthFieldIsNullopt) {
  EXPECT_EQ(pat_entry(0, 8), std::nullopt);
  EXPECT_EQ(pat_entry(kPatLinux, 64), std::nullopt);
  EXPECT_EQ(pat_field(0, 8), 0xff);
}

}  // namespace
}  // namespace vmm::memtype
