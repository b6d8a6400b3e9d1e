#include "boot/bzimage.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>

#include "base/format.h"
#include "boot/boot_error.h"
#include "boot/file_reader.h"
#include "boot/format.h"

namespace vmm {

namespace {

using boot_format::protocol_version;
using namespace bzimage;

static_assert(kSetupHeaderOffset + sizeof(setup_header) <= kSetupHeaderRoomEnd);

// Copies whatever part of the header the file holds; the rest stays zero, so a short file
// fails the magic check below instead of being read out of bounds.
setup_header read_header(std::span<const std::uint8_t> file) {
  setup_header hdr{};
  if (file.size() > kSetupHeaderOffset) {
    const std::size_t n = std::min(sizeof(hdr), file.size() - kSetupHeaderOffset);
    std::memcpy(&hdr, file.data() + kSetupHeaderOffset, n);
  }
  return hdr;
}

}  // namespace

BzImage parse_bzimage(std::vector<std::uint8_t> file, const std::string& name) {
  const std::string kernel = "kernel '" + name + "'";
  const setup_header hdr = read_header(file);

  if (hdr.header != kMagic)
    throw BootError(kernel + " is not a bzImage (no HdrS magic at " + hex(kMagicOffset) + ")");
  if (hdr.boot_flag != kBootFlag)
    throw BootError(kernel + " is not a bzImage (boot_flag " + hex(hdr.boot_flag) +
                    " at 0x1fe, expected " + hex(kBootFlag) + ")");
  if (hdr.version < kMinProtocol)
    throw BootError(kernel + ": boot protocol " + protocol_version(hdr.version) +
                    " is too old: vmm needs " + protocol_version(kMinProtocol) +
                    " or newer (64-bit entry, XLF_KERNEL_64)");

  BzImage image;
  image.name = name;
  image.header = hdr;
  image.protocol = hdr.version;
  image.setup_sects = hdr.setup_sects == 0 ? 4 : hdr.setup_sects;
  image.setup_size = (image.setup_sects + 1) * kSectorSize;
  if (file.size() < image.setup_size)
    throw BootError(kernel + " is truncated: setup needs " + std::to_string(image.setup_size) +
                    " bytes, file has " + std::to_string(file.size()));

  // The jump at 0x200 lands just past the header, so its displacement gives the header's
  // length; the setup (at least 5 sectors) always holds the whole of it.
  image.header_end = std::min<std::size_t>(kJumpOffset + 2 + file[kJumpOffset + 1],
                                           kSetupHeaderRoomEnd);
  constexpr std::size_t kNeededEnd = kSetupHeaderOffset + offsetof(setup_header, init_size) +
                                     sizeof(setup_header::init_size);
  if (image.header_end < kNeededEnd)
    throw BootError(kernel + " has a setup header ending at " + hex(image.header_end) +
                    " (jump byte at 0x201), too short for boot protocol " +
                    protocol_version(hdr.version) + ": needs fields up to init_size, " +
                    hex(kNeededEnd));
  // Bytes past the header's end are setup code, not fields: keep them out of `header`.
  const std::size_t header_bytes = image.header_end - kSetupHeaderOffset;
  if (header_bytes < sizeof(setup_header))
    std::memset(reinterpret_cast<std::uint8_t*>(&image.header) + header_bytes, 0,
                sizeof(setup_header) - header_bytes);

  if ((hdr.xloadflags & XLF_KERNEL_64) == 0)
    throw BootError(kernel + " has no 64-bit entry point (XLF_KERNEL_64 not set in xloadflags " +
                    hex(hdr.xloadflags) + "): vmm boots only 64-bit kernels");
  if ((hdr.loadflags & LOADED_HIGH) == 0)
    throw BootError(kernel + " is a zImage (LOADED_HIGH not set in loadflags " +
                    hex(hdr.loadflags) + "): vmm loads kernels at 1 MiB");

  const std::uint64_t kernel_size = std::uint64_t{hdr.syssize} * 16;
  if (kernel_size == 0)
    throw BootError(kernel + " has no protected-mode kernel (syssize is 0)");
  if (kernel_size > file.size() - image.setup_size)
    throw BootError(kernel + " is truncated: setup (" + std::to_string(image.setup_size) +
                    " bytes) plus kernel (syssize " + hex(hdr.syssize) + " = " +
                    std::to_string(kernel_size) + " bytes) needs " +
                    std::to_string(image.setup_size + kernel_size) + " bytes, file has " +
                    std::to_string(file.size()));
  if (kernel_size <= kEntry64Offset)
    throw BootError(kernel + " is too small for a 64-bit entry at offset " +
                    hex(kEntry64Offset) + " (protected-mode kernel has " +
                    std::to_string(kernel_size) + " bytes)");
  image.kernel_offset = image.setup_size;
  image.kernel_size = kernel_size;

  image.relocatable = hdr.relocatable_kernel != 0;
  image.kernel_alignment = hdr.kernel_alignment;
  if (image.relocatable && !std::has_single_bit(image.kernel_alignment))
    throw BootError(kernel + " is relocatable but its kernel_alignment " +
                    hex(image.kernel_alignment) + " is not a power of two");
  image.init_size = hdr.init_size;
  image.pref_address = hdr.pref_address;
  image.cmdline_max = hdr.version >= kCmdlineSizeProtocol ? hdr.cmdline_size : kLegacyCmdlineMax;
  image.initrd_addr_max = hdr.initrd_addr_max != 0 ? hdr.initrd_addr_max : kLegacyInitrdAddrMax;

  image.file = std::move(file);
  return image;
}

BzImage read_bzimage(const std::string& path) {
  return parse_bzimage(read_whole_file(path, "kernel", kMaxKernelFileBytes, "vmm loads as a kernel"),
                       path);
}

}  // namespace vmm
