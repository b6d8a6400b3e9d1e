#include "boot/mptable.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "boot/boot_error.h"

namespace vmm {
namespace {

std::uint8_t sum(const std::uint8_t* data, std::size_t size) {
  return static_cast<std::uint8_t>(std::accumulate(data, data + size, 0u));
}
std::uint16_t u16(const std::vector<std::uint8_t>& b, std::size_t at) { return b[at] | (b[at + 1] << 8); }
std::uint32_t u32(const std::vector<std::uint8_t>& b, std::size_t at) { return u16(b, at) | (u16(b, at + 2) << 16); }

// Walks the configuration table as a guest would and counts entry types.
struct Parsed {
  int processors = 0, bsp = 0, buses = 0, ioapics = 0, io_interrupts = 0, local = 0;
  std::uint32_t ioapic_addr = 0;
  std::vector<std::uint8_t> pci_sources, pci_pins;
};

Parsed walk(const std::vector<std::uint8_t>& b, std::uint64_t base) {
  EXPECT_EQ(std::memcmp(b.data(), "_MP_", 4), 0);
  EXPECT_EQ(sum(b.data(), 16), 0) << "floating pointer checksum";
  const std::size_t table = u32(b, 4) - base;
  EXPECT_EQ(std::memcmp(b.data() + table, "PCMP", 4), 0);
  const std::uint16_t length = u16(b, table + 4);
  EXPECT_EQ(table + length, b.size());
  EXPECT_EQ(sum(b.data() + table, length), 0) << "configuration table checksum";
  EXPECT_EQ(u32(b, table + 36), 0xfee00000u) << "LAPIC address";
  const std::uint16_t count = u16(b, table + 34);
  Parsed p;
  std::size_t at = table + 44;
  for (std::uint16_t i = 0; i < count; ++i) {
    switch (b[at]) {
      case 0: ++p.processors; p.bsp += (b[at + 3] & 2) ? 1 : 0; EXPECT_EQ(b[at + 1], p.processors - 1); at += 20; break;
      case 1: ++p.buses; at += 8; break;
      case 2: ++p.ioapics; p.ioapic_addr = u32(b, at + 4); at += 8; break;
      case 3:
        ++p.io_interrupts;
        if (b[at + 4] == 0) { p.pci_sources.push_back(b[at + 5]); p.pci_pins.push_back(b[at + 7]); EXPECT_EQ(u16(b, at + 2), 0xd); }
        at += 8;
        break;
      case 4: ++p.local; at += 8; break;
      default: ADD_FAILURE() << "unknown entry type " << int(b[at]); return p;
    }
  }
  EXPECT_EQ(at, b.size()) << "entry count matches the table length";
  return p;
}

TEST(MpTable, DescribesCpusBusesIoapicAndRoutes) {
  MpTableSpec spec;
  spec.cpu_count = 4;
  spec.pci_routes = {{1, 0, 16}, {2, 0, 17}};
  auto bytes = build_mptable(spec, kMpTableAddr);
  auto p = walk(bytes, kMpTableAddr);
  EXPECT_EQ(p.processors, 4);
  EXPECT_EQ(p.bsp, 1);
  EXPECT_EQ(p.buses, 2);
  EXPECT_EQ(p.ioapics, 1);
  EXPECT_EQ(p.ioapic_addr, 0xfec00000u);
  EXPECT_EQ(p.io_interrupts, 16 + 2);
  EXPECT_EQ(p.local, 2);
  EXPECT_EQ(p.pci_sources, (std::vector<std::uint8_t>{1 << 2, 2 << 2}));
  EXPECT_EQ(p.pci_pins, (std::vector<std::uint8_t>{16, 17}));
}

TEST(MpTable, LargestCpuCountStillChecksums) {
  MpTableSpec spec;
  spec.cpu_count = kMaxMpCpus;
  auto p = walk(build_mptable(spec, 0x1000), 0x1000);
  EXPECT_EQ(p.processors, static_cast<int>(kMaxMpCpus));
}

TEST(MpTable, RejectsImpossibleCpuCounts) {
  MpTableSpec spec;
  spec.cpu_count = 0;
  EXPECT_THROW(build_mptable(spec, 0), BootError);
  spec.cpu_count = kMaxMpCpus + 1;
  EXPECT_THROW(build_mptable(spec, 0), BootError);
}

TEST(MpTable, WrittenIntoTheBiosArea) {
  auto memory = GuestMemory::create(16 << 20);
  MpTableSpec spec;
  spec.cpu_count = 2;
  const auto size = write_mptable(memory, spec);
  std::vector<std::uint8_t> back(size);
  ASSERT_TRUE(memory.read(kMpTableAddr, back));
  EXPECT_EQ(walk(back, kMpTableAddr).processors, 2);
}

}  // namespace
}  // namespace vmm
