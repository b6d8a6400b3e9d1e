#include "boot/linux_loader.h"

#include <asm/bootparam.h>
#include <gtest/gtest.h>

#include "boot/boot_layout.h"
#include "memory/layout.h"
#include "tests/unit/boot/boot_test_util.h"
#include "tests/unit/boot/test_bzimage.h"

namespace vmm {
namespace {

using testing::packed_value;

using layout::kGiB;
using layout::kMiB;
using testing::ImageSpec;
using testing::make_bzimage;
using testing::packed_value;
// Using-declarations, not constants of our own: CI's unity build may compile both test
// files that name them as one source.
using E820Type::kRam;
using E820Type::kReserved;

std::vector<std::uint8_t> pattern(std::size_t size, std::uint8_t seed) {
  std::vector<std::uint8_t> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(seed + i * 13);
  return bytes;
}

boot_params read_zero_page(const GuestMemory& mem) {
  const auto bp = mem.read_obj<boot_params>(boot_layout::kZeroPageAddr);
  EXPECT_TRUE(bp);
  return bp.value_or(boot_params{});
}

std::vector<E820Entry> zero_page_e820(const boot_params& bp) {
  std::vector<E820Entry> out;
  for (int i = 0; i < bp.e820_entries; ++i)
    out.push_back({bp.e820_table[i].addr, bp.e820_table[i].size,
                   static_cast<E820Type>(bp.e820_table[i].type)});
  return out;
}

TEST(LinuxLoader, KernelGoesToOneMiB) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage(), "k");
  const auto boot = load_linux(mem, image, {.cmdline = "console=ttyS0"});
  std::vector<std::uint8_t> got(image.kernel_size);
  ASSERT_TRUE(mem.read(0x100000, got));
  EXPECT_TRUE(std::equal(got.begin(), got.end(), image.kernel().begin()));
  EXPECT_EQ(boot.summary.kernel_addr, 0x100000u);
  EXPECT_EQ(boot.summary.kernel_entry, 0x100200u);
  EXPECT_EQ(boot.entry.rip, 0x100200u);
  EXPECT_EQ(boot.entry.rsi, boot_layout::kZeroPageAddr);
}

TEST(LinuxLoader, ZeroPageFields) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage(), "k");
  load_linux(mem, image, {.cmdline = "console=ttyS0 quiet"});
  const boot_params bp = read_zero_page(mem);
  // The image's header is copied...
  EXPECT_EQ(packed_value(bp.hdr.header), 0x53726448u);
  EXPECT_EQ(packed_value(bp.hdr.version), 0x020f);
  EXPECT_EQ(packed_value(bp.hdr.boot_flag), 0xaa55);
  EXPECT_EQ(packed_value(bp.hdr.syssize), 8192u / 16);
  EXPECT_EQ(packed_value(bp.hdr.init_size), 0x100000u);
  EXPECT_EQ(packed_value(bp.hdr.cmdline_size), 2047u);
  EXPECT_EQ(packed_value(bp.hdr.vid_mode), 0xffff);
  // ...then the loader's fields are filled in.
  EXPECT_EQ(packed_value(bp.hdr.type_of_loader), 0xff);
  EXPECT_TRUE(bp.hdr.loadflags & LOADED_HIGH);
  EXPECT_EQ(packed_value(bp.hdr.cmd_line_ptr), 0x20000u);
  EXPECT_EQ(packed_value(bp.ext_cmd_line_ptr), 0u);
  EXPECT_EQ(packed_value(bp.hdr.ramdisk_image), 0u);
  EXPECT_EQ(packed_value(bp.hdr.ramdisk_size), 0u);
  EXPECT_EQ(packed_value(bp.hdr.setup_data), 0u);
  EXPECT_EQ(packed_value(bp.sentinel), 0);
  // Setup code after the header (0xcc in the test image) must not leak into boot_params.
  const auto* raw = reinterpret_cast<const std::uint8_t*>(&bp);
  for (std::size_t i = 0x26c; i < 0x290; ++i) EXPECT_EQ(raw[i], 0) << i;
}

