// Where the kernel lives in guest RAM: what vmm copies at the load address, and the larger
// range the kernel then uses to decompress and start (its "runtime" range).
#pragma once

#include <cstdint>

#include "boot/bzimage.h"

namespace vmm {

struct KernelPlacement {
  std::uint64_t load_addr;      // where the protected-mode kernel is copied
  std::uint64_t entry64;        // load_addr + 0x200
  std::uint64_t runtime_start;  // where the kernel will run (see below)
  std::uint64_t end;            // one past everything the kernel may touch before it reads
                                // e820: the copy and [runtime_start, runtime_start+init_size)
};

// Per the boot protocol's init_size rules: a relocatable kernel runs at its load address
// raised to at least pref_address and aligned up to kernel_alignment; a non-relocatable one
// runs at pref_address. A pref_address of 0 (images that leave it unset) means the load
// address. Throws BootError if the result would overflow or start below `load_addr`.
KernelPlacement place_kernel(const BzImage& image, std::uint64_t load_addr);

}  // namespace vmm
