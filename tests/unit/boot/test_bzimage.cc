#include "tests/unit/boot/test_bzimage.h"

#include <asm/bootparam.h>

namespace vmm::testing {

std::vector<std::uint8_t> make_bzimage(const ImageSpec& spec) {
  const std::size_t setup_size = (spec.setup_sects + 1u) * 512u;
  std::vector<std::uint8_t> image(setup_size + spec.kernel_size, 0);
  // Setup code bytes after the header, so tests see whether the parser stops at header end.
  for (std::size_t i = 0x26c; i < setup_size; ++i) image[i] = 0xcc;

  setup_header hdr{};
  hdr.setup_sects = spec.setup_sects;
  hdr.syssize = static_cast<std::uint32_t>(spec.kernel_size / 16);
  hdr.boot_flag = 0xaa55;
  hdr.jump = static_cast<std::uint16_t>(0xeb | ((0x26c - 0x202) << 8));  // jmp to header end
  hdr.header = 0x53726448;
  hdr.version = spec.version;
  hdr.loadflags = spec.loadflags;
  hdr.initrd_addr_max = spec.initrd_addr_max;
  hdr.kernel_alignment = spec.kernel_alignment;
  hdr.relocatable_kernel = spec.relocatable;
  hdr.xloadflags = spec.xloadflags;
  hdr.cmdline_size = spec.cmdline_size;
  hdr.pref_address = spec.pref_address;
  hdr.init_size = spec.init_size;
  hdr.vid_mode = 0xffff;
  std::memcpy(image.data() + 0x1f1, &hdr, sizeof(hdr));

  for (std::size_t i = 0; i < spec.kernel_size; ++i) image[setup_size + i] = kernel_byte(i);
  return image;
}

}  // namespace vmm::testing