TEST(LinuxLoader, CmdlineBytesAndNul) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage(), "k");
  const std::string cmdline = "console=ttyS0 root=/dev/vda";
  const auto boot = load_linux(mem, image, {.cmdline = cmdline});
  std::vector<std::uint8_t> got(cmdline.size() + 1, 0xff);
  ASSERT_TRUE(mem.read(0x20000, got));
  EXPECT_EQ(std::string(got.begin(), got.end() - 1), cmdline);
  EXPECT_EQ(got.back(), 0);
  EXPECT_EQ(boot.summary.cmdline_size, cmdline.size());
}

TEST(LinuxLoader, CmdlineLimit) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage({.cmdline_size = 255}), "k");
  EXPECT_NO_THROW(load_linux(mem, image, {.cmdline = std::string(255, 'x')}));
  EXPECT_BOOT_ERROR(load_linux(mem, image, {.cmdline = std::string(256, 'x')}),
                    "command line is 256 bytes, kernel accepts at most 255");
}

TEST(LinuxLoader, InitrdAtTopOfLowRam) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage(), "k");
  const auto initrd = pattern(3 * kMiB + 100, 7);
  const auto boot = load_linux(mem, image, {.initrd = InitrdImage{"i", initrd}});
  const std::uint64_t addr = boot.summary.initrd_addr;
  EXPECT_EQ(addr % 4096, 0u);
  EXPECT_EQ(addr, (64 * kMiB - initrd.size()) & ~0xfffull);
  EXPECT_GE(addr, boot.summary.kernel_end);
  std::vector<std::uint8_t> got(initrd.size());
  ASSERT_TRUE(mem.read(addr, got));
  EXPECT_EQ(got, initrd);
  const boot_params bp = read_zero_page(mem);
  EXPECT_EQ(packed_value(bp.hdr.ramdisk_image), addr);
  EXPECT_EQ(packed_value(bp.hdr.ramdisk_size), initrd.size());
  EXPECT_EQ(packed_value(bp.ext_ramdisk_image), 0u);
  EXPECT_EQ(packed_value(bp.ext_ramdisk_size), 0u);
}

TEST(LinuxLoader, InitrdRespectsInitrdAddrMax) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage({.initrd_addr_max = 32 * kMiB - 1}), "k");
  const auto boot = load_linux(mem, image, {.initrd = InitrdImage{"i", pattern(8192, 1)}});
  EXPECT_EQ(boot.summary.initrd_addr, 32 * kMiB - 8192);
}

TEST(LinuxLoader, InitrdDoesNotFit) {
  const auto mem = GuestMemory::create(32 * kMiB);
  const auto image = parse_bzimage(make_bzimage(), "k");  // runs up to 2 MiB
  EXPECT_BOOT_ERROR(
      load_linux(mem, image, {.initrd = InitrdImage{"big.img", std::vector<std::uint8_t>(31 * kMiB)}}),
      "initrd 'big.img' (31 MiB) does not fit below initrd_addr_max 0x7fffffff in 32 MiB of RAM");
}

TEST(LinuxLoader, InitSizeDoesNotFit) {
  const auto mem = GuestMemory::create(32 * kMiB);
  const auto image = parse_bzimage(
      make_bzimage({.init_size = 0x1800000, .pref_address = 0x1000000, .relocatable = 1}), "k");
  EXPECT_BOOT_ERROR(load_linux(mem, image, {}),
                    "kernel 'k' needs RAM up to 0x2800000 (init_size 24 MiB from 0x1000000), but "
                    "low RAM ends at 0x2000000 (32 MiB); give the guest more memory");
}

