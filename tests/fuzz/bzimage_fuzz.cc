// Fuzzes the boot path a --kernel / --initrd file goes through: parse_bzimage (boot/bzimage.h)
// on the input's bytes, then load_linux (boot/linux_loader.h) into a small guest with a
// command line and an initrd whose size comes from the input, and place_initrd
// (boot/initrd.h) on its own with arbitrary limits.
//
// Input: one mode byte (bit 0: load what parsed; bit 1: 64 MiB of RAM instead of 16;
// bit 2: an initrd; bit 3: also call place_initrd with the limits that follow; bit 4: the
// initrd size counts pages); the initrd size (u16: 16-byte units, or pages modulo 1024); a command line (a length byte and that many bytes);
// place_initrd's limits when asked for; the rest is the kernel file.
//
// Invariants:
//  - parse_bzimage accepts exactly the files that the boot protocol's rules (read here
//    from the input's bytes at their documented offsets, independently of the parser and
//    of struct setup_header) call bootable: HdrS magic, boot flag, protocol >= 2.12,
//    XLF_KERNEL_64, LOADED_HIGH, a header reaching init_size, the setup sectors and a
//    syssize*16-byte kernel longer than the 64-bit entry offset inside the file, a
//    relocatable kernel's alignment a power of two; a refusal is one BootError line. An
//    accepted image's every field (protocol, setup size, header end, the kernel's place and
//    bytes, the header bytes, alignment, init_size, pref_address, cmdline_max,
//    initrd_addr_max) is the one those bytes give;
//  - load_linux either throws BootError or leaves the kernel's bytes at 1 MiB, a runtime
//    range inside low RAM, the command line NUL-terminated at its address and no longer
//    than cmdline_max, the initrd page-aligned above the kernel's range, below
//    initrd_addr_max and RAM's end with its bytes intact, a zero page that points at both,
//    and an e820 map that is sorted and free of overlaps;
//  - place_initrd returns the highest page-aligned address that satisfies every limit, or
//    throws BootError exactly when there is none.
// Nothing else may be thrown.
#include <asm/bootparam.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "boot/boot_error.h"
#include "boot/boot_layout.h"
#include "boot/bzimage.h"
#include "boot/initrd.h"
#include "boot/linux_loader.h"
#include "memory/guest_memory.h"
#include "tests/fuzz/fuzz_support.h"

namespace vmm::fuzz {
namespace {

using u128 = unsigned __int128;

void check_one_line(const BootError& e) {
  const std::string what = e.what();
  FUZZ_CHECK(!what.empty() && what.find('\n') == std::string::npos,
             "a BootError is one non-empty line: '" + what + "'");
}

const GuestMemory& ram(bool large) {
  static GuestMemory small = GuestMemory::from_ranges({{0, 16ull << 20, "ram-low"}});
  static GuestMemory big = GuestMemory::from_ranges({{0, 64ull << 20, "ram-low"}});
  return large ? big : small;
}

void check_place_initrd(ByteReader& in) {
  const std::uint64_t size = in.small_u64();
  InitrdLimits limits{in.small_u64(), in.u32(), in.small_u64()};
  const u128 page = boot_layout::kPageSize;
  const u128 top = std::min<u128>(u128{limits.initrd_addr_max} + 1, limits.ram_end);
  const u128 floor = (u128{limits.floor} + page - 1) / page * page;
  // The best address there could be: the top minus the size, rounded down to a page.
  const bool possible = size <= top && (top - size) / page * page >= floor;
  try {
    const std::uint64_t a = place_initrd(size, limits, "fuzz");
    FUZZ_CHECK(possible, "place_initrd found room where there is none");
    FUZZ_CHECK(a % page == 0 && a >= floor && u128{a} + size <= top,
               "place_initrd broke a limit");
    FUZZ_CHECK(u128{a} + page + size > top, "place_initrd did not take the highest address");
  } catch (const BootError& e) {
    check_one_line(e);
    FUZZ_CHECK(!possible, "place_initrd refused although an address fits");
  }
}

// The header as the fuzz input's own bytes say it, read at the boot protocol's file offsets
// (Documentation/arch/x86/boot.rst, "THE REAL-MODE KERNEL HEADER") without parse_bzimage,
// read_header or struct setup_header: what the parser's output is checked against. A byte
// past the end of the file reads as zero.
struct FileHeader {
  explicit FileHeader(const std::vector<std::uint8_t>& file) : f(file) {}
  const std::vector<std::uint8_t>& f;

