// The zero page (struct boot_params): the kernel's setup header as the image carries it,
// plus what the loader fills in (loader type, command line, initrd, setup_data, e820).
#pragma once

#include <asm/bootparam.h>

#include <cstdint>
#include <span>

#include "boot/bzimage.h"
#include "boot/e820.h"

namespace vmm {

struct ZeroPageInputs {
  std::uint64_t cmdline_addr = 0;
  std::uint64_t initrd_addr = 0;  // both 0 without an initrd
  std::uint64_t initrd_size = 0;
  std::uint64_t setup_data_head = 0;  // 0: no setup_data chain
  std::span<const E820Entry> e820;
};

// Starts from an all-zero boot_params, as the protocol asks, so nothing of the image beyond
// its setup header leaks in. Throws BootError when e820 has more entries than fit (128).
boot_params build_zero_page(const BzImage& image, const ZeroPageInputs& inputs);

}  // namespace vmm