TEST(LinuxLoader, InitSizeExactlyFits) {
  const auto mem = GuestMemory::create(32 * kMiB);
  const auto image = parse_bzimage(
      make_bzimage({.init_size = 0x1000000, .pref_address = 0x1000000, .relocatable = 1}), "k");
  EXPECT_EQ(load_linux(mem, image, {}).summary.kernel_end, 32 * kMiB);
}

TEST(LinuxLoader, E820WithoutSetupData) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage(), "k");
  const auto boot = load_linux(mem, image, {});
  const std::vector<E820Entry> expected = {
      {0, 0x9fc00, kRam},
      {0x9fc00, 0x60400, kReserved},
      {0x100000, 63 * kMiB, kRam},
  };
  EXPECT_EQ(zero_page_e820(read_zero_page(mem)), expected);
  EXPECT_EQ(boot.summary.e820, expected);
  EXPECT_EQ(boot.summary.setup_data_head, 0u);
  EXPECT_EQ(boot.summary.setup_data_reserved, 0u);
}

TEST(LinuxLoader, SetupDataChainIsLinkedAndReserved) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage(), "k");
  const auto dtb = pattern(5000, 3);
  const auto seed = pattern(32, 9);
  const auto boot = load_linux(mem, image, {.setup_data = {{SETUP_DTB, dtb},
                                                           {SETUP_RNG_SEED, seed}}});
  const boot_params bp = read_zero_page(mem);
  ASSERT_EQ(packed_value(bp.hdr.setup_data), boot_layout::kSetupDataAddr);

  const auto chain = testing::read_setup_chain(mem, bp.hdr.setup_data, 3);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].first, std::uint32_t{SETUP_DTB});
  EXPECT_EQ(chain[0].second, dtb);
  EXPECT_EQ(chain[1].first, std::uint32_t{SETUP_RNG_SEED});
  EXPECT_EQ(chain[1].second, seed);

  // 16 + 5000 bytes, then 16 + 32 at the next 8-byte boundary: two pages reserved.
  const std::vector<E820Entry> expected = {
      {0, 0x30000, kRam},
      {0x30000, 0x2000, kReserved},
      {0x32000, 0x9fc00 - 0x32000, kRam},
      {0x9fc00, 0x60400, kReserved},
      {0x100000, 63 * kMiB, kRam},
  };
  EXPECT_EQ(zero_page_e820(bp), expected);
  EXPECT_EQ(boot.summary.setup_data_reserved, 0x2000u);
}

// The device tree needs to know where the initrd went, so it is produced after placement.
TEST(LinuxLoader, LateSetupDataSeesThePlacementAndIsChainedLast) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage(), "k");
  const auto initrd = pattern(8192, 1);
  std::uint64_t seen_initrd = 0;
  LinuxBootRequest request{.initrd = InitrdImage{"i", initrd},
                           .setup_data = {{SETUP_RNG_SEED, pattern(16, 2)}}};
  request.late_setup_data = [&](const BootSummary& placed) {
    seen_initrd = placed.initrd_addr;
    return std::vector<SetupDataEntry>{{SETUP_DTB, pattern(100, 4)}};
  };
  const auto boot = load_linux(mem, image, request);
  EXPECT_EQ(seen_initrd, boot.summary.initrd_addr);
  EXPECT_NE(seen_initrd, 0u);
  const auto first = mem.read_obj<SetupDataHeader>(read_zero_page(mem).hdr.setup_data);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->type, std::uint32_t{SETUP_RNG_SEED});
  const auto second = mem.read_obj<SetupDataHeader>(first->next);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->type, std::uint32_t{SETUP_DTB});
  EXPECT_EQ(second->len, 100u);
  EXPECT_EQ(second->next, 0u);
  EXPECT_EQ(boot.summary.setup_data_reserved, 0x1000u) << "the area is reserved in e820";
}

TEST(LinuxLoader, SetupDataTooLarge) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage(), "k");
  EXPECT_BOOT_ERROR(
      load_linux(mem, image, {.setup_data = {{SETUP_DTB, std::vector<std::uint8_t>(64 * 1024)}}}),
      "setup_data entry of type 2 (64 KiB) does not fit");
}

