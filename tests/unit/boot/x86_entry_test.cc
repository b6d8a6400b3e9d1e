#include "boot/x86_entry.h"

#include <gtest/gtest.h>

#include <array>

#include "boot/boot_layout.h"
#include "boot/page_tables.h"
#include "tests/unit/boot/boot_test_util.h"

namespace vmm {
namespace {

using namespace boot_layout;

std::uint64_t read_u64(const GuestMemory& mem, std::uint64_t addr) {
  const auto v = mem.read_obj<std::uint64_t>(addr);
  EXPECT_TRUE(v) << std::hex << addr;
  return v.value_or(0);
}

// Walks the identity tables like the MMU, returning the PD entry for `va`.
std::uint64_t pd_entry_for(const GuestMemory& mem, std::uint64_t cr3, std::uint64_t va) {
  const std::uint64_t kAddrMask = 0x000ffffffffff000;
  const auto pml4e = read_u64(mem, cr3 + ((va >> 39) & 511) * 8);
  EXPECT_EQ(pml4e & 0x3, 0x3u);
  const auto pdpte = read_u64(mem, (pml4e & kAddrMask) + ((va >> 30) & 511) * 8);
  EXPECT_EQ(pdpte & 0x3, 0x3u);
  EXPECT_EQ(pdpte & pte::kPageSizeBit, 0u) << "no 1 GiB pages";
  return read_u64(mem, (pdpte & kAddrMask) + ((va >> 21) & 511) * 8);
}

TEST(X86Entry, PageTablesIdentityMapWith2MiBPages) {
  const auto mem = GuestMemory::create(16 << 20);
  const auto state = setup_x86_entry(mem, 0x100200, kZeroPageAddr);
  ASSERT_EQ(state.cr3, kPml4Addr);

  EXPECT_EQ(read_u64(mem, kPml4Addr), kPdptAddr | 0x3);
  EXPECT_EQ(read_u64(mem, kPml4Addr + 8), 0u);
  for (std::uint64_t i = 0; i < 4; ++i)
    EXPECT_EQ(read_u64(mem, kPdptAddr + i * 8), (kPdAddr + i * 0x1000) | 0x3);
  EXPECT_EQ(read_u64(mem, kPdptAddr + 4 * 8), 0u);

  EXPECT_EQ(pd_entry_for(mem, state.cr3, 0), 0x83u);
  EXPECT_EQ(pd_entry_for(mem, state.cr3, 0x100200), 0x83u);
  EXPECT_EQ(pd_entry_for(mem, state.cr3, 0x40200000), 0x40200000u | 0x83);
  EXPECT_EQ(pd_entry_for(mem, state.cr3, 0xbfe00000), 0xbfe00000u | 0x83);  // last RAM page
  // The MMIO hole (3..4 GiB) is uncached: PCD|PWT on top of P|RW|PS.
  EXPECT_EQ(pd_entry_for(mem, state.cr3, 0xc0000000), 0xc0000000u | 0x9b);
  EXPECT_EQ(pd_entry_for(mem, state.cr3, 0xfee00000), 0xfee00000u | 0x9b);  // LAPIC
  EXPECT_EQ(pd_entry_for(mem, state.cr3, 0xffe00000), 0xffe00000u | 0x9b);
}

TEST(X86Entry, GdtHasLinuxBootSelectors) {
  const auto mem = GuestMemory::create(16 << 20);
  const auto state = setup_x86_entry(mem, 0x100200, kZeroPageAddr);
  EXPECT_EQ(state.gdt.base, kGdtAddr);
  EXPECT_EQ(state.gdt.limit, 6 * 8 - 1);
  EXPECT_EQ(read_u64(mem, kGdtAddr + 0x00), 0u);
  EXPECT_EQ(read_u64(mem, kGdtAddr + 0x08), 0u);
  EXPECT_EQ(read_u64(mem, kGdtAddr + 0x10), 0x00af9b000000ffffu);  // 64-bit code, flat
  EXPECT_EQ(read_u64(mem, kGdtAddr + 0x18), 0x00cf93000000ffffu);  // data, flat 4 GiB
  // Busy 64-bit TSS (type 0xb), present, base kTssAddr, limit 0x67; upper half base[63:32].
  EXPECT_EQ(read_u64(mem, kGdtAddr + 0x20), 0x00008b0005800067u);
  EXPECT_EQ(read_u64(mem, kGdtAddr + 0x28), 0u);
}

TEST(X86Entry, SegmentsMatchGdt) {
  const auto mem = GuestMemory::create(16 << 20);
  const auto s = setup_x86_entry(mem, 0x100200, kZeroPageAddr);
  EXPECT_EQ(s.cs.selector, 0x10);
  EXPECT_EQ(s.cs.type, 0xb);
  EXPECT_EQ(s.cs.l, 1);
  EXPECT_EQ(s.cs.db, 0);
  EXPECT_EQ(s.cs.present, 1);
  EXPECT_EQ(s.cs.s, 1);
  EXPECT_EQ(s.cs.g, 1);
  EXPECT_EQ(s.cs.limit, 0xffffffffu);
  EXPECT_EQ(encode_descriptor(s.cs), read_u64(mem, kGdtAddr + 0x10));
  for (const Segment* seg : {&s.ds, &s.es, &s.fs, &s.gs, &s.ss}) {
    EXPECT_EQ(seg->selector, 0x18);
    EXPECT_EQ(seg->type, 0x3);
    EXPECT_EQ(seg->db, 1);
    EXPECT_EQ(seg->l, 0);
    EXPECT_EQ(seg->present, 1);
    EXPECT_EQ(encode_descriptor(*seg), read_u64(mem, kGdtAddr + 0x18));
  }
  EXPECT_EQ(s.tr.selector, 0x20);
  EXPECT_EQ(s.tr.type, 11);
  EXPECT_EQ(s.tr.present, 1);
  EXPECT_EQ(s.tr.s, 0);
  EXPECT_EQ(s.tr.base, kTssAddr);
  EXPECT_EQ(s.tr.limit, 0x67u);
  EXPECT_EQ(s.tr.unusable, 0);
  EXPECT_EQ(s.ldtr.unusable, 1);
  EXPECT_EQ(s.ldtr.present, 0);
}

TEST(X86Entry, RegistersAndMsrs) {
  const auto mem = GuestMemory::create(16 << 20);
  const auto s = setup_x86_entry(mem, 0x100200, kZeroPageAddr);
  EXPECT_EQ(s.rip, 0x100200u);
  EXPECT_EQ(s.rsi, 0x7000u);
  EXPECT_EQ(s.rsp, 0x8ff0u);
  EXPECT_EQ(s.rflags, 0x2u);
  EXPECT_EQ(s.cr0, 0x80000033u);  // PG | NE | ET | MP | PE; CD and NW clear
  EXPECT_EQ(s.cr3, 0x9000u);
  EXPECT_EQ(s.cr4, 0x20u);   // PAE
  EXPECT_EQ(s.efer, 0x500u);  // LME | LMA
  EXPECT_EQ(s.idt.base, 0u);
  EXPECT_EQ(s.idt.limit, 0u);
  const std::vector<Msr> expected = {{0x2ff, 0x806}, {0x277, 0x0007040600070406}};
  EXPECT_EQ(s.msrs, expected);
}

TEST(X86Entry, TssIsZeroed) {
  const auto mem = GuestMemory::create(16 << 20);
  ASSERT_TRUE(mem.write_obj<std::uint64_t>(kTssAddr + 8, ~0ull));
  setup_x86_entry(mem, 0x100200, kZeroPageAddr);
  std::array<std::uint8_t, 104> tss{};
  ASSERT_TRUE(mem.read(kTssAddr, tss));
  for (auto b : tss) EXPECT_EQ(b, 0);
}

TEST(X86Entry, SegmentEncodingRoundTripsFields) {
  Segment seg{.base = 0x12345678, .limit = 0xabcde, .type = 0x5, .present = 1, .dpl = 3,
              .db = 1, .s = 1, .l = 0, .g = 0, .avl = 1};
  EXPECT_EQ(encode_descriptor(seg), 0x125af5345678bcdeu);
  seg.base = 0xffffffff00001000;
  const auto sys = encode_system_descriptor(seg);
  EXPECT_EQ(sys[1], 0xffffffffu);
}

}  // namespace
}  // namespace vmm
