// A Linux bzImage, parsed and validated against what vmm needs: boot protocol 2.12 or newer
// with a 64-bit entry point (XLF_KERNEL_64), loaded high. Facts from the Linux x86 boot
// protocol (Documentation/arch/x86/boot.rst); offsets below are file offsets.
#pragma once

#include <asm/bootparam.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vmm {

namespace bzimage {
inline constexpr std::size_t kSetupHeaderOffset = 0x1f1;  // struct setup_header starts here
inline constexpr std::size_t kJumpOffset = 0x200;         // 2-byte jump; its 2nd byte sizes the header
inline constexpr std::size_t kMagicOffset = 0x202;
inline constexpr std::uint32_t kMagic = 0x53726448;  // "HdrS", little-endian
inline constexpr std::uint16_t kBootFlag = 0xaa55;
inline constexpr std::uint16_t kMinProtocol = 0x020c;  // 2.12: first with xloadflags
inline constexpr std::uint16_t kCmdlineSizeProtocol = 0x0206;  // cmdline_size exists from 2.06
inline constexpr std::uint32_t kLegacyCmdlineMax = 255;         // limit before 2.06
inline constexpr std::uint32_t kLegacyInitrdAddrMax = 0x37ffffff;  // when the field is 0
inline constexpr std::size_t kSectorSize = 512;
// The protected-mode kernel's 64-bit entry point, relative to where it is loaded.
inline constexpr std::uint64_t kEntry64Offset = 0x200;
// boot_params has room for the header up to here (edd_mbr_sig_buffer follows), so a newer
// kernel's longer header is copied whole even if our setup_header struct lacks its fields.
inline constexpr std::size_t kSetupHeaderRoomEnd = 0x290;
}  // namespace bzimage

struct BzImage {
  std::string name;                // the file name, for messages
  std::vector<std::uint8_t> file;  // the whole file as read

  // The header as found in the file (fields past the image's header end read as zero).
  setup_header header{};
  std::size_t header_end = 0;  // file offset one past the header: 0x202 + byte at 0x201,
                               // capped at kSetupHeaderRoomEnd
  std::uint16_t protocol = 0;
  unsigned setup_sects = 0;  // with the "0 means 4" rule applied
  std::size_t setup_size = 0;  // (setup_sects + 1) * 512: the real-mode part, not loaded

  // The protected-mode kernel: file[kernel_offset, kernel_offset + kernel_size), exactly
  // syssize * 16 bytes; trailing bytes (signatures, padding) are not part of it.
  std::size_t kernel_offset = 0;
  std::size_t kernel_size = 0;

  std::uint32_t init_size = 0;          // linear memory the kernel needs from its runtime start
  std::uint64_t pref_address = 0;       // preferred load address (relocatable) / run address
  std::uint32_t kernel_alignment = 0;   // power of two when relocatable
  bool relocatable = false;
  std::uint32_t cmdline_max = 0;        // longest command line, excluding the NUL
  std::uint32_t initrd_addr_max = 0;    // highest address the initrd's last byte may occupy

  std::span<const std::uint8_t> kernel() const {
    return std::span(file).subspan(kernel_offset, kernel_size);
  }
  // The bytes a loader copies into boot_params.hdr: [0x1f1, header_end).
  std::span<const std::uint8_t> setup_header_bytes() const {
    return std::span(file).subspan(bzimage::kSetupHeaderOffset,
                                   header_end - bzimage::kSetupHeaderOffset);
  }
};

// Validates `file` as a bzImage vmm can boot and takes ownership of it. `name` goes into
// every BootError ("kernel 'name' is not a bzImage (no HdrS magic at 0x202)").
BzImage parse_bzimage(std::vector<std::uint8_t> file, const std::string& name);

// The largest kernel file vmm reads: distribution bzImages are 5-15 MiB, debug builds with
// everything built in stay well below this; a bigger file is not a kernel.
inline constexpr std::uint64_t kMaxKernelFileBytes = 256ull << 20;

// read_whole_file(path, "kernel") then parse_bzimage: what `vmm --kernel path` does.
BzImage read_bzimage(const std::string& path);

}  // namespace vmm