TEST(LinuxLoader, SplitMemoryWithHighRam) {
  // ram-low up to the MMIO hole and ram-high at 4 GiB, as GuestMemory::create(5 GiB) makes.
  const auto mem = GuestMemory::from_ranges(
      {{0, 3 * kGiB, "ram-low"}, {4 * kGiB, 2 * kGiB, "ram-high"}});
  const auto image = parse_bzimage(make_bzimage(), "k");
  const auto initrd = pattern(2 * kMiB + 5, 1);
  const auto boot = load_linux(mem, image, {.initrd = InitrdImage{"i", initrd}});

  const std::vector<E820Entry> expected = {
      {0, 0x9fc00, kRam},
      {0x9fc00, 0x60400, kReserved},
      {0x100000, 3 * kGiB - 0x100000, kRam},
      {4 * kGiB, 2 * kGiB, kRam},
  };
  EXPECT_EQ(zero_page_e820(read_zero_page(mem)), expected);
  // Below initrd_addr_max (2 GiB - 1), not at the top of the 3 GiB of low RAM.
  EXPECT_EQ(boot.summary.initrd_addr, (0x80000000 - initrd.size()) & ~0xfffull);
  std::vector<std::uint8_t> got(initrd.size());
  ASSERT_TRUE(mem.read(boot.summary.initrd_addr, got));
  EXPECT_EQ(got, initrd);
}

TEST(LinuxLoader, NeedsRamAtZero) {
  const auto mem = GuestMemory::from_ranges({{4 * kGiB, 64 * kMiB, "ram-high"}});
  const auto image = parse_bzimage(make_bzimage(), "k");
  EXPECT_BOOT_ERROR(load_linux(mem, image, {}), "guest RAM has no range at guest-physical 0");
}

TEST(LinuxLoader, EntryStateAndTablesAreWritten) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage(), "k");
  const auto boot = load_linux(mem, image, {});
  EXPECT_EQ(boot.entry.cr3, boot_layout::kPml4Addr);
  EXPECT_EQ(boot.summary.page_tables_addr, 0x9000u);
  EXPECT_EQ(boot.summary.page_tables_size, 0x6000u);
  EXPECT_EQ(boot.summary.gdt_addr, 0x500u);
  EXPECT_EQ(mem.read_obj<std::uint64_t>(0x9000), 0xa003u);
  EXPECT_EQ(mem.read_obj<std::uint64_t>(0x510), 0x00af9b000000ffffu);
}

TEST(LinuxLoader, SummaryDescribesEverything) {
  const auto mem = GuestMemory::create(64 * kMiB);
  const auto image = parse_bzimage(make_bzimage(), "k");
  const auto boot = load_linux(mem, image, {.cmdline = "x",
                                            .initrd = InitrdImage{"i", pattern(4096, 0)},
                                            .setup_data = {{SETUP_DTB, {1, 2}}}});
  const auto lines = boot.summary.describe();
  std::string all;
  for (const auto& line : lines) all += line + "\n";
  EXPECT_NE(all.find("kernel: 0x100000..0x102000 (8 KiB), entry 0x100200"), std::string::npos)
      << all;
  EXPECT_NE(all.find("zero page: 0x7000"), std::string::npos) << all;
  EXPECT_NE(all.find("cmdline: 0x20000 (1 bytes + NUL)"), std::string::npos) << all;
  EXPECT_NE(all.find("initrd: 0x3fff000..0x4000000 (4 KiB)"), std::string::npos) << all;
  EXPECT_NE(all.find("page tables: 0x9000..0xf000"), std::string::npos) << all;
  EXPECT_NE(all.find("setup_data: head 0x30000, reserved 0x30000..0x31000"), std::string::npos)
      << all;
  EXPECT_NE(all.find("e820: 0x9fc00..0x100000 reserved"), std::string::npos) << all;
}

}  // namespace
}  // namespace vmm
