#include "boot/zero_page.h"

#include <cstring>
#include <string>

#include "boot/boot_error.h"

namespace vmm {

namespace {

constexpr std::uint8_t kLoaderTypeUndefined = 0xff;  // no boot loader ID assigned to vmm
static_assert(sizeof(boot_params) == 4096);

}  // namespace

boot_params build_zero_page(const BzImage& image, const ZeroPageInputs& in) {
  boot_params bp;
  std::memset(&bp, 0, sizeof(bp));

  const auto header = image.setup_header_bytes();
  std::memcpy(reinterpret_cast<std::uint8_t*>(&bp) + bzimage::kSetupHeaderOffset,
              header.data(), header.size());

  bp.hdr.type_of_loader = kLoaderTypeUndefined;
  // LOADED_HIGH: the kernel is at 1 MiB. KEEP_SEGMENTS only matters to the 32-bit entry.
  bp.hdr.loadflags |= LOADED_HIGH;
  bp.hdr.hardware_subarch = X86_SUBARCH_PC;
  bp.hdr.hardware_subarch_data = 0;

  // The 64-bit addresses are split into the header field (low half) and the boot_params
  // ext_ field (high half); both are written so either generation of kernel reads them.
  bp.hdr.cmd_line_ptr = static_cast<std::uint32_t>(in.cmdline_addr);
  bp.ext_cmd_line_ptr = static_cast<std::uint32_t>(in.cmdline_addr >> 32);
  bp.hdr.ramdisk_image = static_cast<std::uint32_t>(in.initrd_addr);
  bp.ext_ramdisk_image = static_cast<std::uint32_t>(in.initrd_addr >> 32);
  bp.hdr.ramdisk_size = static_cast<std::uint32_t>(in.initrd_size);
  bp.ext_ramdisk_size = static_cast<std::uint32_t>(in.initrd_size >> 32);
  bp.hdr.setup_data = in.setup_data_head;

  if (in.e820.size() > E820_MAX_ENTRIES_ZEROPAGE)
    throw BootError("memory map has " + std::to_string(in.e820.size()) +
                    " e820 entries, the zero page holds at most " +
                    std::to_string(E820_MAX_ENTRIES_ZEROPAGE));
  bp.e820_entries = static_cast<std::uint8_t>(in.e820.size());
  for (std::size_t i = 0; i < in.e820.size(); ++i) {
    bp.e820_table[i].addr = in.e820[i].addr;
    bp.e820_table[i].size = in.e820[i].size;
    bp.e820_table[i].type = static_cast<std::uint32_t>(in.e820[i].type);
  }
  return bp;
}

}  // namespace vmm
