// mkbzimage: wraps the tiny guest's flat binary in a Linux setup header, so vmm loads it
// through the same bzImage path as a real kernel.
//
//   mkbzimage FLAT_BINARY OUTPUT
//
// Output: 4 setup sectors after the boot sector (5 * 512 bytes) holding struct setup_header
// at 0x1f1, then the flat binary padded to 16 bytes (syssize counts 16-byte paragraphs).
// The flat binary must start with struct tiny_image_head (image_format.h), which says where
// it was linked and how much memory it needs beyond the file (.bss, stack) for init_size.
#include <asm/bootparam.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/format.h"
#include "base/page.h"
#include "image_format.h"

namespace {

using vmm::hex;
using vmm::kPageSize;

constexpr std::size_t kSectorSize = 512;
constexpr std::uint8_t kSetupSects = 4;
constexpr std::size_t kSetupSize = (1 + kSetupSects) * kSectorSize;
constexpr std::size_t kHeaderOffset = 0x1f1;
constexpr std::size_t kJumpOffset = 0x200;
constexpr std::uint32_t kHdrSMagic = 0x53726448;  // "HdrS"
constexpr std::uint16_t kProtocol = 0x020f;       // 2.15: every field up to kernel_info_offset
constexpr std::uint32_t kKernelAlignment = 0x200000;
constexpr std::uint32_t kInitrdAddrMax = 0x7fffffff;

static_assert(offsetof(setup_header, jump) + kHeaderOffset == kJumpOffset);
static_assert(offsetof(setup_header, header) + kHeaderOffset == 0x202);
static_assert(offsetof(setup_header, pref_address) + kHeaderOffset == 0x258);
static_assert(offsetof(setup_header, init_size) + kHeaderOffset == 0x260);
static_assert(kHeaderOffset + sizeof(setup_header) < kSetupSize);

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open '" + path + "'");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

tiny_image_head read_head(const std::vector<std::uint8_t>& flat, const std::string& path) {
  tiny_image_head head;
  if (flat.size() < kJumpOffset + 1)
    throw std::runtime_error("'" + path + "' is too small to hold the entry at 0x200");
  std::memcpy(&head, flat.data(), sizeof head);
  if (std::memcmp(head.magic, TINY_IMAGE_MAGIC, TINY_IMAGE_MAGIC_LEN) != 0)
    throw std::runtime_error("'" + path + "' does not start with " TINY_IMAGE_MAGIC
                             " (not the tiny guest's flat binary?)");
  if (head.load_addr != TINY_IMAGE_LOAD_ADDR)
    throw std::runtime_error("image linked at " + hex(head.load_addr) + ", expected " +
                             hex(TINY_IMAGE_LOAD_ADDR));
  if (head.entry != head.load_addr + TINY_IMAGE_ENTRY_OFFSET)
    throw std::runtime_error("entry point is not at load address + 0x200");
  // A section linked after .bss would make objcopy's output larger than the linked image.
  if (head.load_end - head.load_addr != flat.size())
    throw std::runtime_error("flat binary has " + std::to_string(flat.size()) +
                             " bytes but the link says " +
                             std::to_string(head.load_end - head.load_addr));
  if (head.image_end < head.load_end) throw std::runtime_error("image_end below load_end");
  return head;
}

std::vector<std::uint8_t> build_setup(std::uint32_t syssize, std::uint32_t init_size) {
  std::vector<std::uint8_t> setup(kSetupSize, 0);
  setup_header hdr{};
  hdr.setup_sects = kSetupSects;
  hdr.syssize = syssize;
  hdr.vid_mode = 0xffff;  // "normal": no video mode request
  hdr.boot_flag = 0xaa55;
  hdr.header = kHdrSMagic;
  hdr.version = kProtocol;
  hdr.loadflags = LOADED_HIGH;
  hdr.code32_start = TINY_IMAGE_LOAD_ADDR;
  hdr.initrd_addr_max = kInitrdAddrMax;
  hdr.kernel_alignment = kKernelAlignment;
  hdr.relocatable_kernel = 0;
  hdr.min_alignment = 21;  // log2(kernel_alignment)
  hdr.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
  hdr.cmdline_size = TINY_IMAGE_CMDLINE_SIZE;
  hdr.pref_address = TINY_IMAGE_LOAD_ADDR;
  hdr.init_size = init_size;

  // Nothing runs the real-mode setup (vmm enters at the 64-bit entry point), but a loader
  // that did would follow the jump at 0x200: point it at a cli/hlt loop right after the
  // header instead of into the header's own bytes.
  const std::size_t stop = kHeaderOffset + sizeof(setup_header);
  const std::size_t rel = stop - (kJumpOffset + 2);
  static_assert(kHeaderOffset + sizeof(setup_header) - (kJumpOffset + 2) < 0x80);
  hdr.jump = static_cast<std::uint16_t>(0xeb | rel << 8);  // jmp short
  std::memcpy(setup.data() + kHeaderOffset, &hdr, sizeof hdr);
  const std::uint8_t halt_loop[] = {0xfa, 0xf4, 0xeb, 0xfd};  // cli; 1: hlt; jmp 1b
  std::memcpy(setup.data() + stop, halt_loop, sizeof halt_loop);
  return setup;
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& a,
                const std::vector<std::uint8_t>& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot create '" + path + "'");
  out.write(reinterpret_cast<const char*>(a.data()), static_cast<std::streamsize>(a.size()));
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!out.flush()) throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s FLAT_BINARY OUTPUT\n", argv[0]);
    return 2;
  }
  try {
    std::vector<std::uint8_t> kernel = read_file(argv[1]);
    const tiny_image_head head = read_head(kernel, argv[1]);
    kernel.resize((kernel.size() + 15) / 16 * 16, 0);
    const std::uint64_t init_size =
        (head.image_end - head.load_addr + kPageSize - 1) / kPageSize * kPageSize;
    const auto setup = build_setup(static_cast<std::uint32_t>(kernel.size() / 16),
                                   static_cast<std::uint32_t>(init_size));
    write_file(argv[2], setup, kernel);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mkbzimage: error: %s\n", e.what());
    std::remove(argv[2]);
    return 1;
  }
  return 0;
}