  std::uint64_t le(std::size_t offset, unsigned bytes) const {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i)
      if (offset + i < f.size()) v |= std::uint64_t{f[offset + i]} << (8 * i);
    return v;
  }
  unsigned setup_sects_field() const { return static_cast<unsigned>(le(0x1f1, 1)); }
  std::uint64_t syssize() const { return le(0x1f4, 4); }
  std::uint64_t boot_flag() const { return le(0x1fe, 2); }
  std::uint64_t jump_length() const { return le(0x201, 1); }  // 2nd byte of the jump at 0x200
  std::uint64_t magic() const { return le(0x202, 4); }
  std::uint64_t version() const { return le(0x206, 2); }
  std::uint64_t loadflags() const { return le(0x211, 1); }
  std::uint64_t initrd_addr_max() const { return le(0x22c, 4); }
  std::uint64_t kernel_alignment() const { return le(0x230, 4); }
  std::uint64_t relocatable_kernel() const { return le(0x234, 1); }
  std::uint64_t xloadflags() const { return le(0x236, 2); }
  std::uint64_t cmdline_size() const { return le(0x238, 4); }
  std::uint64_t pref_address() const { return le(0x258, 8); }
  std::uint64_t init_size() const { return le(0x260, 4); }

  // What a loader of protocol 2.12+ with a 64-bit entry derives from these fields.
  unsigned setup_sects() const { return setup_sects_field() == 0 ? 4 : setup_sects_field(); }
  std::uint64_t setup_size() const { return (setup_sects() + 1ull) * 512; }
  std::uint64_t kernel_size() const { return syssize() * 16; }
  std::uint64_t header_end() const { return std::min<std::uint64_t>(0x202 + jump_length(), 0x290); }

