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
//  - parse_bzimage either throws BootError (a one-line message) or returns an image whose
//    fields are consistent: HdrS magic, boot flag, protocol >= 2.12, XLF_KERNEL_64,
//    LOADED_HIGH; setup_size = (setup_sects + 1) * 512 within the file; the kernel is
//    exactly syssize * 16 bytes right after the setup, inside the file, longer than the
//    64-bit entry offset, its bytes the file's; the header ends within [init_size's end,
//    0x290] and inside the file; a relocatable kernel's alignment is a power of two;
//    cmdline_max and initrd_addr_max follow the protocol's defaults;
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

void check_image(const BzImage& image, const std::vector<std::uint8_t>& file) {
  const setup_header& h = image.header;
  FUZZ_CHECK(image.file == file, "the image does not hold the file as given");
  FUZZ_CHECK(h.header == bzimage::kMagic && h.boot_flag == bzimage::kBootFlag,
             "accepted without magic or boot flag");
  FUZZ_CHECK(image.protocol >= bzimage::kMinProtocol && image.protocol == h.version,
             "accepted an old boot protocol");
  FUZZ_CHECK((h.xloadflags & XLF_KERNEL_64) && (h.loadflags & LOADED_HIGH),
             "accepted without XLF_KERNEL_64 or LOADED_HIGH");
  FUZZ_CHECK(image.setup_sects >= 1 && image.setup_sects <= 255 &&
                 image.setup_size == (image.setup_sects + 1u) * bzimage::kSectorSize &&
                 image.setup_size <= file.size(),
             "setup size inconsistent or beyond the file");
  FUZZ_CHECK(image.kernel_offset == image.setup_size &&
                 image.kernel_size == std::uint64_t{h.syssize} * 16 &&
                 image.kernel_size > bzimage::kEntry64Offset &&
                 image.kernel_size <= file.size() - image.kernel_offset,
             "the protected-mode kernel is not syssize*16 bytes after the setup, in the file");
  const auto kernel = image.kernel();
  FUZZ_CHECK(kernel.size() == image.kernel_size &&
                 std::equal(kernel.begin(), kernel.end(), file.begin() + static_cast<std::ptrdiff_t>(image.kernel_offset)),
             "kernel() is not the file's bytes");
  constexpr std::size_t kInitSizeEnd =
      bzimage::kSetupHeaderOffset + offsetof(setup_header, init_size) + sizeof(h.init_size);
  FUZZ_CHECK(image.header_end >= kInitSizeEnd && image.header_end <= bzimage::kSetupHeaderRoomEnd &&
                 image.header_end <= image.setup_size,
             "the header ends before init_size, past boot_params' room, or past the setup");
  FUZZ_CHECK(image.setup_header_bytes().size() == image.header_end - bzimage::kSetupHeaderOffset,
             "setup_header_bytes() has the wrong length");
  if (image.relocatable)
    FUZZ_CHECK(std::has_single_bit(image.kernel_alignment),
               "relocatable kernel with a non power-of-two alignment");
  FUZZ_CHECK(image.initrd_addr_max != 0, "initrd_addr_max 0 was not replaced by the default");
  if (image.protocol < bzimage::kCmdlineSizeProtocol)
    FUZZ_CHECK(image.cmdline_max == bzimage::kLegacyCmdlineMax, "legacy cmdline limit");
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

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  vmm::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vmm::fuzz::ByteReader in(data, size);
  vmm::fuzz::run(in);
  return 0;
}
