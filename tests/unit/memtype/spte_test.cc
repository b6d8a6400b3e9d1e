#include "vmm/memtype/spte.h"

#include <gtest/gtest.h>

#include "vmm/memtype/pat.h"

namespace vmm::memtype {
namespace {

TEST(SecondLevel, Names) {
  EXPECT_EQ(to_string(SecondLevel::Ept), "EPT");
  EXPECT_EQ(to_string(SecondLevel::Npt), "NPT");
  EXPECT_EQ(to_string(SecondLevel::Shadow), "shadow");
}

// EPT leaf: RWX in bits 2:0, memory type in bits 5:3, IPAT in bit 6 (SDM Vol. 3C 28.2.2).
TEST(DecodeSpteEpt, EveryValidType) {
  const std::pair<std::uint64_t, MemoryType> rows[] = {
      {0x07, MemoryType::UC}, {0x0f, MemoryType::WC}, {0x27, MemoryType::WT},
      {0x2f, MemoryType::WP}, {0x37, MemoryType::WB}};
  for (const auto& [spte, type] : rows) {
    for (int level : {1, 2, 3}) {
      const SpteDecode d = decode_spte(SecondLevel::Ept, 0x1234'5000ull | spte, level, 0);
      EXPECT_TRUE(d.ok) << d.error;
      EXPECT_EQ(d.host_type, type) << spte;
      EXPECT_FALSE(d.ipat);
      EXPECT_EQ(d.describe, "EPT memtype " + std::string(to_string(type)) + ", IPAT clear");
    }
  }
}

TEST(DecodeSpteEpt, IpatSet) {
  // What KVM writes for RAM: WB (6 << 3) | IPAT (1 << 6) | RWX.
  const SpteDecode d = decode_spte(SecondLevel::Ept, 0x8000'0000'1000'0077ull, 1, 0);
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.host_type, MemoryType::WB);
  EXPECT_TRUE(d.ipat);
  EXPECT_EQ(d.describe, "EPT memtype WB, IPAT set");
}

TEST(DecodeSpteEpt, ReservedTypesAreMisconfigurations) {
  for (std::uint64_t type : {2ull, 3ull, 7ull}) {
    const SpteDecode d = decode_spte(SecondLevel::Ept, 0x07 | (type << 3), 1, 0);
    EXPECT_FALSE(d.ok);
    EXPECT_EQ(d.host_type, std::nullopt);
    EXPECT_EQ(d.error,
              "reserved EPT memory type " + std::to_string(type) + " (an EPT misconfiguration)");
  }
}

TEST(DecodeSpteEpt, PresentWhenAnyOfReadWriteExecute) {
  EXPECT_TRUE(decode_spte(SecondLevel::Ept, 0x31, 1, 0).ok);  // R
  EXPECT_TRUE(decode_spte(SecondLevel::Ept, 0x34, 1, 0).ok);  // X only
  const SpteDecode d = decode_spte(SecondLevel::Ept, 0x1000'0070ull, 1, 0);  // type, no RWX
  EXPECT_FALSE(d.ok);
  EXPECT_NE(d.error.find("not present"), std::string::npos) << d.error;
}

// NPT leaf: an x86 entry selecting the host PAT entry PAT << 2 | PCD << 1 | PWT.
TEST(DecodeSpteNpt, KvmsEntrySelectsIndexZeroWbUnderLinux) {
  const SpteDecode d = decode_spte(SecondLevel::Npt, 0x8000'0001'2345'6067ull, 1, kPatLinux);
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.host_pat_index, 0u);
  EXPECT_EQ(d.host_type, MemoryType::WB);
  EXPECT_FALSE(d.ipat);
  EXPECT_EQ(d.describe, "NPT host PAT index 0 = WB");
}

TEST(DecodeSpteNpt, PatBitIsBit7AtLevel1) {
  // PAT (bit 7) | PWT: index 5, WP in Linux's PAT.
  const SpteDecode d = decode_spte(SecondLevel::Npt, 0x1000 | 0x80 | 0x08 | 0x1, 1, kPatLinux);
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.host_pat_index, 5u);
  EXPECT_EQ(d.host_type, MemoryType::WP);
  EXPECT_EQ(d.describe, "NPT host PAT index 5 = WP");
  // PCD | PWT: index 3, UC.
  EXPECT_EQ(decode_spte(SecondLevel::Npt, 0x19, 1, kPatLinux).host_type, MemoryType::UC);
}

TEST(DecodeSpteNpt, PatBitIsBit12AboveLevel1) {
  for (int level : {2, 3}) {
    // PS (bit 7) | PWT: bit 7 is not PAT here, so index 1, WC.
    const SpteDecode ps = decode_spte(SecondLevel::Npt, 0x80 | 0x08 | 0x1, level, kPatLinux);
    ASSERT_TRUE(ps.ok) << ps.error;
    EXPECT_EQ(ps.host_pat_index, 1u);
    EXPECT_EQ(ps.host_type, MemoryType::WC);
    // PS | PAT (bit 12) | PWT: index 5, WP.
    const SpteDecode pat = decode_spte(SecondLevel::Npt, 0x1000 | 0x80 | 0x08 | 0x1, level,
                                       kPatLinux);
    ASSERT_TRUE(pat.ok) << pat.error;
    EXPECT_EQ(pat.host_pat_index, 5u);
    EXPECT_EQ(pat.host_type, MemoryType::WP);
  }
}

TEST(DecodeSpteNpt, NotPresent) {
  const SpteDecode d = decode_spte(SecondLevel::Npt, 0x1234'5066ull, 1, kPatLinux);
  EXPECT_FALSE(d.ok);
  EXPECT_NE(d.error.find("not present"), std::string::npos) << d.error;
}

TEST(DecodeSpteNpt, ReservedHostPatEntry) {
  // Entry 0 holds 2, a reserved encoding.
  const SpteDecode d = decode_spte(SecondLevel::Npt, 0x1, 1, 0x0007040600070402ull);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.host_type, std::nullopt);
  EXPECT_NE(d.error.find("reserved"), std::string::npos) << d.error;
}

TEST(DecodeSpte, LevelOutsideOneToThree) {
  for (int level : {0, 4, -1}) {
    EXPECT_FALSE(decode_spte(SecondLevel::Ept, 0x37, level, 0).ok) << level;
    EXPECT_FALSE(decode_spte(SecondLevel::Npt, 0x1, level, kPatLinux).ok) << level;
    EXPECT_NE(decode_spte(SecondLevel::Npt, 0x1, level, kPatLinux).error.find("level"),
              std::string::npos);
  }
}

TEST(DecodeSpte, ShadowEntriesAreNotDecoded) {
  const SpteDecode d = decode_spte(SecondLevel::Shadow, 0x8000'0000'1234'5067ull, 1, kPatLinux);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.host_type, std::nullopt);
  EXPECT_NE(d.error.find("guest-virtual"), std::string::npos) << d.error;
}

}  // namespace
}  // namespace vmm::memtype
