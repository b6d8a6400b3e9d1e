#include "vmm/report/memslot_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace vmm {
namespace {

Memslot slot(std::uint32_t number, std::uint64_t addr, std::uint64_t size, std::string owner,
             MemCacheType type, std::string applied) {
  Memslot s;
  s.slot = number;
  s.request.guest_addr = addr;
  s.request.size = size;
  s.request.owner = std::move(owner);
  s.request.kind = s.request.owner.starts_with("ram-") ? SlotKind::GuestRam : SlotKind::Device;
  s.request.cache_type = type;
  s.applied.names = std::move(applied);
  s.applied.rule = type == MemCacheType::CacheNonCoherent ? "guest PAT honoured (slot flag)"
                                                          : "host type wins (IPAT)";
  return s;
}

TEST(MemslotReport, OneRowPerSlotWithRequestedAndApplied) {
  auto text = format_memslot_table(
      {slot(0, 0, 3ull << 30, "ram-low", MemCacheType::CacheCoherent, "none"),
       slot(1, 4ull << 30, 1ull << 30, "ram-high", MemCacheType::CacheCoherent, "none"),
       slot(2, 0x800000000ull, 0x200000, "gpu-blob 7", MemCacheType::CacheNonCoherent,
            "KVM_MEM_READONLY")});
  EXPECT_NE(text.find("requested"), std::string::npos);
  EXPECT_NE(text.find("0x0000000000000000-0x00000000bfffffff  3G"), std::string::npos) << text;
  EXPECT_NE(text.find("0x0000000100000000-0x000000013fffffff  1G"), std::string::npos) << text;
  EXPECT_NE(text.find("gpu-blob 7"), std::string::npos);
  EXPECT_NE(text.find("CacheNonCoherent  KVM_MEM_READONLY          guest PAT honoured (slot flag)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("host type wins (IPAT)"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
}

TEST(MemslotReport, AtExitADerivedColumnSaysWhatEachDeviceSlotGets) {
  Memslot blob = slot(1, 0x100000000ull, 0x200000, "gpu-blob 7", MemCacheType::CacheNonCoherent, "none");
  blob.serial = 9;
  Memslot other = slot(2, 0x100200000ull, 0x200000, "gpu-blob 8", MemCacheType::CacheNonCoherent, "none");
  other.serial = 10;
  const std::map<std::uint64_t, std::string> derived = {{9, "WC (stop, KVM side from spte)"}};
  const auto text = format_memslot_table(
      {slot(0, 0, 1ull << 30, "ram-low", MemCacheType::CacheCoherent, "none"), blob, other}, &derived);
  EXPECT_NE(text.find("derived"), std::string::npos) << text;
  EXPECT_NE(text.find("WC (stop, KVM side from spte)"), std::string::npos) << text;
  EXPECT_NE(text.find("not derived"), std::string::npos) << "gpu-blob 8 has no derivation: " << text;
  EXPECT_EQ(format_memslot_table({blob}).find("derived"), std::string::npos) << "no column without derivations";
}

TEST(MemslotReport, SaysSoWhenEmpty) {
  EXPECT_NE(format_memslot_table({}).find("(no memslots)"), std::string::npos);
}

}  // namespace
}  // namespace vmm