  // Whether vmm can boot this file: every rule of bzimage.h's contract, from the bytes.
  bool bootable() const {
    return magic() == 0x53726448 /* "HdrS" */ && boot_flag() == 0xaa55 && version() >= 0x020c &&
           setup_size() <= f.size() && header_end() >= 0x264 /* past init_size */ &&
           (xloadflags() & 1) /* XLF_KERNEL_64 */ && (loadflags() & 1) /* LOADED_HIGH */ &&
           kernel_size() > 0x200 && kernel_size() <= f.size() - setup_size() &&
           (relocatable_kernel() == 0 || std::has_single_bit(kernel_alignment()));
  }
};

// parse_bzimage accepted `file`: each field of the image must be what the file's bytes say.
void check_image(const BzImage& image, const std::vector<std::uint8_t>& file) {
  const FileHeader fh(file);
  FUZZ_CHECK(image.file == file, "the image does not hold the file as given");
  FUZZ_CHECK(fh.bootable(), "accepted a file the boot protocol's rules refuse");
  FUZZ_CHECK(image.protocol == fh.version(), "protocol is not the file's version field");
  FUZZ_CHECK(image.setup_sects == fh.setup_sects() && image.setup_size == fh.setup_size(),
             "setup_sects/setup_size differ from the file's setup_sects byte");
  FUZZ_CHECK(image.header_end == fh.header_end(),
             "header_end is not 0x202 + the jump's length byte (capped at 0x290)");
  FUZZ_CHECK(image.kernel_offset == fh.setup_size() && image.kernel_size == fh.kernel_size(),
             "the kernel is not the file's syssize*16 bytes right after its setup sectors");
  const auto kernel = image.kernel();
  const auto kernel_at = file.begin() + static_cast<std::ptrdiff_t>(fh.setup_size());
  FUZZ_CHECK(kernel.size() == fh.kernel_size() && std::equal(kernel.begin(), kernel.end(), kernel_at),
             "kernel() is not the file's bytes");
  // What a loader copies into boot_params.hdr: the file's bytes from 0x1f1 to the header's
  // end, no more; `header` holds the same and zeros past that end.
  const auto hdr_bytes = image.setup_header_bytes();
  const auto hdr_at = file.begin() + 0x1f1;
  FUZZ_CHECK(hdr_bytes.size() == fh.header_end() - 0x1f1 &&
                 std::equal(hdr_bytes.begin(), hdr_bytes.end(), hdr_at),
             "setup_header_bytes() is not the file's [0x1f1, header end)");
  const auto* h = reinterpret_cast<const std::uint8_t*>(&image.header);
  const std::size_t in_file = std::min<std::size_t>(fh.header_end() - 0x1f1, sizeof(setup_header));
  FUZZ_CHECK(std::equal(h, h + in_file, hdr_at) &&
                 std::all_of(h + in_file, h + sizeof(setup_header), [](std::uint8_t b) { return b == 0; }),
             "header is not the file's header bytes followed by zeros");
  FUZZ_CHECK(image.relocatable == (fh.relocatable_kernel() != 0) &&
                 image.kernel_alignment == fh.kernel_alignment(),
             "relocatable/kernel_alignment differ from the file");
  FUZZ_CHECK(image.init_size == fh.init_size() && image.pref_address == fh.pref_address(),
             "init_size/pref_address differ from the file");
  // Protocol 2.12+ always has cmdline_size (2.06+); initrd_addr_max 0 means the legacy limit.
  FUZZ_CHECK(image.cmdline_max == fh.cmdline_size(), "cmdline_max is not the file's cmdline_size");
  FUZZ_CHECK(image.initrd_addr_max ==
                 (fh.initrd_addr_max() != 0 ? fh.initrd_addr_max() : bzimage::kLegacyInitrdAddrMax),
             "initrd_addr_max is not the file's (or the legacy default for 0)");
}

void check_boot(const GuestMemory& memory, const BzImage& image, const LinuxBootRequest& request,
                const LinuxBoot& boot) {
  const BootSummary& s = boot.summary;
  const std::uint64_t ram_end = memory.ranges().front().end();
  FUZZ_CHECK(s.kernel_addr == boot_layout::kKernelLoadAddr &&
                 s.kernel_entry == s.kernel_addr + bzimage::kEntry64Offset &&
                 s.kernel_size == image.kernel_size,
             "kernel not at 1 MiB or entry not at +0x200");
  FUZZ_CHECK(s.kernel_end >= s.kernel_addr + s.kernel_size && s.kernel_end <= ram_end &&
                 s.kernel_runtime_start >= s.kernel_addr,
             "the kernel's runtime range is not inside low RAM");
  std::vector<std::uint8_t> loaded(image.kernel_size);
  FUZZ_CHECK(memory.read(s.kernel_addr, loaded), "kernel not readable back");
  const auto kernel = image.kernel();
  FUZZ_CHECK(std::equal(loaded.begin(), loaded.end(), kernel.begin()), "kernel bytes differ in RAM");

  FUZZ_CHECK(request.cmdline.size() <= image.cmdline_max && s.cmdline_size == request.cmdline.size(),
             "a command line longer than cmdline_max was loaded");
  std::vector<std::uint8_t> cmdline(request.cmdline.size() + 1);
  FUZZ_CHECK(memory.read(s.cmdline_addr, cmdline), "command line not readable back");
  const std::vector<std::uint8_t> given(request.cmdline.begin(), request.cmdline.end());
  FUZZ_CHECK(std::equal(given.begin(), given.end(), cmdline.begin()) && cmdline.back() == 0,
             "the command line in RAM is not the one given, NUL-terminated");

  const bool has_initrd = request.initrd && !request.initrd->bytes.empty();
  if (has_initrd) {
    const auto& bytes = request.initrd->bytes;
    FUZZ_CHECK(s.initrd_size == bytes.size() && s.initrd_addr % boot_layout::kPageSize == 0 &&
                   s.initrd_addr >= s.kernel_end && s.initrd_addr + s.initrd_size <= ram_end &&
                   u128{s.initrd_addr} + s.initrd_size - 1 <= image.initrd_addr_max,
               "initrd placed against a limit");
    std::vector<std::uint8_t> back(bytes.size());
    FUZZ_CHECK(memory.read(s.initrd_addr, back) && back == bytes, "initrd bytes differ in RAM");
  } else {
    FUZZ_CHECK(s.initrd_addr == 0 && s.initrd_size == 0, "an initrd appeared from nowhere");
  }

  const auto zero = memory.read_obj<boot_params>(s.zero_page_addr);
  FUZZ_CHECK(zero.has_value(), "zero page not readable");
  FUZZ_CHECK(zero->hdr.cmd_line_ptr == s.cmdline_addr && zero->hdr.ramdisk_image == s.initrd_addr &&
                 zero->hdr.ramdisk_size == s.initrd_size && zero->hdr.type_of_loader != 0,
             "the zero page does not point at the command line and initrd");
  FUZZ_CHECK(zero->e820_entries == s.e820.size(), "e820 count in the zero page differs");
  for (std::size_t i = 0; i < s.e820.size(); ++i) {
    FUZZ_CHECK(s.e820[i].size > 0, "empty e820 entry");
    if (i > 0) FUZZ_CHECK(s.e820[i - 1].end() <= s.e820[i].addr, "e820 entries overlap or are unsorted");
  }
}

void run(ByteReader& in) {
  const std::uint8_t mode = in.u8();
  const std::uint16_t initrd_units = in.u16();
  const std::size_t initrd_size = (mode & 0x10) ? std::size_t{initrd_units % 1024u} << 12 : initrd_units * 16u;
  const auto cmdline_bytes = in.bytes(255);
  if (mode & 8) check_place_initrd(in);
  const std::vector<std::uint8_t> file = in.rest();

  std::optional<BzImage> image;
  try {
    image = parse_bzimage(file, "fuzz");
  } catch (const BootError& e) {
    check_one_line(e);
    FUZZ_CHECK(!FileHeader(file).bootable(), "refused a file the boot protocol's rules accept: " +
                                                 std::string(e.what()));
    return;
  }
  check_image(*image, file);
  if (!(mode & 1)) return;

  const GuestMemory& memory = ram(mode & 2);
  LinuxBootRequest request;
  request.cmdline.assign(cmdline_bytes.begin(), cmdline_bytes.end());
  if (mode & 4) {
    InitrdImage initrd{"fuzz-initrd", std::vector<std::uint8_t>(initrd_size)};
    for (std::size_t i = 0; i < initrd.bytes.size(); ++i)
      initrd.bytes[i] = static_cast<std::uint8_t>(i * 31 + 7);
    request.initrd = std::move(initrd);
  }
  try {
    const LinuxBoot boot = load_linux(memory, *image, request);
    check_boot(memory, *image, request, boot);
  } catch (const BootError& e) {
    check_one_line(e);
  }
}

}  // namespace
}  // namespace vmm::fuzz

VMM_FUZZ_TARGET(vmm::fuzz::run)
